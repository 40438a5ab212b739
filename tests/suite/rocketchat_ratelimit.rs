//! Rocket.Chat rate limiting over real HTTP (spec §2 check order, §6 rate limiting):
//! a fixed window per (client address, route), `X-RateLimit-*` on every response once the
//! limiter has counted the request, the exact 429 body, exempt users, and
//! `X-Forwarded-For` believed only from trusted proxies.

use crate::common;
use crate::matrix;

use common::{send, Answer, Gw};
use threadgate::config::{RocketChatProfile, RocketChatRateLimit};

const DM: &str = "/api/v1/dm.history";
const IM: &str = "/api/v1/im.history";
const THREAD: &str = "/api/v1/chat.getThreadMessages";
const ANA: (&str, &str) = (
    "vSt4xaDt4dQRTjJYe",
    "e2r9S9vbhzil4mJnQfKuuMq5UrbYi2IaDHUiuhIG6GC",
);
const KENJI: (&str, &str) = (
    "wnWPgRuQDB3TzxiZq",
    "XwWPSR7LmZYrTt4JkUdd61LkJZfpSHnvqcqvui1mtnf",
);

async fn limited(profile: RocketChatProfile, trusted: &[&str]) -> Gw {
    let trusted: Vec<ipnet::IpNet> = trusted.iter().map(|t| t.parse().unwrap()).collect();
    Gw::start(move |c| {
        c.rocketchat.profile = profile;
        c.rocketchat.rate_limit = Some(RocketChatRateLimit {
            calls: 10,
            window_ms: 60_000,
            exempt_users: vec![KENJI.0.to_owned()],
        });
        c.server.trusted_proxies = trusted;
    })
    .await
}

fn as_user(gw: &Gw, who: (&str, &str), path_and_query: &str) -> reqwest::RequestBuilder {
    gw.get(path_and_query)
        .header("X-User-Id", who.0)
        .header("X-Auth-Token", who.1)
}

fn rate_headers(a: &Answer) -> (Option<&str>, Option<&str>, Option<&str>) {
    (
        a.header("x-ratelimit-limit"),
        a.header("x-ratelimit-remaining"),
        a.header("x-ratelimit-reset"),
    )
}

/// The 429 body, checked exactly except for the number of seconds (1 to 60 in a 60 s window).
fn assert_too_many(a: &Answer) {
    assert_eq!(a.header("content-type"), Some("application/json"));
    assert_eq!(a.header("cache-control"), Some("no-store"));
    common::rc_too_many_wait(a, "429");
}

async fn eleventh_call_in_a_window_is_refused_with_headers() {
    let gw = limited(RocketChatProfile::V6, &[]).await;
    let url = format!("{DM}?roomId=kenji.sato&count=1");
    let mut reset = None;
    for i in 1..=10u32 {
        let a = send(as_user(&gw, ANA, &url)).await;
        assert_eq!(a.status, 200, "call {i}: {}", a.body);
        let (limit, remaining, r) = rate_headers(&a);
        assert_eq!(limit, Some("10"));
        assert_eq!(remaining, Some((10 - i).to_string().as_str()), "call {i}");
        let r: u64 = r.expect("reset").parse().expect("epoch ms");
        assert!(r > 1_600_000_000_000, "epoch milliseconds: {r}");
        assert_eq!(*reset.get_or_insert(r), r, "fixed window");
    }
    let a = send(as_user(&gw, ANA, &url)).await;
    assert_too_many(&a);
    let (limit, remaining, r) = rate_headers(&a);
    assert_eq!((limit, remaining), (Some("10"), Some("0")));
    assert_eq!(r.and_then(|r| r.parse::<u64>().ok()), reset);
    // The alias and the other endpoint have their own counters.
    let a = send(as_user(
        &gw,
        ANA,
        &format!("{IM}?roomId=kenji.sato&count=1"),
    ))
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.header("x-ratelimit-remaining"), Some("9"));
    let a = send(as_user(
        &gw,
        ANA,
        &format!("{THREAD}?tmid=hwid5RgAfuvaSBZbM"),
    ))
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.header("x-ratelimit-remaining"), Some("9"));
}
matrix!(eleventh_call_in_a_window_is_refused_with_headers);

