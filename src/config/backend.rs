//! Reading a tagged backend section (`[backend]`, later `[shadow.backend]`): `kind` picks the
//! struct, and a key that belongs to another kind is refused by name.

use super::QuipBackendConfig;
use super::SelfCommunityBackendConfig;
use super::{BackendConfig, EmbeddedConfig, HttpBackendConfig, RocketChatBackendConfig};
use serde::de::DeserializeOwned;

/// The keys of each kind, for the error that names a key of another kind.
const KINDS: &[(&str, &[&str])] = &[
    ("embedded", &["path", "seed", "read_connections"]),
    (
        "http",
        &[
            "url",
            "timeout_ms",
            "connect_timeout_ms",
            "max_idle_connections",
            "token_file",
            "max_answer_bytes",
            "ca_file",
            "page_cache_bytes",
        ],
    ),
    (
        "rocketchat",
        &[
            "url",
            "timeout_ms",
            "connect_timeout_ms",
            "max_idle_connections",
            "passthrough",
            "max_calls_per_request",
            "auth",
            "ca_file",
            "hidden_messages",
        ],
    ),
    (
        "quip",
        &[
            "url",
            "timeout_ms",
            "connect_timeout_ms",
            "max_idle_connections",
            "passthrough",
            "max_calls_per_request",
            "auth",
            "ca_file",
            "cursor_cache_entries",
            "quip",
            "hidden_messages",
        ],
    ),
    (
        "selfcommunity",
        &[
            "url",
            "timeout_ms",
            "connect_timeout_ms",
            "max_idle_connections",
            "passthrough",
            "max_calls_per_request",
            "auth",
            "ca_file",
        ],
    ),
];

/// A section that could not be read: the key (relative to the section) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionError {
    pub key: String,
    pub reason: String,
}

impl BackendConfig {
    /// Reads a backend section from its TOML table; `kind` defaults to `embedded`.
    pub fn from_value(value: toml::Value) -> Result<BackendConfig, SectionError> {
        let toml::Value::Table(mut table) = value else {
            return Err(SectionError {
                key: String::new(),
                reason: "must be a table".into(),
            });
        };
        let kind = match table.remove("kind") {
            None => "embedded".to_owned(),
            Some(toml::Value::String(s)) => s,
            Some(other) => {
                return Err(SectionError {
                    key: "kind".into(),
                    reason: format!("must be a string, not {}", other.type_str()),
                })
            }
        };
        let own: &[&str] = KINDS
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, keys)| *keys)
            .ok_or_else(|| SectionError {
                key: "kind".into(),
                reason: format!(
                    "unknown backend kind {kind:?}, expected one of {}",
                    KINDS
                        .iter()
                        .map(|(k, _)| format!("\"{k}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })?;
        for key in table.keys() {
            if own.contains(&key.as_str()) {
                continue;
            }
            if let Some((other, _)) = KINDS.iter().find(|(_, keys)| keys.contains(&key.as_str())) {
                return Err(SectionError {
                    key: key.clone(),
                    reason: format!("is a key of kind \"{other}\", not of kind \"{kind}\""),
                });
            }
        }
        let value = toml::Value::Table(table);
        Ok(match kind.as_str() {
            "http" => BackendConfig::Http(section::<HttpBackendConfig>(value)?),
            "rocketchat" => BackendConfig::RocketChat(section::<RocketChatBackendConfig>(value)?),
            "quip" => BackendConfig::Quip(section::<QuipBackendConfig>(value)?),
            "selfcommunity" => {
                BackendConfig::SelfCommunity(section::<SelfCommunityBackendConfig>(value)?)
            }
            _ => BackendConfig::Embedded(section::<EmbeddedConfig>(value)?),
        })
    }
}

fn section<T: DeserializeOwned>(value: toml::Value) -> Result<T, SectionError> {
    serde_path_to_error::deserialize(value).map_err(|e| SectionError {
        key: e.path().to_string(),
        reason: e.into_inner().message().to_owned(),
    })
}
