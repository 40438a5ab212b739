//! `GET /api/v1/me`: who the credential belongs to, `{"_id":…,"username":…,"success":true}`.
//!
//! The gateway serves it so that another gateway can stand in front of it with
//! `[backend] kind = "rocketchat"` and learn its callers' principals the way it learns them
//! from a Rocket.Chat server. The body carries the two fields a principal has; a server
//! sends more (`name`, `emails`, `status`, ...), which readers of `me` take or leave.

use crate::canonical::{Credential, Error, Page, Principal, ThreadQuery};
use crate::dialect::rocketchat::errors::render_error;
use crate::dialect::rocketchat::{credentials, Profile, REPLY_HEADERS};
use crate::dialect::{json_reply, DialectId, Endpoint, Phase, Reply, RequestView, JSON};
use crate::json::write_str;
use http::StatusCode;

/// The exact path.
pub const PATH: &str = "/api/v1/me";
/// The route label.
pub const ROUTE: &str = "me";

/// Method, then authentication: `me` has no parameters and no rate limit here.
const PHASES: &[Phase] = &[Phase::Method, Phase::Authenticate];

/// The endpoint, bound to one profile (its 401 body).
pub struct Me {
    profile: &'static Profile,
}

impl Me {
    pub fn new(profile: &'static Profile) -> Me {
        Me { profile }
    }
}

/// The body for `principal`.
pub fn encode_me(out: &mut Vec<u8>, principal: &Principal) {
    out.extend_from_slice(b"{\"_id\":");
    write_str(out, &principal.user_id);
    out.extend_from_slice(b",\"username\":");
    write_str(out, &principal.username);
    out.extend_from_slice(b",\"success\":true}");
}

impl Endpoint for Me {
    fn dialect(&self) -> DialectId {
        DialectId::RocketChat
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

    fn answer_principal(&self, _req: &RequestView<'_>, principal: &Principal) -> Option<Reply> {
        let mut body = Vec::with_capacity(64 + principal.username.len());
        encode_me(&mut body, principal);
        Some(json_reply(StatusCode::OK, JSON, REPLY_HEADERS, &[], body))
    }

    /// Never called: the phases decode nothing.
    fn decode(&self, _req: &RequestView<'_>, _principal: Principal) -> Result<ThreadQuery, Error> {
        Err(Error::Internal("me decodes no query".into()))
    }

    /// Never called: `me` asks no backend.
    fn encode(&self, req: &RequestView<'_>, _query: &ThreadQuery, _page: &Page) -> Reply {
        render_error(
            self.profile,
            req,
            &Error::Internal("me encodes no page".into()),
        )
    }

    fn render_error(&self, req: &RequestView<'_>, error: &Error) -> Reply {
        render_error(self.profile, req, error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_names_the_principal_with_json_escapes() {
        let mut out = Vec::new();
        let who = Principal {
            user_id: "u\"1".into(),
            username: "ana.lima".into(),
            admin_of: Vec::new(),
        };
        encode_me(&mut out, &who);
        assert_eq!(
            out,
            br#"{"_id":"u\"1","username":"ana.lima","success":true}"#
        );
    }
}
