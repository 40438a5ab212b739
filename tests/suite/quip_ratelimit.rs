//! Quip rate limiting over real HTTP (spec §1 check order, §5 headers, §6 rate limiting):
//! a fixed window per user shared by both endpoints, a window per company on the admin
//! endpoint, `X-Ratelimit-*` / `X-Company-RateLimit-*` (reset in epoch seconds) on every
//! response once the limiter has counted the request, and the exact 503 body.

use crate::common;
use crate::matrix;

use common::{send, Answer, Gw};
use std::time::{SystemTime, UNIX_EPOCH};
use threadgate::config::QuipRateLimit;

/// Company admin of `northwind`, member of neither document.
const MARCUS: &str = "tg_bearer_marcus.wei_j5lb0aw0hrwvuk9q";
/// Member of both documents, admin of nothing.
const PRIYA: &str = "tg_bearer_priya.raman_aa4qlgr6ch27ga94";
/// Q3 Launch Plan (`northwind`).
const PLAN: &str = "vCPRIcENZyp";

const OVER_LIMIT: &str =
    r#"{"error":"Service Unavailable","error_code":503,"error_description":"Over Rate Limit"}"#;

const USER: [&str; 3] = [
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
];
const COMPANY: [&str; 3] = [
    "x-company-ratelimit-limit",
    "x-company-ratelimit-remaining",
    "x-company-ratelimit-reset",
];

async fn limited(user_calls: u32, company_calls: u32) -> Gw {
    Gw::start(move |c| {
        c.quip.rate_limit = Some(QuipRateLimit {
            user_calls,
            user_window_ms: 60_000,
            company_calls,
            company_window_ms: 60_000,
        })
    })
    .await
}

fn admin(gw: &Gw, token: &str, query: &str) -> reqwest::RequestBuilder {
    gw.get(&format!("/1/admin/messages/{PLAN}?{query}"))
        .header("Authorization", format!("Bearer {token}"))
}

fn automation(gw: &Gw, token: &str, query: &str) -> reqwest::RequestBuilder {
    gw.get(&format!("/1/messages/{PLAN}?{query}"))
        .header("Authorization", format!("Bearer {token}"))
}

fn triple<'a>(a: &'a Answer, names: [&str; 3]) -> [Option<&'a str>; 3] {
    names.map(|n| a.header(n))
}

/// No header of either window.
fn assert_no_rate_headers(a: &Answer) {
    assert_eq!(triple(a, USER), [None, None, None], "{}", a.body);
    assert_eq!(triple(a, COMPANY), [None, None, None], "{}", a.body);
}

/// A reset value: epoch seconds, 10 digits.
fn reset_secs(value: Option<&str>) -> u64 {
    let v = value.expect("reset header");
    assert_eq!(v.len(), 10, "epoch seconds: {v}");
    v.parse().expect("integer")
}

fn assert_over_limit(a: &Answer) {
    assert_eq!(a.status, 503, "{}", a.body);
    assert_eq!(a.body, OVER_LIMIT);
    assert_eq!(a.header("content-type"), Some("application/json"));
    assert_eq!(a.header("retry-after"), None);
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

async fn the_call_after_the_user_limit_is_refused_with_the_headers() {
    let gw = limited(3, 100).await;
    let before_ms = now_ms();
    let mut reset = None;
    for (i, remaining) in ["2", "1", "0"].into_iter().enumerate() {
        let a = send(automation(&gw, PRIYA, "count=1")).await;
        assert_eq!(a.status, 200, "call {}: {}", i + 1, a.body);
        let [limit, rem, r] = triple(&a, USER);
        assert_eq!((limit, rem), (Some("3"), Some(remaining)), "call {}", i + 1);
        let r = reset_secs(r);
        assert_eq!(*reset.get_or_insert(r), r, "one fixed window");
        assert_eq!(triple(&a, COMPANY), [None, None, None]);
    }
    let after_ms = now_ms();
    // The window opened with the first call, somewhere in [before, after]; it ends 60 s
    // later, rounded up to a whole second.
    let reset = reset.unwrap_or(0);
    assert!(
        (before_ms.div_ceil(1000) + 60..=after_ms.div_ceil(1000) + 60).contains(&reset),
        "reset {reset} not 60 s after a call between {before_ms} and {after_ms} ms"
    );

    let a = send(automation(&gw, PRIYA, "count=1")).await;
    assert_over_limit(&a);
    let [limit, rem, r] = triple(&a, USER);
    assert_eq!((limit, rem), (Some("3"), Some("0")));
    assert_eq!(reset_secs(r), reset);
    assert!(a.header("x-request-id").is_some());

    // The admin endpoint shares the user's window; parameters are checked after it.
    let a = send(admin(&gw, PRIYA, "company_id=northwind&count=abc")).await;
    assert_over_limit(&a);
    assert_eq!(a.header("x-ratelimit-remaining"), Some("0"));
    // The refusal did not use the company window (and sends no company headers).
    assert_eq!(triple(&a, COMPANY), [None, None, None]);

    // Another user has a window of their own, and the company window was not touched.
    let a = send(admin(&gw, MARCUS, "company_id=northwind&count=1")).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.header("x-ratelimit-remaining"), Some("2"));
    assert_eq!(a.header("x-company-ratelimit-remaining"), Some("99"));
}
matrix!(the_call_after_the_user_limit_is_refused_with_the_headers);

