//! `[backend] kind = "quip"`: a Quip server as the upstream, and the checks of that section
//! (each error names the key).
//!
//! The keys of the Rocket.Chat upstream (the same meaning, the same checks), plus
//! `cursor_cache_entries` (the offset → cursor cache, [`crate::backend::cursor_cache`]) and
//! `[backend.quip]`: which of Quip's APIs reads a conversation.

use super::upstream::{HiddenMessages, RocketChatBackendConfig, UpstreamAuthConfig};
use serde::{Deserialize, Serialize};

/// The most entries `cursor_cache_entries` may ask for.
pub const MAX_CURSOR_CACHE_ENTRIES: usize = 1_000_000;

/// `kind = "quip"`: a Quip server (or a gateway speaking Quip) read through the dialect's
/// client face.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QuipBackendConfig {
    /// The server's base URL, e.g. `https://platform.quip.com`.
    pub url: String,
    /// Each call's limit (never past what is left of the request's own deadline).
    pub timeout_ms: u64,
    pub connect_timeout_ms: u64,
    /// Idle keep-alive connections kept per host.
    pub max_idle_connections: usize,
    /// Untranslated Quip routes (`/1/...` paths no endpoint serves) proxied to the server
    /// unchanged. Passthrough identity only.
    pub passthrough: bool,
    /// Upstream calls one request may take (skipping to an offset, counting a total).
    pub max_calls_per_request: usize,
    /// Whose credential reads the upstream.
    pub auth: UpstreamAuthConfig,
    /// Extra trusted CA certificates (PEM) for an `https` URL; empty = none.
    pub ca_file: String,
    /// What the upstream holds of hidden messages (as for `kind = "rocketchat"`).
    pub hidden_messages: HiddenMessages,
    /// Conversations whose walk positions and total the gateway remembers (keyed by
    /// principal, thread, filter and order); least recently used go first.
    pub cursor_cache_entries: usize,
    /// `[backend.quip]`: which API reads a conversation.
    pub quip: QuipApiConfig,
}

impl Default for QuipBackendConfig {
    fn default() -> Self {
        let rc = RocketChatBackendConfig::default();
        QuipBackendConfig {
            url: String::new(),
            timeout_ms: rc.timeout_ms,
            connect_timeout_ms: rc.connect_timeout_ms,
            max_idle_connections: rc.max_idle_connections,
            passthrough: false,
            max_calls_per_request: rc.max_calls_per_request,
            auth: UpstreamAuthConfig::default(),
            ca_file: String::new(),
            hidden_messages: rc.hidden_messages,
            cursor_cache_entries: 10_000,
            quip: QuipApiConfig::default(),
        }
    }
}

/// `[backend.quip]`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QuipApiConfig {
    pub api: QuipApi,
    /// The company whose Admin API reads conversations (`api = "admin"` only).
    pub company_id: String,
}

/// Which Quip API reads a member's conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuipApi {
    /// `GET /1/messages/:thread_id`: the threads the caller is a member of.
    #[default]
    Automation,
    /// `GET /1/admin/messages/:thread_id?company_id=`: for callers who are admins of
    /// `company_id` themselves; everyone else is refused.
    Admin,
}

impl QuipBackendConfig {
    /// The keys shared with the Rocket.Chat upstream, as that section (their checks are
    /// the same).
    fn shared(&self) -> RocketChatBackendConfig {
        RocketChatBackendConfig {
            url: self.url.clone(),
            timeout_ms: self.timeout_ms,
            connect_timeout_ms: self.connect_timeout_ms,
            max_idle_connections: self.max_idle_connections,
            passthrough: self.passthrough,
            max_calls_per_request: self.max_calls_per_request,
            auth: self.auth.clone(),
            ca_file: self.ca_file.clone(),
            hidden_messages: self.hidden_messages,
        }
    }

    /// The first problem of the section, as (key, reason).
    pub fn problem(&self, directory: &str) -> Option<(&'static str, String)> {
        if let Some(problem) = self.shared().problem(directory) {
            return Some(problem);
        }
        if !(1..=MAX_CURSOR_CACHE_ENTRIES).contains(&self.cursor_cache_entries) {
            return Some((
                "backend.cursor_cache_entries",
                format!("must be between 1 and {MAX_CURSOR_CACHE_ENTRIES}"),
            ));
        }
        match (self.quip.api, self.quip.company_id.is_empty()) {
            (QuipApi::Admin, true) => Some((
                "backend.quip.company_id",
                "is required when backend.quip.api is \"admin\" (the company whose Admin API reads conversations)".into(),
            )),
            (QuipApi::Automation, false) => Some((
                "backend.quip.company_id",
                "is read with backend.quip.api = \"admin\" only".into(),
            )),
            _ => None,
        }
    }
}
