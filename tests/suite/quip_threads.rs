//! Quip `GET /1/threads/recent` over real HTTP: gateway A's answer (the caller's threads,
//! **gw** shape, golden), its refusals in the Quip dialect (as `users/current` answers
//! them), its rate limit shared with the other Quip endpoints; and a gateway whose backend
//! is A's Quip face answers it as A does.

use crate::common::{demo_gateway, golden, send, Answer, Gw};
use crate::quip_upstream::quip_b;
use crate::rocketchat_upstream::{QUIP_MARCUS, QUIP_PRIYA};
use threadgate::config::QuipRateLimit;

const PRIYA: &str = "Bearer tg_bearer_priya.raman_aa4qlgr6ch27ga94";

async fn get(base: &str, path: &str, auth: Option<&str>) -> Answer {
    let mut req = reqwest::Client::new().get(format!("{base}{path}"));
    if let Some(a) = auth {
        req = req.header("Authorization", a);
    }
    send(req).await
}

#[tokio::test]
async fn the_callers_threads_keyed_by_id_newest_first() {
    let a = format!("http://{}", demo_gateway());
    for (who, name) in [(&QUIP_PRIYA, "priya"), (&QUIP_MARCUS, "marcus")] {
        let got = get(&a, "/1/threads/recent", Some(who[0].1)).await;
        assert_eq!(got.status, 200, "{}", got.body);
        assert_eq!(got.header("content-type"), Some("application/json"));
        golden(&format!("quip/threads_recent_{name}.json"), &got.body);
        // `count` and `max_updated_usec` are not read: every thread at once.
        let paged = get(
            &a,
            "/1/threads/recent?count=1&max_updated_usec=1",
            Some(who[0].1),
        )
        .await;
        assert_eq!((paged.status, &paged.body), (200, &got.body));
    }
}

#[tokio::test]
async fn refusals_are_the_quip_dialects_as_for_users_current() {
    let a = format!("http://{}", demo_gateway());
    for auth in [None, Some("Bearer not-a-token"), Some("Basic abc")] {
        let want = get(&a, "/1/users/current", auth).await;
        let got = get(&a, "/1/threads/recent", auth).await;
        assert_eq!(want.status, 401, "{}", want.body);
        assert_eq!(
            (got.status, &got.body),
            (want.status, &want.body),
            "{auth:?}"
        );
    }
    let post = |path: &str| {
        reqwest::Client::new()
            .post(format!("{a}{path}"))
            .header("Authorization", PRIYA)
    };
    let want = send(post("/1/users/current")).await;
    let got = send(post("/1/threads/recent")).await;
    assert_eq!(want.status, 405, "{}", want.body);
    assert_eq!((got.status, &got.body), (want.status, &want.body));
    let trailing = get(&a, "/1/threads/recent/", Some(PRIYA)).await;
    assert_eq!(trailing.status, 404, "{}", trailing.body);
}

#[tokio::test]
async fn the_user_window_is_shared_with_the_messages_endpoints() {
    let limited = Gw::start(|c| {
        c.quip.rate_limit = Some(QuipRateLimit {
            user_calls: 2,
            user_window_ms: 60_000,
            company_calls: 100,
            company_window_ms: 60_000,
        })
    })
    .await;
    let first = get(&limited.base, "/1/messages/vCPRIcENZyp", Some(PRIYA)).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let second = get(&limited.base, "/1/threads/recent", Some(PRIYA)).await;
    assert_eq!(second.status, 200, "{}", second.body);
    assert_eq!(second.header("x-ratelimit-limit"), Some("2"));
    assert_eq!(second.header("x-ratelimit-remaining"), Some("0"));
    let third = get(&limited.base, "/1/threads/recent", Some(PRIYA)).await;
    assert_eq!(third.status, 503, "{}", third.body);
    assert_eq!(
        third.body,
        r#"{"error":"Service Unavailable","error_code":503,"error_description":"Over Rate Limit"}"#
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_on_a_quip_upstream_lists_the_threads_as_the_upstream_does() {
    let a = format!("http://{}", demo_gateway());
    let b = quip_b(a.clone(), None, |_| {}).await;
    for who in [&QUIP_PRIYA, &QUIP_MARCUS] {
        let want = get(&a, "/1/threads/recent", Some(who[0].1)).await;
        let got = get(&b.base, "/1/threads/recent", Some(who[0].1)).await;
        assert_eq!(want.status, 200, "{}", want.body);
        assert_eq!((got.status, &got.body), (want.status, &want.body));
    }
}

/// A Quip server's thread list as Quip pages it: `n` chats, thread `t<i>` updated at
/// `1000 + i` (`updated_usec` sent when `with_times`), newest first, `count` a call,
/// `max_updated_usec` inclusive; and `users/current`. Counts the list calls.
async fn paging_quip(
    n: usize,
    with_times: bool,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let calls = std::sync::Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let counted = counted.clone();
            let service =
                hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                    let counted = counted.clone();
                    async move {
                        let body = if req.uri().path() == "/1/users/current" {
                            r#"{"name":"Pat","id":"u1"}"#.to_owned()
                        } else {
                            counted.fetch_add(1, Ordering::SeqCst);
                            thread_page(req.uri().query().unwrap_or(""), n, with_times)
                        };
                        Ok::<_, std::convert::Infallible>(http::Response::new(
                            http_body_util::Full::new(bytes::Bytes::from(body)),
                        ))
                    }
                });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
            );
        }
    });
    (format!("http://{addr}"), calls)
}

