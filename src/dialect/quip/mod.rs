//! Quip dialect (server face): `GET /1/admin/messages/:thread_id` (Admin API) and
//! `GET /1/messages/:thread_id` (Automation API), spec `quip.md`; and `GET /1/users/current`
//! (the caller's user object, **gw**) and `GET /1/threads/recent` (the caller's threads,
//! **gw** shape).
//!
//! This file: the [`DialectFace`] (prefix, the path → endpoint table, credentials) and
//! re-exports. The rest, the same files in every dialect:
//!
//! - [`endpoints`]: the two messages endpoints (§1, §4), one file each kind, and
//!   `users/current`.
//! - [`params`]: the query string, checked in the spec's order (§3), into a `ThreadQuery`.
//! - [`encode`]: message objects and the bare array, straight to bytes (§5).
//! - [`errors`]: [`render_error`], the only place a Quip error becomes an HTTP reply (§6).
//! - [`ratelimit`]: the optional per-user and per-company windows (§5, §6).
//! - [`fields`]: the field table the encoder and the client face share.
//!
//! Dependencies go one way: `endpoints` uses the others, none of them uses `endpoints`.

pub mod client;
pub mod encode;
pub mod endpoints;
pub mod errors;
pub mod fields;
pub mod params;
pub mod ratelimit;

pub use encode::{write_message, write_messages};
pub use endpoints::{GetCurrentUser, GetMessages, GetRecentThreads};
pub use errors::{describe, render_error, write_error};
pub use params::Which;
pub use ratelimit::RateLimiter;

use crate::canonical::{Credential, Error};
use crate::config::QuipConfig;
use crate::dialect::{DialectFace, DialectId, Endpoint, Reply, RequestView};
use http::HeaderMap;
use std::sync::Arc;

/// The path prefix Quip owns.
pub const PREFIX: &str = "/1/";
/// The admin endpoint's path before the thread id.
pub const ADMIN_PREFIX: &str = "/1/admin/messages/";
/// The automation endpoint's path before the thread id.
pub const AUTOMATION_PREFIX: &str = "/1/messages/";
/// The longest thread id segment the gateway accepts (spec §1, gw).
pub const MAX_THREAD_ID_LEN: usize = 64;

/// The Quip dialect.
pub struct Quip {
    admin: Arc<GetMessages>,
    automation: Arc<GetMessages>,
    current_user: Arc<GetCurrentUser>,
    recent_threads: Arc<GetRecentThreads>,
}

impl Quip {
    /// The endpoints share one [`RateLimiter`] when `[quip.rate_limit]` is configured.
    pub fn new(cfg: &QuipConfig) -> Quip {
        let limiter = cfg
            .rate_limit
            .as_ref()
            .map(|rl| Arc::new(RateLimiter::new(rl)));
        Quip {
            admin: Arc::new(GetMessages::new(Which::Admin).with_limiter(limiter.clone())),
            automation: Arc::new(GetMessages::new(Which::Automation).with_limiter(limiter.clone())),
            current_user: Arc::new(GetCurrentUser::new().with_limiter(limiter.clone())),
            recent_threads: Arc::new(GetRecentThreads::new().with_limiter(limiter)),
        }
    }
}

/// A thread id segment (spec §1, gw): 1–64 chars of `[A-Za-z0-9_-]`.
pub fn is_thread_segment(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_THREAD_ID_LEN
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The endpoint and thread id of a path; `None` = 404 `Not found` (extra segments, trailing
/// slash, a segment outside the allowed set).
pub fn route(path: &str) -> Option<(Which, &str)> {
    let (which, rest) = if let Some(rest) = path.strip_prefix(ADMIN_PREFIX) {
        (Which::Admin, rest)
    } else if let Some(rest) = path.strip_prefix(AUTOMATION_PREFIX) {
        (Which::Automation, rest)
    } else {
        return None;
    };
    is_thread_segment(rest).then_some((which, rest))
}

impl DialectFace for Quip {
    fn id(&self) -> DialectId {
        DialectId::Quip
    }

    fn prefixes(&self) -> &'static [&'static str] {
        &[PREFIX]
    }

    fn endpoints(&self) -> Vec<(&'static str, Arc<dyn Endpoint>)> {
        vec![
            (
                endpoints::current_user::PATH,
                self.current_user.clone() as Arc<dyn Endpoint>,
            ),
            (
                endpoints::recent_threads::PATH,
                self.recent_threads.clone() as Arc<dyn Endpoint>,
            ),
        ]
    }

    fn resolve(&self, path: &str) -> Option<Arc<dyn Endpoint>> {
        match route(path)?.0 {
            Which::Admin => Some(self.admin.clone() as Arc<dyn Endpoint>),
            Which::Automation => Some(self.automation.clone() as Arc<dyn Endpoint>),
        }
    }

    fn render_error(&self, req: &RequestView<'_>, error: &Error) -> Reply {
        render_error(req, error)
    }
}

/// `Authorization: Bearer <token>` (spec §2): the scheme word in any case, a non-empty token.
/// Anything else is no credential at all (401).
pub fn credentials(headers: &HeaderMap) -> Option<Credential> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim_start();
    (!token.is_empty()).then(|| Credential::Bearer {
        token: token.to_owned(),
    })
}

#[cfg(test)]
mod tests;