async fn the_company_window_refuses_the_admin_endpoint() {
    let gw = limited(10, 2).await;
    let mut reset = None;
    for (i, remaining) in ["1", "0"].into_iter().enumerate() {
        let a = send(admin(&gw, MARCUS, "company_id=northwind&count=1")).await;
        assert_eq!(a.status, 200, "call {}: {}", i + 1, a.body);
        let [limit, rem, r] = triple(&a, COMPANY);
        assert_eq!((limit, rem), (Some("2"), Some(remaining)));
        let r = reset_secs(r);
        assert_eq!(*reset.get_or_insert(r), r);
        assert_eq!(a.header("x-ratelimit-limit"), Some("10"));
    }
    let a = send(admin(&gw, MARCUS, "company_id=northwind&count=1")).await;
    assert_over_limit(&a);
    let [limit, rem, r] = triple(&a, COMPANY);
    assert_eq!((limit, rem), (Some("2"), Some("0")));
    assert_eq!(Some(reset_secs(r)), reset);
    // The user window counted it and still has room.
    assert_eq!(
        triple(&a, USER)[..2],
        [Some("10"), Some("7")],
        "{:?}",
        a.headers
    );
    reset_secs(a.header("x-ratelimit-reset"));

    // The company window is per company, whoever calls: a non-admin of `northwind` is
    // refused 503 before the 403 it would get.
    let a = send(admin(&gw, PRIYA, "company_id=northwind")).await;
    assert_over_limit(&a);
    let a = send(admin(&gw, PRIYA, "company_id=acme")).await;
    assert_eq!(a.status, 403, "{}", a.body);
    assert_eq!(a.header("x-company-ratelimit-remaining"), Some("1"));

    // The automation endpoint has no company window, even with a `company_id`.
    let a = send(automation(&gw, PRIYA, "company_id=northwind&count=1")).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.header("x-ratelimit-remaining"), Some("7"));
    assert_eq!(triple(&a, COMPANY), [None, None, None]);
}
matrix!(the_company_window_refuses_the_admin_endpoint);

async fn no_rate_limit_headers_unless_configured() {
    let gw = Gw::default().await;
    for _ in 0..3 {
        let a = send(admin(&gw, MARCUS, "company_id=northwind&count=1")).await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_no_rate_headers(&a);
        let a = send(automation(&gw, PRIYA, "count=1")).await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_no_rate_headers(&a);
    }
    let a = send(automation(&gw, PRIYA, "count=abc")).await;
    assert_eq!(a.status, 400);
    assert_no_rate_headers(&a);
}
matrix!(no_rate_limit_headers_unless_configured);

async fn errors_before_the_limiter_have_no_headers_errors_after_it_have_them() {
    let gw = limited(5, 5).await;
    // 401: missing, wrong scheme, unknown token. Not counted either.
    let a = send(gw.get(&format!("/1/messages/{PLAN}"))).await;
    assert_eq!(a.status, 401, "{}", a.body);
    assert_no_rate_headers(&a);
    let a = send(automation(&gw, "tg_bearer_nobody", "")).await;
    assert_eq!(a.status, 401, "{}", a.body);
    assert_no_rate_headers(&a);
    let a = send(
        gw.get(&format!("/1/admin/messages/{PLAN}?company_id=northwind"))
            .header("Authorization", format!("Basic {MARCUS}")),
    )
    .await;
    assert_eq!(a.status, 401, "{}", a.body);
    assert_no_rate_headers(&a);
    // 404 (route) and 405 (method) come earlier still.
    let a = send(
        gw.get("/1/messages/a/b")
            .header("Authorization", format!("Bearer {PRIYA}")),
    )
    .await;
    assert_eq!(a.status, 404, "{}", a.body);
    assert_no_rate_headers(&a);
    let a = send(
        gw.http
            .post(gw.url(&format!("/1/messages/{PLAN}")))
            .header("Authorization", format!("Bearer {PRIYA}")),
    )
    .await;
    assert_eq!(a.status, 405, "{}", a.body);
    assert_no_rate_headers(&a);

    // 400 for a bad parameter: counted, with the headers.
    let a = send(automation(&gw, PRIYA, "count=abc")).await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert_eq!(
        triple(&a, USER)[..2],
        [Some("5"), Some("4")],
        "first counted call"
    );
    reset_secs(a.header("x-ratelimit-reset"));
    let a = send(admin(&gw, MARCUS, "company_id=northwind&sorted_by=up")).await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert_eq!(a.header("x-ratelimit-remaining"), Some("4"));
    assert_eq!(a.header("x-company-ratelimit-remaining"), Some("4"));
    reset_secs(a.header("x-company-ratelimit-reset"));
    // Without a company there is no company window: user headers only.
    let a = send(admin(&gw, MARCUS, "count=1")).await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert!(a.body.contains("Missing company_id"), "{}", a.body);
    assert_eq!(a.header("x-ratelimit-remaining"), Some("3"));
    assert_eq!(triple(&a, COMPANY), [None, None, None]);
    // 403 and 404 (thread) come after the limiter too.
    let a = send(admin(&gw, PRIYA, "company_id=northwind")).await;
    assert_eq!(a.status, 403, "{}", a.body);
    assert_eq!(a.header("x-ratelimit-remaining"), Some("3"));
    assert_eq!(a.header("x-company-ratelimit-remaining"), Some("3"));
    let a = send(
        gw.get("/1/messages/nosuchthread")
            .header("Authorization", format!("Bearer {PRIYA}")),
    )
    .await;
    assert_eq!(a.status, 404, "{}", a.body);
    assert_eq!(a.header("x-ratelimit-remaining"), Some("2"));
}
matrix!(errors_before_the_limiter_have_no_headers_errors_after_it_have_them);
