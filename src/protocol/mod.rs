//! The canonical protocol, version 1: the canonical model as JSON over HTTP, between a gateway
//! (the `http` backend, the client) and a store that serves it (`threadgate backend`, the
//! server). This module is the whole wire contract both sides share: paths, headers, bodies,
//! and one status and body per error. `docs/canonical-api.md` describes it for users.
//!
//! Requests are strict: a field the backend does not know is a `400 bad_request`, never
//! ignored, so that a newer gateway against an older backend gets a clear error instead of a
//! page that silently dropped a constraint.

mod error;
mod generation;
#[cfg(test)]
mod tests;

pub use error::{
    decode_error, decoded_kind, decoded_status, encode_error, encode_protocol_error, error_status,
    Decoded, ProtocolError, MAX_ERROR_BODY,
};
pub use generation::{
    parse_data_version, parse_if_data_version, Generation, DATA_VERSION_HEADER,
    IF_DATA_VERSION_HEADER,
};

use crate::canonical::{Credential, Page, Principal, RoomInfo, ThreadQuery};
use http::StatusCode;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use subtle::ConstantTimeEq;

/// The protocol version this build speaks.
pub const VERSION: u32 = 1;
/// [`VERSION`] as the value of [`VERSION_HEADER`].
pub const VERSION_VALUE: &str = "1";
/// `POST`, body [`ThreadQuery`], answer `200` [`Page`].
pub const QUERY_PATH: &str = "/v1/query";
/// `POST`, body [`Credential`], answer `200` [`Principal`].
pub const AUTHENTICATE_PATH: &str = "/v1/authenticate";
/// `POST`, body [`RoomsRequest`], answer `200` [`RoomList`]: the rooms a principal reads.
pub const ROOMS_PATH: &str = "/v1/rooms";
/// `GET`, answer `200` [`Readiness`] when the store answers, `503` otherwise.
pub const READY_PATH: &str = "/v1/ready";
/// Milliseconds left of the caller's budget; past it the backend gives up and answers
/// `backend_timeout`.
pub const DEADLINE_HEADER: &str = "threadgate-deadline-ms";
/// The request id, propagated from the gateway to the backend and echoed back.
pub const REQUEST_ID_HEADER: &str = "x-request-id";
/// The protocol version, on every answer (and optionally on requests).
pub const VERSION_HEADER: &str = "threadgate-protocol";
/// The content type of every body.
pub const CONTENT_TYPE: &str = "application/json";

/// The most bytes of a body, or of a decoder's message, a [`WireError`] or a
/// [`ProtocolError`] repeats.
const EXCERPT_BYTES: usize = 200;

/// An answer of the backend this gateway cannot take as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("the answer body of {len} bytes is over the limit of {max} bytes")]
    TooLarge { len: usize, max: usize },
    #[error("the answer is not {what}: {reason}; the body starts {excerpt}")]
    Malformed {
        what: &'static str,
        reason: String,
        excerpt: String,
    },
    #[error("an error of kind {kind} came with HTTP status {status}; the protocol sends it with {expected}")]
    StatusMismatch {
        kind: &'static str,
        status: u16,
        expected: u16,
    },
    #[error("the answer is of protocol version {found}; this gateway speaks version {VERSION}")]
    Version { found: String },
    #[error("the answer's {name} header is not valid: {found}")]
    Header { name: &'static str, found: String },
    #[error("the answer is 304 Not Modified to a query sent without a data generation")]
    UnaskedNotModified,
}

impl WireError {
    fn malformed(what: &'static str, e: &serde_json::Error, body: &[u8]) -> WireError {
        WireError::Malformed {
            what,
            reason: clip(&e.to_string()),
            excerpt: excerpt(body),
        }
    }
}

