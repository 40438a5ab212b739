//! Everything that can go wrong, as one typed enum. Each dialect renders every variant in
//! its own envelope (`render_error`, one function per dialect).

use serde::{Deserialize, Serialize};
use thiserror::Error as ThisError;

/// What was not found or not allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    Message(String),
    Room(String),
    User(String),
    Group(String),
    Company(String),
}

/// Why a caller is not authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthFailure {
    /// No credentials the dialect understands.
    Missing,
    /// Credentials that match no live token.
    Invalid,
}

#[derive(Debug, Clone, PartialEq, Eq, ThisError)]
pub enum Error {
    #[error("not authenticated ({0:?})")]
    Unauthenticated(AuthFailure),
    #[error("forbidden: {0:?}")]
    Forbidden(Resource),
    #[error("not found: {0:?}")]
    NotFound(Resource),
    /// A required parameter is absent.
    #[error("missing parameter {name}")]
    MissingParameter { name: String },
    /// A parameter the endpoint does not accept.
    #[error("unknown parameter {name}")]
    UnknownParameter { name: String },
    /// A parameter with a value the endpoint rejects. `reason` is the platform's wording
    /// where the platform has one; `value` is the value as decoded.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        name: String,
        value: String,
        reason: String,
    },
    #[error("method {method} not allowed")]
    MethodNotAllowed { method: String },
    #[error("no route")]
    RouteNotFound,
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("rate limited, retry in {retry_after_ms} ms")]
    RateLimited { retry_after_ms: u64 },
    #[error("backend unavailable: {0}")]
    BackendUnavailable(String),
    #[error("backend timed out")]
    BackendTimeout,
    #[error("bad backend answer: {0}")]
    BadBackendAnswer(String),
    #[error("internal error: {0}")]
    Internal(String),
    /// The backend cannot select exactly what the query asks for (a filter its upstream has
    /// no parameter for, a page needing more calls than allowed): refused rather than
    /// answered with other messages. The text says what, never a secret.
    #[error("not answerable by this backend: {0}")]
    Unsupported(String),
}

impl Error {
    pub fn invalid(name: &str, value: &str, reason: &str) -> Self {
        Error::InvalidParameter {
            name: name.to_owned(),
            value: value.to_owned(),
            reason: reason.to_owned(),
        }
    }

    pub fn missing(name: &str) -> Self {
        Error::MissingParameter {
            name: name.to_owned(),
        }
    }

    /// A short machine-readable name, used as a metrics and log label.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Unauthenticated(_) => "unauthenticated",
            Error::Forbidden(_) => "forbidden",
            Error::NotFound(_) => "not_found",
            Error::MissingParameter { .. } => "missing_parameter",
            Error::UnknownParameter { .. } => "unknown_parameter",
            Error::InvalidParameter { .. } => "invalid_parameter",
            Error::MethodNotAllowed { .. } => "method_not_allowed",
            Error::RouteNotFound => "route_not_found",
            Error::PayloadTooLarge => "payload_too_large",
            Error::RateLimited { .. } => "rate_limited",
            Error::BackendUnavailable(_) => "backend_unavailable",
            Error::BackendTimeout => "backend_timeout",
            Error::BadBackendAnswer(_) => "bad_backend_answer",
            Error::Internal(_) => "internal",
            Error::Unsupported(_) => "unsupported",
        }
    }
}
