//! SelfCommunity `GET /api/v2/pm/` over real HTTP against the demo data (spec:
//! selfcommunity.md): exact bodies, paging, links, errors. `matrix_sc!` tests run a third
//! time through a gateway whose backend is `selfcommunity` with gateway A as its upstream:
//! the same goldens, byte for byte.

use crate::common;
use crate::matrix;
use crate::matrix_sc;

use common::{golden, send, Answer, Gw};

const PATH: &str = "/api/v2/pm/";
const ANA: &str = "tg_bearer_ana.lima_l3jtt175u58vgxn0";
const CHLOE: &str = "tg_bearer_chloe.martin_emvzage4086m9fos";
const PRIYA: &str = "tg_bearer_priya.raman_aa4qlgr6ch27ga94";
const DANA: &str = "tg_bearer_dana.reyes_dvwvywzysfj9cd10";

async fn as_user(gw: &Gw, token: &str, query: &str) -> Answer {
    send(gw.get(&format!("{PATH}?{query}")).bearer_auth(token)).await
}

fn assert_sc_headers(a: &Answer) {
    assert_eq!(
        a.header("content-type"),
        Some("application/json"),
        "{}",
        a.body
    );
    assert_eq!(a.header("vary"), Some("Accept"));
    assert_eq!(a.header("allow"), Some("GET, HEAD"));
}

fn ids(a: &Answer) -> Vec<i64> {
    a.json()["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|m| m["id"].as_i64().expect("integer id"))
        .collect()
}

/// The links with the gateway's own address replaced by `http://gw`.
fn link(gw: &Gw, a: &Answer, key: &str) -> Option<String> {
    a.json()[key]
        .as_str()
        .map(|s| s.replace(&gw.base, "http://gw"))
}

// ---- exact bodies -------------------------------------------------------------------------

async fn golden_group_thread_with_html_files_hidden_message() {
    let gw = Gw::start(|c| {
        c.selfcommunity.public_base_url = "https://community.example.com".into();
    })
    .await;
    let a = as_user(&gw, CHLOE, "thread=502&limit=20").await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_sc_headers(&a);
    // 17 messages, one deleted: 16.
    assert_eq!(a.json()["count"], 16);
    golden("selfcommunity/thread_502.json", &a.body);
    // The same conversation by group id.
    let g = as_user(&gw, CHLOE, "group=1&limit=20").await;
    assert_eq!(g.status, 200, "{}", g.body);
    assert_eq!(ids(&g), ids(&a));
}
matrix_sc!(golden_group_thread_with_html_files_hidden_message);

async fn golden_direct_by_user_in_utc_offset() {
    let gw = Gw::start(|c| {
        c.selfcommunity.public_base_url = "https://community.example.com/legacy".into();
        c.selfcommunity.utc_offset = "+02:00".into();
    })
    .await;
    // priya.raman reads her DM with dana.reyes (thread 503) by dana's user id.
    let dana = as_user(&gw, DANA, "thread=503&limit=1").await;
    let first = &dana.json()["results"][0];
    let dana_id = ["sender", "receiver"]
        .iter()
        .find(|k| first[**k]["username"] == "dana.reyes")
        .and_then(|k| first[*k]["id"].as_i64())
        .expect("dana in her own conversation");
    let a = as_user(&gw, PRIYA, &format!("user={dana_id}&limit=4&offset=2")).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["count"], 11);
    golden("selfcommunity/user_dana_offset_2.json", &a.body);
}
matrix_sc!(golden_direct_by_user_in_utc_offset);

// ---- slicing and paging -------------------------------------------------------------------

