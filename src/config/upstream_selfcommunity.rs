//! `[backend] kind = "selfcommunity"`: a SelfCommunity server (or a gateway's SelfCommunity
//! face) as the upstream. The same keys, defaults and checks as `kind = "rocketchat"`
//! ([`super::RocketChatBackendConfig`]); each error names the key.

use super::{RocketChatBackendConfig, UpstreamAuthConfig};
use serde::{Deserialize, Serialize};

/// `kind = "selfcommunity"`: read through the dialect's client face
/// (`GET /api/v2/pm/`, `GET /api/v2/user/me/`), bearer tokens only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SelfCommunityBackendConfig {
    /// The server's base URL, e.g. `https://community.example.com`.
    pub url: String,
    /// Each call's limit (never past what is left of the request's own deadline).
    pub timeout_ms: u64,
    pub connect_timeout_ms: u64,
    /// Idle keep-alive connections kept per host.
    pub max_idle_connections: usize,
    /// Untranslated SelfCommunity routes (`/api/v2/...` paths no endpoint serves) proxied
    /// to the server unchanged. Passthrough identity only.
    pub passthrough: bool,
    /// Upstream calls one request may take (a page spanning calls, walking to filter or
    /// count).
    pub max_calls_per_request: usize,
    /// Whose credential reads the upstream.
    pub auth: UpstreamAuthConfig,
    /// Extra trusted CA certificates (PEM) for an `https` URL; empty = none.
    pub ca_file: String,
}

impl Default for SelfCommunityBackendConfig {
    fn default() -> Self {
        let rc = RocketChatBackendConfig::default();
        SelfCommunityBackendConfig {
            url: rc.url,
            timeout_ms: rc.timeout_ms,
            connect_timeout_ms: rc.connect_timeout_ms,
            max_idle_connections: rc.max_idle_connections,
            passthrough: rc.passthrough,
            max_calls_per_request: rc.max_calls_per_request,
            auth: rc.auth,
            ca_file: rc.ca_file,
        }
    }
}

impl SelfCommunityBackendConfig {
    /// The first problem of the section, as (key, reason): the checks of the
    /// `rocketchat` kind, whose keys these are.
    pub fn problem(&self, directory: &str) -> Option<(&'static str, String)> {
        RocketChatBackendConfig {
            url: self.url.clone(),
            timeout_ms: self.timeout_ms,
            connect_timeout_ms: self.connect_timeout_ms,
            max_idle_connections: self.max_idle_connections,
            passthrough: self.passthrough,
            max_calls_per_request: self.max_calls_per_request,
            auth: self.auth.clone(),
            ca_file: self.ca_file.clone(),
            ..RocketChatBackendConfig::default()
        }
        .problem(directory)
    }
}
