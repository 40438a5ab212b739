//! Error bodies of the canonical protocol: one HTTP status and one JSON body per canonical
//! [`Error`] variant, plus the protocol's own refusals ([`ProtocolError`]).

use super::WireError;
use crate::canonical::{AuthFailure, Error, Resource};
use http::StatusCode;
use serde::{Deserialize, Serialize};

/// The most bytes [`decode_error`] reads; a longer error body is refused, not parsed.
pub const MAX_ERROR_BODY: usize = 64 * 1024;

/// A refusal of the protocol itself, not an answer to the question asked: the request does
/// not decode (an unknown field, a wrong type, another protocol version), or the shared
/// secret is missing or wrong. A client never shows these to its caller as they are: they
/// mean the gateway and the backend do not agree, which is the operator's problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// `400`, kind `bad_request`.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// `401`, kind `unauthorized`: the shared secret is missing or wrong.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
}

impl ProtocolError {
    /// The `kind` of its body.
    pub fn kind(&self) -> &'static str {
        match self {
            ProtocolError::BadRequest(_) => "bad_request",
            ProtocolError::Unauthorized(_) => "unauthorized",
        }
    }

    /// The HTTP status it is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            ProtocolError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ProtocolError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
        }
    }

    /// The human-readable message it carries.
    pub fn message(&self) -> &str {
        match self {
            ProtocolError::BadRequest(m) | ProtocolError::Unauthorized(m) => m,
        }
    }
}

/// What an error answer of the protocol says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// The backend's answer to the question: hand it to the caller.
    Canonical(Error),
    /// The backend refused the request itself ([`ProtocolError`]).
    Protocol(ProtocolError),
}

/// `{"error": ...}`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope {
    error: Body,
}

/// The object under `error`: the kind as a tag, then the fields of the variant. Unit variants
/// are written as empty struct variants so that unknown fields are refused for them too.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum Body {
    Unauthenticated {
        failure: AuthFailure,
    },
    Forbidden {
        resource: Resource,
    },
    NotFound {
        resource: Resource,
    },
    MissingParameter {
        name: String,
    },
    UnknownParameter {
        name: String,
    },
    InvalidParameter {
        name: String,
        value: String,
        reason: String,
    },
    MethodNotAllowed {
        method: String,
    },
    RouteNotFound {},
    PayloadTooLarge {},
    RateLimited {
        retry_after_ms: u64,
    },
    BackendUnavailable {
        message: String,
    },
    BackendTimeout {},
    BadBackendAnswer {
        message: String,
    },
    Internal {
        message: String,
    },
    Unsupported {
        message: String,
    },
    BadRequest {
        message: String,
    },
    Unauthorized {
        message: String,
    },
}

impl From<&Error> for Body {
    fn from(e: &Error) -> Body {
        match e.clone() {
            Error::Unauthenticated(failure) => Body::Unauthenticated { failure },
            Error::Forbidden(resource) => Body::Forbidden { resource },
            Error::NotFound(resource) => Body::NotFound { resource },
            Error::MissingParameter { name } => Body::MissingParameter { name },
            Error::UnknownParameter { name } => Body::UnknownParameter { name },
            Error::InvalidParameter {
                name,
                value,
                reason,
            } => Body::InvalidParameter {
                name,
                value,
                reason,
            },
            Error::MethodNotAllowed { method } => Body::MethodNotAllowed { method },
            Error::RouteNotFound => Body::RouteNotFound {},
            Error::PayloadTooLarge => Body::PayloadTooLarge {},
            Error::RateLimited { retry_after_ms } => Body::RateLimited { retry_after_ms },
            Error::BackendUnavailable(message) => Body::BackendUnavailable { message },
            Error::BackendTimeout => Body::BackendTimeout {},
            Error::BadBackendAnswer(message) => Body::BadBackendAnswer { message },
            Error::Internal(message) => Body::Internal { message },
            Error::Unsupported(message) => Body::Unsupported { message },
        }
    }
}