async fn newest_first_slices_each_page_ascending() {
    let gw = Gw::start(|_| {}).await;
    let p0 = as_user(&gw, ANA, "thread=501&limit=10").await;
    let p1 = as_user(&gw, ANA, "thread=501&limit=10&offset=10").await;
    let (a, b) = (ids(&p0), ids(&p1));
    assert_eq!(a.len(), 10);
    assert!(a.windows(2).all(|w| w[0] < w[1]), "{a:?}");
    assert!(b.last() < a.first(), "{b:?} then {a:?}");
    assert_eq!(p0.json()["count"], 2286);
    assert_eq!(
        link(&gw, &p0, "next").as_deref(),
        Some("http://gw/api/v2/pm/?limit=10&offset=10&thread=501")
    );
    assert_eq!(link(&gw, &p0, "previous"), None);
    assert_eq!(
        link(&gw, &p1, "previous").as_deref(),
        Some("http://gw/api/v2/pm/?limit=10&thread=501")
    );
    // user=102 (kenji) is the same conversation for ana.
    let u = as_user(&gw, ANA, "user=102&limit=10").await;
    assert_eq!(ids(&u), a);
    // before_message (exclusive) = the web UI's next page.
    let before = as_user(
        &gw,
        ANA,
        &format!("thread=501&limit=10&before_message={}", a[0]),
    )
    .await;
    assert_eq!(ids(&before), b);
    // from_message (inclusive).
    let from = as_user(&gw, ANA, &format!("thread=501&from_message={}", a[5])).await;
    assert_eq!(from.json()["count"], 5);
    assert_eq!(ids(&from), a[5..].to_vec());
    // A bound from another conversation: empty page.
    let other = as_user(&gw, ANA, "thread=501&before_message=1001").await;
    assert_eq!(
        (other.status, other.json()["count"].as_i64()),
        (200, Some(0))
    );
    let unknown = as_user(&gw, ANA, "thread=501&before_message=999999999").await;
    assert_eq!(
        (unknown.status, unknown.json()["count"].as_i64()),
        (200, Some(0))
    );
}
matrix_sc!(newest_first_slices_each_page_ascending);

