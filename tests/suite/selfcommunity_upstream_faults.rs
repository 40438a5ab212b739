//! Faults of a `selfcommunity` upstream (down, slow, 5xx, garbage, 429), in every inbound
//! dialect's shape, from a stand-in server that answers `user/me/` through gateway A (so
//! callers authenticate for real) and misbehaves on every other route; and `passthrough =
//! true`, which sends untranslated `/api/v2/` routes to it unchanged.

use crate::common::{demo_gateway, Answer};
use crate::rocketchat_upstream::{RC_ANA, SC_ANA, TIMEOUT, UNAVAILABLE};
use crate::selfcommunity_upstream::{ask, bearer_credentials, gateway_b, PRIYA};
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;
use threadgate::config::{BackendConfig, Config};

#[derive(Debug, Clone, Copy)]
enum Fault {
    Garbage,
    NotAPage,
    TooManyItems,
    ServerError,
    RateLimited,
    Slow,
}

async fn misbehave(fault: Fault) -> http::Response<Full<Bytes>> {
    let (status, body): (u16, &[u8]) = match fault {
        Fault::Garbage => (200, b"<html>surprise</html>"),
        Fault::NotAPage => (
            200,
            br#"{"count":1,"next":null,"previous":null,"results":[{"id":"x"}]}"#,
        ),
        // 101 items: more than any call asks for.
        Fault::TooManyItems => (200, b""),
        Fault::ServerError => (500, br#"{"detail":"A server error occurred."}"#),
        Fault::RateLimited => (
            429,
            br#"{"detail":"Request was throttled. Expected available in 7 seconds."}"#,
        ),
        Fault::Slow => {
            tokio::time::sleep(Duration::from_secs(10)).await;
            (200, b"{}")
        }
    };
    let body = match fault {
        Fault::TooManyItems => Bytes::from(too_many_items()),
        _ => Bytes::from_static(body),
    };
    let mut resp = http::Response::new(Full::new(body));
    *resp.status_mut() = http::StatusCode::from_u16(status).expect("status");
    resp.headers_mut().insert(
        "content-type",
        http::HeaderValue::from_static("application/json"),
    );
    if matches!(fault, Fault::RateLimited) {
        resp.headers_mut()
            .insert("retry-after", http::HeaderValue::from_static("7"));
    }
    resp
}

/// A well-formed page of 101 messages.
fn too_many_items() -> String {
    let user = r#"{"id":1,"username":"u","real_name":"","avatar":null}"#;
    let item = |n: usize| {
        format!(
            r#"{{"id":{n},"message":"m","sender":{user},"receiver":null,"created_at":"2021-05-28T09:34:00Z","status":"created","thread_id":501,"file":null,"group":null}}"#
        )
    };
    let items: Vec<String> = (1..=101).map(item).collect();
    format!(
        r#"{{"count":101,"next":null,"previous":null,"results":[{}]}}"#,
        items.join(",")
    )
}

/// `GET /api/v2/user/me/` through gateway A; every other route answered as `fault` says.
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
                    if req.uri().path() != "/api/v2/user/me/" {
                        return Ok::<_, Infallible>(misbehave(fault).await);
                    }
                    let mut out = reqwest::Client::new().get(format!("http://{a}/api/v2/user/me/"));
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

/// The three dialects' requests to B: Rocket.Chat mapped (its credential is no bearer
/// token), SelfCommunity and Quip passing their bearer token through.
async fn three(url: String, timeout_ms: u64) -> [Answer; 3] {
    let dir = tempfile::tempdir().expect("tempdir");
    let creds = bearer_credentials(dir.path());
    let set = |c: &mut Config| {
        if let BackendConfig::SelfCommunity(sc) = &mut c.backend {
            sc.timeout_ms = timeout_ms;
        }
    };
    let mapped = gateway_b(url.clone(), Some(creds), set).await;
    let through = gateway_b(url, None, set).await;
    let priya = format!("Bearer {PRIYA}");
    [
        ask(&mapped, "/api/v1/dm.history?roomId=102&count=20", &RC_ANA).await,
        ask(&through, "/api/v2/pm/?thread=501", &SC_ANA).await,
        ask(&through, "/1/messages/503", &[("Authorization", &priya)]).await,
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
    // SelfCommunity and Quip callers authenticate upstream: that call fails first, the
    // same way.
    expect(&answers, &UNAVAILABLE, "down");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_server_errors_are_unavailable_in_every_dialect() {
    for fault in [
        Fault::Garbage,
        Fault::NotAPage,
        Fault::TooManyItems,
        Fault::ServerError,
    ] {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passthrough_sends_untranslated_routes_upstream_unchanged() {
    let addr = stand_in(Fault::ServerError).await;
    let on = gateway_b(format!("http://{addr}"), None, |c| {
        if let BackendConfig::SelfCommunity(sc) = &mut c.backend {
            sc.passthrough = true;
        }
    })
    .await;
    let off = gateway_b(format!("http://{addr}"), None, |_| {}).await;
    let a = ask(&on, "/api/v2/feed/?limit=3", &SC_ANA).await;
    assert_eq!(
        (a.status, a.body.as_str()),
        (500, r#"{"detail":"A server error occurred."}"#)
    );
    assert_eq!(a.header("content-type"), Some("application/json"));
    let a = ask(&off, "/api/v2/feed/?limit=3", &SC_ANA).await;
    assert_eq!(a.status, 404, "{}", a.body);
    // Translated routes are still the gateway's own: user/me/ through A, as ever.
    let a = ask(&on, "/api/v2/user/me/", &SC_ANA).await;
    assert_eq!(a.status, 200, "{}", a.body);
}
