use super::*;
use crate::dialect::rocketchat::profile::{V6, V7, V8, V9};

fn ok(profile: &Profile, raw: &str) -> ThreadParams {
    match parse_params(profile, Some(raw)) {
        Ok(p) => p,
        Err(e) => panic!("profile {} {raw:?}: {e:?}", profile.name),
    }
}

fn err(profile: &Profile, raw: &str) -> Error {
    match parse_params(profile, Some(raw)) {
        Ok(p) => panic!("profile {} {raw:?}: unexpectedly {p:?}", profile.name),
        Err(e) => e,
    }
}

fn params(tmid: &str, order: Order, offset: u64, limit: Option<u32>) -> ThreadParams {
    ThreadParams {
        tmid: tmid.to_owned(),
        order,
        offset,
        limit,
    }
}

fn invalid(name: &str, value: &str, reason: &str) -> Error {
    Error::invalid(name, value, reason)
}

#[test]
fn defaults_in_every_profile() {
    for p in [&V6, &V7, &V8, &V9] {
        assert_eq!(
            ok(p, "tmid=abc"),
            params("abc", Order::Ascending, 0, Some(50))
        );
        assert_eq!(
            ok(p, "tmid=a+b%21&count=&offset=&sort="),
            params("a b!", Order::Ascending, 0, Some(50))
        );
    }
}

#[test]
fn count_and_offset_rules_shared_by_all_profiles() {
    for p in [&V6, &V7, &V8, &V9] {
        let limit = |q: &str| ok(p, &format!("tmid=t&{q}")).limit;
        let offset = |q: &str| ok(p, &format!("tmid=t&{q}")).offset;
        assert_eq!(limit("count=10"), Some(10));
        assert_eq!(limit("count=100"), Some(100));
        assert_eq!(limit("count=101"), Some(100));
        assert_eq!(limit("count=100000000000000000000000"), Some(100));
        assert_eq!(limit("count=0"), None);
        assert_eq!(limit("count=-5"), Some(5));
        assert_eq!(limit("count=-500"), Some(100));
        assert_eq!(limit("count=2.9"), Some(2));
        assert_eq!(limit("count=0.5"), None, "profile {}", p.name);
        assert_eq!(limit("count=%2010%20"), Some(10));
        assert_eq!(offset("offset=30"), 30);
        assert_eq!(offset("offset=-3"), 0);
        assert_eq!(offset("offset=7.9"), 7);
        assert_eq!(offset("offset=99999999999999999999999"), u64::MAX);
    }
}

#[test]
fn profile_6_reads_numbers_with_parse_int() {
    let limit = |q: &str| ok(&V6, &format!("tmid=t&{q}")).limit;
    let offset = |q: &str| ok(&V6, &format!("tmid=t&{q}")).offset;
    assert_eq!(limit("count=10abc"), Some(10));
    assert_eq!(limit("count=abc"), Some(50));
    assert_eq!(limit("count=0x1A"), Some(26));
    assert_eq!(limit("count=1e2"), Some(1));
    assert_eq!(limit("count=5&count=7"), Some(5));
    assert_eq!(limit("count[x]=5"), Some(50));
    assert_eq!(offset("offset=abc"), 0);
    assert_eq!(offset("offset=0x10"), 16);
    assert_eq!(offset("offset=%20%2012px"), 12);
}

#[test]
fn profiles_7_to_9_coerce_numbers_like_ajv() {
    for p in [&V7, &V8, &V9] {
        let limit = |q: &str| ok(p, &format!("tmid=t&{q}")).limit;
        assert_eq!(limit("count=1e2"), Some(100));
        assert_eq!(limit("count=25e-1"), Some(2));
        assert_eq!(limit("count=Infinity"), Some(100));
        for (bad, value) in [
            ("count=10abc", "10abc"),
            ("count=abc", "abc"),
            ("count=0x1A", "0x1A"),
            ("count=%20%20", "  "),
            ("count=1&count=2", "1,2"),
        ] {
            assert_eq!(
                err(p, &format!("tmid=t&{bad}")),
                invalid("count", value, "must be number"),
                "{bad}"
            );
        }
        assert_eq!(
            err(p, "tmid=t&offset[]=1"),
            invalid("offset", "1", "must be number")
        );
    }
}

