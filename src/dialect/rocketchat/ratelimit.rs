//! Rocket.Chat rate limiting (spec §6), off unless `[rocketchat.rate_limit]` is configured:
//! one fixed window per (client address, route), shared by every endpoint of the dialect.

use crate::canonical::{Error, Principal};
use crate::config::RocketChatRateLimit;
use crate::dialect::{RateOutcome, RequestView};
use crate::ratelimit::{FixedWindow, DEFAULT_MAX_ENTRIES};
use std::collections::HashSet;
use std::net::IpAddr;

/// Rocket.Chat's rate limiter (spec §6): a fixed window per (client address, route), shared
/// by every endpoint of the dialect; users in `exempt_users` are never counted (upstream:
/// the `api-bypass-rate-limit` permission) and get no rate-limit headers.
#[derive(Debug)]
pub struct RateLimiter {
    window: FixedWindow<(Option<IpAddr>, &'static str)>,
    exempt: HashSet<String>,
}

impl RateLimiter {
    pub fn new(cfg: &RocketChatRateLimit) -> RateLimiter {
        RateLimiter {
            window: FixedWindow::new(cfg.calls, cfg.window_ms, DEFAULT_MAX_ENTRIES),
            exempt: cfg.exempt_users.iter().cloned().collect(),
        }
    }
}

/// The rate-limit phase of a Rocket.Chat endpoint: `X-RateLimit-Limit`, `-Remaining` and
/// `-Reset` (window end, epoch ms) on every response from here on, and
/// [`Error::RateLimited`] for call `limit + 1` of a window.
pub fn rate_limit(
    limiter: Option<&RateLimiter>,
    route: &'static str,
    req: &RequestView<'_>,
    principal: Option<&Principal>,
    client: Option<IpAddr>,
) -> RateOutcome {
    let Some(limiter) = limiter else {
        return RateOutcome::default();
    };
    if principal.is_some_and(|p| limiter.exempt.contains(&p.user_id)) {
        return RateOutcome::default();
    }
    let now_ms = u64::try_from(req.now_usec.div_euclid(1000)).unwrap_or(0);
    let v = limiter.window.hit(&(client, route), now_ms);
    RateOutcome {
        headers: vec![
            ("x-ratelimit-limit", v.limit.to_string()),
            ("x-ratelimit-remaining", v.remaining.to_string()),
            ("x-ratelimit-reset", v.reset_at_ms.to_string()),
        ],
        refused: (!v.allowed).then_some(Error::RateLimited {
            retry_after_ms: v.reset_in_ms,
        }),
    }
}

#[cfg(test)]
mod tests;
