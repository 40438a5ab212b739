//! The fixed window per (client address, route), exempt users, headers (spec §6).

use super::*;
use http::{HeaderMap, Method};

const DM: &str = "/api/v1/dm.history";

#[test]
fn rate_limit_counts_per_client_and_route_and_skips_exempt_users() {
    let limiter = RateLimiter::new(&RocketChatRateLimit {
        calls: 2,
        window_ms: 1_000,
        exempt_users: vec!["boss".to_owned()],
    });
    let headers = HeaderMap::new();
    let method = Method::GET;
    let req = RequestView {
        method: &method,
        path: DM,
        query: None,
        headers: &headers,
        peer: None,
        now_usec: 5_000_000,
        pairs: &crate::dialect::QueryPairs::new(),
    };
    let who = |id: &str| Principal {
        user_id: id.to_owned(),
        username: id.to_owned(),
        admin_of: Vec::new(),
    };
    let ip: Option<IpAddr> = "192.0.2.7".parse().ok();
    let ana = who("ana");
    let hit =
        |route, p: Option<&Principal>, client| rate_limit(Some(&limiter), route, &req, p, client);
    let first = hit("dm.history", Some(&ana), ip);
    assert_eq!(
        first.headers,
        [
            ("x-ratelimit-limit", "2".to_owned()),
            ("x-ratelimit-remaining", "1".to_owned()),
            ("x-ratelimit-reset", "6000".to_owned()),
        ]
    );
    assert_eq!(first.refused, None);
    assert_eq!(hit("dm.history", Some(&ana), ip).refused, None);
    assert_eq!(
        hit("dm.history", Some(&ana), ip).refused,
        Some(Error::RateLimited {
            retry_after_ms: 1_000
        })
    );
    // Another route, another address, no address: their own windows.
    assert_eq!(hit("im.history", Some(&ana), ip).refused, None);
    assert_eq!(hit("dm.history", Some(&ana), None).refused, None);
    // Exempt: nothing counted, no headers.
    let boss = who("boss");
    for _ in 0..5 {
        assert_eq!(
            hit("dm.history", Some(&boss), None),
            crate::dialect::RateOutcome::default()
        );
    }
    // Not configured: nothing at all.
    assert_eq!(
        rate_limit(None, "dm.history", &req, Some(&ana), ip),
        crate::dialect::RateOutcome::default()
    );
}
