//! `[backend] kind = "selfcommunity"`: gateway B reads from gateway A, which serves the demo
//! store and speaks SelfCommunity. SelfCommunity callers' goldens, paging and error rows run
//! through B in `selfcommunity` (`matrix_sc!`), and the published JS client's paging loop in
//! `selfcommunity_client`; here: every other inbound endpoint through B against A (exact,
//! lossy with what differs, or refused), mapped callers, the call budget and the calls each
//! page takes. Faults of the upstream: `selfcommunity_upstream_faults`.

use crate::common::{
    demo_gateway, demo_ids, selfcommunity_parts, send, test_config, use_selfcommunity, Answer, Gw,
};
use crate::rocketchat_upstream::{is_refusal, RC_ANA, SC_ANA, SC_KENJI};
use serde_json::Value;
use std::path::Path;
use threadgate::config::{BackendConfig, Config, UpstreamAuthConfig, UpstreamAuthMode};
use threadgate::idmap::Kind;

const RC_CHLOE: [(&str, &str); 2] = [
    ("X-User-Id", "2vs9gdu89HRJqmvaa"),
    (
        "X-Auth-Token",
        "hRK1VDlFFebEVhW5TgIVv1d04etirxoQpLcNoCXG42L",
    ),
];
pub(crate) const DANA: &str = "tg_bearer_dana.reyes_dvwvywzysfj9cd10";
pub(crate) const PRIYA: &str = "tg_bearer_priya.raman_aa4qlgr6ch27ga94";
pub(crate) const MARCUS: &str = "tg_bearer_marcus.wei_j5lb0aw0hrwvuk9q";

/// A credentials file made from the demo tokens: each user's own bearer token.
pub(crate) fn bearer_credentials(dir: &Path) -> String {
    crate::common::credentials_file(dir, "bearer")
}

/// Gateway B in front of the SelfCommunity server at `url`: mapped (with `[auth]
/// directory` = the demo directory) when `credentials` is given, else passthrough.
pub(crate) async fn gateway_b(
    url: String,
    credentials: Option<String>,
    tweak: impl FnOnce(&mut Config),
) -> Gw {
    let mut config = test_config();
    use_selfcommunity(&mut config, &url);
    if let (Some(path), BackendConfig::SelfCommunity(sc)) = (credentials, &mut config.backend) {
        sc.auth = UpstreamAuthConfig {
            mode: UpstreamAuthMode::Mapped,
            credentials: path,
        };
        config.auth.directory = crate::common::root()
            .join("config/demo")
            .display()
            .to_string();
    }
    config.server.request_timeout_ms = 2_000;
    tweak(&mut config);
    let parts = selfcommunity_parts(&config).await;
    Gw::around(
        threadgate::server::start_with(config, parts)
            .await
            .expect("gateway B starts"),
    )
}

/// B's call budget, raised (walking the busy conversation takes 23 calls).
pub(crate) fn budget(calls: usize) -> impl FnOnce(&mut Config) {
    move |c: &mut Config| {
        if let BackendConfig::SelfCommunity(sc) = &mut c.backend {
            sc.max_calls_per_request = calls;
        }
    }
}

/// `GET` on gateway A.
pub(crate) async fn ask_a(path: &str, headers: &[(&str, &str)]) -> Answer {
    let req = headers.iter().fold(
        reqwest::Client::new().get(format!("http://{}{path}", demo_gateway())),
        |r, (k, v)| r.header(*k, *v),
    );
    send(req).await
}

pub(crate) async fn ask(gw: &Gw, path: &str, headers: &[(&str, &str)]) -> Answer {
    let req = headers
        .iter()
        .fold(gw.get(path), |r, (k, v)| r.header(*k, *v));
    send(req).await
}

