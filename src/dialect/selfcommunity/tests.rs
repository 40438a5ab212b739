//! Link building (spec §4 Links), parameter decoding (§3), datetimes (§5), `render_error`
//! (every row of §6) and credentials (§2).

use super::encode::{write_datetime, write_drf_str};
use super::links::{base_url, links, rewrite_query};
use super::params::{drf_integer, ids, limit, offset, pairs, present, py_int};
use super::*;
use crate::canonical::Resource;
use http::Method;

fn req<'a>(
    method: &'a Method,
    path: &'a str,
    query: Option<&'a str>,
    headers: &'a HeaderMap,
    peer: Option<std::net::SocketAddr>,
) -> RequestView<'a> {
    RequestView {
        method,
        path,
        query,
        headers,
        peer,
        now_usec: 0,
        // A test helper: one leaked (tiny) QueryPairs per view.
        pairs: Box::leak(Box::default()),
    }
}

const BASE: &str = "http://h/api/v2/pm/";

fn l(q: &str, lim: u32, off: u64, count: u64) -> (Option<String>, Option<String>) {
    links(BASE, Some(q), lim, off, count)
}

// ---- links ----------------------------------------------------------------------------------

#[test]
fn spec_example_undefined_kept_and_sorted() {
    let (next, previous) = l("thread=3&limit=10&before_message=undefined", 10, 0, 25);
    assert_eq!(
        next.as_deref(),
        Some("http://h/api/v2/pm/?before_message=undefined&limit=10&offset=10&thread=3")
    );
    assert_eq!(previous, None);
}

#[test]
fn parameters_in_any_order_give_the_same_links() {
    let a = l("user=7&offset=20&limit=10&zeta=1&Alpha=2", 10, 20, 45);
    let b = l("Alpha=2&limit=10&zeta=1&offset=20&user=7", 10, 20, 45);
    assert_eq!(a, b);
    assert_eq!(
        a.0.as_deref(),
        Some("http://h/api/v2/pm/?Alpha=2&limit=10&offset=30&user=7&zeta=1")
    );
    assert_eq!(
        a.1.as_deref(),
        Some("http://h/api/v2/pm/?Alpha=2&limit=10&offset=10&user=7&zeta=1")
    );
}

#[test]
fn code_point_order_upper_then_underscore_then_lower() {
    let (next, _) = l("a=1&_=2&Z=3&thread=1", 20, 0, 45);
    assert_eq!(
        next.as_deref(),
        Some("http://h/api/v2/pm/?Z=3&_=2&a=1&limit=20&offset=20&thread=1")
    );
}

#[test]
fn repeated_parameters_keep_their_values_in_order_and_limit_collapses() {
    let (next, previous) = l("tag=b&thread=1&tag=a&limit=5&limit=10&offset=3", 10, 3, 45);
    assert_eq!(
        next.as_deref(),
        Some("http://h/api/v2/pm/?limit=10&offset=13&tag=b&tag=a&thread=1")
    );
    // O - L <= 0: offset removed.
    assert_eq!(
        previous.as_deref(),
        Some("http://h/api/v2/pm/?limit=10&tag=b&tag=a&thread=1")
    );
}

#[test]
fn blank_values_bare_keys_and_empty_fields() {
    let (next, _) = l("thread=1&&bare&empty=&=v&x=a=b", 10, 0, 45);
    assert_eq!(
        next.as_deref(),
        Some("http://h/api/v2/pm/?=v&bare=&empty=&limit=10&offset=10&thread=1&x=a%3Db")
    );
}

#[test]
fn characters_that_need_encoding() {
    let q = "thread=1&q=a+b%20c&s=%2F%3F%26%3D&u=%C3%A9%E2%9C%93&semi=a;b&t=~._-&bad=%ZZ%&inv=%FF";
    let (next, _) = l(q, 10, 0, 45);
    assert_eq!(
        next.as_deref(),
        Some(
            "http://h/api/v2/pm/?bad=%25ZZ%25&inv=%EF%BF%BD&limit=10&offset=10&q=a+b+c\
             &s=%2F%3F%26%3D&semi=a%3Bb&t=~._-&thread=1&u=%C3%A9%E2%9C%93"
        )
    );
}

