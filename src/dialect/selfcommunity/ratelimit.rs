//! SelfCommunity rate limiting: DRF's user throttle, off unless
//! `[selfcommunity.rate_limit]` is configured. One fixed window per user id, counting the
//! user's calls to `pm/` and `user/me` together (DRF's user throttle); a refusal is
//! [`Error::RateLimited`], rendered 429 with `Retry-After` by
//! [`render_error`](super::render_error). DRF sends no rate-limit headers.

use crate::canonical::{Error, Principal};
use crate::config::SelfCommunityRateLimit;
use crate::dialect::{RateOutcome, RequestView};
use crate::ratelimit::{FixedWindow, DEFAULT_MAX_ENTRIES};

/// The user throttle: a fixed window per user id.
#[derive(Debug)]
pub struct RateLimiter {
    window: FixedWindow<String>,
}

impl RateLimiter {
    pub fn new(cfg: &SelfCommunityRateLimit) -> RateLimiter {
        RateLimiter {
            window: FixedWindow::new(cfg.calls, cfg.window_ms, DEFAULT_MAX_ENTRIES),
        }
    }
}

/// The `RateLimit` phase: counts one call of `principal` (nothing without a limiter or a
/// principal) and refuses call `limit + 1` of a window; never any headers.
pub fn rate_limit(
    limiter: Option<&RateLimiter>,
    req: &RequestView<'_>,
    principal: Option<&Principal>,
) -> RateOutcome {
    let (Some(limiter), Some(who)) = (limiter, principal) else {
        return RateOutcome::default();
    };
    let now_ms = u64::try_from(req.now_usec.div_euclid(1000)).unwrap_or(0);
    let verdict = limiter.window.hit(&who.user_id, now_ms);
    RateOutcome {
        headers: Vec::new(),
        refused: (!verdict.allowed).then_some(Error::RateLimited {
            retry_after_ms: verdict.reset_in_ms,
        }),
    }
}
