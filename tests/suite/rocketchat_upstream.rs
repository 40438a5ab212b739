//! `[backend] kind = "rocketchat"`: gateway B reads from gateway A, which serves the demo
//! store and speaks Rocket.Chat. Rocket.Chat callers pass their credential through (their
//! goldens run through B in `rocketchat_thread` and `rocketchat_dm`); SelfCommunity and
//! Quip callers are checked against `[auth] directory` and read with their own mapped
//! credential (what each case answers: `rocketchat_mapped`). Faults of the
//! upstream (down, slow, 5xx, garbage, 429) in every inbound dialect's shape, from a
//! stand-in server that answers `me` through A and misbehaves on every other route.

use crate::common::{demo_gateway, http_parts, send, test_config, Answer, Gw};
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;
use threadgate::config::{
    BackendConfig, Config, RocketChatBackendConfig, UpstreamAuthConfig, UpstreamAuthMode,
};

pub(crate) const RC_ANA: [(&str, &str); 2] = [
    ("X-User-Id", "vSt4xaDt4dQRTjJYe"),
    (
        "X-Auth-Token",
        "e2r9S9vbhzil4mJnQfKuuMq5UrbYi2IaDHUiuhIG6GC",
    ),
];
pub(crate) const SC_ANA: [(&str, &str); 1] = [(
    "Authorization",
    "Bearer tg_bearer_ana.lima_l3jtt175u58vgxn0",
)];
pub(crate) const SC_KENJI: [(&str, &str); 1] = [(
    "Authorization",
    "Bearer tg_bearer_kenji.sato_wbfahl3mhkaq218d",
)];
pub(crate) const SC_CHLOE: [(&str, &str); 1] = [(
    "Authorization",
    "Bearer tg_bearer_chloe.martin_emvzage4086m9fos",
)];
pub(crate) const QUIP_MARCUS: [(&str, &str); 1] = [(
    "Authorization",
    "Bearer tg_bearer_marcus.wei_j5lb0aw0hrwvuk9q",
)];
pub(crate) const QUIP_PRIYA: [(&str, &str); 1] = [(
    "Authorization",
    "Bearer tg_bearer_priya.raman_aa4qlgr6ch27ga94",
)];

/// A credentials file made from the demo tokens: each user's own Rocket.Chat token.
pub(crate) fn demo_credentials(dir: &Path) -> String {
    crate::common::credentials_file(dir, "rocketchat")
}

/// Gateway B in front of `url`: mapped when `credentials` is given, else passthrough.
pub(crate) async fn gateway_b(
    url: String,
    credentials: Option<String>,
    tweak: impl FnOnce(&mut Config),
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
    config.backend = BackendConfig::RocketChat(RocketChatBackendConfig {
        url,
        auth,
        ..RocketChatBackendConfig::default()
    });
    config.server.request_timeout_ms = 2_000;
    tweak(&mut config);
    let parts = http_parts(&config).await;
    Gw::around(
        threadgate::server::start_with(config, parts)
            .await
            .expect("gateway B starts"),
    )
}

pub(crate) async fn ask(gw: &Gw, path: &str, headers: &[(&str, &str)]) -> Answer {
    let req = headers
        .iter()
        .fold(gw.get(path), |r, (k, v)| r.header(*k, *v));
    send(req).await
}

/// The message ids of a 200 answer of any dialect, in order.
pub(crate) fn message_ids(a: &Answer) -> Vec<String> {
    let body = a.json();
    let list = body
        .get("results")
        .or_else(|| body.get("messages"))
        .unwrap_or(&body);
    list.as_array()
        .unwrap_or_else(|| panic!("no message list: {}", a.body))
        .iter()
        .map(|m| {
            m["id"]
                .as_i64()
                .map_or_else(|| m["id"].to_string(), |n| n.to_string())
        })
        .collect()
}

pub(crate) fn is_refusal(a: &Answer) -> bool {
    a.status == 501
        && a.body
            .contains("Not answerable through this gateway's upstream")
}

