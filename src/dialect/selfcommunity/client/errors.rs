//! A SelfCommunity (DRF) error answer → the canonical [`Error`] it stands for: every row of
//! spec §6 decodes to the error the server face renders as that row, so an error passes
//! through the gateway unchanged.
//!
//! | answer | canonical error |
//! |---|---|
//! | 401, `WWW-Authenticate` without `error=` | `Unauthenticated(Missing)` |
//! | 401 otherwise | `Unauthenticated(Invalid)` |
//! | 403 | `Forbidden(<subject>)` |
//! | 404 with a JSON `detail` | `NotFound(<subject>)` |
//! | 400 `{"errors":[..]}`, every code `required` | `MissingParameter` (the fields, comma-joined) |
//! | 400 `{"errors":[..]}`, `Unknown parameter.` | `UnknownParameter` (the fields) |
//! | 400 `{"errors":[..]}` otherwise | `InvalidParameter { name: <fields>, value: "", reason: <first message> }` |
//! | 400 `{"detail":..}` | `InvalidParameter { name: "", value: "", reason: <detail> }` |
//! | 405 `Method "X" not allowed.` | `MethodNotAllowed { method: X }` |
//! | 413 | `PayloadTooLarge` |
//! | 429 | `RateLimited`: `Retry-After`, else the body's `N seconds`, else 60 s (at most a day) |
//! | 501 `Not answerable through this gateway's upstream: X` | `Unsupported(X)` |
//! | 504 | `BackendTimeout` |
//! | 500, 502, 503, other 5xx, a 404/400/405/501 of another shape, any other status | `BackendUnavailable` (status and `detail`) |
//!
//! `<subject>` is what the request named: `Room(thread)`, `User(user)`, `Group(group)`, or
//! `User("")` for `user/me`.

use super::answer::Answer;
use super::message::{get, object};
use super::request::Request;
use crate::canonical::{AuthFailure, Error};
use crate::dialect::selfcommunity::fields::sc;
use serde_json::Value;

/// The wait when a 429 names none (DRF throttles count per minute or more).
pub const DEFAULT_RETRY_MS: u64 = 60_000;
/// The longest wait believed (a day).
const MAX_RETRY_MS: u64 = 86_400_000;
/// The text before what a gateway's 501 names.
pub const UNSUPPORTED_PREFIX: &str = "Not answerable through this gateway's upstream: ";
const THROTTLED_PREFIX: &str = "Request was throttled. Expected available in ";
const UNKNOWN_PARAMETER: &str = "Unknown parameter.";

/// The body as a JSON object, if it is one.
fn body_object(bytes: &[u8]) -> Option<serde_json::Map<String, Value>> {
    match serde_json::from_slice(bytes) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

fn detail(body: Option<&serde_json::Map<String, Value>>) -> Option<&str> {
    body?.get(sc!(detail))?.as_str()
}

fn unavailable(req: &Request, ans: &Answer<'_>, detail: Option<&str>) -> Error {
    let said = detail
        .map(|d| format!(": {}", d.chars().take(200).collect::<String>()))
        .unwrap_or_default();
    Error::BackendUnavailable(format!(
        "selfcommunity {} answered {}{said}",
        req.path(),
        ans.status
    ))
}

/// The canonical error for a non-success answer.
pub fn decode_error(req: &Request, ans: &Answer<'_>) -> Error {
    let body = body_object(ans.body);
    let said = detail(body.as_ref());
    match ans.status {
        401 => Error::Unauthenticated(match ans.www_authenticate {
            Some(w) if !w.contains("error=") => AuthFailure::Missing,
            _ => AuthFailure::Invalid,
        }),
        403 => Error::Forbidden(req.subject.clone()),
        404 if said.is_some() => Error::NotFound(req.subject.clone()),
        400 => match (body.as_ref().and_then(field_errors), said) {
            (Some(e), _) => e,
            (None, Some(d)) => Error::invalid("", "", d),
            (None, None) => unavailable(req, ans, None),
        },
        405 => match said.and_then(method_of) {
            Some(method) => Error::MethodNotAllowed { method },
            None => unavailable(req, ans, said),
        },
        413 => Error::PayloadTooLarge,
        429 => rate_limited(ans, said),
        501 => match said.and_then(|d| d.strip_prefix(UNSUPPORTED_PREFIX)) {
            Some(what) => Error::Unsupported(what.to_owned()),
            None => unavailable(req, ans, said),
        },
        504 => Error::BackendTimeout,
        _ => unavailable(req, ans, said),
    }
}

/// `X` of `Method "X" not allowed.`.
fn method_of(detail: &str) -> Option<String> {
    detail
        .strip_prefix("Method \"")?
        .strip_suffix("\" not allowed.")
        .map(str::to_owned)
}

/// `{"errors":[{"field":..,"messages":[{"code":..,"message":..}]},..]}` → one error naming
/// every field, comma-joined, in order.
fn field_errors(body: &serde_json::Map<String, Value>) -> Option<Error> {
    let items = get(body, sc!(errors))?.as_array()?;
    let mut fields = Vec::with_capacity(items.len());
    let mut firsts = Vec::with_capacity(items.len());
    for item in items {
        let item = object(item, "").ok()?;
        fields.push(get(item, sc!(field))?.as_str()?);
        let first = get(item, sc!(messages))?.as_array()?.first()?;
        let first = object(first, "").ok()?;
        let code = get(first, sc!(code))?.as_str()?;
        let message = get(first, sc!(message))?.as_str()?;
        firsts.push((code, message));
    }
    let (&(_, message), names) = (firsts.first()?, fields.join(","));
    Some(if firsts.iter().all(|(c, _)| *c == "required") {
        Error::missing(&names)
    } else if firsts.iter().all(|(_, m)| *m == UNKNOWN_PARAMETER) {
        Error::UnknownParameter { name: names }
    } else {
        Error::invalid(&names, "", message)
    })
}

/// The wait before the next call.
fn rate_limited(ans: &Answer<'_>, said: Option<&str>) -> Error {
    let from_header = ans.retry_after_secs.map(|s| s.saturating_mul(1000));
    let from_text = said
        .and_then(|d| d.strip_prefix(THROTTLED_PREFIX))
        .and_then(|rest| rest.split_once(' '))
        .and_then(|(n, _)| n.parse::<u64>().ok())
        .map(|secs| secs.saturating_mul(1000));
    Error::RateLimited {
        retry_after_ms: from_header
            .or(from_text)
            .unwrap_or(DEFAULT_RETRY_MS)
            .min(MAX_RETRY_MS),
    }
}
