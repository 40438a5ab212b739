//! `[backend] kind = "quip"`: gateway B reads from gateway A (the demo store, whose Quip face
//! serves every room as a Quip thread by its id), through a counting forwarder on loopback
//! so that each test can assert how many calls B made upstream. For every inbound endpoint
//! of the three dialects, B's answer against A's: exact, lossy (what differs, asserted), or
//! refused; identity and the Admin API's authority. Offset paging and totals over Quip's
//! cursors: `quip_paging`; faults of the upstream: `quip_upstream_faults`.

use crate::common::{demo_gateway, http_parts, test_config, Answer, Gw};
use crate::rocketchat_upstream::{
    ask, is_refusal, QUIP_MARCUS, QUIP_PRIYA, RC_ANA, SC_ANA, SC_CHLOE,
};
use http_body_util::Full;
use hyper::body::Incoming;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use threadgate::config::{
    BackendConfig, Config, QuipBackendConfig, UpstreamAuthConfig, UpstreamAuthMode,
};

/// The 2,287-message direct room of Ana and Kenji, as a Quip thread.
pub(crate) const BIG_DM: &str = "vSt4xaDt4dQRTjJYewnWPgRuQDB3TzxiZq";
/// A Quip document of company `northwind`.
pub(crate) const DOC: &str = "vCPRIcENZyp";

/// A loopback forwarder in front of gateway A that counts the messages calls through it.
pub(crate) struct Counter {
    pub addr: SocketAddr,
    calls: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
}

impl Counter {
    /// Messages calls forwarded so far (`/1/messages/`, `/1/admin/messages/`).
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// Requests of any route forwarded so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// In front of gateway A: forwards every request to A unchanged (method, path and query, headers), and its
    /// answer back.
    pub async fn start() -> Counter {
        Counter::before(demo_gateway()).await
    }

    /// The same in front of the gateway at `a`.
    pub async fn before(a: SocketAddr) -> Counter {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = calls.clone();
        let requests = Arc::new(AtomicUsize::new(0));
        let all = requests.clone();
        let client = reqwest::Client::new();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let counted = counted.clone();
                let all = all.clone();
                let client = client.clone();
                let service = hyper::service::service_fn(move |req: http::Request<Incoming>| {
                    let counted = counted.clone();
                    let client = client.clone();
                    all.fetch_add(1, Ordering::SeqCst);
                    async move {
                        let path = req.uri().path();
                        if path.starts_with("/1/messages/")
                            || path.starts_with("/1/admin/messages/")
                        {
                            counted.fetch_add(1, Ordering::SeqCst);
                        }
                        let target = req.uri().path_and_query().map_or("/", |p| p.as_str());
                        let mut out = client.get(format!("http://{a}{target}"));
                        for (name, value) in req.headers() {
                            if name != http::header::HOST {
                                out = out.header(name, value);
                            }
                        }
                        let resp = out.send().await.expect("gateway A answers");
                        let mut back = http::Response::builder().status(resp.status());
                        for (name, value) in resp.headers() {
                            back = back.header(name, value);
                        }
                        let body = resp.bytes().await.expect("body");
                        Ok::<_, Infallible>(back.body(Full::new(body)).expect("response"))
                    }
                });
                tokio::spawn(
                    hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
                );
            }
        });
        Counter {
            addr,
            calls,
            requests,
        }
    }
}

/// A credentials file of the demo users' own bearer tokens (their Quip credential).
pub(crate) fn bearer_credentials(dir: &Path) -> String {
    crate::common::credentials_file(dir, "bearer")
}

/// Gateway B (`kind = "quip"`) in front of `url`: mapped when `credentials` is given
/// (callers checked against the demo directory), else passthrough.
pub(crate) async fn quip_b(
    url: String,
    credentials: Option<String>,
    tweak: impl FnOnce(&mut QuipBackendConfig),
) -> Gw {
    let mut config = test_config();
    let mut auth = UpstreamAuthConfig::default();
    if let Some(path) = credentials {
        auth = UpstreamAuthConfig {
            mode: UpstreamAuthMode::Mapped,
            credentials: path,
        };
        config.auth.directory = crate::common::root()
            .join("config/demo")
            .display()
            .to_string();
    }
    let mut quip = QuipBackendConfig {
        url,
        auth,
        ..QuipBackendConfig::default()
    };
    tweak(&mut quip);
    config.backend = BackendConfig::Quip(quip);
    config.server.request_timeout_ms = 5_000;
    start(config).await
}