/// A path, the caller's headers, the status and the exact body.
type Refusal = (
    &'static str,
    &'static [(&'static str, &'static str)],
    u16,
    &'static str,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mapped_caller_without_an_upstream_credential_is_forbidden_as_the_platform_says() {
    // Authenticated by the directory (a valid credential), but not readable upstream: the
    // platform's answer to an authenticated caller who may not read the target.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("upstream.jsonl");
    // Kenji's line is a bearer token, which Rocket.Chat does not take; nobody else has one.
    std::fs::write(
        &path,
        "{\"user_id\":\"wnWPgRuQDB3TzxiZq\",\"scheme\":\"bearer\",\"token\":\"b\"}\n",
    )
    .expect("write");
    let url = format!("http://{}", demo_gateway());
    let b = gateway_b(url, Some(path.display().to_string()), |_| {}).await;
    let cases: [Refusal; 6] = [
        (
            "/api/v2/pm/?user=102",
            &SC_ANA,
            403,
            r#"{"detail":"You do not have permission to perform this action."}"#,
        ),
        (
            "/api/v2/pm/?thread=502",
            &SC_KENJI,
            403,
            r#"{"detail":"You do not have permission to perform this action."}"#,
        ),
        (
            "/1/messages/vCPRIcENZyp",
            &QUIP_PRIYA,
            403,
            r#"{"error":"Forbidden","error_code":403,"error_description":"Not authorized: vCPRIcENZyp"}"#,
        ),
        (
            "/api/v1/dm.history?roomId=wnWPgRuQDB3TzxiZq",
            &RC_ANA,
            403,
            r#"{"success":false,"error":"unauthorized"}"#,
        ),
        (
            "/api/v1/chat.getThreadMessages?tmid=hwid5RgAfuvaSBZbM",
            &RC_ANA,
            400,
            r#"{"success":false,"error":"Not Allowed [error-not-allowed]","errorType":"error-not-allowed"}"#,
        ),
        (
            "/api/v1/rooms.info?roomId=GENERAL",
            &RC_ANA,
            400,
            r#"{"success":false,"error":"not-allowed","errorType":"Not Allowed"}"#,
        ),
    ];
    for (path, headers, status, body) in cases {
        let a = ask(&b, path, headers).await;
        assert_eq!((a.status, a.body.as_str()), (status, body), "{path}");
    }
    // A wrong credential is still 401, before any of that.
    let a = ask(
        &b,
        "/api/v2/pm/?user=102",
        &[("Authorization", "Bearer tg_bearer_nobody")],
    )
    .await;
    assert_eq!(a.status, 401, "{}", a.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bearer_caller_in_passthrough_mode_is_401() {
    // The caller's own credential cannot go upstream: it is not a credential there.
    let b = gateway_b(format!("http://{}", demo_gateway()), None, |_| {}).await;
    let a = ask(&b, "/api/v2/pm/?user=102", &SC_ANA).await;
    assert_eq!(a.status, 401, "{}", a.body);
    let a = ask(&b, "/1/messages/vCPRIcENZyp", &QUIP_PRIYA).await;
    assert_eq!(a.status, 401, "{}", a.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_past_the_call_budget_is_refused_in_the_dialect() {
    let b = gateway_b(format!("http://{}", demo_gateway()), None, |_| {}).await;
    let a = ask(&b, "/api/v1/dm.history?roomId=kenji.sato&count=0", &RC_ANA).await;
    assert_eq!(a.status, 501);
    assert_eq!(
        a.body,
        r#"{"success":false,"error":"Not answerable through this gateway's upstream: a request needing more than 20 upstream calls [error-unsupported-by-upstream]","errorType":"error-unsupported-by-upstream"}"#
    );
    let ok = ask(
        &b,
        "/api/v1/dm.history?roomId=kenji.sato&count=100",
        &RC_ANA,
    )
    .await;
    assert_eq!(ok.status, 200);
    let metrics = send(b.http.get(format!("{}/metrics", b.admin))).await.body;
    let label = format!("backend=\"rocketchat:127.0.0.1:{}\"", demo_gateway().port());
    for line in [
        format!("threadgate_upstream_calls_per_request_count{{{label}}} 2"),
        // The refused page took the whole budget, the other one call.
        format!("threadgate_upstream_calls_per_request_bucket{{{label},le=\"1\"}} 1"),
        format!("threadgate_upstream_calls_per_request_bucket{{{label},le=\"20\"}} 2"),
    ] {
        assert!(metrics.contains(&line), "{line} in\n{metrics}");
    }
}

// ---- faults of the upstream ---------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Fault {
    Garbage,
    NotAnObject,
    ServerError,
    RateLimited,
    Slow,
}

async fn misbehave(fault: Fault) -> http::Response<Full<Bytes>> {
    let (status, body): (u16, &[u8]) = match fault {
        Fault::Garbage => (200, b"<html>surprise</html>"),
        Fault::NotAnObject => (200, br#"{"messages":[{"_id":1}],"success":true}"#),
        Fault::ServerError => (500, b"{\"success\":false}"),
        Fault::RateLimited => (
            429,
            br#"{"success":false,"error":"Error, too many requests. Please slow down. You must wait 7 seconds before trying this endpoint again. [error-too-many-requests]"}"#,
        ),
        Fault::Slow => {
            tokio::time::sleep(Duration::from_secs(10)).await;
            (200, b"{}")
        }
    };
    let mut resp = http::Response::new(Full::new(Bytes::from_static(body)));
    *resp.status_mut() = http::StatusCode::from_u16(status).expect("status");
    resp.headers_mut().insert(
        "content-type",
        http::HeaderValue::from_static("application/json"),
    );
    if matches!(fault, Fault::RateLimited) {
        let reset = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_millis()
            + 6_500;
        resp.headers_mut().insert(
            "x-ratelimit-reset",
            http::HeaderValue::from_str(&reset.to_string()).expect("header"),
        );
    }
    resp
}

/// `GET /api/v1/me` through gateway A (so callers authenticate for real); every other
/// route answered as `fault` says.
async fn stand_in(fault: Fault) -> SocketAddr {
    let a = demo_gateway();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let service =
                hyper::service::service_fn(move |req: http::Request<Incoming>| async move {
                    if req.uri().path() != "/api/v1/me" {
                        return Ok::<_, Infallible>(misbehave(fault).await);
                    }
                    let mut out = reqwest::Client::new().get(format!("http://{a}/api/v1/me"));
                    for name in ["x-user-id", "x-auth-token"] {
                        if let Some(v) = req.headers().get(name) {
                            out = out.header(name, v.as_bytes());
                        }
                    }
                    let resp = out.send().await.expect("gateway A answers");
                    let status = resp.status();
                    let body = resp.bytes().await.expect("body");
                    let mut back = http::Response::new(Full::new(body));
                    *back.status_mut() = status;
                    Ok(back)
                });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
            );
        }
    });
    addr
}

