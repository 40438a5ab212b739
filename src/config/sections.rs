//! The keys of the config file, section by section, with their defaults.

use super::QuipBackendConfig;
use super::RocketChatBackendConfig;
use super::SelfCommunityBackendConfig;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub server: ServerConfig,
    pub log: LogConfig,
    /// Read by [`Config::parse`] through [`BackendConfig::from_value`] (a tagged section).
    #[serde(skip_deserializing)]
    pub backend: BackendConfig,
    pub auth: AuthConfig,
    pub idmap: IdMapConfig,
    pub backend_service: BackendServiceConfig,
    pub fault: FaultConfig,
    pub rocketchat: RocketChatConfig,
    pub selfcommunity: SelfCommunityConfig,
    pub quip: QuipConfig,
    /// Shadow comparison, off unless `[shadow.backend]` is present.
    pub shadow: super::ShadowConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// The API listener; port 0 picks a free port (the bound address is logged).
    pub listen: SocketAddr,
    /// The admin listener: `/livez`, `/readyz`, `/metrics`.
    pub admin_listen: SocketAddr,
    pub request_timeout_ms: u64,
    pub max_concurrent_requests: usize,
    pub shutdown_grace_ms: u64,
    /// Requests declaring a larger body are refused with 413.
    pub max_body_bytes: u64,
    /// A connection that has not sent a whole request head within this time is closed.
    pub header_read_timeout_ms: u64,
    /// Open client connections at most; further ones wait in the accept queue.
    pub max_connections: usize,
    /// Peers (CIDR blocks) whose `X-Forwarded-For` / `X-Forwarded-Proto` /
    /// `X-Forwarded-Host` are believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Page answers kept until the backend's data changes (`crate::server::answers`), in
    /// bytes; 0 keeps none. Only a backend that reports its data generation (the embedded
    /// store) has answers kept.
    pub answer_cache_bytes: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            admin_listen: SocketAddr::from(([127, 0, 0, 1], 9090)),
            request_timeout_ms: 10_000,
            max_concurrent_requests: 1024,
            shutdown_grace_ms: 10_000,
            max_body_bytes: 64 * 1024,
            header_read_timeout_ms: 10_000,
            max_connections: 10_000,
            trusted_proxies: Vec::new(),
            answer_cache_bytes: 16 << 20,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Pretty,
    Json,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    pub format: LogFormat,
    /// A `tracing` filter: `info`, `threadgate=debug,info`, ...
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            format: LogFormat::Pretty,
            level: "info".into(),
        }
    }
}

/// `[backend]`: where the messages live, by `kind` (default `embedded`). Each kind has its
/// own keys; a key of another kind is refused by name ([`BackendConfig::from_value`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum BackendConfig {
    Embedded(EmbeddedConfig),
    Http(HttpBackendConfig),
    RocketChat(RocketChatBackendConfig),
    Quip(QuipBackendConfig),
    SelfCommunity(SelfCommunityBackendConfig),
}

impl Default for BackendConfig {
    fn default() -> Self {
        BackendConfig::Embedded(EmbeddedConfig::default())
    }
}

impl BackendConfig {
    /// The `kind` value.
    pub fn kind(&self) -> &'static str {
        match self {
            BackendConfig::Embedded(_) => "embedded",
            BackendConfig::Http(_) => "http",
            BackendConfig::RocketChat(_) => "rocketchat",
            BackendConfig::Quip(_) => "quip",
            BackendConfig::SelfCommunity(_) => "selfcommunity",
        }
    }
}

/// `kind = "embedded"`: the SQLite store inside the gateway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmbeddedConfig {
    /// SQLite file, or `:memory:`.
    pub path: String,
    /// A seed directory imported when the database is new or empty; empty = none.
    pub seed: String,
    /// Read connections (queries run in parallel on blocking threads).
    pub read_connections: usize,
}

impl Default for EmbeddedConfig {
    fn default() -> Self {
        EmbeddedConfig {
            path: "data/threadgate.sqlite".into(),
            seed: "config/demo".into(),
            read_connections: 4,
        }
    }
}

