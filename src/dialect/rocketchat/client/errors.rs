//! A Rocket.Chat error answer → the canonical [`Error`] it stands for: every row of spec
//! §6 in every profile of §7 decodes to the error the server face renders as that row, so
//! an error passes through the gateway unchanged.
//!
//! | answer | canonical error |
//! |---|---|
//! | 401, any body | `Unauthenticated(Invalid)` |
//! | 403 (`unauthorized`, `forbidden`) | `Forbidden(<subject>)` |
//! | 400 `error-invalid-message` | `NotFound(Message(tmid))` |
//! | 400 `error-not-allowed`, `not-allowed`, `Not Allowed` (`rooms.info`) | `Forbidden(<subject>)` |
//! | 400 `invalid-channel`, `error-room-not-found` | `NotFound(Room(roomId))` |
//! | 400 `invalid-params`, `error-invalid-params` | `MissingParameter` (`must have required property 'x'`, the `tmid` text), `UnknownParameter` (`must NOT have additional properties`), else `InvalidParameter` with the text as reason |
//! | 400 `error-invalid-sort` | `InvalidParameter { name: "sort", value: <raw>, reason: INVALID_SORT }` |
//! | 429 | `RateLimited`: the wait from `X-RateLimit-Reset`, else the body's `N seconds`, else `Retry-After`, else one default window (60 s) |
//! | 404 `API endpoint does not exist`, 405, other 4xx, other 400 types | `BackendUnavailable` (the upstream does not serve what the gateway asks) |
//! | 404 otherwise | `NotFound(<subject>)` |
//! | 501 `error-unsupported-by-upstream` (a gateway's refusal) | `Unsupported` with the same text |
//! | 504, `error-upstream-timeout` | `BackendTimeout` |
//! | 500, 502, 503, other 5xx, `error-upstream-unavailable` | `BackendUnavailable` |
//! | anything else (other status, no JSON) | `BackendUnavailable` |
//!
//! `<subject>` is what the request named: the `tmid` (`Message`) for
//! `chat.getThreadMessages`, else the room id or peer (`Room`).

use super::answer::Answer;
use super::request::{Request, Route};
use crate::canonical::{AuthFailure, Error, Resource};
use crate::dialect::rocketchat::errors::INVALID_SORT;
use serde_json::Value;

/// The error type a gateway answers a query its own upstream cannot select with (501).
pub const UNSUPPORTED: &str = "error-unsupported-by-upstream";
/// The text before what that refusal names.
pub const UNSUPPORTED_PREFIX: &str = "Not answerable through this gateway's upstream: ";

/// The window a server uses when it names no wait (`API_Default_Rate_Limiter_Interval`).
pub const DEFAULT_RETRY_MS: u64 = 60_000;
/// The longest wait believed from a header (a day): a later reset is a broken clock.
const MAX_RETRY_MS: u64 = 86_400_000;

/// The text fields of an error body (empty when absent or the body is no JSON object).
#[derive(Debug, Default)]
struct Body {
    json: bool,
    error: String,
    error_type: String,
}