#[test]
fn limit_always_written_even_when_not_sent() {
    let (next, previous) = links(BASE, Some("offset=20&thread=1"), 20, 20, 45);
    assert_eq!(
        next.as_deref(),
        Some("http://h/api/v2/pm/?limit=20&offset=40&thread=1")
    );
    assert_eq!(
        previous.as_deref(),
        Some("http://h/api/v2/pm/?limit=20&thread=1")
    );
    let (next, previous) = links(BASE, None, 20, 0, 45);
    assert_eq!(
        next.as_deref(),
        Some("http://h/api/v2/pm/?limit=20&offset=20")
    );
    assert_eq!(previous, None);
}

#[test]
fn next_null_at_the_end() {
    assert_eq!(l("thread=1", 10, 35, 45).0, None);
    assert_eq!(l("thread=1", 10, 30, 40).0, None);
    assert!(l("thread=1", 10, 29, 40).0.is_some());
    assert_eq!(l("thread=1", 10, 0, 0), (None, None));
}

#[test]
fn offset_past_the_end_is_not_clamped() {
    let (next, previous) = l("thread=1&offset=100", 10, 100, 45);
    assert_eq!(next, None);
    assert_eq!(
        previous.as_deref(),
        Some("http://h/api/v2/pm/?limit=10&offset=90&thread=1")
    );
}

#[test]
fn previous_near_the_start() {
    let p = |o| l("thread=1", 10, o, 45).1;
    assert_eq!(p(0), None);
    assert_eq!(
        p(1).as_deref(),
        Some("http://h/api/v2/pm/?limit=10&thread=1")
    );
    assert_eq!(
        p(10).as_deref(),
        Some("http://h/api/v2/pm/?limit=10&thread=1")
    );
    assert_eq!(
        p(11).as_deref(),
        Some("http://h/api/v2/pm/?limit=10&offset=1&thread=1")
    );
}

#[test]
fn rewrite_removes_offset_and_sets_limit() {
    assert_eq!(rewrite_query(Some("offset=5&limit=x"), 7, None), "limit=7");
    assert_eq!(rewrite_query(Some(""), 7, Some(3)), "limit=7&offset=3");
}