async fn start(config: Config) -> Gw {
    let parts = http_parts(&config).await;
    Gw::around(
        threadgate::server::start_with(config, parts)
            .await
            .expect("gateway B starts"),
    )
}

/// What gateway B answers for a case, compared with gateway A.
#[derive(Debug)]
enum Through {
    /// A's answer: status, body and content type, byte for byte.
    Exact,
    /// The same messages in the same order; in each message the keys listed differ (Quip
    /// does not carry them) and every other key is A's.
    Lossy(&'static [&'static str]),
    /// 501 naming what a Quip upstream cannot select.
    Refused(&'static str),
}

/// Who asks (passthrough or mapped gateway B), the path, the caller's headers, and what B
/// answers.
type Case = (
    bool,
    &'static str,
    &'static [(&'static str, &'static str)],
    Through,
);

/// What Rocket.Chat messages lose through Quip: the author's username and name (`u` keeps
/// its `_id`), and the thread fields (`tmid`, `tshow` of a reply; `tcount`, `tlm`,
/// `replies` of a root): a Quip message names no parent.
const RC_LOST: &[&str] = &["replies", "tcount", "tlm", "tmid", "tshow", "u"];

const MAPPED: bool = true;
const PASSTHROUGH: bool = false;

/// Every case; `docs/upstreams.md` names them by their query.
const CASES: &[Case] = &[
    // Quip callers: Quip over Quip is A's answer byte for byte.
    (PASSTHROUGH, "/1/users/current", &QUIP_PRIYA, Through::Exact),
    (MAPPED, "/1/users/current", &QUIP_PRIYA, Through::Exact),
    (PASSTHROUGH, "/1/messages/AJ2tqXDhYkEoaXoBcvDstRKMvtHPAYJks4", &QUIP_PRIYA, Through::Exact),
    (MAPPED, "/1/messages/AJ2tqXDhYkEoaXoBcvDstRKMvtHPAYJks4", &QUIP_PRIYA, Through::Exact),
    (PASSTHROUGH, "/1/messages/AJ2tqXDhYkEoaXoBcvDstRKMvtHPAYJks4?count=3&sorted_by=ASC", &QUIP_PRIYA, Through::Exact),
    (PASSTHROUGH, "/1/messages/vCPRIcENZyp", &QUIP_PRIYA, Through::Exact),
    (PASSTHROUGH, "/1/messages/vCPRIcENZyp?message_type=edit", &QUIP_PRIYA, Through::Exact),
    (PASSTHROUGH, "/1/messages/vCPRIcENZyp?count=2&max_created_usec=1770886800000000", &QUIP_PRIYA, Through::Exact),
    (PASSTHROUGH, "/1/messages/vCPRIcENZyp?updated_since_usec=1&count=5", &QUIP_PRIYA, Through::Exact),
    (PASSTHROUGH, "/1/messages/GENERAL?count=100", &QUIP_PRIYA, Through::Exact),
    (PASSTHROUGH, "/1/messages/0tJCEAP50Oj", &QUIP_MARCUS, Through::Exact),
    (PASSTHROUGH, "/1/messages/NoSuchThread", &QUIP_PRIYA, Through::Exact),
    (PASSTHROUGH, "/1/messages/vCPRIcENZyp?count=abc", &QUIP_PRIYA, Through::Exact),
    (PASSTHROUGH, "/1/admin/messages/vCPRIcENZyp?company_id=northwind", &QUIP_MARCUS, Through::Exact),
    (MAPPED, "/1/admin/messages/vCPRIcENZyp?company_id=northwind&include_deleted=true", &QUIP_MARCUS, Through::Exact),
    (PASSTHROUGH, "/1/admin/messages/vCPRIcENZyp?company_id=northwind", &QUIP_PRIYA, Through::Exact),
    (MAPPED, "/1/admin/messages/vCPRIcENZyp?company_id=northwind", &QUIP_PRIYA, Through::Exact),
    (PASSTHROUGH, "/1/admin/messages/0tJCEAP50Oj?company_id=northwind", &QUIP_MARCUS, Through::Exact),
    // Rocket.Chat callers (mapped: their token is no Quip credential).
    (MAPPED, "/api/v1/me", &RC_ANA, Through::Exact),
    (MAPPED, "/api/v1/dm.history?roomId=vSt4xaDt4dQRTjJYewnWPgRuQDB3TzxiZq&showThreadMessages=true&count=20", &RC_ANA, Through::Lossy(RC_LOST)),
    (MAPPED, "/api/v1/dm.history?roomId=vSt4xaDt4dQRTjJYewnWPgRuQDB3TzxiZq&showThreadMessages=true&count=50&offset=1000", &RC_ANA, Through::Lossy(RC_LOST)),
    (MAPPED, "/api/v1/im.history?roomId=vSt4xaDt4dQRTjJYewnWPgRuQDB3TzxiZq&showThreadMessages=true&count=30&offset=2270", &RC_ANA, Through::Lossy(RC_LOST)),
    (MAPPED, "/api/v1/dm.history?roomId=vSt4xaDt4dQRTjJYewnWPgRuQDB3TzxiZq&showThreadMessages=true&count=10&oldest=2026-01-12T08:15:00.000Z", &RC_ANA, Through::Lossy(RC_LOST)),
    (MAPPED, "/api/v1/dm.history?roomId=vSt4xaDt4dQRTjJYewnWPgRuQDB3TzxiZq&count=20", &RC_ANA, Through::Refused("a conversation without its thread replies")),
    (MAPPED, "/api/v1/dm.history?roomId=vSt4xaDt4dQRTjJYewnWPgRuQDB3TzxiZq&showThreadMessages=true&unreads=true", &RC_ANA, Through::Refused("unreads")),
    (MAPPED, "/api/v1/chat.getThreadMessages?tmid=hwid5RgAfuvaSBZbM", &RC_ANA, Through::Refused("a thread's replies")),
    (MAPPED, "/api/v1/rooms.info?roomId=GENERAL", &RC_ANA, Through::Refused("a room's kind")),
    // SelfCommunity callers.
    (PASSTHROUGH, "/api/v2/user/me/", &SC_ANA, Through::Exact),
    (MAPPED, "/api/v2/user/me/", &SC_ANA, Through::Exact),
    (MAPPED, "/api/v2/pm/?thread=501", &SC_ANA, Through::Refused("hidden without deleted")),
    (PASSTHROUGH, "/api/v2/pm/?user=102", &SC_ANA, Through::Refused("hidden without deleted")),
    (MAPPED, "/api/v2/pm/?group=1&limit=20", &SC_CHLOE, Through::Refused("a group's conversation")),
    (MAPPED, "/api/v2/pm/", &SC_ANA, Through::Refused("a conversation list")),
];