/// `s` cut to [`EXCERPT_BYTES`] at a character boundary, `…` marking a cut.
fn clip(s: &str) -> String {
    if s.len() <= EXCERPT_BYTES {
        return s.to_owned();
    }
    let mut end = EXCERPT_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// The first bytes of a body, quoted and escaped so that it is one safe log line.
fn excerpt(body: &[u8]) -> String {
    let head = &body[..body.len().min(EXCERPT_BYTES)];
    let text = String::from_utf8_lossy(head);
    let more = if body.len() > head.len() { "…" } else { "" };
    format!("\"{}\"{more}", text.escape_debug())
}

/// Serialises a wire type. These types hold only strings, numbers and string-keyed maps, so
/// this cannot fail; were it to, the empty body is refused by the other side's decoder.
fn to_vec<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

pub fn encode_query(query: &ThreadQuery) -> Vec<u8> {
    to_vec(query)
}

pub fn encode_credential(credential: &Credential) -> Vec<u8> {
    to_vec(credential)
}

pub fn encode_page(page: &Page) -> Vec<u8> {
    to_vec(page)
}

pub fn encode_principal(principal: &Principal) -> Vec<u8> {
    to_vec(principal)
}

/// The body of `POST /v1/rooms`: whose rooms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoomsRequest {
    pub principal: Principal,
}

/// The `200` answer to `POST /v1/rooms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoomList {
    pub rooms: Vec<RoomInfo>,
}

pub fn encode_rooms_request(request: &RoomsRequest) -> Vec<u8> {
    to_vec(request)
}

pub fn encode_room_list(list: &RoomList) -> Vec<u8> {
    to_vec(list)
}

/// Reads a `POST /v1/rooms` body. Unknown fields are refused.
pub fn decode_rooms_request(body: &[u8]) -> Result<RoomsRequest, ProtocolError> {
    decode_request("rooms request", body, true)
}

/// Reads a `200` answer to `POST /v1/rooms`.
pub fn decode_room_list(body: &[u8]) -> Result<RoomList, WireError> {
    serde_json::from_slice(body).map_err(|e| WireError::malformed("a room list", &e, body))
}

/// Decodes a request body; the message names the path of the field that failed. `echo`
/// says whether the decoder's own words (which may quote a value) may be repeated.
fn decode_request<T: DeserializeOwned>(
    what: &str,
    body: &[u8],
    echo: bool,
) -> Result<T, ProtocolError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let refuse = |path: String, e: serde_json::Error| {
        let detail = if echo {
            clip(&e.to_string())
        } else {
            format!(
                "{:?} error at line {} column {}",
                e.classify(),
                e.line(),
                e.column()
            )
        };
        ProtocolError::BadRequest(format!(
            "the {what} does not decode at {}: {detail}",
            clip(&path)
        ))
    };
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        refuse(path, e.into_inner())
    })?;
    de.end().map_err(|e| refuse(".".to_owned(), e))?;
    Ok(value)
}

/// Reads a `POST /v1/query` body. Unknown fields are refused.
pub fn decode_query(body: &[u8]) -> Result<ThreadQuery, ProtocolError> {
    decode_request("query", body, true)
}

/// Reads a `POST /v1/authenticate` body. Unknown fields are refused; the message never
/// quotes the body, which holds a secret.
pub fn decode_credential(body: &[u8]) -> Result<Credential, ProtocolError> {
    decode_request("credential", body, false)
}

/// Reads a `200` answer to `POST /v1/query`.
pub fn decode_page(body: &[u8]) -> Result<Page, WireError> {
    let page = match std::str::from_utf8(body) {
        // UTF-8 checked once for the whole body (vectorised) instead of once per string by
        // the parser; invalid bytes take the byte parser, for its error and position.
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(body),
    };
    page.map_err(|e| WireError::malformed("a page", &e, body))
}

/// Reads a `200` answer to `POST /v1/authenticate`.
pub fn decode_principal(body: &[u8]) -> Result<Principal, WireError> {
    serde_json::from_slice(body).map_err(|e| WireError::malformed("a principal", &e, body))
}