pub(crate) const UNAVAILABLE: [(u16, &str); 3] = [
    (
        502,
        r#"{"success":false,"error":"Upstream unavailable [error-upstream-unavailable]","errorType":"error-upstream-unavailable"}"#,
    ),
    (
        503,
        r#"{"detail":"Service temporarily unavailable, try again later."}"#,
    ),
    (
        502,
        r#"{"error":"Bad Gateway","error_code":502,"error_description":"Upstream unavailable"}"#,
    ),
];
pub(crate) const TIMEOUT: [(u16, &str); 3] = [
    (
        504,
        r#"{"success":false,"error":"Upstream timed out [error-upstream-timeout]","errorType":"error-upstream-timeout"}"#,
    ),
    (504, r#"{"detail":"Upstream timed out, try again later."}"#),
    (
        504,
        r#"{"error":"Gateway Timeout","error_code":504,"error_description":"Upstream timed out"}"#,
    ),
];

/// The three dialects' requests to B: Rocket.Chat passes through, the others are mapped.
async fn three(url: String, timeout_ms: u64) -> [Answer; 3] {
    let dir = tempfile::tempdir().expect("tempdir");
    let creds = demo_credentials(dir.path());
    let set = |c: &mut Config| {
        if let BackendConfig::RocketChat(rc) = &mut c.backend {
            rc.timeout_ms = timeout_ms;
        }
    };
    let rc = gateway_b(url.clone(), None, set).await;
    let mapped = gateway_b(url, Some(creds), set).await;
    [
        ask(
            &rc,
            "/api/v1/chat.getThreadMessages?tmid=hwid5RgAfuvaSBZbM",
            &RC_ANA,
        )
        .await,
        // Both ask rooms.info first (a room by id): the first call meets the fault.
        ask(&mapped, "/api/v2/pm/?thread=501", &SC_ANA).await,
        ask(&mapped, "/1/messages/vCPRIcENZyp", &QUIP_PRIYA).await,
    ]
}

fn expect(answers: &[Answer; 3], want: &[(u16, &str); 3], label: &str) {
    for (a, (status, body)) in answers.iter().zip(want) {
        assert_eq!((a.status, a.body.as_str()), (*status, *body), "{label}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_that_is_down_is_unavailable_in_every_dialect() {
    let gone = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let answers = three(format!("http://{gone}"), 1_000).await;
    // Rocket.Chat callers authenticate upstream: that call fails first, the same way.
    expect(&answers, &UNAVAILABLE, "down");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_server_errors_are_unavailable_in_every_dialect() {
    for fault in [Fault::Garbage, Fault::NotAnObject, Fault::ServerError] {
        let addr = stand_in(fault).await;
        let answers = three(format!("http://{addr}"), 1_000).await;
        expect(&answers, &UNAVAILABLE, &format!("{fault:?}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_upstream_is_a_timeout_in_every_dialect() {
    let addr = stand_in(Fault::Slow).await;
    let started = std::time::Instant::now();
    let answers = three(format!("http://{addr}"), 300).await;
    expect(&answers, &TIMEOUT, "slow");
    assert!(started.elapsed() < Duration::from_secs(8), "no hang");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_429_is_the_dialects_rate_limit_answer_with_the_wait() {
    let addr = stand_in(Fault::RateLimited).await;
    let [rc, sc, quip] = three(format!("http://{addr}"), 1_000).await;
    assert_eq!(rc.status, 429, "{}", rc.body);
    assert_eq!(
        rc.body,
        r#"{"success":false,"error":"Error, too many requests. Please slow down. You must wait 7 seconds before trying this endpoint again. [error-too-many-requests]"}"#
    );
    assert_eq!(sc.status, 429, "{}", sc.body);
    assert_eq!(sc.header("retry-after"), Some("7"));
    assert_eq!(
        sc.body,
        r#"{"detail":"Request was throttled. Expected available in 7 seconds."}"#
    );
    assert_eq!(quip.status, 503, "{}", quip.body);
    assert!(quip.body.contains("Over Rate Limit"), "{}", quip.body);
}

// ---- the planner on canonical queries ------------------------------------------------------

/// B's backend asked directly, with Ana's credential passed through, against the store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oldest_first_pages_and_totals_are_walked_exactly() {
    use threadgate::backend::QueryContext;
    use threadgate::canonical::{
        Credential, Order, Principal, RoomKind, Slice, Target, ThreadQuery,
    };
    let mut config = test_config();
    crate::common::use_rocketchat(&mut config, &format!("http://{}", demo_gateway()));
    let built = threadgate::backend::build(&config.backend)
        .await
        .expect("builds");
    let ana = Principal {
        user_id: "vSt4xaDt4dQRTjJYe".into(),
        username: "ana.lima".into(),
        admin_of: Vec::new(),
    };
    let ctx = QueryContext {
        credential: Some(Credential::UserToken {
            user_id: RC_ANA[0].1.into(),
            token: RC_ANA[1].1.into(),
        }),
        ..QueryContext::default()
    };
    for (order, offset, limit) in [
        (Order::Ascending, 0, Some(40)),
        (Order::Ascending, 2250, Some(100)),
        (Order::Descending, 7, Some(250)),
    ] {
        let mut q = ThreadQuery::new(
            ana.clone(),
            Target::Room("vSt4xaDt4dQRTjJYewnWPgRuQDB3TzxiZq".into()),
        );
        q.require_kind = Some(RoomKind::Direct);
        q.order = order;
        q.slice = Slice::Offset { offset, limit };
        q.want_total = true;
        let want = crate::common::store_query(&q)
            .await
            .expect("the store answers");
        let got = built.backend.query(&q, &ctx).await.expect("B answers");
        let ids = |p: &threadgate::canonical::Page| {
            p.messages.iter().map(|m| m.id.clone()).collect::<Vec<_>>()
        };
        assert_eq!(ids(&got), ids(&want), "{order:?} {offset}");
        assert_eq!(got.total, want.total, "{order:?} {offset}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_credentials_file_stops_the_start_naming_key_file_and_line_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("upstream.jsonl");
    std::fs::write(
        &path,
        "{\"user_id\":\"a\",\"scheme\":\"rocketchat\",\"upstream_user_id\":\"a\",\"token\":\"t\"}\n{\"user_id\":\"b\",\"scheme\":\"rocketchat\",\"token\":\"hunter2-secret\"}\n",
    )
    .expect("write");
    let mut config = test_config();
    config.auth.directory = crate::common::root()
        .join("config/demo")
        .display()
        .to_string();
    config.backend = BackendConfig::RocketChat(RocketChatBackendConfig {
        url: format!("http://{}", demo_gateway()),
        auth: UpstreamAuthConfig {
            mode: UpstreamAuthMode::Mapped,
            credentials: path.display().to_string(),
        },
        ..RocketChatBackendConfig::default()
    });
    let err = threadgate::server::start(config)
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(err.contains("backend.auth.credentials"), "{err}");
    assert!(
        err.contains(&format!("{}: line 2", path.display())),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");
}