/// The keys of a Rocket.Chat message that differ between two answers.
fn differing_keys(got: &serde_json::Value, want: &serde_json::Value) -> Vec<String> {
    let (Some(g), Some(w)) = (got.as_object(), want.as_object()) else {
        return vec!["<not objects>".into()];
    };
    let mut keys: Vec<String> = g
        .keys()
        .chain(w.keys())
        .filter(|k| g.get(*k) != w.get(*k))
        .cloned()
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// The ids of a message list of any dialect (`_id` of Rocket.Chat, else `id`), in order.
pub(crate) fn ids(a: &Answer) -> Vec<String> {
    messages_of(a)
        .iter()
        .map(|m| m.get("_id").unwrap_or(&m["id"]).to_string())
        .collect()
}

pub(crate) fn messages_of(a: &Answer) -> Vec<serde_json::Value> {
    let body = a.json();
    body.get("messages")
        .or(Some(&body))
        .and_then(|m| m.as_array())
        .cloned()
        .unwrap_or_else(|| panic!("no message list: {}", a.body))
}

/// Checks B's answer against A's for one case.
fn compare(path: &str, through: &Through, got: &Answer, want: &Answer) {
    match through {
        Through::Exact => {
            assert_eq!(
                (got.status, &got.body, got.header("content-type")),
                (want.status, &want.body, want.header("content-type")),
                "{path}"
            );
        }
        Through::Lossy(lost) => {
            assert_eq!(
                (got.status, want.status),
                (200, 200),
                "{path}: {}",
                got.body
            );
            assert_eq!(ids(got), ids(want), "{path}");
            let (g, w) = (messages_of(got), messages_of(want));
            assert!(!g.is_empty(), "{path}: some messages");
            let mut all: Vec<String> = g
                .iter()
                .zip(&w)
                .flat_map(|(a, b)| differing_keys(a, b))
                .collect();
            all.sort();
            all.dedup();
            assert!(all.contains(&"u".to_owned()), "{path}: {all:?}");
            for (gm, wm) in g.iter().zip(&w) {
                assert_eq!(gm["u"]["_id"], wm["u"]["_id"], "{path}");
                for key in differing_keys(gm, wm) {
                    assert!(
                        lost.contains(&key.as_str()),
                        "{path}: `{key}` differs: {} vs {}",
                        gm[&key],
                        wm[&key]
                    );
                }
            }
            // Outside the message list the bodies are the same.
            let strip = |a: &Answer| {
                let mut v = a.json();
                v["messages"] = serde_json::Value::Null;
                v
            };
            assert_eq!(strip(got), strip(want), "{path}");
        }
        Through::Refused(what) => {
            assert!(
                is_refusal(got) && got.body.contains(what),
                "{path}: {}",
                got.body
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_inbound_endpoint_is_exact_lossy_or_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let counter = Counter::start().await;
    let passthrough = quip_b(counter.url(), None, |_| {}).await;
    let mapped = quip_b(counter.url(), Some(bearer_credentials(dir.path())), |_| {}).await;
    let a = Gw::default().await;
    for (is_mapped, path, headers, through) in CASES {
        let b = if *is_mapped { &mapped } else { &passthrough };
        let want = ask(&a, path, headers).await;
        let before = counter.calls();
        let got = ask(b, path, headers).await;
        compare(path, through, &got, &want);
        if matches!(through, Through::Refused(_)) {
            assert_eq!(counter.calls(), before, "{path}: refused before any call");
        }
    }
}

// ---- identity and authority -----------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_api_reads_only_for_admins_of_the_company_themselves() {
    use threadgate::config::QuipApi;
    let dir = tempfile::tempdir().expect("tempdir");
    let counter = Counter::start().await;
    let admin = |c: &mut QuipBackendConfig| {
        c.quip.api = QuipApi::Admin;
        c.quip.company_id = "northwind".into();
    };
    let mapped = quip_b(counter.url(), Some(bearer_credentials(dir.path())), admin).await;
    let passthrough = quip_b(counter.url(), None, admin).await;
    let a = Gw::default().await;
    // Marcus administers northwind: a member's read goes to the Admin API, whose answer
    // (every thread of the company, his or not) is A's admin answer byte for byte.
    let want = ask(
        &a,
        &format!("/1/admin/messages/{DOC}?company_id=northwind"),
        &QUIP_MARCUS,
    )
    .await;
    assert_eq!(want.status, 200, "{}", want.body);
    for b in [&mapped, &passthrough] {
        let got = ask(b, &format!("/1/messages/{DOC}"), &QUIP_MARCUS).await;
        assert_eq!((got.status, &got.body), (200, &want.body));
    }
    // Priya does not: the directory says so (mapped, no call), the upstream says so to her
    // own token (passthrough); either way the answer names the company.
    let forbidden =
        r#"{"error":"Forbidden","error_code":403,"error_description":"Not authorized: northwind"}"#;
    let before = counter.calls();
    let got = ask(&mapped, &format!("/1/messages/{DOC}"), &QUIP_PRIYA).await;
    assert_eq!((got.status, got.body.as_str()), (403, forbidden));
    assert_eq!(counter.calls(), before, "refused before any call");
    let got = ask(&passthrough, &format!("/1/messages/{DOC}"), &QUIP_PRIYA).await;
    assert_eq!((got.status, got.body.as_str()), (403, forbidden));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mapped_caller_without_a_bearer_line_is_forbidden_as_the_platform_says() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("quip-upstream.jsonl");
    // Priya's line is a Rocket.Chat token, which Quip does not take; nobody else has one.
    std::fs::write(
        &path,
        "{\"user_id\":\"vDstRKMvtHPAYJks4\",\"scheme\":\"rocketchat\",\"upstream_user_id\":\"vDstRKMvtHPAYJks4\",\"token\":\"t\"}\n",
    )
    .expect("write");
    let counter = Counter::start().await;
    let b = quip_b(counter.url(), Some(path.display().to_string()), |_| {}).await;
    type Refusal = (
        String,
        &'static [(&'static str, &'static str)],
        u16,
        &'static str,
    );
    let cases: [Refusal; 2] = [
        (
            format!("/1/messages/{DOC}"),
            &QUIP_PRIYA,
            403,
            r#"{"error":"Forbidden","error_code":403,"error_description":"Not authorized: vCPRIcENZyp"}"#,
        ),
        (
            format!("/api/v1/dm.history?roomId={BIG_DM}&showThreadMessages=true"),
            &RC_ANA,
            403,
            r#"{"success":false,"error":"unauthorized"}"#,
        ),
    ];
    for (path, headers, status, body) in cases {
        let a = ask(&b, &path, headers).await;
        assert_eq!((a.status, a.body.as_str()), (status, body), "{path}");
    }
    assert_eq!(counter.calls(), 0);
    // A credential the directory does not know is still 401, before any of that.
    let a = ask(
        &b,
        "/1/messages/vCPRIcENZyp",
        &[("Authorization", "Bearer nobody")],
    )
    .await;
    assert_eq!(a.status, 401, "{}", a.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rocketchat_caller_in_passthrough_mode_is_401() {
    // Their X-User-Id/X-Auth-Token cannot go to Quip, which takes bearer tokens.
    let b = quip_b(format!("http://{}", demo_gateway()), None, |_| {}).await;
    let a = ask(
        &b,
        &format!("/api/v1/dm.history?roomId={BIG_DM}&showThreadMessages=true"),
        &RC_ANA,
    )
    .await;
    assert_eq!(a.status, 401, "{}", a.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passthrough_sends_other_quip_routes_upstream_unchanged() {
    let counter = Counter::start().await;
    let off = quip_b(counter.url(), None, |_| {}).await;
    let on = quip_b(counter.url(), None, |c| c.passthrough = true).await;
    let a = Gw::default().await;
    let path = "/1/threads/vCPRIcENZyp?x=1";
    let want = ask(&a, path, &QUIP_PRIYA).await;
    // Off: B's own answer to a route it does not serve, no request upstream.
    let before = counter.requests();
    let got = ask(&off, path, &QUIP_PRIYA).await;
    assert_eq!((got.status, &got.body), (want.status, &want.body));
    assert_eq!(counter.requests(), before);
    // On: the request goes to A as it is, and A's answer comes back.
    let got = ask(&on, path, &QUIP_PRIYA).await;
    assert_eq!((got.status, &got.body), (want.status, &want.body));
    assert_eq!(counter.requests(), before + 1);
}

/// One credentials file with a Rocket.Chat line and a bearer line for the same users serves
/// a Quip upstream: it reads the bearer lines (a Rocket.Chat gateway would read the others).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_credentials_file_with_both_schemes_reads_the_bearer_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rc_lines =
        std::fs::read_to_string(crate::rocketchat_upstream::demo_credentials(dir.path()))
            .expect("rocketchat lines");
    let bearer_lines =
        std::fs::read_to_string(bearer_credentials(dir.path())).expect("bearer lines");
    let both = dir.path().join("both.jsonl");
    std::fs::write(&both, format!("{rc_lines}{bearer_lines}")).expect("write");
    let b = quip_b(
        format!("http://{}", demo_gateway()),
        Some(both.display().to_string()),
        |_| {},
    )
    .await;
    let a = Gw::default().await;
    let path = "/1/messages/AJ2tqXDhYkEoaXoBcvDstRKMvtHPAYJks4?count=5";
    let want = ask(&a, path, &QUIP_PRIYA).await;
    let got = ask(&b, path, &QUIP_PRIYA).await;
    assert_eq!(want.status, 200, "{}", want.body);
    assert_eq!((got.status, got.body), (want.status, want.body));
}
