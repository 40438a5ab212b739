//! Rocket.Chat errors (spec §6, §7): [`render_error`], the only place a Rocket.Chat error
//! becomes an HTTP reply, with the envelope writers it uses. Errors differ per endpoint
//! family and per profile.

use super::endpoints::{dm, rooms_info, thread};
use super::profile::{Profile, SchemaEnvelope, TmidMissing};
use super::REPLY_HEADERS;
use crate::canonical::{Error, Resource};
use crate::dialect::{json_reply, Reply, RequestView, JSON};
use crate::json::write_str;
use http::StatusCode;

/// The `reason` of an [`Error::InvalidParameter`] for a `sort` that `parseJsonQuery` rejects
/// (rendered as `error-invalid-sort`, not as a schema error).
pub const INVALID_SORT: &str = "error-invalid-sort";

/// Which endpoint family an error belongs to (errors differ per endpoint).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RouteKind {
    Thread,
    DmHistory,
    RoomsInfo,
    Other,
}

impl RouteKind {
    fn of(path: &str) -> RouteKind {
        match path {
            thread::PATH => RouteKind::Thread,
            dm::PATH | dm::ALIAS_PATH => RouteKind::DmHistory,
            rooms_info::PATH => RouteKind::RoomsInfo,
            _ => RouteKind::Other,
        }
    }
}

const METHOD_NOT_ALLOWED: &[u8] = br#"{"status":"error","message":"API endpoint does not exist"}"#;
const INTERNAL: &[u8] = br#"{"success":false,"error":"Internal server error"}"#;
const UPSTREAM_UNAVAILABLE: &[u8] = br#"{"success":false,"error":"Upstream unavailable [error-upstream-unavailable]","errorType":"error-upstream-unavailable"}"#;
const UPSTREAM_TIMEOUT: &[u8] = br#"{"success":false,"error":"Upstream timed out [error-upstream-timeout]","errorType":"error-upstream-timeout"}"#;
/// Unknown path under `/api/v1/`. Upstream has no JSON answer for this: Restivus
/// (`lib/route.coffee`) registers only the paths it serves, so anything else falls through to
/// Meteor's web app (the client's HTML page, status 200), and the newer Hono router answers
/// its default `404 Not Found` in plain text. Both break the "every response is JSON" rule of
/// spec §5, so the gateway answers 404 in the envelope of `API.v1.notFound()` (`ApiClass.ts`:
/// `{success: false, error}`) with the text Restivus uses for an endpoint it does not serve
/// (the 405 body of `route.coffee`).
const ROUTE_NOT_FOUND: &[u8] = br#"{"success":false,"error":"API endpoint does not exist"}"#;
/// Body too large: same envelope, with the text of Express's body parser (`raw-body`), which
/// is what refuses oversized bodies upstream.
const PAYLOAD_TOO_LARGE: &[u8] = br#"{"success":false,"error":"request entity too large"}"#;
/// `API.v1.notFound()` for a resource outside the served endpoints.
const RESOURCE_NOT_FOUND: &[u8] = br#"{"success":false,"error":"Resource not found"}"#;

/// `API.v1.failure(message, errorType)` of a `Meteor.Error(errorType, message)`:
/// `{"success":false,"error":"<message> [<type>]","errorType":"<type>"[,"details":..]}`
/// (`"[<type>]"` alone when the message is empty).
fn write_failure(out: &mut Vec<u8>, message: &str, error_type: &str, details: Option<&[u8]>) {
    let text = if message.is_empty() {
        format!("[{error_type}]")
    } else {
        format!("{message} [{error_type}]")
    };
    out.extend_from_slice(b"{\"success\":false,\"error\":");
    write_str(out, &text);
    out.extend_from_slice(b",\"errorType\":");
    write_str(out, error_type);
    if let Some(details) = details {
        out.extend_from_slice(b",\"details\":");
        out.extend_from_slice(details);
    }
    out.push(b'}');
}