fn base(public: &str, trusted: &[&str], peer: &str, headers: &[(&str, &str)]) -> String {
    let mut h = HeaderMap::new();
    for (k, v) in headers {
        h.append(
            http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    let trusted: Vec<ipnet::IpNet> = trusted.iter().map(|t| t.parse().unwrap()).collect();
    let m = Method::GET;
    let r = req(&m, "/api/v2/pm/", None, &h, Some(peer.parse().unwrap()));
    base_url(&r, public, &trusted)
}

#[test]
fn url_base_from_host_forwarded_headers_and_public_base_url() {
    let fwd = [
        ("host", "gw:8080"),
        ("x-forwarded-proto", "https, http"),
        ("x-forwarded-host", "community.example.com"),
    ];
    // Untrusted peer: forwarded headers ignored, Host verbatim with its port.
    assert_eq!(
        base("", &[], "10.0.0.9:5000", &fwd),
        "http://gw:8080/api/v2/pm/"
    );
    assert_eq!(
        base("", &["10.1.0.0/16"], "10.0.0.9:5000", &fwd),
        "http://gw:8080/api/v2/pm/"
    );
    // Trusted peer: first proto value, whole forwarded host.
    assert_eq!(
        base("", &["10.0.0.0/8"], "10.0.0.9:5000", &fwd),
        "https://community.example.com/api/v2/pm/"
    );
    assert_eq!(
        base(
            "",
            &["10.0.0.0/8"],
            "10.0.0.9:5000",
            &[("host", "gw"), ("x-forwarded-proto", "http, https")]
        ),
        "http://gw/api/v2/pm/"
    );
    // Configured public base URL with a path prefix wins over everything.
    assert_eq!(
        base(
            "https://community.example.com/legacy",
            &["10.0.0.0/8"],
            "10.0.0.9:5000",
            &fwd
        ),
        "https://community.example.com/legacy/api/v2/pm/"
    );
    assert_eq!(
        base("https://c.example.com/", &[], "10.0.0.9:5000", &fwd),
        "https://c.example.com/api/v2/pm/"
    );
}

// ---- parameters ---------------------------------------------------------------------------

#[test]
fn python_int_and_drf_integer_field() {
    for (s, v) in [
        ("5", Some(5)),
        (" 5 ", Some(5)),
        ("+5", Some(5)),
        ("-5", Some(-5)),
        ("1_0", Some(10)),
        ("1__0", None),
        ("_1", None),
        ("1_", None),
        ("5.0", None),
        ("", None),
        ("0x10", None),
        ("1e3", None),
        ("- 5", None),
    ] {
        assert_eq!(py_int(s), v, "py_int({s:?})");
    }
    for (s, v) in [
        ("5.0", Some(5)),
        ("5.", Some(5)),
        ("5.000  ", Some(5)),
        ("5.01", None),
        ("5.0.0", None),
        (" 7 ", Some(7)),
        ("abc", None),
    ] {
        assert_eq!(drf_integer(s), v, "drf_integer({s:?})");
    }
    assert_eq!(drf_integer(&"1".repeat(1001)), None);
}

#[test]
fn limit_and_offset_fall_back_never_fail() {
    let lim = |q: &str| limit(&pairs(Some(q)), 20, 100);
    let off = |q: &str| offset(&pairs(Some(q)));
    assert_eq!(lim(""), 20);
    assert_eq!(lim("limit=5"), 5);
    assert_eq!(lim("limit=5.0"), 20);
    assert_eq!(lim("limit=0"), 20);
    assert_eq!(lim("limit=-3"), 20);
    assert_eq!(lim("limit=undefined"), 20);
    assert_eq!(lim("limit=1000"), 100);
    assert_eq!(lim("limit=99999999999999999999999"), 100);
    assert_eq!(lim("limit=3&limit=7"), 7);
    assert_eq!(lim("limit=+1_0"), 10);
    assert_eq!(off("offset=abc"), 0);
    assert_eq!(off("offset=-1"), 0);
    assert_eq!(off("offset=15"), 15);
    assert_eq!(off("offset=2.0"), 0);
}

#[test]
fn absent_values_and_last_wins() {
    let p = pairs(Some("thread=undefined&user=&group=4&group=5&x"));
    assert_eq!(present(&p, "thread"), None);
    assert_eq!(present(&p, "user"), None);
    assert_eq!(present(&p, "group"), Some("5"));
    assert_eq!(present(&p, "x"), None);
    assert_eq!(present(&p, "missing"), None);
}

#[test]
fn every_invalid_id_is_reported_in_order() {
    let p = pairs(Some("from_message=x&user=y&thread=3&before_message=4.5"));
    assert_eq!(ids(&p), Err(vec!["user", "before_message", "from_message"]));
    let p = pairs(Some("thread=3.0&user=undefined&before_message=+9"));
    assert_eq!(ids(&p), Ok([Some(3), None, None, Some(9), None]));
}

// ---- datetimes and strings ------------------------------------------------------------------

fn dt(usec: i64, offset: i64) -> String {
    let mut out = Vec::new();
    write_datetime(&mut out, usec, offset);
    String::from_utf8(out).unwrap()
}

#[test]
fn datetimes_as_drf_writes_them() {
    // 2021-05-28T09:34:00Z
    let t = 1_622_194_440_000_000;
    assert_eq!(dt(t, 0), "2021-05-28T09:34:00Z");
    assert_eq!(dt(t + 772_383, 7200), "2021-05-28T11:34:00.772383+02:00");
    assert_eq!(
        dt(t + 5, -5 * 3600 - 1800),
        "2021-05-28T04:04:00.000005-05:30"
    );
    assert_eq!(encode::parse_offset("+02:00"), 7200);
    assert_eq!(encode::parse_offset("-05:30"), -19800);
    assert_eq!(encode::parse_offset("-00:00"), 0);
}

#[test]
fn json_strings_escape_line_separators_only() {
    let mut out = Vec::new();
    write_drf_str(&mut out, "a/b é \u{2028}\u{2029} \"q\"");
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "\"a/b é \\u2028\\u2029 \\\"q\\\"\""
    );
    assert_eq!(
        encode::html_escape("<a href='x'>&\"</a>"),
        "&lt;a href=&#x27;x&#x27;&gt;&amp;&quot;&lt;/a&gt;"
    );
}

// ---- errors -------------------------------------------------------------------------------

fn render(err: &Error) -> (u16, Reply, String) {
    let headers = HeaderMap::new();
    let m = Method::GET;
    let reply = render_error(&req(&m, "/api/v2/pm/", None, &headers, None), err);
    let h = reply.headers();
    assert_eq!(h["content-type"], "application/json");
    assert_eq!(h["vary"], "Accept");
    assert_eq!(h["allow"], "GET, HEAD");
    let body = String::from_utf8(reply.body().to_vec()).unwrap();
    (reply.status().as_u16(), reply, body)
}

#[test]
fn every_error_row() {
    let (s, r, b) = render(&Error::invalid("thread,group", "", INVALID_INTEGER));
    assert_eq!(s, 400);
    assert_eq!(
        b,
        r#"{"errors":[{"field":"thread","messages":[{"code":"invalid","message":"A valid integer is required."}]},{"field":"group","messages":[{"code":"invalid","message":"A valid integer is required."}]}]}"#
    );
    assert!(r.headers().get("www-authenticate").is_none());

    let (s, r, b) = render(&Error::Unauthenticated(AuthFailure::Missing));
    assert_eq!(
        (s, b.as_str()),
        (
            401,
            r#"{"detail":"Authentication credentials were not provided."}"#
        )
    );
    assert_eq!(r.headers()["www-authenticate"], r#"Bearer realm="api""#);

    let (s, r, b) = render(&Error::Unauthenticated(AuthFailure::Invalid));
    assert_eq!(
        (s, b.as_str()),
        (
            401,
            r#"{"detail":"Authentication credentials were not provided."}"#
        )
    );
    assert_eq!(
        r.headers()["www-authenticate"],
        r#"Bearer realm="api",error="invalid_token",error_description="The access token is invalid.""#
    );

    let (s, _, b) = render(&Error::Forbidden(Resource::Room("r".into())));
    assert_eq!(
        (s, b.as_str()),
        (
            403,
            r#"{"detail":"You do not have permission to perform this action."}"#
        )
    );
    for resource in [
        Resource::Room("r".into()),
        Resource::User("u".into()),
        Resource::Group("g".into()),
    ] {
        let (s, _, b) = render(&Error::NotFound(resource));
        assert_eq!((s, b.as_str()), (404, r#"{"detail":"Not found."}"#));
    }
    let (s, _, b) = render(&Error::MethodNotAllowed {
        method: "POST".into(),
    });
    assert_eq!(
        (s, b.as_str()),
        (405, r#"{"detail":"Method \"POST\" not allowed."}"#)
    );

    let (s, r, b) = render(&Error::RateLimited {
        retry_after_ms: 2500,
    });
    assert_eq!(
        (s, b.as_str()),
        (
            429,
            r#"{"detail":"Request was throttled. Expected available in 3 seconds."}"#
        )
    );
    assert_eq!(r.headers()["retry-after"], "3");
    let (_, r, b) = render(&Error::RateLimited {
        retry_after_ms: 200,
    });
    assert_eq!(
        b,
        r#"{"detail":"Request was throttled. Expected available in 1 second."}"#
    );
    assert_eq!(r.headers()["retry-after"], "1");

    let (s, _, b) = render(&Error::Internal("x".into()));
    assert_eq!(
        (s, b.as_str()),
        (500, r#"{"detail":"A server error occurred."}"#)
    );
    for e in [
        Error::BackendUnavailable("x".into()),
        Error::BadBackendAnswer("x".into()),
    ] {
        let (s, _, b) = render(&e);
        assert_eq!(
            (s, b.as_str()),
            (
                503,
                r#"{"detail":"Service temporarily unavailable, try again later."}"#
            )
        );
    }
    let (s, _, b) = render(&Error::BackendTimeout);
    assert_eq!(
        (s, b.as_str()),
        (504, r#"{"detail":"Upstream timed out, try again later."}"#)
    );
}

#[test]
fn redirect_keeps_the_query() {
    let headers = HeaderMap::new();
    let m = Method::POST;
    let r = pm::redirect(&req(&m, "/api/v2/pm", Some("b=2&a=%20"), &headers, None));
    assert_eq!(r.status().as_u16(), 301);
    assert_eq!(r.headers()["location"], "/api/v2/pm/?b=2&a=%20");
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
    assert!(r.body().is_empty());
    let r = pm::redirect(&req(&m, "/api/v2/pm", None, &headers, None));
    assert_eq!(r.headers()["location"], "/api/v2/pm/");
}

#[test]
fn bearer_credentials_only() {
    let cred = |v: &str| {
        let mut h = HeaderMap::new();
        h.insert("authorization", v.parse().unwrap());
        credentials(&h)
    };
    assert_eq!(
        cred("Bearer abc"),
        Some(Credential::Bearer {
            token: "abc".into()
        })
    );
    assert_eq!(
        cred("bEaReR   abc "),
        Some(Credential::Bearer {
            token: "abc".into()
        })
    );
    assert_eq!(cred("Bearer"), None);
    assert_eq!(cred("Bearer   "), None);
    assert_eq!(cred("Token abc"), None);
    assert_eq!(cred("Basic YTpi"), None);
    assert_eq!(credentials(&HeaderMap::new()), None);
}

// ---- decoder property ---------------------------------------------------------------------

mod property;
