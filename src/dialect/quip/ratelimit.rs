//! Quip rate limiting (spec §1 check order, §5 headers, §6 "Rate limiting"), off unless
//! `[quip.rate_limit]` is configured.
//!
//! Decisions:
//!
//! - **Per user**: one fixed window ([`FixedWindow`]) per authenticated user id, shared by
//!   both messages endpoints and `users/current` (Quip counts calls per user, whichever API
//!   they use): `user_calls` per `user_window_ms`.
//! - **Per company** (admin endpoint only): one fixed window per `company_id` parameter as
//!   received (percent-decoded, last value wins, empty = absent, like the decoder reads it):
//!   `company_calls` per `company_window_ms`. Without `company_id` only the user window
//!   counts (the request then fails with 400 `Missing company_id`). The automation endpoint
//!   has no company window even when it is given a `company_id`.
//! - **Count, then check**, as the generic limiter does: call `limit + 1` of a window is
//!   refused.
//! - **Order**: the user window is counted first. A call it refuses is **not** counted
//!   against the company window, and that refusal carries no `X-Company-RateLimit-*`
//!   headers (the generic limiter cannot read a window without counting a call). A call the
//!   user window allows is counted against the company window, and is refused when that is
//!   over its limit (it has then used up one of the user's calls too, as upstream counts
//!   every call that reaches it).
//! - **Headers** on every response once the `RateLimit` phase has run (success and errors
//!   alike, the 503 included): `X-Ratelimit-Limit`, `X-Ratelimit-Remaining` (calls left,
//!   never below 0) and `X-Ratelimit-Reset` (end of the window, epoch **seconds**, rounded
//!   up); admin calls with a company also get `X-Company-RateLimit-Limit`, `-Remaining` and
//!   `-Reset` in the same format. Responses before the phase (404, 405, 401) have none.
//!   The spec's gateway-decision line says company headers are not sent; the issue asks for
//!   them, and they are sent.
//! - **Refusal**: [`Error::RateLimited`], rendered 503 `Over Rate Limit` without
//!   `Retry-After` (see [`super::describe`]).

use super::params::{get, Which};
use crate::canonical::{Error, Principal};
use crate::config::QuipRateLimit;
use crate::dialect::{RateOutcome, RequestView};
use crate::ratelimit::{FixedWindow, Verdict, DEFAULT_MAX_ENTRIES};

/// The user-window headers (spec §5).
pub const USER_HEADERS: [&str; 3] = [
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
];
/// The company-window headers (issue; not in the spec).
pub const COMPANY_HEADERS: [&str; 3] = [
    "x-company-ratelimit-limit",
    "x-company-ratelimit-remaining",
    "x-company-ratelimit-reset",
];

/// The per-user and per-company windows, shared by every Quip endpoint.
#[derive(Debug)]
pub struct RateLimiter {
    user: FixedWindow<String>,
    company: FixedWindow<String>,
}

impl RateLimiter {
    pub fn new(cfg: &QuipRateLimit) -> RateLimiter {
        RateLimiter {
            user: FixedWindow::new(cfg.user_calls, cfg.user_window_ms, DEFAULT_MAX_ENTRIES),
            company: FixedWindow::new(
                cfg.company_calls,
                cfg.company_window_ms,
                DEFAULT_MAX_ENTRIES,
            ),
        }
    }

    /// Counts one call of `user_id` (and of `company`, admin endpoint only) at `now_ms`.
    pub fn check(&self, user_id: &str, company: Option<&str>, now_ms: u64) -> RateOutcome {
        let user = self.user.hit(&user_id.to_owned(), now_ms);
        let mut headers = Vec::with_capacity(6);
        push_headers(&mut headers, USER_HEADERS, &user);
        if !user.allowed {
            return RateOutcome {
                headers,
                refused: Some(refusal(&user)),
            };
        }
        let Some(company) = company else {
            return RateOutcome {
                headers,
                refused: None,
            };
        };
        let company = self.company.hit(&company.to_owned(), now_ms);
        push_headers(&mut headers, COMPANY_HEADERS, &company);
        RateOutcome {
            headers,
            refused: (!company.allowed).then(|| refusal(&company)),
        }
    }
}

/// `X-Ratelimit-Reset`: the window end in epoch seconds, rounded up.
pub fn reset_seconds(reset_at_ms: u64) -> u64 {
    reset_at_ms.div_ceil(1000)
}

fn push_headers(out: &mut Vec<(&'static str, String)>, names: [&'static str; 3], v: &Verdict) {
    let [limit, remaining, reset] = names;
    out.push((limit, v.limit.to_string()));
    out.push((remaining, v.remaining.to_string()));
    out.push((reset, reset_seconds(v.reset_at_ms).to_string()));
}

fn refusal(v: &Verdict) -> Error {
    Error::RateLimited {
        retry_after_ms: v.reset_in_ms,
    }
}

/// The `RateLimit` phase of a Quip endpoint (`None` limiter = not configured: nothing
/// counted, no headers). Without a principal (cannot happen: the phase follows
/// `Authenticate`) nothing is counted either.
pub fn rate_limit(
    limiter: Option<&RateLimiter>,
    which: Which,
    req: &RequestView<'_>,
    principal: Option<&Principal>,
) -> RateOutcome {
    let (Some(limiter), Some(principal)) = (limiter, principal) else {
        return RateOutcome::default();
    };
    let company = match which {
        // The pairs the decoder reads too (parsed once per request).
        Which::Admin => get(req.pairs(), "company_id"),
        Which::Automation => None,
    };
    let now_ms = u64::try_from(req.now_usec.div_euclid(1000)).unwrap_or(0);
    limiter.check(&principal.user_id, company, now_ms)
}

#[cfg(test)]
mod tests;
