//! Faults of a Quip upstream (down, slow, 5xx, garbage, 429), each in every inbound
//! dialect's shape: gateway B (`kind = "quip"`) in front of a stand-in server that answers
//! `users/current` through gateway A and misbehaves on the other routes.

use crate::common::{demo_gateway, Answer};
use crate::quip_upstream::{bearer_credentials, quip_b, BIG_DM, DOC};
use crate::rocketchat_upstream::{ask, QUIP_PRIYA, RC_ANA, SC_ANA};
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use std::convert::Infallible;
use std::net::SocketAddr;
use threadgate::config::QuipBackendConfig;

#[derive(Debug, Clone, Copy)]
enum Fault {
    Garbage,
    NotAnArray,
    ServerError,
    RateLimited,
    Slow,
}

async fn misbehave(fault: Fault) -> http::Response<Full<Bytes>> {
    let (status, body): (u16, &[u8]) = match fault {
        Fault::Garbage => (200, b"<html>surprise</html>"),
        Fault::NotAnArray => (200, br#"{"messages":[{"id":1}]}"#),
        Fault::ServerError => (500, b"{\"error\":\"Internal\"}"),
        Fault::RateLimited => (
            429,
            br#"{"error":"Too Many Requests","error_code":429,"error_description":"Over Rate Limit"}"#,
        ),
        Fault::Slow => {
            tokio::time::sleep(std::time::Duration::from_secs(10)).await;
            (200, b"[]")
        }
    };
    let mut resp = http::Response::new(Full::new(Bytes::from_static(body)));
    *resp.status_mut() = http::StatusCode::from_u16(status).expect("status");
    let headers = resp.headers_mut();
    headers.insert(
        "content-type",
        http::HeaderValue::from_static("application/json"),
    );
    if matches!(fault, Fault::RateLimited) {
        let reset = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs()
            + 7;
        headers.insert("x-ratelimit-remaining", http::HeaderValue::from_static("0"));
        headers.insert(
            "x-ratelimit-reset",
            http::HeaderValue::from_str(&reset.to_string()).expect("header"),
        );
    }
    resp
}

/// An upstream that answers `GET /1/users/current` through A (so passthrough callers
/// authenticate for real) unless `everything`, and every other route as `fault` says.
async fn stand_in(fault: Fault, everything: bool) -> SocketAddr {
    let a = demo_gateway();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let service =
                hyper::service::service_fn(move |req: http::Request<Incoming>| async move {
                    if everything || req.uri().path() != "/1/users/current" {
                        return Ok::<_, Infallible>(misbehave(fault).await);
                    }
                    let mut out = reqwest::Client::new().get(format!("http://{a}/1/users/current"));
                    if let Some(v) = req.headers().get("authorization") {
                        out = out.header("authorization", v.as_bytes());
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

const UNAVAILABLE: [(u16, &str); 3] = [
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
const TIMEOUT: [(u16, &str); 3] = [
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

/// The three dialects' requests to B in front of `url` (or, for SelfCommunity, whose every
/// answerable request but `user/me/` is refused before a call, `all_url`, which fails
/// `users/current` too): Rocket.Chat mapped, SelfCommunity and Quip passthrough.
async fn three(url: String, all_url: String, timeout_ms: u64) -> [Answer; 3] {
    let dir = tempfile::tempdir().expect("tempdir");
    let creds = bearer_credentials(dir.path());
    let set = |c: &mut QuipBackendConfig| c.timeout_ms = timeout_ms;
    let mapped = quip_b(url.clone(), Some(creds), set).await;
    let passthrough = quip_b(url, None, set).await;
    let all = quip_b(all_url, None, set).await;
    [
        ask(
            &mapped,
            &format!("/api/v1/dm.history?roomId={BIG_DM}&showThreadMessages=true"),
            &RC_ANA,
        )
        .await,
        ask(&all, "/api/v2/user/me/", &SC_ANA).await,
        ask(&passthrough, &format!("/1/messages/{DOC}"), &QUIP_PRIYA).await,
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
    let url = format!("http://{gone}");
    let answers = three(url.clone(), url, 1_000).await;
    // Quip callers authenticate upstream: that call fails first, the same way.
    expect(&answers, &UNAVAILABLE, "down");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_server_errors_are_unavailable_in_every_dialect() {
    for fault in [Fault::Garbage, Fault::NotAnArray, Fault::ServerError] {
        let some = stand_in(fault, false).await;
        let all = stand_in(fault, true).await;
        let answers = three(format!("http://{some}"), format!("http://{all}"), 1_000).await;
        expect(&answers, &UNAVAILABLE, &format!("{fault:?}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_upstream_is_a_timeout_in_every_dialect() {
    let some = stand_in(Fault::Slow, false).await;
    let all = stand_in(Fault::Slow, true).await;
    let answers = three(format!("http://{some}"), format!("http://{all}"), 300).await;
    expect(&answers, &TIMEOUT, "slow");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_429_is_the_dialects_rate_limit_answer_with_the_wait() {
    let some = stand_in(Fault::RateLimited, false).await;
    let all = stand_in(Fault::RateLimited, true).await;
    let [rc, sc, quip] = three(format!("http://{some}"), format!("http://{all}"), 1_000).await;
    assert_eq!(rc.status, 429, "{}", rc.body);
    let wait = crate::common::rc_too_many_wait(&rc, "rocketchat");
    assert!((6..=7).contains(&wait), "{wait}");
    assert_eq!(sc.status, 429, "{}", sc.body);
    assert!(
        sc.body
            .starts_with(r#"{"detail":"Request was throttled. Expected available in "#),
        "{}",
        sc.body
    );
    assert_eq!(quip.status, 503, "{}", quip.body);
    assert!(quip.body.contains("Over Rate Limit"), "{}", quip.body);
}