fn bearer(token: &str) -> [(&'static str, String); 1] {
    [("Authorization", format!("Bearer {token}"))]
}

/// A's canonical id of what its SelfCommunity face numbers `n`.
fn a_id(kind: Kind, n: i64) -> String {
    demo_ids()
        .id_of(kind, n)
        .expect("id map")
        .expect("a demo integer")
}

/// The upstream calls B made so far, from its metrics.
async fn calls_histogram(b: &Gw) -> String {
    send(b.http.get(format!("{}/metrics", b.admin)))
        .await
        .body
        .lines()
        .filter(|l| l.starts_with("threadgate_upstream_calls_per_request"))
        .collect::<Vec<_>>()
        .join("\n")
}

// ---- SelfCommunity callers ----------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_me_through_b_is_as_at_a_but_ext_id() {
    let b = gateway_b(format!("http://{}", demo_gateway()), None, |_| {}).await;
    let [(k, v)] = bearer(DANA);
    let want = ask_a("/api/v2/user/me/", &[(k, &v)]).await;
    let got = ask(&b, "/api/v2/user/me/", &[(k, &v)]).await;
    assert_eq!((got.status, want.status), (200, 200), "{}", got.body);
    for h in ["content-type", "vary", "allow"] {
        assert_eq!(got.header(h), want.header(h), "{h}");
    }
    // The principal is the upstream's user 105: B's canonical id is "105", which it writes
    // as `ext_id` where A writes its own canonical id.
    assert_eq!(
        got.body,
        want.body
            .replace(r#""ext_id":"AJ2tqXDhYkEoaXoBc""#, r#""ext_id":"105""#)
    );
    assert_ne!(got.body, want.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_of_up_to_100_messages_is_one_call_and_the_budget_refuses_a_walk() {
    let b = gateway_b(format!("http://{}", demo_gateway()), None, |_| {}).await;
    for query in ["thread=501&limit=20", "thread=501&limit=100&offset=2000"] {
        let path = format!("/api/v2/pm/?{query}");
        let got = ask(&b, &path, &SC_ANA).await;
        let want = ask_a(&path, &SC_ANA).await;
        assert_eq!(got.status, 200, "{}", got.body);
        // Links name each gateway's own address.
        let a_base = format!("http://{}", demo_gateway());
        assert_eq!(got.body, want.body.replace(&a_base, &b.base), "{query}");
    }
    // A Quip page excludes hidden messages, which pm/ has no parameter for: the
    // conversation is walked newest first until the page is full. The newest 25: one call.
    let [(k, v)] = bearer("tg_bearer_ana.lima_l3jtt175u58vgxn0");
    let a = ask(&b, "/1/messages/501", &[(k, &v)]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json().as_array().map(Vec::len), Some(25));
    // Messages created before 1970: none, known only at the end of the 2,286 messages,
    // 23 calls, past the default budget of 20.
    let a = ask(&b, "/1/messages/501?max_created_usec=1000", &[(k, &v)]).await;
    assert_eq!(a.status, 501, "{}", a.body);
    assert_eq!(
        a.body,
        r#"{"error":"Not Implemented","error_code":501,"error_description":"Not answerable through this gateway's upstream: a request needing more than 20 upstream calls"}"#
    );
    let label = format!(
        "backend=\"selfcommunity:127.0.0.1:{}\"",
        demo_gateway().port()
    );
    let metrics = calls_histogram(&b).await;
    for line in [
        format!("threadgate_upstream_calls_per_request_count{{{label}}} 4"),
        format!("threadgate_upstream_calls_per_request_sum{{{label}}} 23"),
        format!("threadgate_upstream_calls_per_request_bucket{{{label},le=\"1\"}} 3"),
        format!("threadgate_upstream_calls_per_request_bucket{{{label},le=\"20\"}} 4"),
    ] {
        assert!(metrics.contains(&line), "{line} in\n{metrics}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mapped_selfcommunity_callers_read_with_their_own_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("upstream.jsonl");
    // Ana has her bearer token; kenji only a Rocket.Chat line, which SelfCommunity does
    // not take; nobody else has one.
    let tokens = format!(
        "{}\n{}\n",
        r#"{"user_id":"vSt4xaDt4dQRTjJYe","scheme":"bearer","token":"tg_bearer_ana.lima_l3jtt175u58vgxn0"}"#,
        r#"{"user_id":"wnWPgRuQDB3TzxiZq","scheme":"rocketchat","upstream_user_id":"x","token":"y"}"#
    );
    std::fs::write(&path, tokens).expect("write");
    let url = format!("http://{}", demo_gateway());
    let b = gateway_b(url, Some(path.display().to_string()), |_| {}).await;
    let got = ask(&b, "/api/v2/pm/?thread=501&limit=20", &SC_ANA).await;
    let want = ask_a("/api/v2/pm/?thread=501&limit=20", &SC_ANA).await;
    let a_base = format!("http://{}", demo_gateway());
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.body, want.body.replace(&a_base, &b.base));
    let forbidden = r#"{"detail":"You do not have permission to perform this action."}"#;
    for (who, query) in [(&SC_KENJI, "thread=501"), (&SC_KENJI, "user=101")] {
        let a = ask(&b, &format!("/api/v2/pm/?{query}"), who).await;
        assert_eq!((a.status, a.body.as_str()), (403, forbidden), "{query}");
    }
    let [(k, v)] = bearer(DANA);
    let a = ask(&b, "/api/v2/pm/?thread=503", &[(k, &v)]).await;
    assert_eq!((a.status, a.body.as_str()), (403, forbidden));
    // A wrong token is 401 (the directory's), before any of that.
    let a = ask(
        &b,
        "/api/v2/pm/?thread=501",
        &[("Authorization", "Bearer no")],
    )
    .await;
    assert_eq!(a.status, 401, "{}", a.body);
    // user/me/ is the directory's principal: its id is no upstream integer, so the map
    // gives it one of its own, from 2^52 on (never one the upstream's could be).
    let me = ask(&b, "/api/v2/user/me/", &SC_ANA).await.json();
    assert_eq!(me["id"].as_i64(), Some(threadgate::idmap::OWN_FROM));
    assert_eq!(
        (me["username"].as_str(), me["ext_id"].as_str()),
        (Some("ana.lima"), Some("vSt4xaDt4dQRTjJYe"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rocketchat_caller_in_passthrough_mode_is_401() {
    // X-User-Id and X-Auth-Token are no SelfCommunity credential.
    let b = gateway_b(format!("http://{}", demo_gateway()), None, |_| {}).await;
    let a = ask(&b, "/api/v1/dm.history?roomId=102", &RC_ANA).await;
    assert_eq!(a.status, 401, "{}", a.body);
}

// ---- Rocket.Chat callers (mapped: their credential is no bearer token) -----------------------

/// `msg`, `ts` and the author's username of each message of a Rocket.Chat answer.
fn rc_messages(a: &Answer) -> Vec<(String, String, String)> {
    a.json()["messages"]
        .as_array()
        .unwrap_or_else(|| panic!("messages: {}", a.body))
        .iter()
        .map(|m| {
            (
                m["msg"].as_str().unwrap_or_default().to_owned(),
                m["ts"].as_str().unwrap_or_default().to_owned(),
                m["u"]["username"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rocketchat_callers_get_the_same_messages_by_walking_or_a_refusal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let creds = bearer_credentials(dir.path());
    let url = format!("http://{}", demo_gateway());
    let b = gateway_b(url, Some(creds), budget(100)).await;
    // dm.history by the peer's id (kenji: A's wnWPg…, the upstream's 102): the same
    // messages, times and authors; ids are the upstream's integers. A SelfCommunity
    // conversation is flat: the upstream does not say which messages are thread replies
    // (A's SelfCommunity face includes them), so they are in the history as if
    // `showThreadMessages=true` had been asked.
    for (a_query, b_query) in [
        ("roomId=wnWPgRuQDB3TzxiZq&count=20", "roomId=102&count=20"),
        (
            "roomId=wnWPgRuQDB3TzxiZq&count=50&offset=2250",
            "roomId=102&count=50&offset=2250",
        ),
        (
            "roomId=wnWPgRuQDB3TzxiZq&latest=2026-02-01T00:00:00.000Z&count=30",
            "roomId=102&latest=2026-02-01T00:00:00.000Z&count=30",
        ),
    ] {
        let want = ask_a(
            &format!("/api/v1/dm.history?{a_query}&showThreadMessages=true"),
            &RC_ANA,
        )
        .await;
        let got = ask(&b, &format!("/api/v1/dm.history?{b_query}"), &RC_ANA).await;
        assert_eq!(
            (got.status, want.status),
            (200, 200),
            "{b_query}: {}",
            got.body
        );
        assert!(!rc_messages(&want).is_empty(), "{a_query}");
        assert_eq!(rc_messages(&got), rc_messages(&want), "{b_query}");
        let first = &got.json()["messages"][0];
        assert!(
            first["_id"]
                .as_str()
                .is_some_and(|id| id.parse::<u64>().is_ok()),
            "{first}"
        );
        for key in ["count", "offset", "total", "success"] {
            assert_eq!(got.json()[key], want.json()[key], "{b_query}: {key}");
        }
    }
    // rooms.info: a conversation's kind is read off its newest message; the room id is the
    // upstream's integer where A writes its own id.
    for (n, kind, who) in [(501, "d", &RC_ANA), (502, "p", &RC_CHLOE)] {
        let a_room = a_id(Kind::Room, n);
        let want = ask_a(&format!("/api/v1/rooms.info?roomId={a_room}"), who).await;
        let got = ask(&b, &format!("/api/v1/rooms.info?roomId={n}"), who).await;
        let body = format!(r#"{{"room":{{"_id":"{n}","t":"{kind}"}},"success":true}}"#);
        assert_eq!((got.status, got.body.as_str()), (200, body.as_str()), "{n}");
        assert_eq!(
            (want.status, want.body.replace(&a_room, &n.to_string())),
            (200, body)
        );
    }
    // Not a member: the upstream's 403, as A says it.
    let want = ask_a(
        &format!("/api/v1/rooms.info?roomId={}", a_id(Kind::Room, 502)),
        &RC_ANA,
    )
    .await;
    let got = ask(&b, "/api/v1/rooms.info?roomId=502", &RC_ANA).await;
    assert_eq!((got.status, &got.body), (400, &want.body));
    // What SelfCommunity cannot say: a thread's replies, unreads.
    let refusals = [
        (
            "/api/v1/chat.getThreadMessages?tmid=1002",
            "a thread's replies",
        ),
        (
            "/api/v1/dm.history?roomId=102&unreads=true",
            "unreads (SelfCommunity keeps no read marks the gateway can see)",
        ),
    ];
    for (path, what) in refusals {
        let a = ask(&b, path, &RC_ANA).await;
        assert!(is_refusal(&a), "{path}: {} {}", a.status, a.body);
        assert_eq!(
            a.body,
            format!(
                r#"{{"success":false,"error":"Not answerable through this gateway's upstream: {what} [error-unsupported-by-upstream]","errorType":"error-unsupported-by-upstream"}}"#
            ),
            "{path}"
        );
    }
    // `me` is the directory's principal: as at A, byte for byte.
    let got = ask(&b, "/api/v1/me", &RC_ANA).await;
    let want = ask_a("/api/v1/me", &RC_ANA).await;
    assert_eq!((got.status, got.body.as_str()), (200, want.body.as_str()));
    // The newest 20: one call. From offset 2250: the whole conversation, 23 calls of
    // 100. The 30 before 1 February: walked until the page is full, 14 calls. rooms.info
    // asks channel (no call: never a SelfCommunity conversation), group, then direct (a
    // call each) for 501, channel then group for 502 (chloe, and ana, whom the upstream
    // refuses: a call each; the refusal ends the lookup); the refusals took no call.
    let label = format!(
        "backend=\"selfcommunity:127.0.0.1:{}\"",
        demo_gateway().port()
    );
    let metrics = calls_histogram(&b).await;
    for line in [
        format!("threadgate_upstream_calls_per_request_count{{{label}}} 12"),
        format!("threadgate_upstream_calls_per_request_sum{{{label}}} 42"),
        format!("threadgate_upstream_calls_per_request_bucket{{{label},le=\"0\"}} 5"),
        format!("threadgate_upstream_calls_per_request_bucket{{{label},le=\"1\"}} 10"),
        format!("threadgate_upstream_calls_per_request_bucket{{{label},le=\"20\"}} 11"),
        format!("threadgate_upstream_calls_per_request_bucket{{{label},le=\"50\"}} 12"),
    ] {
        assert!(metrics.contains(&line), "{line} in\n{metrics}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_map_that_numbered_another_backend_is_refused_at_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("idmap.sqlite").display().to_string();
    // A map filled from the demo pins, as a gateway over the store starts one.
    let sources = threadgate::idmap::Sources {
        legacy_store: None,
        pins: Some(crate::common::root().join("config/demo")),
    };
    drop(threadgate::idmap::IdMap::open_path(&path, &sources).expect("opens"));
    let mut config = test_config();
    use_selfcommunity(&mut config, &format!("http://{}", demo_gateway()));
    config.idmap.path = Some(path);
    let err = threadgate::server::start(config)
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(err.contains("id map"), "{err}");
    assert!(err.contains("needs a map of its own"), "{err}");
}

// ---- Quip callers (passthrough: their bearer token goes upstream) -------------------------

/// The keys of a Quip message that B writes differently from A (the upstream's integers as
/// ids) or not at all (what SelfCommunity does not carry).
const QUIP_LOST_OR_RENUMBERED: [&str; 6] = [
    "id",
    "author_id",
    "updated_usec",
    "like_user_ids",
    "annotation",
    "parts",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quip_callers_get_the_same_messages_with_the_upstreams_ids() {
    let b = gateway_b(format!("http://{}", demo_gateway()), None, budget(100)).await;
    let [(k, v)] = bearer(PRIYA);
    let room = a_id(Kind::Room, 503);
    let all = ask_a(&format!("/1/messages/{room}"), &[(k, &v)])
        .await
        .json();
    let third = all[2]["created_usec"].as_i64().expect("a third message");
    let bounded = format!("?count=2&max_created_usec={third}");
    for query in ["", "?count=3", bounded.as_str()] {
        let want = ask_a(&format!("/1/messages/{room}{query}"), &[(k, &v)]).await;
        let got = ask(&b, &format!("/1/messages/503{query}"), &[(k, &v)]).await;
        assert_eq!(
            (got.status, want.status),
            (200, 200),
            "{query}: {}",
            got.body
        );
        let (got, want) = (got.json(), want.json());
        let (got, want) = (got.as_array().unwrap(), want.as_array().unwrap());
        assert_eq!(got.len(), want.len(), "{query}");
        assert!(!want.is_empty(), "{query}");
        for (g, w) in got.iter().zip(want) {
            let strip = |m: &Value| {
                let mut m = m.as_object().unwrap().clone();
                m.retain(|k, _| !QUIP_LOST_OR_RENUMBERED.contains(&k.as_str()));
                m
            };
            assert_eq!(strip(g), strip(w), "{query}");
            assert!(g["id"].as_str().unwrap().parse::<u64>().is_ok(), "{g}");
            assert_eq!(g["author_id"] == "108", w["author_name"] == "Priya Raman");
        }
    }
    // Edit records and update times: SelfCommunity keeps neither.
    for (query, what) in [
        ("message_type=edit", "edit records"),
        ("updated_since_usec=1", "bounds on update times"),
    ] {
        let a = ask(&b, &format!("/1/messages/503?{query}"), &[(k, &v)]).await;
        assert_eq!(
            (a.status, a.body),
            (
                501,
                format!(
                    r#"{{"error":"Not Implemented","error_code":501,"error_description":"Not answerable through this gateway's upstream: {what}"}}"#
                )
            ),
            "{query}"
        );
    }
    // Company-admin reads: SelfCommunity has no company admins.
    let [(k, v)] = bearer(MARCUS);
    let a = ask(&b, "/1/admin/messages/503?company_id=northwind", &[(k, &v)]).await;
    assert_eq!(a.status, 501, "{}", a.body);
    assert_eq!(
        a.body,
        r#"{"error":"Not Implemented","error_code":501,"error_description":"Not answerable through this gateway's upstream: company-admin access"}"#
    );
    // The principal is the upstream's user 108.
    let [(k, v)] = bearer(PRIYA);
    let a = ask(&b, "/1/users/current", &[(k, &v)]).await;
    assert_eq!(
        (a.status, a.body.as_str()),
        (200, r#"{"name":"priya.raman","id":"108"}"#)
    );
}
