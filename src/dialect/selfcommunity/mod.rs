//! SelfCommunity dialect (server face): `GET /api/v2/pm/` (spec: selfcommunity.md).
//!
//! This file: the [`DialectFace`] (prefix, the path → endpoint table, credentials, the
//! headers of every JSON reply) and re-exports. The rest, the same files in every dialect:
//!
//! - [`endpoints`]: the `pm` endpoint (one file per endpoint).
//! - [`params`]: Django/DRF parameter decoding, `IntegerField`, `limit`/`offset` fallbacks.
//! - [`encode`]: message items, users, files, datetimes, pages.
//! - [`errors`]: [`render_error`], the only place a SelfCommunity error becomes a reply.
//! - [`ratelimit`]: DRF's optional user throttle.
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

pub use endpoints::{pm, GetPm};
pub use errors::{render_error, INVALID_INTEGER};

use crate::canonical::{Credential, Error};
use crate::config::Config;
use crate::dialect::{DialectFace, DialectId, Endpoint, Reply, RequestView};
use crate::idmap::IdMap;
use http::HeaderMap;
use std::sync::Arc;

/// The path prefix SelfCommunity owns.
pub const PREFIX: &str = "/api/v2/";

/// The headers of every SelfCommunity JSON reply after `Content-Type: application/json`.
pub const REPLY_HEADERS: &[(&str, &str)] = &[("vary", "Accept"), ("allow", "GET, HEAD")];

/// The SelfCommunity dialect.
pub struct SelfCommunity {
    pm: Arc<GetPm>,
}

impl SelfCommunity {
    pub fn new(config: &Config, ids: Arc<IdMap>) -> SelfCommunity {
        SelfCommunity {
            pm: Arc::new(GetPm::new(
                &config.selfcommunity,
                &config.server.trusted_proxies,
                ids,
            )),
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
