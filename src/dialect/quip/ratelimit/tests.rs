//! Header values and refusals at given instants (time passed in, no clock, no sleeps).

use super::*;
use http::{HeaderMap, Method};

/// 2023-11-14T22:13:20.500Z, half a second into an epoch second.
const T0: u64 = 1_700_000_000_500;

fn config(user_calls: u32, company_calls: u32) -> QuipRateLimit {
    QuipRateLimit {
        user_calls,
        user_window_ms: 60_000,
        company_calls,
        company_window_ms: 30_000,
    }
}

fn principal(user_id: &str) -> Principal {
    Principal {
        user_id: user_id.into(),
        username: user_id.into(),
        admin_of: vec!["northwind".into()],
    }
}

fn header<'a>(o: &'a RateOutcome, name: &str) -> Option<&'a str> {
    o.headers
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.as_str())
}

fn triple<'a>(o: &'a RateOutcome, names: [&str; 3]) -> [Option<&'a str>; 3] {
    names.map(|n| header(o, n))
}

#[test]
fn reset_is_epoch_seconds_rounded_up() {
    assert_eq!(reset_seconds(0), 0);
    assert_eq!(reset_seconds(1), 1);
    assert_eq!(reset_seconds(1_000), 1);
    assert_eq!(reset_seconds(1_001), 2);
    assert_eq!(reset_seconds(1_700_000_060_500), 1_700_000_061);
    assert_eq!(reset_seconds(u64::MAX), u64::MAX.div_ceil(1000));
}

#[test]
fn user_window_counts_then_checks() {
    let l = RateLimiter::new(&config(3, 100));
    for (i, remaining) in ["2", "1", "0"].into_iter().enumerate() {
        // Later calls in the same window keep its end.
        let o = l.check("u1", None, T0 + i as u64 * 1_000);
        assert_eq!(o.refused, None, "call {}", i + 1);
        assert_eq!(
            triple(&o, USER_HEADERS),
            [Some("3"), Some(remaining), Some("1700000061")]
        );
        assert_eq!(o.headers.len(), 3, "no company headers without a company");
    }
    let o = l.check("u1", None, T0 + 10_000);
    assert_eq!(
        o.refused,
        Some(Error::RateLimited {
            retry_after_ms: 50_000
        })
    );
    assert_eq!(
        triple(&o, USER_HEADERS),
        [Some("3"), Some("0"), Some("1700000061")]
    );
    // Another user has a window of their own.
    let o = l.check("u2", None, T0 + 10_000);
    assert_eq!(o.refused, None);
    assert_eq!(header(&o, "x-ratelimit-remaining"), Some("2"));
    // The window ends 60 s after its first call; the next call opens a new one.
    let o = l.check("u1", None, T0 + 60_000);
    assert_eq!(o.refused, None);
    assert_eq!(
        triple(&o, USER_HEADERS),
        [Some("3"), Some("2"), Some("1700000121")]
    );
}

#[test]
fn reset_on_a_whole_second_is_that_second() {
    let l = RateLimiter::new(&config(3, 100));
    let o = l.check("u1", None, 1_700_000_000_000);
    assert_eq!(header(&o, "x-ratelimit-reset"), Some("1700000060"));
}