impl From<Body> for Decoded {
    fn from(b: Body) -> Decoded {
        let canonical = match b {
            Body::Unauthenticated { failure } => Error::Unauthenticated(failure),
            Body::Forbidden { resource } => Error::Forbidden(resource),
            Body::NotFound { resource } => Error::NotFound(resource),
            Body::MissingParameter { name } => Error::MissingParameter { name },
            Body::UnknownParameter { name } => Error::UnknownParameter { name },
            Body::InvalidParameter {
                name,
                value,
                reason,
            } => Error::InvalidParameter {
                name,
                value,
                reason,
            },
            Body::MethodNotAllowed { method } => Error::MethodNotAllowed { method },
            Body::RouteNotFound {} => Error::RouteNotFound,
            Body::PayloadTooLarge {} => Error::PayloadTooLarge,
            Body::RateLimited { retry_after_ms } => Error::RateLimited { retry_after_ms },
            Body::BackendUnavailable { message } => Error::BackendUnavailable(message),
            Body::BackendTimeout {} => Error::BackendTimeout,
            Body::BadBackendAnswer { message } => Error::BadBackendAnswer(message),
            Body::Internal { message } => Error::Internal(message),
            Body::Unsupported { message } => Error::Unsupported(message),
            Body::BadRequest { message } => {
                return Decoded::Protocol(ProtocolError::BadRequest(message))
            }
            Body::Unauthorized { message } => {
                return Decoded::Protocol(ProtocolError::Unauthorized(message))
            }
        };
        Decoded::Canonical(canonical)
    }
}

/// The HTTP status the protocol answers a canonical error with.
pub fn error_status(error: &Error) -> StatusCode {
    match error {
        Error::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        Error::Forbidden(_) => StatusCode::FORBIDDEN,
        Error::NotFound(_) | Error::RouteNotFound => StatusCode::NOT_FOUND,
        Error::MissingParameter { .. }
        | Error::UnknownParameter { .. }
        | Error::InvalidParameter { .. } => StatusCode::BAD_REQUEST,
        Error::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
        Error::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        Error::BackendUnavailable(_) | Error::BadBackendAnswer(_) => StatusCode::BAD_GATEWAY,
        Error::BackendTimeout => StatusCode::GATEWAY_TIMEOUT,
        Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        Error::Unsupported(_) => StatusCode::NOT_IMPLEMENTED,
    }
}

/// The status an error answer of either family is sent with.
pub fn decoded_status(decoded: &Decoded) -> StatusCode {
    match decoded {
        Decoded::Canonical(e) => error_status(e),
        Decoded::Protocol(p) => p.status(),
    }
}

fn encode_body(error: Body) -> Vec<u8> {
    let envelope = Envelope { error };
    // Serialising these plain structs cannot fail; should it ever, the body still says what
    // went wrong in the protocol's own shape.
    serde_json::to_vec(&envelope).unwrap_or_else(|_| {
        br#"{"error":{"kind":"internal","message":"error body did not encode"}}"#.to_vec()
    })
}

/// The body of a canonical error: `{"error":{"kind":"<Error::kind()>", ...its fields...}}`.
pub fn encode_error(error: &Error) -> Vec<u8> {
    encode_body(Body::from(error))
}

/// The body of a protocol refusal: `{"error":{"kind":"bad_request","message":"..."}}`.
pub fn encode_protocol_error(error: &ProtocolError) -> Vec<u8> {
    let message = error.message().to_owned();
    encode_body(match error {
        ProtocolError::BadRequest(_) => Body::BadRequest { message },
        ProtocolError::Unauthorized(_) => Body::Unauthorized { message },
    })
}

/// Reads an error answer: the error it carries, exactly as the backend had it. Refuses a
/// body over [`MAX_ERROR_BODY`], one that is not an error body of this protocol version, and
/// one whose kind is not answered with `status`.
pub fn decode_error(status: u16, body: &[u8]) -> Result<Decoded, WireError> {
    if body.len() > MAX_ERROR_BODY {
        return Err(WireError::TooLarge {
            len: body.len(),
            max: MAX_ERROR_BODY,
        });
    }
    let envelope: Envelope = serde_json::from_slice(body)
        .map_err(|e| WireError::malformed("an error body", &e, body))?;
    let decoded = Decoded::from(envelope.error);
    let expected = decoded_status(&decoded).as_u16();
    if expected != status {
        return Err(WireError::StatusMismatch {
            kind: decoded_kind(&decoded),
            status,
            expected,
        });
    }
    Ok(decoded)
}

/// The `kind` of a decoded error body.
pub fn decoded_kind(decoded: &Decoded) -> &'static str {
    match decoded {
        Decoded::Canonical(e) => e.kind(),
        Decoded::Protocol(p) => p.kind(),
    }
}
