//! Quip errors (spec §6): [`render_error`], the only place a Quip error becomes an HTTP
//! reply, with the envelope writer and the status/description table it uses.

use crate::canonical::{Error, Resource};
use crate::dialect::{json_reply, Reply, RequestView, JSON};
use crate::json::{write_int, write_str};
use http::StatusCode;

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
        Error::Unsupported(what) => (
            StatusCode::NOT_IMPLEMENTED,
            Cow::Owned(format!(
                "Not answerable through this gateway's upstream: {what}"
            )),
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
    let extra: &[(&'static str, &str)] = if status == StatusCode::METHOD_NOT_ALLOWED {
        &[("allow", "GET, HEAD")]
    } else {
        &[]
    };
    json_reply(status, JSON, &[], extra, body)
}

#[cfg(test)]
mod tests;