/// `{"success":false,"error":"<text>"}`.
fn write_simple(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(b"{\"success\":false,\"error\":");
    write_str(out, text);
    out.push(b'}');
}

/// A schema (ajv) error in the profile's envelope.
fn write_schema_error(out: &mut Vec<u8>, profile: &Profile, text: &str) {
    match profile.schema_envelope {
        SchemaEnvelope::Suffixed => write_failure(out, text, "invalid-params", None),
        SchemaEnvelope::Typed => {
            out.extend_from_slice(
                b"{\"success\":false,\"errorType\":\"error-invalid-params\",\"error\":",
            );
            write_str(out, text);
            out.push(b'}');
        }
    }
}

/// Renders any error as Rocket.Chat (profile `profile`) answers it for the request's path.
/// Every reply carries `Content-Type: application/json`, `Cache-Control: no-store` and
/// `Pragma: no-cache`; a 405 adds `Allow: GET, HEAD`.
pub fn render_error(profile: &Profile, req: &RequestView<'_>, err: &Error) -> Reply {
    let route = RouteKind::of(req.path);
    let mut body = Vec::with_capacity(160);
    let status = write_error_body(&mut body, profile, route, err);
    json_reply(status, JSON, REPLY_HEADERS, extra_headers(status), body)
}

/// Writes the body for `err` on an endpoint of family `route` and returns its status.
fn write_error_body(
    out: &mut Vec<u8>,
    profile: &Profile,
    route: RouteKind,
    err: &Error,
) -> StatusCode {
    match err {
        Error::Unauthenticated(_) => {
            out.extend_from_slice(profile.unauthorized_body);
            StatusCode::UNAUTHORIZED
        }
        Error::MethodNotAllowed { .. } => {
            out.extend_from_slice(METHOD_NOT_ALLOWED);
            StatusCode::METHOD_NOT_ALLOWED
        }
        Error::Forbidden(_) => write_forbidden(out, profile, route),
        Error::NotFound(resource) => write_not_found(out, route, resource),
        Error::MissingParameter { name } => write_missing_parameter(out, profile, route, name),
        Error::UnknownParameter { .. } => {
            write_schema_error(out, profile, "must NOT have additional properties");
            StatusCode::BAD_REQUEST
        }
        Error::InvalidParameter { value, reason, .. } => {
            write_invalid_parameter(out, profile, value, reason)
        }
        Error::RateLimited { retry_after_ms } => write_rate_limited(out, *retry_after_ms),
        Error::RouteNotFound => {
            out.extend_from_slice(ROUTE_NOT_FOUND);
            StatusCode::NOT_FOUND
        }
        Error::PayloadTooLarge => {
            out.extend_from_slice(PAYLOAD_TOO_LARGE);
            StatusCode::PAYLOAD_TOO_LARGE
        }
        Error::BackendUnavailable(_) | Error::BadBackendAnswer(_) => {
            out.extend_from_slice(UPSTREAM_UNAVAILABLE);
            StatusCode::BAD_GATEWAY
        }
        Error::BackendTimeout => {
            out.extend_from_slice(UPSTREAM_TIMEOUT);
            StatusCode::GATEWAY_TIMEOUT
        }
        Error::Unsupported(what) => {
            use crate::dialect::rocketchat::client::errors::{UNSUPPORTED, UNSUPPORTED_PREFIX};
            write_failure(
                out,
                &format!("{UNSUPPORTED_PREFIX}{what}"),
                UNSUPPORTED,
                None,
            );
            StatusCode::NOT_IMPLEMENTED
        }
        Error::Internal(_) => {
            out.extend_from_slice(INTERNAL);
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// `Forbidden`: the thread endpoint answers Not Allowed, the others the profile's text.
fn write_forbidden(out: &mut Vec<u8>, profile: &Profile, route: RouteKind) -> StatusCode {
    if route == RouteKind::RoomsInfo {
        // `API.v1.failure('not-allowed', 'Not Allowed')`: the words in `errorType`.
        out.extend_from_slice(
            br#"{"success":false,"error":"not-allowed","errorType":"Not Allowed"}"#,
        );
        StatusCode::BAD_REQUEST
    } else if route == RouteKind::Thread {
        write_failure(out, "Not Allowed", "error-not-allowed", None);
        StatusCode::BAD_REQUEST
    } else {
        write_simple(out, profile.dm_forbidden_error);
        StatusCode::FORBIDDEN
    }
}

/// `NotFound`: each endpoint family words a missing resource its own way.
fn write_not_found(out: &mut Vec<u8>, route: RouteKind, resource: &Resource) -> StatusCode {
    match (route, resource) {
        (RouteKind::Thread, Resource::Message(_)) => {
            write_failure(out, "Invalid Message", "error-invalid-message", None);
            StatusCode::BAD_REQUEST
        }
        // The thread's room or the caller vanished: upstream answers Not Allowed.
        (RouteKind::Thread, _) => {
            write_failure(out, "Not Allowed", "error-not-allowed", None);
            StatusCode::BAD_REQUEST
        }
        (RouteKind::DmHistory, _) => {
            write_failure(out, "", "invalid-channel", None);
            StatusCode::BAD_REQUEST
        }
        // `findRoomByIdOrName`.
        (RouteKind::RoomsInfo, _) => {
            write_failure(
                out,
                "The required \"roomId\" or \"roomName\" param provided does not match any channel",
                "error-room-not-found",
                None,
            );
            StatusCode::BAD_REQUEST
        }
        (RouteKind::Other, _) => {
            out.extend_from_slice(RESOURCE_NOT_FOUND);
            StatusCode::NOT_FOUND
        }
    }
}

/// `MissingParameter`: a schema error, except a missing `tmid` on the thread endpoint for a
/// profile whose handler checks it itself.
fn write_missing_parameter(
    out: &mut Vec<u8>,
    profile: &Profile,
    route: RouteKind,
    name: &str,
) -> StatusCode {
    if route == RouteKind::RoomsInfo {
        // `findRoomByIdOrName`.
        write_failure(
            out,
            "The parameter \"roomId\" or \"roomName\" is required",
            "error-roomid-param-not-provided",
            None,
        );
    } else if route == RouteKind::Thread
        && name == "tmid"
        && profile.tmid_missing == TmidMissing::HandlerText
    {
        write_failure(
            out,
            "The required \"tmid\" query param is missing.",
            "error-invalid-params",
            None,
        );
    } else {
        write_schema_error(
            out,
            profile,
            &format!("must have required property '{name}'"),
        );
    }
    StatusCode::BAD_REQUEST
}

/// `InvalidParameter`: a schema error, except a `sort` that `parseJsonQuery` rejects.
fn write_invalid_parameter(
    out: &mut Vec<u8>,
    profile: &Profile,
    value: &str,
    reason: &str,
) -> StatusCode {
    if reason == INVALID_SORT {
        write_failure(
            out,
            &format!("Invalid sort parameter provided: \"{value}\""),
            "error-invalid-sort",
            Some(br#"{"helperMethod":"parseJsonQuery"}"#),
        );
    } else {
        write_schema_error(out, profile, reason);
    }
    StatusCode::BAD_REQUEST
}

/// `RateLimited`: the wait is announced in whole seconds, rounded up.
fn write_rate_limited(out: &mut Vec<u8>, retry_after_ms: u64) -> StatusCode {
    let seconds = retry_after_ms.div_ceil(1000);
    write_simple(
        out,
        &format!(
            "Error, too many requests. Please slow down. You must wait {seconds} seconds \
             before trying this endpoint again. [error-too-many-requests]"
        ),
    );
    StatusCode::TOO_MANY_REQUESTS
}

/// The headers a reply with `status` adds to the common ones: `Allow` on a 405.
fn extra_headers(status: StatusCode) -> &'static [(&'static str, &'static str)] {
    if status == StatusCode::METHOD_NOT_ALLOWED {
        &[("allow", "GET, HEAD")]
    } else {
        &[]
    }
}

#[cfg(test)]
mod tests;