#[test]
fn company_window_refuses_below_the_user_limit() {
    let l = RateLimiter::new(&config(10, 2));
    let o = l.check("u1", Some("northwind"), T0);
    assert_eq!(o.refused, None);
    assert_eq!(
        triple(&o, USER_HEADERS),
        [Some("10"), Some("9"), Some("1700000061")]
    );
    // A 30 s company window: 1_700_000_030_500 ms → 1_700_000_031 s.
    assert_eq!(
        triple(&o, COMPANY_HEADERS),
        [Some("2"), Some("1"), Some("1700000031")]
    );
    // Another user of the same company shares its window.
    let o = l.check("u2", Some("northwind"), T0 + 1);
    assert_eq!(o.refused, None);
    assert_eq!(header(&o, "x-company-ratelimit-remaining"), Some("0"));
    let o = l.check("u1", Some("northwind"), T0 + 2);
    assert_eq!(
        o.refused,
        Some(Error::RateLimited {
            retry_after_ms: 29_998
        })
    );
    assert_eq!(header(&o, "x-ratelimit-remaining"), Some("8"));
    assert_eq!(
        triple(&o, COMPANY_HEADERS),
        [Some("2"), Some("0"), Some("1700000031")]
    );
    // Another company is not affected.
    let o = l.check("u1", Some("acme"), T0 + 3);
    assert_eq!(o.refused, None);
    assert_eq!(header(&o, "x-company-ratelimit-remaining"), Some("1"));
}

#[test]
fn a_call_the_user_window_refuses_does_not_use_the_company_window() {
    let l = RateLimiter::new(&config(1, 2));
    assert_eq!(l.check("u1", Some("northwind"), T0).refused, None);
    let o = l.check("u1", Some("northwind"), T0 + 1);
    assert!(o.refused.is_some());
    assert_eq!(header(&o, "x-ratelimit-remaining"), Some("0"));
    assert_eq!(triple(&o, COMPANY_HEADERS), [None, None, None]);
    // Had the refused call counted, this second company call would be its third.
    let o = l.check("u2", Some("northwind"), T0 + 2);
    assert_eq!(o.refused, None);
    assert_eq!(header(&o, "x-company-ratelimit-remaining"), Some("0"));
}

fn outcome(
    limiter: Option<&RateLimiter>,
    which: Which,
    query: Option<&str>,
    user: Option<&str>,
) -> RateOutcome {
    let headers = HeaderMap::new();
    let method = Method::GET;
    let req = RequestView {
        method: &method,
        path: "/1/admin/messages/x",
        query,
        headers: &headers,
        peer: None,
        now_usec: T0 as i64 * 1000 + 999,
        pairs: &crate::dialect::QueryPairs::new(),
    };
    let p = user.map(principal);
    rate_limit(limiter, which, &req, p.as_ref())
}

#[test]
fn phase_reads_the_company_as_the_decoder_does() {
    let l = RateLimiter::new(&config(10, 5));
    let q = Some("company_id=x&company_id=north%20wind&count=3");
    let o = outcome(Some(&l), Which::Admin, q, Some("u1"));
    assert_eq!(o.refused, None);
    assert_eq!(header(&o, "x-ratelimit-reset"), Some("1700000061"));
    assert_eq!(header(&o, "x-company-ratelimit-remaining"), Some("4"));
    // The last value, percent-decoded, is the key.
    let o = outcome(
        Some(&l),
        Which::Admin,
        Some("company_id=north+wind"),
        Some("u2"),
    );
    assert_eq!(header(&o, "x-company-ratelimit-remaining"), Some("3"));
    // Absent or empty: user headers only.
    for q in [None, Some("company_id="), Some("count=3")] {
        let o = outcome(Some(&l), Which::Admin, q, Some("u3"));
        assert_eq!(o.refused, None);
        assert_eq!(o.headers.len(), 3, "{q:?}");
    }
    // The automation endpoint has no company window; both endpoints share the user's.
    let o = outcome(Some(&l), Which::Automation, q, Some("u1"));
    assert_eq!(o.headers.len(), 3);
    assert_eq!(header(&o, "x-ratelimit-remaining"), Some("8"));
}

#[test]
fn nothing_without_a_limiter_or_a_principal() {
    let q = Some("company_id=northwind");
    assert_eq!(
        outcome(None, Which::Admin, q, Some("u1")),
        RateOutcome::default()
    );
    let l = RateLimiter::new(&config(1, 1));
    assert_eq!(
        outcome(Some(&l), Which::Admin, q, None),
        RateOutcome::default()
    );
}