/// `kind = "http"`: a store served over the canonical protocol (`docs/canonical-api.md`),
/// such as `threadgate backend`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpBackendConfig {
    /// The service's base URL, e.g. `http://127.0.0.1:7070` (or `https://...`).
    pub url: String,
    /// Each call's limit (never past what is left of the request's own deadline).
    pub timeout_ms: u64,
    pub connect_timeout_ms: u64,
    /// Idle keep-alive connections kept per host.
    pub max_idle_connections: usize,
    /// A file holding the shared secret sent as `Authorization: Bearer`; empty = none.
    pub token_file: String,
    /// Answers larger than this are refused (backend unavailable).
    pub max_answer_bytes: u64,
    /// Extra trusted CA certificates (PEM) for an `https` URL, besides the compiled-in public
    /// roots; empty = none. Read at start.
    pub ca_file: String,
    /// Pages kept with the service's data generation, so that a repeated query is answered
    /// by the service's `304 Not Modified` instead of the page again, weighed by the size of
    /// the answer they came in (about what the decoded page holds); 0 = none kept.
    pub page_cache_bytes: u64,
}

impl Default for HttpBackendConfig {
    fn default() -> Self {
        HttpBackendConfig {
            url: String::new(),
            timeout_ms: 5_000,
            connect_timeout_ms: 1_000,
            max_idle_connections: 64,
            token_file: String::new(),
            max_answer_bytes: 16 * 1024 * 1024,
            ca_file: String::new(),
            page_cache_bytes: 16 << 20,
        }
    }
}

/// `[auth]`: the gateway's authentication phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// A directory in the seed format (`users.jsonl`, `tokens.jsonl`) the gateway checks
    /// callers against itself, whatever the backend; empty = the backend's own tokens.
    pub directory: String,
    /// How long a verified credential is trusted without asking the identity store again;
    /// 0 = ask every time. A token revoked in the store still works for at most this long.
    pub cache_ttl_ms: u64,
    /// Verified credentials kept at most.
    pub cache_entries: usize,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            directory: String::new(),
            cache_ttl_ms: 30_000,
            cache_entries: 10_000,
        }
    }
}

/// `[idmap]`: the integers SelfCommunity clients see, kept by the gateway in its own SQLite
/// file whatever the backend is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IdMapConfig {
    /// SQLite file or `:memory:`. Unset: `data/idmap.sqlite`, or `:memory:` when the
    /// embedded store is in memory.
    pub path: Option<String>,
    /// A seed-format directory whose `int_id` pins (and whose objects, numbered in the
    /// store's order) a new map starts with. Unset: the embedded backend's `seed`; empty:
    /// none.
    pub pins: Option<String>,
    /// Mappings cached per direction (id to integer, integer to id); the others are read
    /// from the file when asked for.
    pub cache_entries: usize,
}

impl Default for IdMapConfig {
    fn default() -> Self {
        IdMapConfig {
            path: None,
            pins: None,
            cache_entries: crate::idmap::DEFAULT_ENTRIES,
        }
    }
}

/// `[backend_service]`: `threadgate backend`, the store served over the canonical protocol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BackendServiceConfig {
    pub listen: SocketAddr,
    /// `/livez`, `/readyz`, `/metrics`.
    pub admin_listen: SocketAddr,
    /// A file holding the shared secret callers must send as `Authorization: Bearer`;
    /// empty = none.
    pub token_file: String,
}

impl Default for BackendServiceConfig {
    fn default() -> Self {
        BackendServiceConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 7070)),
            admin_listen: SocketAddr::from(([127, 0, 0, 1], 7071)),
            token_file: String::new(),
        }
    }
}

/// Fault injection for drills; everything off by default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct FaultConfig {
    /// Delay added before every backend query.
    pub backend_delay_ms: u64,
    /// Every answer's messages get a new `updated_usec` (a little after their creation,
    /// different on each answer): a backend whose answers are never quite the same, to
    /// drill shadow comparison's noise detection.
    pub jitter_updated_usec: bool,
}

