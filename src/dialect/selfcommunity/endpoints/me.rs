//! `GET /api/v2/user/me/`: who the credential belongs to, as a SelfCommunity User object.
//!
//! The gateway serves it so that a client (or another gateway, through the SelfCommunity
//! client face's `decode_me`) learns the caller's principal the way it learns it from a
//! SelfCommunity server. It answers from the authenticated principal alone
//! ([`Endpoint::answer_principal`]): no backend call.
//!
//! The body (**gw**: the spec describes only `pm/`) is the User object every `pm/` answer
//! writes for a sender or receiver (spec §5, [`write_user`]), in the same key order:
//! `id` (the user's integer from the id map, as in `pm/` answers and usable as `pm/?user=`),
//! `username`, `real_name` (`""`: a principal carries no display name), `avatar` (`null`),
//! `ext_id` (the canonical user id), then the spec's defaults (`date_joined` `null`, `bio`
//! `""`, ..., `deleted` `false`). A SelfCommunity server sends more (`email`, `status`,
//! counters, permissions, ...), which readers of `user/me` take or leave.
//!
//! Checks as on `pm/` (spec §1): the `APPEND_SLASH` redirect of `/api/v2/user/me` (before
//! authentication), then 401, the user throttle (429, one window per user shared with
//! `pm/`, as DRF's user throttle counts every view; off unless configured), 405. Errors are
//! [`render_error`]'s, byte for byte those of `pm/`.

use crate::canonical::{Credential, Error, Page, Principal, ThreadQuery, User};
use crate::dialect::selfcommunity::encode::{write_user, Ctx};
use crate::dialect::selfcommunity::endpoints::pm::redirect_to;
use crate::dialect::selfcommunity::errors::render_error;
use crate::dialect::selfcommunity::ratelimit::{rate_limit, RateLimiter};
use crate::dialect::selfcommunity::{credentials, REPLY_HEADERS};
use crate::dialect::{
    json_reply, DialectId, Endpoint, Phase, RateOutcome, Reply, RequestView, JSON,
};
use crate::idmap::{IdMap, IdMapError, Kind};
use http::StatusCode;
use std::sync::Arc;

/// The served path.
pub const PATH: &str = "/api/v2/user/me/";
/// The same path without its trailing slash: Django's `APPEND_SLASH` redirect.
pub const PATH_NO_SLASH: &str = "/api/v2/user/me";
/// The route label.
pub const ROUTE: &str = "user/me";

/// The order of `pm/` (spec §1): authentication, throttle, method; nothing to decode.
const PHASES: &[Phase] = &[Phase::Authenticate, Phase::RateLimit, Phase::Method];

/// The endpoint with the id map and the throttle it shares with `pm/`.
pub struct GetMe {
    ids: Arc<IdMap>,
    limiter: Option<Arc<RateLimiter>>,
}

impl GetMe {
    pub fn new(ids: Arc<IdMap>) -> GetMe {
        GetMe { ids, limiter: None }
    }

    /// The same endpoint, counted by `limiter` (none = not limited).
    pub fn with_limiter(mut self, limiter: Option<Arc<RateLimiter>>) -> Self {
        self.limiter = limiter;
        self
    }
}

/// The body for `principal`: the spec §5 User object with the principal's id and username.
pub fn encode_me(out: &mut Vec<u8>, ids: &IdMap, principal: &Principal) -> Result<(), IdMapError> {
    let user = User {
        id: principal.user_id.clone(),
        username: principal.username.clone(),
        name: None,
        avatar_url: None,
    };
    // `date_joined` is written `null`: no datetime depends on the offset.
    let ctx = Ctx {
        ids,
        offset_secs: 0,
    };
    write_user(out, &ctx, &user)
}

impl Endpoint for GetMe {
    fn dialect(&self) -> DialectId {
        DialectId::SelfCommunity
    }

    fn route(&self) -> &'static str {
        ROUTE
    }

    fn phases(&self) -> &'static [Phase] {
        PHASES
    }

    fn preflight(&self, req: &RequestView<'_>) -> Option<Reply> {
        (req.path == PATH_NO_SLASH).then(|| redirect_to(PATH, req))
    }

    fn credentials(&self, req: &RequestView<'_>) -> Option<Credential> {
        credentials(req.headers)
    }

    /// 429 with `Retry-After` past the configured calls per window (the window `pm/`
    /// counts in too).
    fn rate_limit(
        &self,
        req: &RequestView<'_>,
        principal: Option<&Principal>,
        _client: Option<std::net::IpAddr>,
    ) -> RateOutcome {
        rate_limit(self.limiter.as_deref(), req, principal)
    }

    /// The principal's integer is looked up (or handed out) on a blocking thread; the
    /// encoder then finds it in the cache.
    fn before_answer_principal<'a>(
        &'a self,
        principal: &'a Principal,
    ) -> crate::backend::BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            self.ids
                .prepare(vec![(Kind::User, principal.user_id.clone())])
                .await
                .map_err(|e| Error::Internal(e.to_string()))
        })
    }

    fn answer_principal(&self, req: &RequestView<'_>, principal: &Principal) -> Option<Reply> {
        let mut body = Vec::with_capacity(384 + 2 * principal.user_id.len());
        Some(match encode_me(&mut body, &self.ids, principal) {
            Ok(()) => json_reply(StatusCode::OK, JSON, REPLY_HEADERS, &[], body),
            Err(e) => render_error(req, &Error::Internal(e.to_string())),
        })
    }

    /// Never called: the phases decode nothing.
    fn decode(&self, _req: &RequestView<'_>, _principal: Principal) -> Result<ThreadQuery, Error> {
        Err(Error::Internal("user/me decodes no query".into()))
    }

    /// Never called: `user/me` asks no backend.
    fn encode(&self, req: &RequestView<'_>, _query: &ThreadQuery, _page: &Page) -> Reply {
        render_error(req, &Error::Internal("user/me encodes no page".into()))
    }

    fn render_error(&self, req: &RequestView<'_>, error: &Error) -> Reply {
        render_error(req, error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_the_user_object_of_pm_answers() {
        let ids = IdMap::in_memory().unwrap();
        let who = Principal {
            user_id: "u\"1".into(),
            username: "ana.lima".into(),
            admin_of: Vec::new(),
        };
        let mut out = Vec::new();
        encode_me(&mut out, &ids, &who).unwrap();
        let n = ids.int_of(Kind::User, "u\"1").unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!(
                r#"{{"id":{n},"username":"ana.lima","real_name":"","avatar":null,"ext_id":"u\"1","date_joined":null,"bio":"","location":"","description":"","gender":"Unspecified","website":"","tags":[],"reputation":0,"community_badge":false,"deleted":false}}"#
            )
        );
    }
}