#[test]
fn sort_direction_from_ts() {
    for p in [&V6, &V7, &V8, &V9] {
        let order = |s: &str| ok(p, &format!("tmid=t&sort={s}")).order;
        assert_eq!(order("%7B%22ts%22%3A-1%7D"), Order::Descending);
        assert_eq!(order(r#"{"ts":1}"#), Order::Ascending);
        assert_eq!(order(r#"{"_id":-1}"#), Order::Ascending);
        assert_eq!(order("{}"), Order::Ascending);
        assert_eq!(
            err(p, r#"tmid=t&sort={"ts":2}"#),
            invalid("sort", r#"{"ts":2}"#, INVALID_SORT)
        );
        assert_eq!(
            err(p, "tmid=t&sort=ts"),
            invalid("sort", "ts", INVALID_SORT)
        );
    }
}

#[test]
fn profile_6_sort_comes_first_and_arrays_print_like_javascript() {
    // parseJsonQuery runs before the tmid check.
    assert_eq!(err(&V6, "sort=bad"), invalid("sort", "bad", INVALID_SORT));
    assert_eq!(
        err(&V6, "sort=bad&count=abc&tmid="),
        invalid("sort", "bad", INVALID_SORT)
    );
    // `String(['{"ts":-1}'])` is the element itself.
    assert_eq!(
        ok(&V6, r#"tmid=t&sort[]={"ts":-1}"#).order,
        Order::Descending
    );
    assert_eq!(
        err(&V6, "tmid=t&sort=a&sort=b"),
        invalid("sort", "a,b", INVALID_SORT)
    );
    assert_eq!(
        err(&V6, "tmid=t&sort[a]=1"),
        invalid("sort", "[object Object]", INVALID_SORT)
    );
}

#[test]
fn profile_6_tmid_checks() {
    assert_eq!(err(&V6, ""), Error::missing("tmid"));
    assert_eq!(err(&V6, "tmid="), Error::missing("tmid"));
    assert_eq!(err(&V6, "tmid"), Error::missing("tmid"));
    assert_eq!(err(&V6, "count=5"), Error::missing("tmid"));
    assert_eq!(
        err(&V6, "tmid=a&tmid=b"),
        Error::NotFound(Resource::Message("a,b".to_owned()))
    );
    assert_eq!(
        err(&V6, "tmid[]=a"),
        Error::NotFound(Resource::Message("a".to_owned()))
    );
    assert_eq!(
        err(&V6, "tmid[$ne]=x"),
        Error::NotFound(Resource::Message("[object Object]".to_owned()))
    );
    assert_eq!(parse_params(&V6, None), Err(Error::missing("tmid")));
}

#[test]
fn profile_6_ignores_unknown_keys() {
    assert_eq!(
        ok(
            &V6,
            "tmid=t&query=%7B%7D&fields=%7B%7D&roomId=x&access_token=y"
        ),
        params("t", Order::Ascending, 0, Some(50))
    );
}

#[test]
fn profiles_7_to_9_validate_first() {
    for p in [&V7, &V8, &V9] {
        assert_eq!(err(p, ""), Error::missing("tmid"));
        assert_eq!(err(p, "sort=bad"), Error::missing("tmid"));
        assert_eq!(
            err(p, "tmid="),
            invalid("tmid", "", "must NOT have fewer than 1 characters")
        );
        assert_eq!(
            err(p, "tmid=a&tmid=b"),
            invalid("tmid", "a,b", "must be string")
        );
        assert_eq!(err(p, "tmid[]=a"), invalid("tmid", "a", "must be string"));
        for extra in ["query", "fields", "access_token", "userId", "roomId"] {
            assert_eq!(
                err(p, &format!("tmid=t&{extra}=1&count=abc")),
                Error::UnknownParameter {
                    name: extra.to_owned()
                }
            );
        }
        // Schema order: tmid, count, offset, sort; sort parsing after the schema.
        assert_eq!(
            err(p, "sort=bad&offset=x&count=y&tmid="),
            invalid("tmid", "", "must NOT have fewer than 1 characters")
        );
        assert_eq!(
            err(p, "sort=bad&offset=x&count=y&tmid=t"),
            invalid("count", "y", "must be number")
        );
        assert_eq!(
            err(p, "sort=bad&offset=x&tmid=t"),
            invalid("offset", "x", "must be number")
        );
        assert_eq!(
            err(p, "sort[]=x&tmid=t"),
            invalid("sort", "x", "must be string")
        );
        assert_eq!(
            err(p, "sort=bad&tmid=t"),
            invalid("sort", "bad", INVALID_SORT)
        );
    }
}

#[test]
fn page_helpers() {
    assert_eq!(page_limit(None), Some(50));
    assert_eq!(page_limit(Some(f64::NAN)), Some(50));
    assert_eq!(page_limit(Some(-0.0)), None);
    assert_eq!(page_limit(Some(f64::NEG_INFINITY)), Some(100));
    assert_eq!(page_limit(Some(99.99)), Some(99));
    assert_eq!(page_offset(None), 0);
    assert_eq!(page_offset(Some(f64::NAN)), 0);
    assert_eq!(page_offset(Some(f64::INFINITY)), u64::MAX);
    assert_eq!(page_offset(Some(0.9)), 0);
}

fn principal() -> Principal {
    Principal {
        user_id: "u1".to_owned(),
        username: "alice".to_owned(),
        admin_of: Vec::new(),
    }
}

#[test]
fn endpoint_builds_the_canonical_query() {
    let ep = GetThreadMessages::new(&V6);
    let headers = http::HeaderMap::new();
    let method = http::Method::GET;
    let req = RequestView {
        method: &method,
        path: PATH,
        query: Some("tmid=root1&count=20&offset=40&sort=%7B%22ts%22%3A-1%7D"),
        headers: &headers,
        peer: None,
        now_usec: 0,
        pairs: &crate::dialect::QueryPairs::new(),
    };
    let q = ep.decode(&req, principal()).unwrap();
    assert_eq!(q.principal, principal());
    assert_eq!(q.target, Target::Replies("root1".to_owned()));
    assert_eq!(q.order, Order::Descending);
    assert_eq!(
        q.slice,
        Slice::Offset {
            offset: 40,
            limit: Some(20)
        }
    );
    assert!(q.want_total);
    assert!(q.unreads.is_none());
    assert_eq!(q.filter, crate::canonical::Filter::default());
    assert_eq!(ep.route(), ROUTE);
    assert_eq!(ep.dialect(), DialectId::RocketChat);
}

#[test]
fn endpoint_encodes_pages_with_headers() {
    let ep = GetThreadMessages::new(&V9);
    let headers = http::HeaderMap::new();
    let method = http::Method::GET;
    let req = RequestView {
        method: &method,
        path: PATH,
        query: Some("tmid=t&offset=5&count=0"),
        headers: &headers,
        peer: None,
        now_usec: 0,
        pairs: &crate::dialect::QueryPairs::new(),
    };
    let q = ep.decode(&req, principal()).unwrap();
    let page = Page {
        messages: Vec::new(),
        total: Some(3),
        unreads: None,
        conversations: Vec::new(),
    };
    let reply = ep.encode(&req, &q, &page);
    assert_eq!(reply.status(), StatusCode::OK);
    assert_eq!(
        reply.body().as_ref(),
        br#"{"messages":[],"count":0,"offset":5,"total":3,"success":true}"#
    );
    let h = reply.headers();
    assert_eq!(h["content-type"], "application/json");
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(h["pragma"], "no-cache");
    // A backend that reports no total: offset + returned.
    let reply = ep.encode(&req, &q, &Page::default());
    assert!(reply
        .body()
        .ends_with(br#""offset":5,"total":5,"success":true}"#));
}
