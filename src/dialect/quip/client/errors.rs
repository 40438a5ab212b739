//! A Quip error answer → the canonical [`Error`] it stands for: every row of spec §6 decodes
//! to the error the server face renders as that row, so an error passes through the gateway
//! unchanged (the body is `{"error":..,"error_code":..,"error_description":<text>}`; only
//! the status and `<text>` are read).
//!
//! | answer | canonical error |
//! |---|---|
//! | 401, any body | `Unauthenticated(Invalid)` |
//! | 403 `Not authorized: <x>` | `Forbidden(Company(x))` when `x` is the request's `company_id`, else `Forbidden(Room(x))` |
//! | 403 otherwise | `Forbidden(<subject>)` |
//! | 404 `Not found` (the path is not routed) | `RouteNotFound` |
//! | 404 `Thread not found`, or any other text | `NotFound(<subject>)` |
//! | 400 `Missing <name>` | `MissingParameter { name }` |
//! | 400 `Invalid <name>` | `InvalidParameter { name, value: <the value sent>, reason: <text> }` |
//! | 400 other text | `InvalidParameter { name: "", value: "", reason: <text> }` |
//! | 405 | `MethodNotAllowed { method: "GET" }` |
//! | 413 | `PayloadTooLarge` |
//! | 429, any body; 503 `Over Rate Limit` | `RateLimited`: the wait until the exhausted window's `-Reset` (company, else user), else `Retry-After`, else 60 s (at most a day) |
//! | 501 `Not answerable through this gateway's upstream: X` | `Unsupported(X)` |
//! | 504, any body | `BackendTimeout` |
//! | 500, 502, another 501 or 503, other 5xx; a 400, 404, 405 or 413 without the envelope (HTML, garbage); any other status | `BackendUnavailable` (status and text) |
//!
//! `<subject>` is what the request named: `Room(thread)`, or `User("")` for
//! `users/current`.

use super::answer::Answer;
use super::request::Request;
use crate::canonical::{AuthFailure, Error, Resource};
use crate::dialect::quip::fields::qp;
use serde_json::Value;

/// The wait when a refusal names none (the published windows are per minute).
pub const DEFAULT_RETRY_MS: u64 = 60_000;
/// The longest wait believed (a day): a later reset is a broken clock.
const MAX_RETRY_MS: u64 = 86_400_000;
/// The text before what a gateway's 501 names.
pub const UNSUPPORTED_PREFIX: &str = "Not answerable through this gateway's upstream: ";
/// The text of the over-limit 503 (spec §6).
pub const OVER_RATE_LIMIT: &str = "Over Rate Limit";
const NOT_AUTHORIZED_PREFIX: &str = "Not authorized: ";
/// The text of a 404 for a path the server does not route (spec §6).
const NOT_ROUTED: &str = "Not found";

/// `error_description` of an error envelope, if the body is one.
fn description(bytes: &[u8]) -> Option<String> {
    match serde_json::from_slice(bytes) {
        Ok(Value::Object(mut map)) => match map.remove(qp!(error_description)) {
            Some(Value::String(s)) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

fn unavailable(req: &Request, ans: &Answer<'_>, said: Option<&str>) -> Error {
    let said = said
        .map(|d| format!(": {}", d.chars().take(200).collect::<String>()))
        .unwrap_or_default();
    Error::BackendUnavailable(format!("quip {} answered {}{said}", req.path(), ans.status))
}

/// The canonical error for a non-success answer.
pub fn decode_error(req: &Request, ans: &Answer<'_>) -> Error {
    let said = description(ans.body);
    let said = said.as_deref();
    match (ans.status, said) {
        (401, _) => Error::Unauthenticated(AuthFailure::Invalid),
        (403, _) => Error::Forbidden(forbidden(req, said)),
        (404, Some(NOT_ROUTED)) => Error::RouteNotFound,
        (404, Some(_)) => Error::NotFound(req.subject.clone()),
        (400, Some(text)) => parameter_error(req, text),
        (405, Some(_)) => Error::MethodNotAllowed {
            method: req.method().to_string(),
        },
        (413, Some(_)) => Error::PayloadTooLarge,
        (429, _) | (503, Some(OVER_RATE_LIMIT)) => rate_limited(ans),
        (501, Some(text)) => match text.strip_prefix(UNSUPPORTED_PREFIX) {
            Some(what) => Error::Unsupported(what.to_owned()),
            None => unavailable(req, ans, said),
        },
        (504, _) => Error::BackendTimeout,
        _ => unavailable(req, ans, said),
    }
}

/// What a 403 names: the id `Not authorized: <x>` echoes, else the request's subject.
fn forbidden(req: &Request, said: Option<&str>) -> Resource {
    match said.and_then(|d| d.strip_prefix(NOT_AUTHORIZED_PREFIX)) {
        Some(x) if req.company_id() == Some(x) => Resource::Company(x.to_owned()),
        Some(x) => Resource::Room(x.to_owned()),
        None => req.subject.clone(),
    }
}

/// A 400 by its text (spec §6): `Missing <name>`, `Invalid <name>`, or another reason.
fn parameter_error(req: &Request, text: &str) -> Error {
    if let Some(name) = text.strip_prefix("Missing ") {
        return Error::missing(name);
    }
    if let Some(name) = text.strip_prefix("Invalid ") {
        let value = req.param(name).unwrap_or_default();
        return Error::invalid(name, value, text);
    }
    Error::invalid("", "", text)
}

/// The wait before the next call: until the end of the window that is used up (the
/// company's, else the user's; the later when both are), else `Retry-After`, else
/// [`DEFAULT_RETRY_MS`].
fn rate_limited(ans: &Answer<'_>) -> Error {
    let windows = [ans.company_window, ans.user_window];
    let used_up: Vec<_> = windows
        .iter()
        .filter(|w| w.remaining == Some(0) && w.reset_secs.is_some())
        .collect();
    let chosen = if used_up.is_empty() {
        windows.iter().filter(|w| w.reset_secs.is_some()).collect()
    } else {
        used_up
    };
    let from_reset = chosen
        .iter()
        .filter_map(|w| w.reset_secs)
        .map(|reset| reset.saturating_mul(1000).saturating_sub(ans.now_ms))
        .max()
        .map(|ms| ms.max(0) as u64)
        .filter(|ms| (1..=MAX_RETRY_MS).contains(ms));
    let from_retry_after = ans.retry_after_secs.map(|s| s.saturating_mul(1000));
    Error::RateLimited {
        retry_after_ms: from_reset
            .or(from_retry_after)
            .unwrap_or(DEFAULT_RETRY_MS)
            .min(MAX_RETRY_MS),
    }
}
