//! Conditional queries: HTTP's conditional request, with the store's data generation as the
//! validator.
//!
//! A backend that can tell its data generation exactly ([`crate::backend::Backend::data_version`])
//! tags every `200` answer to `POST /v1/query` with it ([`DATA_VERSION_HEADER`]). A client
//! that kept that page sends the generation back with the same query
//! ([`IF_DATA_VERSION_HEADER`]); while the backend's generation is still that one, every
//! query has the same answer, so the backend answers `304 Not Modified` with no body and
//! without running the query. Freshness is decided by the backend on every call: a client
//! never serves a kept page without asking.
//!
//! A generation is `<instance>.<local>.<external>`: `instance` names the backend's handle of
//! the store (a new one each time the service starts, so that counters which start again
//! after a restart never match a generation of the previous run), `local` and `external` are
//! the two counters of [`crate::backend::DataVersion`]. Generations are compared for
//! equality only.

use super::{excerpt, ProtocolError, WireError};
use crate::backend::DataVersion;

/// On a `200` (and `304`) answer to `POST /v1/query`: the generation the page was read under.
pub const DATA_VERSION_HEADER: &str = "threadgate-data-version";
/// On a `POST /v1/query` request: the generation of the page the client holds.
pub const IF_DATA_VERSION_HEADER: &str = "threadgate-if-data-version";

/// The longest `instance` part.
const MAX_INSTANCE: usize = 64;

/// A backend's data generation as the protocol carries it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Generation {
    /// The backend's handle of the store: 1 to 64 ASCII letters and digits.
    pub instance: String,
    pub version: DataVersion,
}

impl Generation {
    /// The generation `version` of the handle `instance`.
    pub fn new(instance: &str, version: DataVersion) -> Generation {
        Generation {
            instance: instance.to_owned(),
            version,
        }
    }

    /// A fresh instance name (32 hex digits), one per handle of a store.
    pub fn new_instance() -> String {
        uuid::Uuid::new_v4().simple().to_string()
    }

    /// The header value: `<instance>.<local>.<external>`.
    pub fn value(&self) -> String {
        format!(
            "{}.{}.{}",
            self.instance, self.version.local, self.version.external
        )
    }

    /// Reads a header value; `None` when it is not exactly a generation.
    pub fn parse(value: &[u8]) -> Option<Generation> {
        let text = std::str::from_utf8(value).ok()?;
        let mut parts = text.split('.');
        let (instance, local, external) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some()
            || instance.is_empty()
            || instance.len() > MAX_INSTANCE
            || !instance.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return None;
        }
        Some(Generation {
            instance: instance.to_owned(),
            version: DataVersion {
                local: counter(local)?,
                external: counter(external)?,
            },
        })
    }
}

/// A decimal `u64` of digits only (no sign, no spaces).
fn counter(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Reads a request's [`IF_DATA_VERSION_HEADER`]: `None` when absent, `400 bad_request` when
/// it is not a generation.
pub fn parse_if_data_version(value: Option<&[u8]>) -> Result<Option<Generation>, ProtocolError> {
    let Some(v) = value else { return Ok(None) };
    Generation::parse(v).map(Some).ok_or_else(|| {
        ProtocolError::BadRequest(format!(
            "{IF_DATA_VERSION_HEADER} must be <instance>.<local>.<external> \
             (letters and digits, then two whole numbers), not {}",
            excerpt(v)
        ))
    })
}

/// Reads an answer's [`DATA_VERSION_HEADER`]: `None` when absent (the backend tells no
/// generation), an error when it is not a generation.
pub fn parse_data_version(value: Option<&[u8]>) -> Result<Option<Generation>, WireError> {
    let Some(v) = value else { return Ok(None) };
    Generation::parse(v)
        .map(Some)
        .ok_or_else(|| WireError::Header {
            name: DATA_VERSION_HEADER,
            found: excerpt(v),
        })
}
