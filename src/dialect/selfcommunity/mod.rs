//! SelfCommunity dialect (server face): `GET /api/v2/pm/` (spec: selfcommunity.md) and
//! `GET /api/v2/user/me/` (the caller's User object, **gw**).
//!
//! This file: the [`DialectFace`] (prefix, the path → endpoint table, credentials, the
//! headers of every JSON reply) and re-exports. The rest, the same files in every dialect:
//!
//! - [`endpoints`]: the `pm` and `user/me` endpoints (one file per endpoint).
//! - [`params`]: Django/DRF parameter decoding, `IntegerField`, `limit`/`offset` fallbacks.
//! - [`encode`]: message items, users, files, datetimes, pages.
//! - [`errors`]: [`render_error`], the only place a SelfCommunity error becomes a reply.
//! - [`ratelimit`]: DRF's optional user throttle, one window per user for both endpoints.
//!
//! - [`fields`]: the field table both faces share (keys, ids, datetimes, `message`).
//! - [`client`]: the client face, for a SelfCommunity upstream.
//!
//! SelfCommunity only: [`links`], DRF `LimitOffsetPagination` links and the URL base.
//!
//! Integers for users, threads, groups and messages come from the [`IdMap`].

pub mod client;
pub mod encode;
pub mod endpoints;
pub mod errors;
pub mod fields;
pub mod links;
pub mod params;
pub mod ratelimit;

pub use endpoints::{me, pm, GetMe, GetPm};
pub use errors::{render_error, INVALID_INTEGER};

use crate::canonical::{Credential, Error};
use crate::config::Config;
use crate::dialect::{DialectFace, DialectId, Endpoint, Reply, RequestView};
use crate::idmap::IdMap;
use http::HeaderMap;
use ratelimit::RateLimiter;
use std::sync::Arc;

/// The path prefix SelfCommunity owns.
pub const PREFIX: &str = "/api/v2/";

/// The headers of every SelfCommunity JSON reply after `Content-Type: application/json`.
pub const REPLY_HEADERS: &[(&str, &str)] = &[("vary", "Accept"), ("allow", "GET, HEAD")];

/// The SelfCommunity dialect.
pub struct SelfCommunity {
    pm: Arc<GetPm>,
    me: Arc<GetMe>,
}

impl SelfCommunity {
    /// Both endpoints share one [`RateLimiter`] when `[selfcommunity.rate_limit]` is
    /// configured (DRF's user throttle counts a user's calls to every view together).
    pub fn new(config: &Config, ids: Arc<IdMap>) -> SelfCommunity {
        let limiter = config
            .selfcommunity
            .rate_limit
            .as_ref()
            .map(|rl| Arc::new(RateLimiter::new(rl)));
        SelfCommunity {
            pm: Arc::new(
                GetPm::new(
                    &config.selfcommunity,
                    &config.server.trusted_proxies,
                    ids.clone(),
                )
                .with_limiter(limiter.clone()),
            ),
            me: Arc::new(GetMe::new(ids).with_limiter(limiter)),
        }
    }
}

impl DialectFace for SelfCommunity {
    fn id(&self) -> DialectId {
        DialectId::SelfCommunity
    }

    fn prefixes(&self) -> &'static [&'static str] {
        &[PREFIX]
    }

    fn endpoints(&self) -> Vec<(&'static str, Arc<dyn Endpoint>)> {
        vec![
            (pm::PATH, self.pm.clone() as Arc<dyn Endpoint>),
            (pm::PATH_NO_SLASH, self.pm.clone() as Arc<dyn Endpoint>),
            (me::PATH, self.me.clone() as Arc<dyn Endpoint>),
            (me::PATH_NO_SLASH, self.me.clone() as Arc<dyn Endpoint>),
        ]
    }

    fn render_error(&self, req: &RequestView<'_>, error: &Error) -> Reply {
        render_error(req, error)
    }
}

/// `Authorization: Bearer <token>` (scheme case-insensitive, token non-empty). Other schemes
/// are no credentials (spec §2).
pub fn credentials(headers: &HeaderMap) -> Option<Credential> {
    let value = headers.get("authorization")?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(|c: char| c.is_ascii_whitespace())?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| Credential::Bearer {
        token: token.to_owned(),
    })
}

#[cfg(test)]
mod tests;