/// The answer to `GET /v1/ready`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Readiness {
    pub ready: bool,
    /// Why the store is not ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl Readiness {
    /// `200` when ready, `503` otherwise.
    pub fn status(&self) -> StatusCode {
        if self.ready {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

pub fn encode_readiness(readiness: &Readiness) -> Vec<u8> {
    to_vec(readiness)
}

/// Reads an answer to `GET /v1/ready`, refusing one whose status disagrees with its body.
pub fn decode_readiness(status: u16, body: &[u8]) -> Result<Readiness, WireError> {
    if body.len() > MAX_ERROR_BODY {
        return Err(WireError::TooLarge {
            len: body.len(),
            max: MAX_ERROR_BODY,
        });
    }
    let readiness: Readiness =
        serde_json::from_slice(body).map_err(|e| WireError::malformed("a readiness", &e, body))?;
    let expected = readiness.status().as_u16();
    if status != expected {
        return Err(WireError::StatusMismatch {
            kind: if readiness.ready {
                "ready"
            } else {
                "not_ready"
            },
            status,
            expected,
        });
    }
    Ok(readiness)
}

/// Checks the [`VERSION_HEADER`] of an answer: it must be present and this version.
pub fn check_answer_version(value: Option<&[u8]>) -> Result<(), WireError> {
    match value {
        Some(v) if v == VERSION_VALUE.as_bytes() => Ok(()),
        Some(v) => Err(WireError::Version { found: excerpt(v) }),
        None => Err(WireError::Version {
            found: "(none: no threadgate-protocol header)".to_owned(),
        }),
    }
}

/// Checks the [`VERSION_HEADER`] of a request: the path carries the version, so the header
/// may be absent; when present it must be this version.
pub fn check_request_version(value: Option<&[u8]>) -> Result<(), ProtocolError> {
    match value {
        None => Ok(()),
        Some(v) if v == VERSION_VALUE.as_bytes() => Ok(()),
        Some(v) => Err(ProtocolError::BadRequest(format!(
            "protocol version {} is not served here; this backend speaks version {VERSION}",
            excerpt(v)
        ))),
    }
}

/// The `Authorization` value a client sends when a shared secret is configured.
pub fn authorization_value(secret: &str) -> String {
    format!("Bearer {secret}")
}

/// Checks a request's `Authorization` header against the configured shared secret, in
/// constant time. The message never repeats what was sent.
pub fn check_secret(authorization: Option<&[u8]>, secret: &str) -> Result<(), ProtocolError> {
    let Some(value) = authorization else {
        return Err(ProtocolError::Unauthorized(
            "this backend requires Authorization: Bearer <shared secret>".to_owned(),
        ));
    };
    let sent = value.strip_prefix(b"Bearer ").unwrap_or(b"");
    if bool::from(sent.ct_eq(secret.as_bytes())) && !sent.is_empty() {
        Ok(())
    } else {
        Err(ProtocolError::Unauthorized(
            "the shared secret does not match".to_owned(),
        ))
    }
}

/// The [`DEADLINE_HEADER`] value for what is left of a budget, in whole milliseconds.
pub fn deadline_value(left: Duration) -> String {
    left.as_millis().to_string()
}

/// Reads a request's [`DEADLINE_HEADER`]: `None` when absent.
pub fn parse_deadline(value: Option<&[u8]>) -> Result<Option<Duration>, ProtocolError> {
    let Some(v) = value else { return Ok(None) };
    std::str::from_utf8(v)
        .ok()
        .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|s| s.parse::<u64>().ok())
        .map(|ms| Some(Duration::from_millis(ms)))
        .ok_or_else(|| {
            ProtocolError::BadRequest(format!(
                "{DEADLINE_HEADER} must be a whole number of milliseconds, not {}",
                excerpt(v)
            ))
        })
}
