//! What the three client faces (`rocketchat::client`, `selfcommunity::client`,
//! `quip::client`) share: the same logic, written once.
//!
//! - Strict JSON path helpers: [`object`], [`get`], [`string`], [`opt_string`] and the
//!   error they build, [`Invalid`] (`messages[3].u._id: expected a string`); `null` counts as
//!   absent for optional keys. Each face's `message` module adds the getters only its
//!   platform needs.
//! - Bounded answer reading: [`success_json`] and [`success_object`] refuse a body over the
//!   face's bound before reading anything else, hand a non-200 answer to the face's error
//!   decoder, then parse.
//! - Retry waits: [`header`] (a trimmed header value), [`header_number`], [`believed_wait`],
//!   [`secs_to_ms`] and [`retry_wait`], the order of preference every face's 429 decoder
//!   ends with, bounded by [`MAX_RETRY_MS`].
//! - Window splitting: [`split_windows`], a long page as calls of a bounded size.
//! - Requests: [`path_and_query`] (a path and its form-encoded pairs) and
//!   [`bearer_auth_header`] (the credential of the faces that take a bearer token).
//!
//! The tests' panic-freedom strategies (damaged bodies, one value replaced) are in
//! `client_common::test_support`.

use crate::canonical::{AuthFailure, Credential, Error};
use http::HeaderMap;
use serde_json::{Map, Value};
use std::fmt::Display;

#[cfg(test)]
pub(crate) mod test_support;

/// A decoding failure: where, and what was expected.
pub type Invalid = String;

/// The error for `at`: `<at>: expected <what>`.
pub fn invalid(at: &str, what: &str) -> Invalid {
    format!("{at}: expected {what}")
}

/// The path of `key` under `at` (`at.key`; `key` alone at the top, where `at` is empty).
pub fn child(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_owned()
    } else {
        format!("{at}.{key}")
    }
}

/// An object, or the error for `at`.
pub fn object<'v>(v: &'v Value, at: &str) -> Result<&'v Map<String, Value>, Invalid> {
    v.as_object().ok_or_else(|| invalid(at, "an object"))
}

/// A present, non-null value under `key`.
pub fn get<'v>(m: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    m.get(key).filter(|v| !v.is_null())
}

/// A string under `key`.
pub fn string(m: &Map<String, Value>, key: &str, at: &str) -> Result<String, Invalid> {
    opt_string(m, key, at)?.ok_or_else(|| invalid(&child(at, key), "a string"))
}

/// A string under `key`, if any.
pub fn opt_string(m: &Map<String, Value>, key: &str, at: &str) -> Result<Option<String>, Invalid> {
    get(m, key)
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| invalid(&child(at, key), "a string"))
        })
        .transpose()
}

/// The body of a success answer as JSON, or the error the answer stands for: `bad` (the
/// face's `BadBackendAnswer`) when `body` is over `max_bytes` (checked first, whatever the
/// status) or is no JSON; `refusal()` (the face's error decoder) when `status` is not 200.
pub fn success_json<E>(
    status: u16,
    body: &[u8],
    max_bytes: usize,
    bad: impl Fn(&dyn Display) -> E,
    refusal: impl FnOnce() -> E,
) -> Result<Value, E> {
    if body.len() > max_bytes {
        return Err(bad(&format_args!(
            "answer of {} bytes is over the bound",
            body.len()
        )));
    }
    if status != 200 {
        return Err(refusal());
    }
    serde_json::from_slice(body).map_err(|e| bad(&format_args!("not JSON ({e})")))
}

/// [`success_json`] for a face whose successes are JSON objects: any other JSON value is
/// `bad("not a JSON object")`.
pub fn success_object<E>(
    status: u16,
    body: &[u8],
    max_bytes: usize,
    bad: impl Fn(&dyn Display) -> E,
    refusal: impl FnOnce() -> E,
) -> Result<Map<String, Value>, E> {
    match success_json(status, body, max_bytes, &bad, refusal)? {
        Value::Object(map) => Ok(map),
        _ => Err(bad(&"not a JSON object")),
    }
}

/// The longest wait believed (a day): a later reset is a broken clock.
pub const MAX_RETRY_MS: u64 = 86_400_000;

/// The value of header `name`, trimmed, when it is visible ASCII.
pub fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// The value of header `name` as a number (`None` when absent or unparseable).
pub fn header_number<T: std::str::FromStr>(headers: &HeaderMap, name: &str) -> Option<T> {
    header(headers, name).and_then(|v| v.parse().ok())
}

/// Seconds as milliseconds (saturating).
pub fn secs_to_ms(secs: u64) -> u64 {
    secs.saturating_mul(1000)
}

/// A wait of `ms` until a reset (negative: the reset is past) as believed: `None` unless it
/// is 1 ms to [`MAX_RETRY_MS`]. A reset already past or a day away says more about the
/// clocks than the window.
pub fn believed_wait(ms: i64) -> Option<u64> {
    Some(ms.max(0) as u64).filter(|ms| (1..=MAX_RETRY_MS).contains(ms))
}

/// The wait before the next call: the first of `candidates` (in the face's order of
/// preference) that is known, else `default_ms`; at most [`MAX_RETRY_MS`].
pub fn retry_wait(candidates: impl IntoIterator<Item = Option<u64>>, default_ms: u64) -> u64 {
    candidates
        .into_iter()
        .flatten()
        .next()
        .unwrap_or(default_ms)
        .min(MAX_RETRY_MS)
}

/// Splits `limit` messages from `offset` into calls of at most `per_call` (at least 1)
/// messages: each call's `(offset, size)`, in order. `None` when that takes more than
/// `max_calls` calls.
pub fn split_windows(
    offset: u64,
    limit: u32,
    per_call: u32,
    max_calls: usize,
) -> Option<Vec<(u64, u32)>> {
    let per_call = per_call.max(1);
    let calls = limit.div_ceil(per_call) as usize;
    if calls > max_calls {
        return None;
    }
    Some(
        (0..calls)
            .map(|i| {
                let done = i as u32 * per_call;
                (
                    offset.saturating_add(u64::from(done)),
                    per_call.min(limit - done),
                )
            })
            .collect(),
    )
}

/// `path` with `query` as its query string (`application/x-www-form-urlencoded`, pairs in
/// order); `path` alone when there are no pairs.
pub fn path_and_query<K: AsRef<str>>(path: &str, query: &[(K, String)]) -> String {
    if query.is_empty() {
        return path.to_owned();
    }
    let mut qs = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in query {
        qs.append_pair(k.as_ref(), v);
    }
    format!("{path}?{}", qs.finish())
}

/// `Authorization: Bearer <token>`. A user id and token pair is no bearer credential:
/// `Unauthenticated(Missing)`.
pub fn bearer_auth_header(credential: &Credential) -> Result<(&'static str, String), Error> {
    match credential {
        Credential::Bearer { token } => Ok(("authorization", format!("Bearer {token}"))),
        Credential::UserToken { .. } => Err(Error::Unauthenticated(AuthFailure::Missing)),
    }
}

#[cfg(test)]
mod tests;
