//! `--from quip`: a Quip server (or a gateway's Quip face) through the `quip` backend's
//! Automation API, each bearer token passed through as its own (`GET /1/users/current`
//! says whose it is). Quip reads a thread newest first by `max_created_usec`, visible
//! messages only; the backend walks its cursors (and remembers them) so that each
//! newest-first page by offset costs one or two calls. Documents are read a second time
//! for their edit records (`message_type=edit`). The rooms come from `/1/threads/recent`.

use super::super::source::{Reading, Source, SourceKind};
use crate::canonical::{Filter, RoomKind};
use crate::config::{QuipBackendConfig, UpstreamAuthConfig};
use crate::dialect::quip::params::MAX_COUNT;

/// Calls one page may take: one or two in sequence; the walk down to the time the last
/// read began, on a second run.
const MAX_CALLS: usize = 1_000;

pub fn open(url: &str, key: String) -> Result<Source, String> {
    let cfg = QuipBackendConfig {
        url: url.to_owned(),
        timeout_ms: 30_000,
        max_calls_per_request: MAX_CALLS,
        auth: UpstreamAuthConfig::default(),
        ..QuipBackendConfig::default()
    };
    let built = crate::backend::quip::build(&cfg)?;
    Ok(Source {
        kind: SourceKind::Quip,
        key,
        backend: built.backend,
        auth: built.auth,
        reading: Reading::NewestFirst {
            filter: Filter {
                include_replies: true,
                ..Filter::default()
            },
            edits_of: vec![RoomKind::Document],
        },
        page_size: MAX_COUNT,
    })
}