/// One answer of [`paging_quip`] to `query`.
fn thread_page(query: &str, n: usize, with_times: bool) -> String {
    let param = |k: &str| {
        query
            .split('&')
            .find_map(|p| p.strip_prefix(&format!("{k}=")))
            .and_then(|v| v.parse::<i64>().ok())
    };
    let count = param("count").unwrap_or(10) as usize;
    let max = param("max_updated_usec").unwrap_or(i64::MAX);
    let mut out = serde_json::Map::new();
    for i in (0..n).rev().filter(|i| 1000 + *i as i64 <= max).take(count) {
        let mut thread = serde_json::json!({"id": format!("t{i}"), "title": format!("chat {i}"),
            "type": "chat", "created_usec": 10 + i});
        if with_times {
            thread["updated_usec"] = serde_json::json!(1000 + i);
        }
        out.insert(
            format!("t{i}"),
            serde_json::json!({"thread": thread, "user_ids": ["u1", "u2", "u3"]}),
        );
    }
    serde_json::Value::Object(out).to_string()
}

/// `Backend::rooms` of a `quip` backend at `url` with at most `max_calls` calls.
async fn quip_rooms(
    url: String,
    max_calls: usize,
) -> Result<Vec<threadgate::canonical::RoomInfo>, threadgate::canonical::Error> {
    let cfg = threadgate::config::QuipBackendConfig {
        url,
        max_calls_per_request: max_calls,
        ..threadgate::config::QuipBackendConfig::default()
    };
    let built = threadgate::backend::quip::build(&cfg).expect("backend builds");
    let mut ctx = threadgate::backend::QueryContext::new(None, None);
    ctx.credential = Some(threadgate::canonical::Credential::Bearer {
        token: "t".to_owned(),
    });
    let who = built
        .auth
        .authenticate(ctx.credential.as_ref().expect("a credential"), &ctx)
        .await
        .expect("users/current answers");
    built.backend.rooms(&who, &ctx).await
}

#[tokio::test]
async fn a_quip_servers_list_is_gone_on_from_by_update_time_and_each_thread_listed_once() {
    use std::sync::atomic::Ordering;
    let (url, calls) = paging_quip(120, true).await;
    let rooms = quip_rooms(url.clone(), 10).await.expect("the rooms");
    let ids: Vec<String> = rooms.iter().map(|r| r.id.clone()).collect();
    let want: Vec<String> = (0..120).map(|i| format!("t{i}")).collect();
    assert_eq!(ids, want, "every thread once, in creation order");
    // 50 threads, then 50 from the oldest update time seen (one again), then the last 22.
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert!(rooms
        .iter()
        .all(|r| r.kind == threadgate::canonical::RoomKind::Group));
    // Past the call budget: refused, never a shorter list.
    let refused = quip_rooms(url, 2).await;
    assert!(
        matches!(refused, Err(threadgate::canonical::Error::Unsupported(_))),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_full_list_without_update_times_is_refused_and_a_short_one_is_whole() {
    let (url, _) = paging_quip(50, false).await;
    let refused = quip_rooms(url, 10).await;
    assert!(
        matches!(refused, Err(threadgate::canonical::Error::Unsupported(_))),
        "{refused:?}"
    );
    let (url, calls) = paging_quip(49, false).await;
    let rooms = quip_rooms(url, 10).await.expect("the rooms");
    assert_eq!(rooms.len(), 49);
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
}
