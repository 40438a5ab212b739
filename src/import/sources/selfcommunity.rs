//! `--from selfcommunity`: a SelfCommunity server (or a gateway's SelfCommunity face)
//! through the `selfcommunity` backend, each bearer token passed through as its own
//! (`GET /api/v2/user/me/` says whose it is). SelfCommunity pages a conversation newest
//! first by offset, hidden messages included and deleted ones left out, in windows of at
//! most 100 followed by their `next` links; the rooms come from the caller's snippets.
//! The upstream's integers are the canonical ids, in decimal form.

use super::super::source::{Reading, Source, SourceKind};
use crate::canonical::Filter;
use crate::config::{SelfCommunityBackendConfig, UpstreamAuthConfig};
use crate::dialect::selfcommunity::client::MAX_LIMIT;

/// Calls one page may take: the kind check and a window, or (a second run, reading down to
/// a time SelfCommunity has no parameter for) the walk down to it.
const MAX_CALLS: usize = 1_000;

pub fn open(url: &str, key: String) -> Result<Source, String> {
    let cfg = SelfCommunityBackendConfig {
        url: url.to_owned(),
        timeout_ms: 30_000,
        max_calls_per_request: MAX_CALLS,
        auth: UpstreamAuthConfig::default(),
        ..SelfCommunityBackendConfig::default()
    };
    let built = crate::backend::selfcommunity::build(&cfg)?;
    Ok(Source {
        kind: SourceKind::SelfCommunity,
        key,
        backend: built.backend,
        auth: built.auth,
        reading: Reading::NewestFirst {
            filter: Filter {
                include_hidden: true,
                include_replies: true,
                ..Filter::default()
            },
            edits_of: Vec::new(),
        },
        page_size: MAX_LIMIT,
    })
}