/// Rocket.Chat server generation whose behaviour the gateway reproduces. Written `"6"` or `6`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(try_from = "ProfileName", into = "String")]
pub enum RocketChatProfile {
    /// Servers up to 6.x.
    #[default]
    V6,
    /// 7.0 to 7.3.
    V7,
    /// 7.4 to 8.x.
    V8,
    /// The newest typed routes with the 9.0 breaking changes.
    V9,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ProfileName {
    Int(i64),
    Str(String),
}

impl TryFrom<ProfileName> for RocketChatProfile {
    type Error = String;
    fn try_from(name: ProfileName) -> Result<Self, String> {
        let text = match name {
            ProfileName::Int(i) => i.to_string(),
            ProfileName::Str(s) => s,
        };
        match text.as_str() {
            "6" => Ok(RocketChatProfile::V6),
            "7" => Ok(RocketChatProfile::V7),
            "8" => Ok(RocketChatProfile::V8),
            "9" => Ok(RocketChatProfile::V9),
            other => Err(format!(
                "unknown profile {other:?}, expected one of \"6\", \"7\", \"8\", \"9\""
            )),
        }
    }
}

impl From<RocketChatProfile> for String {
    fn from(p: RocketChatProfile) -> String {
        match p {
            RocketChatProfile::V6 => "6",
            RocketChatProfile::V7 => "7",
            RocketChatProfile::V8 => "8",
            RocketChatProfile::V9 => "9",
        }
        .to_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RocketChatConfig {
    pub profile: RocketChatProfile,
    /// What `count=0` ("all") returns at most on `dm.history`.
    pub max_count_all: u32,
    /// Off unless present.
    pub rate_limit: Option<RocketChatRateLimit>,
}

impl Default for RocketChatConfig {
    fn default() -> Self {
        RocketChatConfig {
            profile: RocketChatProfile::default(),
            max_count_all: 10_000,
            rate_limit: None,
        }
    }
}

/// Rocket.Chat's fixed window per (client address, route).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RocketChatRateLimit {
    pub calls: u32,
    pub window_ms: u64,
    /// User ids never limited (and sent no rate-limit headers).
    pub exempt_users: Vec<String>,
}

impl Default for RocketChatRateLimit {
    fn default() -> Self {
        RocketChatRateLimit {
            calls: 10,
            window_ms: 60_000,
            exempt_users: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SelfCommunityConfig {
    pub default_limit: u32,
    pub max_limit: u32,
    /// The offset datetimes are rendered in, `+HH:MM` or `-HH:MM`.
    pub utc_offset: String,
    /// Overrides scheme and host of paging links and prefixes their path (a gateway mounted
    /// under a sub-path of a reverse proxy); empty = from the request.
    pub public_base_url: String,
    /// Off unless present.
    pub rate_limit: Option<SelfCommunityRateLimit>,
}

/// DRF's user throttle: `calls` per `window_ms` for each authenticated user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SelfCommunityRateLimit {
    pub calls: u32,
    pub window_ms: u64,
}

impl Default for SelfCommunityRateLimit {
    fn default() -> Self {
        SelfCommunityRateLimit {
            calls: 60,
            window_ms: 60_000,
        }
    }
}

impl Default for SelfCommunityConfig {
    fn default() -> Self {
        SelfCommunityConfig {
            default_limit: 20,
            max_limit: 100,
            utc_offset: "+00:00".into(),
            public_base_url: String::new(),
            rate_limit: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct QuipConfig {
    /// Off unless present.
    pub rate_limit: Option<QuipRateLimit>,
}

/// Quip's per-user and per-company windows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QuipRateLimit {
    pub user_calls: u32,
    pub user_window_ms: u64,
    pub company_calls: u32,
    pub company_window_ms: u64,
}

impl Default for QuipRateLimit {
    fn default() -> Self {
        QuipRateLimit {
            user_calls: 50,
            user_window_ms: 60_000,
            company_calls: 600,
            company_window_ms: 60_000,
        }
    }
}
