//! SelfCommunity (DRF) errors (spec §6): [`render_error`], the only place a SelfCommunity
//! error becomes an HTTP reply, with its bodies and the DRF field-error writer.

use super::REPLY_HEADERS;
use crate::canonical::{AuthFailure, Error};
use crate::dialect::{json_reply, Reply, RequestView, JSON};
use crate::json::write_str;
use http::StatusCode;

/// The `reason` of an [`Error::InvalidParameter`] for DRF `IntegerField` failures. Its `name`
/// lists every invalid field, comma-separated, in report order.
pub const INVALID_INTEGER: &str = "A valid integer is required.";

const NOT_AUTHENTICATED: &[u8] = br#"{"detail":"Authentication credentials were not provided."}"#;
const FORBIDDEN: &[u8] = br#"{"detail":"You do not have permission to perform this action."}"#;
const NOT_FOUND: &[u8] = br#"{"detail":"Not found."}"#;
const INTERNAL: &[u8] = br#"{"detail":"A server error occurred."}"#;
const UNAVAILABLE: &[u8] = br#"{"detail":"Service temporarily unavailable, try again later."}"#;
const TIMEOUT: &[u8] = br#"{"detail":"Upstream timed out, try again later."}"#;
/// Not in the spec: Django answers an oversized body with its own 400/413 page; the gateway
/// keeps the `detail` envelope.
const TOO_LARGE: &[u8] = br#"{"detail":"Request body too large."}"#;
const WWW_MISSING: &str = r#"Bearer realm="api""#;
const WWW_INVALID: &str =
    r#"Bearer realm="api",error="invalid_token",error_description="The access token is invalid.""#;

/// `{"errors":[{"field":..,"messages":[{"code":..,"message":..}]}, ..]}`.
fn write_errors(out: &mut Vec<u8>, fields: &str, code: &str, message: &str) {
    out.extend_from_slice(b"{\"errors\":[");
    for (i, field) in fields.split(',').enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"field\":");
        write_str(out, field);
        out.extend_from_slice(b",\"messages\":[{\"code\":");
        write_str(out, code);
        out.extend_from_slice(b",\"message\":");
        write_str(out, message);
        out.extend_from_slice(b"}]}");
    }
    out.extend_from_slice(b"]}");
}

/// DRF's `{"detail": "<text>"}`.
fn write_detail(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(b"{\"detail\":");
    write_str(out, text);
    out.push(b'}');
}

/// Renders any error as SelfCommunity (DRF) answers it (spec §6). Every reply carries
/// `Content-Type: application/json`, `Vary: Accept` and `Allow: GET, HEAD`.
pub fn render_error(_req: &RequestView<'_>, err: &Error) -> Reply {
    let mut body = Vec::with_capacity(128);
    let out = &mut body;
    let mut extra: Vec<(&'static str, String)> = Vec::new();
    let status = match err {
        Error::Unauthenticated(failure) => {
            out.extend_from_slice(NOT_AUTHENTICATED);
            let www = match failure {
                AuthFailure::Missing => WWW_MISSING,
                AuthFailure::Invalid => WWW_INVALID,
            };
            extra.push(("www-authenticate", www.to_owned()));
            StatusCode::UNAUTHORIZED
        }
        Error::Forbidden(_) => {
            out.extend_from_slice(FORBIDDEN);
            StatusCode::FORBIDDEN
        }
        Error::NotFound(_) | Error::RouteNotFound => {
            out.extend_from_slice(NOT_FOUND);
            StatusCode::NOT_FOUND
        }
        Error::InvalidParameter { name, .. } => {
            write_errors(out, name, "invalid", INVALID_INTEGER);
            StatusCode::BAD_REQUEST
        }
        Error::MissingParameter { name } => {
            write_errors(out, name, "required", "This field is required.");
            StatusCode::BAD_REQUEST
        }
        Error::UnknownParameter { name } => {
            write_errors(out, name, "invalid", "Unknown parameter.");
            StatusCode::BAD_REQUEST
        }
        Error::MethodNotAllowed { method } => {
            write_detail(
                out,
                &format!("Method \"{}\" not allowed.", method.to_uppercase()),
            );
            StatusCode::METHOD_NOT_ALLOWED
        }
        Error::RateLimited { retry_after_ms } => {
            let n = retry_after_ms.div_ceil(1000).max(1);
            let unit = if n == 1 { "second" } else { "seconds" };
            write_detail(
                out,
                &format!("Request was throttled. Expected available in {n} {unit}."),
            );
            extra.push(("retry-after", n.to_string()));
            StatusCode::TOO_MANY_REQUESTS
        }
        Error::PayloadTooLarge => {
            out.extend_from_slice(TOO_LARGE);
            StatusCode::PAYLOAD_TOO_LARGE
        }
        Error::BackendUnavailable(_) | Error::BadBackendAnswer(_) => {
            out.extend_from_slice(UNAVAILABLE);
            StatusCode::SERVICE_UNAVAILABLE
        }
        Error::BackendTimeout => {
            out.extend_from_slice(TIMEOUT);
            StatusCode::GATEWAY_TIMEOUT
        }
        Error::Unsupported(what) => {
            write_detail(
                out,
                &format!("Not answerable through this gateway's upstream: {what}"),
            );
            StatusCode::NOT_IMPLEMENTED
        }
        Error::Internal(_) => {
            out.extend_from_slice(INTERNAL);
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    let extra: Vec<(&'static str, &str)> = extra.iter().map(|(k, v)| (*k, v.as_str())).collect();
    json_reply(status, JSON, REPLY_HEADERS, &extra, body)
}

#[cfg(test)]
mod tests;
