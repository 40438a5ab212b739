//! Quip dialect (server face): `GET /1/admin/messages/:thread_id` (Admin API) and
//! `GET /1/messages/:thread_id` (Automation API), spec `quip.md`.
//!
//! - [`params`]: the query string, checked in the spec's order (§3).
//! - [`encode`]: message objects and the bare array, straight to bytes (§5).
//! - [`messages`]: the two endpoints (§1, §4).
//! - [`ratelimit`]: the optional per-user and per-company windows (§5, §6).
//! - [`render_error`] (here): the only place a Quip error becomes an HTTP reply (§6).

pub mod encode;
pub mod messages;
pub mod params;
pub mod ratelimit;

pub use encode::{write_message, write_messages};
pub use messages::{GetMessages, Which};
pub use ratelimit::RateLimiter;

use crate::canonical::{Credential, Error, Resource};
use crate::config::QuipConfig;
use crate::dialect::{json_reply, DialectFace, DialectId, Endpoint, Reply, RequestView};
use crate::json::{write_int, write_str};
use http::{HeaderMap, StatusCode};
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
}

impl Quip {
    /// Both endpoints share one [`RateLimiter`] when `[quip.rate_limit]` is configured.
    pub fn new(cfg: &QuipConfig) -> Quip {
        let limiter = cfg
            .rate_limit
            .as_ref()
            .map(|rl| Arc::new(RateLimiter::new(rl)));
        Quip {
            admin: Arc::new(GetMessages::new(Which::Admin).with_limiter(limiter.clone())),
            automation: Arc::new(GetMessages::new(Which::Automation).with_limiter(limiter)),
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
        Vec::new()
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

/// `{"error":<reason phrase>,"error_code":<status>,"error_description":<text>}` (spec §6).
pub fn write_error(out: &mut Vec<u8>, status: StatusCode, description: &str) {
    out.extend_from_slice(b"{\"error\":");
    write_str(out, status.canonical_reason().unwrap_or("Error"));
    out.extend_from_slice(b",\"error_code\":");
    write_int(out, status.as_u16());
    out.extend_from_slice(b",\"error_description\":");
    write_str(out, description);
    out.push(b'}');
}

/// The id a `Forbidden` or `NotFound` names, as received.
fn resource_id(resource: &Resource) -> &str {
    match resource {
        Resource::Message(id)
        | Resource::Room(id)
        | Resource::User(id)
        | Resource::Group(id)
        | Resource::Company(id) => id,
    }
}

/// Status and `error_description` of an error (spec §6).
pub fn describe(error: &Error) -> (StatusCode, std::borrow::Cow<'_, str>) {
    use std::borrow::Cow;
    match error {
        Error::RouteNotFound => (StatusCode::NOT_FOUND, Cow::Borrowed("Not found")),
        Error::MethodNotAllowed { .. } => (
            StatusCode::METHOD_NOT_ALLOWED,
            Cow::Borrowed("Method not allowed"),
        ),
        Error::Unauthenticated(_) => (
            StatusCode::UNAUTHORIZED,
            Cow::Borrowed("Invalid access token"),
        ),
        Error::RateLimited { .. } => (
            StatusCode::SERVICE_UNAVAILABLE,
            Cow::Borrowed("Over Rate Limit"),
        ),
        Error::MissingParameter { name } => (
            StatusCode::BAD_REQUEST,
            Cow::Owned(format!("Missing {name}")),
        ),
        // The decoder puts the spec's text in `reason` (`Invalid sorted_by` for `sort_by`).
        Error::InvalidParameter { reason, .. } => {
            (StatusCode::BAD_REQUEST, Cow::Borrowed(reason.as_str()))
        }
        Error::UnknownParameter { name } => (
            StatusCode::BAD_REQUEST,
            Cow::Owned(format!("Invalid {name}")),
        ),
        Error::Forbidden(resource) => (
            StatusCode::FORBIDDEN,
            Cow::Owned(format!("Not authorized: {}", resource_id(resource))),
        ),
        Error::NotFound(_) => (StatusCode::NOT_FOUND, Cow::Borrowed("Thread not found")),
        Error::PayloadTooLarge => (
            StatusCode::PAYLOAD_TOO_LARGE,
            Cow::Borrowed("Request body too large"),
        ),
        Error::BackendUnavailable(_) | Error::BadBackendAnswer(_) => (
            StatusCode::BAD_GATEWAY,
            Cow::Borrowed("Upstream unavailable"),
        ),
        Error::BackendTimeout => (
            StatusCode::GATEWAY_TIMEOUT,
            Cow::Borrowed("Upstream timed out"),
        ),
        Error::Internal(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Cow::Borrowed("Internal error"),
        ),
    }
}

/// Renders any error as Quip answers it (spec §6): the envelope, `Content-Type:
/// application/json`, and `Allow: GET, HEAD` on a 405. No `WWW-Authenticate`, no
/// `Retry-After`.
pub fn render_error(_req: &RequestView<'_>, error: &Error) -> Reply {
    let (status, description) = describe(error);
    let mut body = Vec::with_capacity(96 + description.len());
    write_error(&mut body, status, &description);
    if status == StatusCode::METHOD_NOT_ALLOWED {
        json_response(status, &[("allow", "GET, HEAD")], body)
    } else {
        json_response(status, &[], body)
    }
}

/// A Quip JSON reply: `Content-Type: application/json`, then `extra`.
pub fn json_response(status: StatusCode, extra: &[(&'static str, &str)], body: Vec<u8>) -> Reply {
    let mut headers: Vec<(&'static str, &str)> = Vec::with_capacity(1 + extra.len());
    headers.push(("content-type", "application/json"));
    headers.extend_from_slice(extra);
    json_reply(status, &headers, body)
}

#[cfg(test)]
mod tests;
