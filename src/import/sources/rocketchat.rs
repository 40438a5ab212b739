//! `--from rocketchat`: a Rocket.Chat server (or a gateway's Rocket.Chat face) through the
//! `rocketchat` backend, each credential passed through as its own (`GET /api/v1/me` says
//! whose it is). Rocket.Chat returns visible messages only, newest first, by offset, thread
//! replies included with `showThreadMessages`; rooms come from `rooms.get`.

use super::super::source::{Reading, Source, SourceKind};
use crate::canonical::Filter;
use crate::config::{RocketChatBackendConfig, UpstreamAuthConfig};
use crate::dialect::rocketchat::client::MAX_PER_CALL;

pub fn open(url: &str, key: String) -> Result<Source, String> {
    let cfg = RocketChatBackendConfig {
        url: url.to_owned(),
        timeout_ms: 30_000,
        // A page is one window of the history; a room's kind comes with the room list.
        max_calls_per_request: 2,
        auth: UpstreamAuthConfig::default(),
        ..RocketChatBackendConfig::default()
    };
    let built = crate::backend::rocketchat::build(&cfg)?;
    Ok(Source {
        kind: SourceKind::RocketChat,
        key,
        backend: built.backend,
        auth: built.auth,
        reading: Reading::NewestFirst {
            filter: Filter {
                include_replies: true,
                ..Filter::default()
            },
            edits_of: Vec::new(),
        },
        page_size: MAX_PER_CALL,
    })
}