async fn errors_after_the_limiter_carry_the_headers_too() {
    // Profiles 6/7/8: auth → rate → validate; a validation error is counted and has headers,
    // a 401 is not counted and has none.
    let gw = limited(RocketChatProfile::V6, &[]).await;
    let a = send(gw.get(&format!("{DM}?roomId=kenji.sato"))).await;
    assert_eq!(a.status, 401);
    assert_eq!(rate_headers(&a), (None, None, None));
    let a = send(as_user(&gw, ANA, &format!("{DM}?count=abc"))).await;
    assert_eq!(a.status, 400);
    assert_eq!(a.header("x-ratelimit-remaining"), Some("9"));
    let a = send(as_user(&gw, ANA, &format!("{DM}?roomId=GENERAL"))).await;
    assert_eq!(a.status, 400);
    assert_eq!(a.header("x-ratelimit-remaining"), Some("8"));
    for _ in 0..8 {
        send(as_user(&gw, ANA, &format!("{DM}?roomId=x"))).await;
    }
    // Over the limit, the 429 comes before validation.
    assert_too_many(&send(as_user(&gw, ANA, &format!("{DM}?count=abc"))).await);

    // Profile 9: auth → validate → rate; a validation error is not counted.
    let gw = limited(RocketChatProfile::V9, &[]).await;
    let a = send(as_user(&gw, ANA, &format!("{DM}?count=abc"))).await;
    assert_eq!(a.status, 400);
    assert_eq!(rate_headers(&a), (None, None, None));
    let a = send(as_user(&gw, ANA, &format!("{DM}?roomId=GENERAL"))).await;
    assert_eq!(a.status, 400);
    assert_eq!(a.header("x-ratelimit-remaining"), Some("9"));
}
matrix!(errors_after_the_limiter_carry_the_headers_too);

async fn a_timeout_after_the_limiter_carries_the_headers_too() {
    // "Every response on a limited route" (spec §6): the gateway's own 504, answered by the
    // timeout layer while the backend is still busy, included.
    let gw = Gw::start(|c| {
        c.rocketchat.rate_limit = Some(RocketChatRateLimit {
            calls: 10,
            window_ms: 60_000,
            exempt_users: Vec::new(),
        });
        c.fault.backend_delay_ms = 2_000;
        c.server.request_timeout_ms = 150;
    })
    .await;
    let a = send(as_user(&gw, ANA, &format!("{DM}?roomId=kenji.sato"))).await;
    assert_eq!(a.status, 504);
    assert_eq!(a.header("x-ratelimit-limit"), Some("10"));
    assert_eq!(a.header("x-ratelimit-remaining"), Some("9"));
    assert!(a.header("x-ratelimit-reset").is_some());
    assert_eq!(
        a.body,
        r#"{"success":false,"error":"Upstream timed out [error-upstream-timeout]","errorType":"error-upstream-timeout"}"#
    );
}
matrix!(a_timeout_after_the_limiter_carries_the_headers_too);

async fn an_exempt_user_is_never_limited_and_gets_no_headers() {
    let gw = limited(RocketChatProfile::V6, &[]).await;
    for _ in 0..15 {
        let a = send(as_user(
            &gw,
            KENJI,
            &format!("{DM}?roomId=ana.lima&count=1"),
        ))
        .await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(rate_headers(&a), (None, None, None));
    }
    // Exempt calls did not use up the window of others from the same address.
    let a = send(as_user(
        &gw,
        ANA,
        &format!("{DM}?roomId=kenji.sato&count=1"),
    ))
    .await;
    assert_eq!(a.header("x-ratelimit-remaining"), Some("9"));
}
matrix!(an_exempt_user_is_never_limited_and_gets_no_headers);

async fn untrusted_forwarded_for_is_ignored() {
    let gw = limited(RocketChatProfile::V6, &[]).await;
    let url = format!("{DM}?roomId=kenji.sato&count=1");
    for i in 0..10 {
        let a = send(as_user(&gw, ANA, &url).header("X-Forwarded-For", format!("198.51.100.{i}")))
            .await;
        assert_eq!(a.status, 200);
    }
    let a = send(as_user(&gw, ANA, &url).header("X-Forwarded-For", "198.51.100.200")).await;
    assert_too_many(&a);
}
matrix!(untrusted_forwarded_for_is_ignored);

async fn trusted_proxies_forward_the_client_address() {
    let gw = limited(RocketChatProfile::V6, &["127.0.0.0/8"]).await;
    let url = format!("{DM}?roomId=kenji.sato&count=1");
    // Each forwarded client has its own window; the left-most (client-chosen) entry is not
    // what counts, the right-most untrusted one is.
    for i in 0..11 {
        let xff = format!("203.0.113.{i}, 198.51.100.{i}");
        let a = send(as_user(&gw, ANA, &url).header("X-Forwarded-For", xff)).await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(a.header("x-ratelimit-remaining"), Some("9"));
    }
    for i in 0..10 {
        let xff = format!("203.0.113.{i}, 192.0.2.1");
        let a = send(as_user(&gw, ANA, &url).header("X-Forwarded-For", xff)).await;
        assert_eq!(a.status, 200);
    }
    let a = send(as_user(&gw, ANA, &url).header("X-Forwarded-For", "192.0.2.1")).await;
    assert_too_many(&a);
}
matrix!(trusted_proxies_forward_the_client_address);
