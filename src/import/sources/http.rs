//! `--from http`: a store served over the canonical protocol (`threadgate backend`), which
//! carries the whole canonical model: every message whatever its status, replies, edit
//! records of documents, read oldest first by cursor.

use super::super::source::{Reading, Source, SourceKind};
use crate::canonical::{Filter, RoomKind};
use crate::config::HttpBackendConfig;

/// Messages per page (the store answers any size; this bounds one transaction).
const PAGE_SIZE: u32 = 200;

pub fn open(url: &str, key: String) -> Result<Source, String> {
    let cfg = HttpBackendConfig {
        url: url.to_owned(),
        timeout_ms: 30_000,
        // An import reads each page once: nothing to keep.
        page_cache_bytes: 0,
        ..HttpBackendConfig::default()
    };
    let built = crate::backend::http::build(&cfg, None)?;
    Ok(Source {
        kind: SourceKind::Http,
        key,
        backend: built.backend,
        auth: built.auth,
        reading: Reading::Cursor {
            filter: Filter {
                include_deleted: true,
                include_hidden: true,
                include_replies: true,
                ..Filter::default()
            },
            edits_of: vec![RoomKind::Document],
        },
        page_size: PAGE_SIZE,
    })
}