async fn paging_values_never_fail_and_undefined_is_absent() {
    let gw = Gw::start(|_| {}).await;
    let a = as_user(
        &gw,
        ANA,
        "thread=501&limit=abc&offset=-4&user=undefined&group=&before_message=undefined",
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(ids(&a).len(), 20);
    assert_eq!(
        link(&gw, &a, "next").as_deref(),
        Some("http://gw/api/v2/pm/?before_message=undefined&group=&limit=20&offset=20&thread=501&user=undefined")
    );
    let big = as_user(&gw, ANA, "thread=501&limit=5000").await;
    assert_eq!(ids(&big).len(), 100);
    let past = as_user(&gw, ANA, "thread=501&limit=10&offset=5000").await;
    assert_eq!(past.status, 200);
    assert_eq!(past.json()["results"], serde_json::json!([]));
    assert_eq!(past.json()["next"], serde_json::Value::Null);
    assert_eq!(
        link(&gw, &past, "previous").as_deref(),
        Some("http://gw/api/v2/pm/?limit=10&offset=4990&thread=501")
    );
    // No conversation with that user (ana and chloe; ana with herself): empty, not 404.
    for user in [103, 101] {
        let none = as_user(&gw, ANA, &format!("user={user}")).await;
        assert_eq!(none.status, 200, "{}", none.body);
        assert_eq!(
            none.body,
            r#"{"count":0,"next":null,"previous":null,"results":[]}"#
        );
    }
}
matrix_sc!(paging_values_never_fail_and_undefined_is_absent);

async fn links_follow_trusted_forwarded_headers_only() {
    let trusted = Gw::start(|c| {
        c.server.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;
    let untrusted = Gw::start(|_| {}).await;
    for (gw, expected) in [
        (
            &trusted,
            "https://community.example.com:8443/api/v2/pm/?limit=10&offset=10&thread=501",
        ),
        (
            &untrusted,
            "http://gw/api/v2/pm/?limit=10&offset=10&thread=501",
        ),
    ] {
        let a = send(
            gw.get(&format!("{PATH}?thread=501&limit=10"))
                .bearer_auth(ANA)
                .header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Host", "community.example.com:8443"),
        )
        .await;
        assert_eq!(link(gw, &a, "next").as_deref(), Some(expected));
    }
}
matrix_sc!(links_follow_trusted_forwarded_headers_only);

// ---- errors -------------------------------------------------------------------------------

async fn redirect_before_authentication_keeps_the_query() {
    let gw = Gw::start(|_| {}).await;
    let a = send(gw.get("/api/v2/pm?thread=501&x=%20a+b")).await;
    assert_eq!(a.status, 301);
    assert_eq!(
        a.header("location"),
        Some("/api/v2/pm/?thread=501&x=%20a+b")
    );
    assert_eq!(a.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(a.body, "");
    let a = send(gw.http.post(gw.url("/api/v2/pm"))).await;
    assert_eq!((a.status, a.header("location")), (301, Some("/api/v2/pm/")));
}
matrix_sc!(redirect_before_authentication_keeps_the_query);

async fn authentication_errors() {
    let gw = Gw::start(|_| {}).await;
    let body = r#"{"detail":"Authentication credentials were not provided."}"#;
    for req in [
        gw.get("/api/v2/pm/?thread=501"),
        gw.get("/api/v2/pm/?thread=501")
            .header("Authorization", format!("Token {ANA}")),
        gw.get("/api/v2/pm/?thread=501")
            .header("Authorization", "Bearer "),
        // 401 comes before 405.
        gw.http.post(gw.url("/api/v2/pm/")),
    ] {
        let a = send(req).await;
        assert_eq!((a.status, a.body.as_str()), (401, body));
        assert_sc_headers(&a);
        assert_eq!(a.header("www-authenticate"), Some(r#"Bearer realm="api""#));
    }
    let a = send(gw.get("/api/v2/pm/?thread=501").bearer_auth("nope")).await;
    assert_eq!((a.status, a.body.as_str()), (401, body));
    assert_eq!(
        a.header("www-authenticate"),
        Some(
            r#"Bearer realm="api",error="invalid_token",error_description="The access token is invalid.""#
        )
    );
    let a = send(
        gw.get("/api/v2/pm/?thread=501")
            .header("Authorization", format!("bearer {ANA}")),
    )
    .await;
    assert_eq!(a.status, 200);
}
matrix_sc!(authentication_errors);

async fn error_rows_over_http() {
    let gw = Gw::start(|_| {}).await;
    let cases: [(&str, &str, u16, &str); 7] = [
        (DANA, "thread=502", 403, "selfcommunity/error_403.json"),
        (ANA, "group=1", 403, "selfcommunity/error_403.json"),
        (ANA, "thread=999999", 404, "selfcommunity/error_404.json"),
        (ANA, "user=999999", 404, "selfcommunity/error_404.json"),
        (ANA, "group=77", 404, "selfcommunity/error_404.json"),
        (
            ANA,
            "thread=abc&user=1.5&group=2.0&before_message=x&from_message=",
            400,
            "selfcommunity/error_400_many.json",
        ),
        (
            ANA,
            "thread=99999999999999999999999",
            404,
            "selfcommunity/error_404.json",
        ),
    ];
    for (token, query, status, file) in cases {
        let a = as_user(&gw, token, query).await;
        assert_eq!(a.status, status, "{query}: {}", a.body);
        assert_sc_headers(&a);
        golden(file, &a.body);
    }
    let a = send(
        gw.http
            .delete(gw.url("/api/v2/pm/?thread=501"))
            .bearer_auth(ANA),
    )
    .await;
    assert_eq!(a.status, 405);
    assert_sc_headers(&a);
    golden("selfcommunity/error_405.json", &a.body);
}
matrix_sc!(error_rows_over_http);

// ---- snippets -----------------------------------------------------------------------------

async fn snippets_newest_conversation_first() {
    let gw = Gw::start(|c| {
        c.selfcommunity.public_base_url = "https://community.example.com".into();
    })
    .await;
    // Accept is ignored: always JSON.
    let a = send(
        gw.get("/api/v2/pm/")
            .bearer_auth(PRIYA)
            .header("Accept", "text/html"),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_sc_headers(&a);
    // priya.raman: hardware-team (group 502) and the DM with dana (503); channels and
    // documents are not private-message threads.
    golden("selfcommunity/snippets_priya.json", &a.body);
    let threads: Vec<i64> = a.json()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(threads, vec![502, 503]);
    // Paging rules as for threads; id bounds are ignored.
    let p = send(
        gw.get("/api/v2/pm/?limit=1&offset=1&before_message=1&thread=undefined")
            .bearer_auth(PRIYA),
    )
    .await;
    assert_eq!(p.json()["count"], 2);
    assert_eq!(p.json()["results"][0]["id"], 503);
    assert_eq!(p.json()["next"], serde_json::Value::Null);
    assert_eq!(
        p.json()["previous"],
        "https://community.example.com/api/v2/pm/?before_message=1&limit=1&thread=undefined"
    );
}
matrix_sc!(snippets_newest_conversation_first);

async fn upstream_timeout_is_504() {
    let gw = Gw::start(|c| {
        c.fault.backend_delay_ms = 5_000;
        c.server.request_timeout_ms = 50;
    })
    .await;
    let a = as_user(&gw, ANA, "thread=501").await;
    assert_eq!(a.status, 504, "{}", a.body);
    golden("selfcommunity/error_504.json", &a.body);
}
matrix_sc!(upstream_timeout_is_504);

async fn head_is_get_without_body() {
    let gw = Gw::start(|_| {}).await;
    let a = send(
        gw.http
            .head(gw.url("/api/v2/pm/?thread=501"))
            .bearer_auth(ANA),
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body, "");
}
matrix_sc!(head_is_get_without_body);

async fn upstream_unavailable_is_503() {
    let gw = Gw::unavailable(|_| {}).await;
    let a = as_user(&gw, ANA, "thread=501").await;
    assert_eq!(a.status, 503, "{}", a.body);
    assert_sc_headers(&a);
    golden("selfcommunity/error_503.json", &a.body);
}
matrix_sc!(upstream_unavailable_is_503);

// ---- throttling (`[selfcommunity.rate_limit]`) --------------------------------------------

async fn the_call_past_the_user_throttle_is_429_with_retry_after() {
    let gw = Gw::start(|c| {
        c.selfcommunity.rate_limit = Some(threadgate::config::SelfCommunityRateLimit {
            calls: 3,
            window_ms: 60_000,
        })
    })
    .await;
    for _ in 0..3 {
        let a = as_user(&gw, ANA, "thread=501&limit=1").await;
        assert_eq!(a.status, 200);
        assert_eq!(a.header("retry-after"), None);
        assert_eq!(
            a.header("x-ratelimit-limit"),
            None,
            "DRF sends no such headers"
        );
    }
    let a = as_user(&gw, ANA, "thread=501&limit=1").await;
    assert_eq!(a.status, 429);
    assert_sc_headers(&a);
    let n: u64 = a
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=60).contains(&n), "{n}");
    let unit = if n == 1 { "second" } else { "seconds" };
    assert_eq!(
        a.body,
        format!(r#"{{"detail":"Request was throttled. Expected available in {n} {unit}."}}"#)
    );
    // Authentication comes first: a bad token is 401, not throttled.
    let a = as_user(&gw, "nope", "thread=501").await;
    assert_eq!(a.status, 401);
    // The window is per user.
    let a = as_user(&gw, PRIYA, "thread=503&limit=1").await;
    assert_eq!(a.status, 200);
}
matrix_sc!(the_call_past_the_user_throttle_is_429_with_retry_after);

async fn no_throttle_unless_configured() {
    let gw = Gw::default().await;
    for _ in 0..70 {
        let a = as_user(&gw, ANA, "thread=501&limit=1").await;
        assert_eq!(a.status, 200);
    }
}
matrix!(no_throttle_unless_configured);
