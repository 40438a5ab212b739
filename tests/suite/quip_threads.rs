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
