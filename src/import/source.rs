//! Where a copy reads: a platform (or a `threadgate backend`) through the backend kind that
//! speaks to it, and how its conversations are read page by page.
//!
//! Each kind is one module of [`super::sources`] that opens the backend for a URL and says
//! how the kind reads a conversation ([`Reading`]); the copy itself knows no platform.

use crate::auth::Authenticator;
use crate::backend::Backend;
use crate::canonical::Filter;
use std::sync::Arc;

/// The platforms `--from` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    RocketChat,
    SelfCommunity,
    Quip,
    Http,
}

impl SourceKind {
    /// Every kind, as `--from` spells it.
    pub const NAMES: [&'static str; 4] = ["rocketchat", "selfcommunity", "quip", "http"];

    pub fn parse(name: &str) -> Option<SourceKind> {
        match name {
            "rocketchat" => Some(SourceKind::RocketChat),
            "selfcommunity" => Some(SourceKind::SelfCommunity),
            "quip" => Some(SourceKind::Quip),
            "http" => Some(SourceKind::Http),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::RocketChat => "rocketchat",
            SourceKind::SelfCommunity => "selfcommunity",
            SourceKind::Quip => "quip",
            SourceKind::Http => "http",
        }
    }
}

/// How a kind reads one conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// Oldest first, each page continuing after the last message of the one before
    /// (`Slice::Cursor`): the resume record is that message. Rooms of the kinds listed in
    /// `edits_of` are read a second time for their edit records.
    Cursor {
        filter: Filter,
        edits_of: Vec<crate::canonical::RoomKind>,
    },
    /// Newest first by offset, from the newest message down to the time the last complete
    /// read began (`filter.created_after`, inclusive: messages at that time are read again
    /// and found unchanged). The resume record is that time, and the offset reached by a
    /// read under way. Rooms of the kinds listed in `edits_of` are read a second time, the
    /// same way, for their edit records.
    NewestFirst {
        filter: Filter,
        edits_of: Vec<crate::canonical::RoomKind>,
    },
}

/// An opened source.
pub struct Source {
    pub kind: SourceKind,
    /// `<kind>:<url>`: what resume records are kept under.
    pub key: String,
    pub backend: Arc<dyn Backend>,
    /// Who a credential belongs to, as the source says.
    pub auth: Arc<dyn Authenticator>,
    pub reading: Reading,
    /// Messages asked for per page.
    pub page_size: u32,
}

/// Checks `--url`: absolute `http` or `https`, a host, no credentials in it.
pub fn check_url(url: &str) -> Result<url::Url, String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("--url {url:?}: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(format!(
            "--url {url:?}: not an http or https URL with a host"
        ));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("--url: credentials belong in --credentials, not in the URL".into());
    }
    Ok(parsed)
}

/// Opens the source of `kind` at `url`.
pub fn open(kind: SourceKind, url: &str) -> Result<Source, String> {
    check_url(url)?;
    let key = format!("{}:{}", kind.as_str(), url.trim_end_matches('/'));
    match kind {
        SourceKind::Http => super::sources::http::open(url, key),
        SourceKind::RocketChat => super::sources::rocketchat::open(url, key),
        SourceKind::SelfCommunity => super::sources::selfcommunity::open(url, key),
        SourceKind::Quip => super::sources::quip::open(url, key),
    }
}
