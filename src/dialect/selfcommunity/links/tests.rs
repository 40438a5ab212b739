//! DRF `LimitOffsetPagination` links and the URL base (spec §4 Links).

use super::*;
use crate::dialect::selfcommunity::tests::{qp, req};
use http::{HeaderMap, Method};

const BASE: &str = "http://h/api/v2/pm/";

fn l(q: &str, lim: u32, off: u64, count: u64) -> (Option<String>, Option<String>) {
    links(BASE, &qp(Some(q)), lim, off, count)
}

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
    let (next, previous) = links(BASE, &qp(Some("offset=20&thread=1")), 20, 20, 45);
    assert_eq!(
        next.as_deref(),
        Some("http://h/api/v2/pm/?limit=20&offset=40&thread=1")
    );
    assert_eq!(
        previous.as_deref(),
        Some("http://h/api/v2/pm/?limit=20&thread=1")
    );
    let (next, previous) = links(BASE, &[], 20, 0, 45);
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
    assert_eq!(
        rewrite_query(&qp(Some("offset=5&limit=x")), 7, None),
        "limit=7"
    );
    assert_eq!(rewrite_query(&[], 7, Some(3)), "limit=7&offset=3");
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
