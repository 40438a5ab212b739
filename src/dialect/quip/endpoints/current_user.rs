//! `GET /1/users/current`: who the token belongs to, as a Quip user object.
//!
//! The gateway serves it so that a client (or another gateway, through the Quip client
//! face's `decode_current_user`) learns the caller's principal the way it learns it from a
//! Quip server. It answers from the authenticated principal alone
//! ([`Endpoint::answer_principal`]): no backend call.
//!
//! The body (**gw**: the spec describes only the messages endpoints) is
//! `{"name":<username>,"id":<user id>}`, in the key order of Quip's "Get Authenticated
//! User" answer. `name` is the principal's username: a principal carries no display name,
//! and the client face reads `name` back as the username. A Quip server sends more
//! (`is_robot`, `affinity`, the folder ids, `profile_picture_url`, `emails`, ...): the
//! gateway has no folders and keeps no emails, so those keys are left out rather than
//! invented. `admin_of` is not written (Quip's answer does not say which companies a user
//! administers either).
//!
//! Checks as on the messages endpoints (spec §1): method (405), token (401), then the
//! per-user rate limit (503 `Over Rate Limit`, `X-Ratelimit-*` headers; one window per user
//! shared with both messages endpoints, as Quip counts a user's calls to every API; off
//! unless configured). Errors are [`render_error`]'s.

use crate::canonical::{Credential, Error, Page, Principal, ThreadQuery};
use crate::dialect::quip::credentials;
use crate::dialect::quip::errors::render_error;
use crate::dialect::quip::fields::{member, open};
use crate::dialect::quip::params::Which;
use crate::dialect::quip::ratelimit::{rate_limit, RateLimiter};
use crate::dialect::{
    json_reply, DialectId, Endpoint, Phase, RateOutcome, Reply, RequestView, JSON,
};
use crate::json::write_str;
use http::StatusCode;
use std::sync::Arc;

/// The exact path (no trailing slash, as the client face asks it).
pub const PATH: &str = "/1/users/current";
/// The route label.
pub const ROUTE: &str = "users/current";

/// The messages endpoints' order (spec §1) without the parameters: method, token, rate
/// limit.
pub const PHASES: &[Phase] = &[Phase::Method, Phase::Authenticate, Phase::RateLimit];

/// The endpoint, with the rate limiter it shares with the messages endpoints.
#[derive(Debug, Default)]
pub struct GetCurrentUser {
    limiter: Option<Arc<RateLimiter>>,
}

impl GetCurrentUser {
    pub fn new() -> GetCurrentUser {
        GetCurrentUser::default()
    }

    /// The same endpoint, counted by `limiter` (none = not limited).
    pub fn with_limiter(mut self, limiter: Option<Arc<RateLimiter>>) -> Self {
        self.limiter = limiter;
        self
    }
}

/// The body for `principal`: `{"name":…,"id":…}`.
pub fn encode_current_user(out: &mut Vec<u8>, principal: &Principal) {
    out.extend_from_slice(open!(name));
    write_str(out, &principal.username);
    out.extend_from_slice(member!(id));
    write_str(out, &principal.user_id);
    out.push(b'}');
}

impl Endpoint for GetCurrentUser {
    fn dialect(&self) -> DialectId {
        DialectId::Quip
    }

    fn route(&self) -> &'static str {
        ROUTE
    }

    fn phases(&self) -> &'static [Phase] {
        PHASES
    }

    fn credentials(&self, req: &RequestView<'_>) -> Option<Credential> {
        credentials(req.headers)
    }

    /// The user window only: `users/current` is an Automation API call, with no company.
    fn rate_limit(
        &self,
        req: &RequestView<'_>,
        principal: Option<&Principal>,
        _client: Option<std::net::IpAddr>,
    ) -> RateOutcome {
        rate_limit(self.limiter.as_deref(), Which::Automation, req, principal)
    }

    fn answer_principal(&self, _req: &RequestView<'_>, principal: &Principal) -> Option<Reply> {
        let mut body = Vec::with_capacity(32 + principal.username.len() + principal.user_id.len());
        encode_current_user(&mut body, principal);
        Some(json_reply(StatusCode::OK, JSON, &[], &[], body))
    }

    /// Never called: the phases decode nothing.
    fn decode(&self, _req: &RequestView<'_>, _principal: Principal) -> Result<ThreadQuery, Error> {
        Err(Error::Internal("users/current decodes no query".into()))
    }

    /// Never called: `users/current` asks no backend.
    fn encode(&self, req: &RequestView<'_>, _query: &ThreadQuery, _page: &Page) -> Reply {
        render_error(
            req,
            &Error::Internal("users/current encodes no page".into()),
        )
    }

    fn render_error(&self, req: &RequestView<'_>, error: &Error) -> Reply {
        render_error(req, error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_names_the_principal_with_json_escapes() {
        let mut out = Vec::new();
        let who = Principal {
            user_id: "VOQAEArheMG".into(),
            username: "priya \"p\" raman".into(),
            admin_of: vec!["northwind".into()],
        };
        encode_current_user(&mut out, &who);
        assert_eq!(out, br#"{"name":"priya \"p\" raman","id":"VOQAEArheMG"}"#);
    }
}