impl Body {
    fn parse(bytes: &[u8]) -> Body {
        let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(bytes) else {
            return Body::default();
        };
        let text = |key: &str| {
            map.get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        Body {
            json: true,
            error: text("error"),
            error_type: text("errorType"),
        }
    }

    /// `errorType`, else the `[tag]` that ends `error`.
    fn tag(&self) -> &str {
        if !self.error_type.is_empty() {
            return &self.error_type;
        }
        self.error
            .strip_suffix(']')
            .and_then(|t| t.rsplit_once('[').map(|(_, tag)| tag))
            .unwrap_or_default()
    }

    /// `error` without its ` [tag]` suffix.
    fn text(&self) -> &str {
        let tag = self.tag();
        self.error
            .strip_suffix(']')
            .and_then(|t| t.strip_suffix(tag))
            .and_then(|t| t.strip_suffix('['))
            .map_or(self.error.as_str(), str::trim_end)
    }
}

/// What the request named, as the resource its errors concern.
fn subject(req: &Request) -> Resource {
    match req.route {
        Route::ThreadMessages => Resource::Message(req.subject.clone()),
        Route::Me => Resource::User(req.subject.clone()),
        _ => Resource::Room(req.subject.clone()),
    }
}

fn unavailable(req: &Request, ans: &Answer<'_>, body: &Body) -> Error {
    let said = if body.error.is_empty() {
        String::new()
    } else {
        format!(": {}", body.error.chars().take(200).collect::<String>())
    };
    Error::BackendUnavailable(format!(
        "rocketchat {} answered {}{said}",
        req.path(),
        ans.status
    ))
}

/// The canonical error for a non-success answer (or a 200 with `success: false`).
pub fn decode_error(req: &Request, ans: &Answer<'_>) -> Error {
    let body = Body::parse(ans.body);
    match ans.status {
        401 => Error::Unauthenticated(AuthFailure::Invalid),
        403 => Error::Forbidden(subject(req)),
        404 if body.json && body.error != "API endpoint does not exist" => {
            Error::NotFound(subject(req))
        }
        429 => rate_limited(ans, &body),
        501 if body.tag() == UNSUPPORTED => Error::Unsupported(
            body.text()
                .strip_prefix(UNSUPPORTED_PREFIX)
                .unwrap_or(body.text())
                .to_owned(),
        ),
        504 => Error::BackendTimeout,
        200 | 400 => by_tag(req, ans, &body),
        _ => match body.tag() {
            "error-upstream-timeout" => Error::BackendTimeout,
            _ => unavailable(req, ans, &body),
        },
    }
}

/// A 400 (or 200 with `success: false`) by its error type.
fn by_tag(req: &Request, ans: &Answer<'_>, body: &Body) -> Error {
    match body.tag() {
        "error-invalid-message" => Error::NotFound(Resource::Message(req.subject.clone())),
        // `rooms.info` answers `API.v1.failure('not-allowed', 'Not Allowed')`.
        "error-not-allowed" | "not-allowed" | "Not Allowed" => Error::Forbidden(subject(req)),
        "invalid-channel" | "error-room-not-found" => {
            Error::NotFound(Resource::Room(req.subject.clone()))
        }
        "invalid-params" | "error-invalid-params" => parameter_error(body.text()),
        "error-invalid-sort" => Error::InvalidParameter {
            name: "sort".to_owned(),
            value: sort_value(body.text()).to_owned(),
            reason: INVALID_SORT.to_owned(),
        },
        "error-too-many-requests" => rate_limited(ans, body),
        "error-upstream-timeout" => Error::BackendTimeout,
        _ => unavailable(req, ans, body),
    }
}

/// A schema or handler text about a parameter.
fn parameter_error(text: &str) -> Error {
    if let Some(name) = text
        .strip_prefix("must have required property '")
        .and_then(|t| t.strip_suffix('\''))
    {
        return Error::missing(name);
    }
    if let Some(name) = text
        .strip_prefix("The required \"")
        .and_then(|t| t.strip_suffix("\" query param is missing."))
    {
        return Error::missing(name);
    }
    if text == "must NOT have additional properties" {
        return Error::UnknownParameter {
            name: String::new(),
        };
    }
    Error::invalid("", "", text)
}

/// `<raw>` of `Invalid sort parameter provided: "<raw>"`.
fn sort_value(text: &str) -> &str {
    text.strip_prefix("Invalid sort parameter provided: \"")
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text)
}

/// The wait before the next call.
fn rate_limited(ans: &Answer<'_>, body: &Body) -> Error {
    // A reset already past or a day away says more about the clocks than the window.
    let from_reset = ans
        .rate_limit_reset_ms
        .map(|reset| reset.saturating_sub(ans.now_ms).max(0) as u64);
    let from_text = body
        .error
        .split_once("You must wait ")
        .and_then(|(_, rest)| rest.split_once(" seconds"))
        .and_then(|(n, _)| n.trim().parse::<u64>().ok())
        .map(|secs| secs.saturating_mul(1000));
    let from_retry_after = ans.retry_after_secs.map(|s| s.saturating_mul(1000));
    let retry_after_ms = from_reset
        .filter(|ms| (1..=MAX_RETRY_MS).contains(ms))
        .or(from_text)
        .or(from_retry_after)
        .unwrap_or(DEFAULT_RETRY_MS)
        .min(MAX_RETRY_MS);
    Error::RateLimited { retry_after_ms }
}
