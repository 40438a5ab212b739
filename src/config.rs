//! Configuration: one TOML file, environment overrides, unknown keys rejected.
//!
//! Every key can be overridden as `THREADGATE_<SECTION>__<KEY>` (nested tables join with
//! `__` too). Errors name the file (or the variable) and the key.

use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The default config file, relative to the working directory.
pub const DEFAULT_PATH: &str = "config/threadgate.toml";
/// The variable naming the config file when `--config` is not given.
pub const CONFIG_ENV: &str = "THREADGATE_CONFIG";
const ENV_PREFIX: &str = "THREADGATE_";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub server: ServerConfig,
    pub log: LogConfig,
    pub backend: BackendConfig,
    pub fault: FaultConfig,
    pub rocketchat: RocketChatConfig,
    pub selfcommunity: SelfCommunityConfig,
    pub quip: QuipConfig,
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
    /// Peers (CIDR blocks) whose `X-Forwarded-For` / `X-Forwarded-Proto` /
    /// `X-Forwarded-Host` are believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
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
            trusted_proxies: Vec::new(),
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    #[default]
    Embedded,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BackendConfig {
    pub kind: BackendKind,
    /// SQLite file, or `:memory:`.
    pub path: String,
    /// A seed directory imported when the database is new or empty; empty = none.
    pub seed: String,
    /// Read connections (queries run in parallel on blocking threads).
    pub read_connections: usize,
}

impl Default for BackendConfig {
    fn default() -> Self {
        BackendConfig {
            kind: BackendKind::Embedded,
            path: "data/threadgate.sqlite".into(),
            seed: "config/demo".into(),
            read_connections: 4,
        }
    }
}

/// Fault injection for drills; everything off by default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct FaultConfig {
    /// Delay added before every backend query.
    pub backend_delay_ms: u64,
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

/// A config that could not be loaded, with where and why.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}: cannot read: {reason}")]
    Read { file: String, reason: String },
    #[error("{file}: {reason}")]
    Syntax { file: String, reason: String },
    #[error("{file}: key `{key}`: {reason}")]
    Key {
        file: String,
        key: String,
        reason: String,
    },
}

impl Config {
    /// Which file to load: `--config`, else `THREADGATE_CONFIG`, else the default.
    pub fn resolve_path(cli: Option<&Path>) -> PathBuf {
        if let Some(p) = cli {
            return p.to_path_buf();
        }
        match std::env::var_os(CONFIG_ENV) {
            Some(p) if !p.is_empty() => PathBuf::from(p),
            _ => PathBuf::from(DEFAULT_PATH),
        }
    }

    /// Loads `path`, applies `THREADGATE_*` overrides from the process environment, validates.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        Self::load_with_env(path, std::env::vars())
    }

    /// [`Config::load`] with an explicit environment (tests).
    pub fn load_with_env(
        path: &Path,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            file: file.clone(),
            reason: e.to_string(),
        })?;
        let mut config = Self::parse(&text, &file, env)?;
        config.resolve_paths(path);
        Ok(config)
    }

    /// Parses TOML text, applies overrides and validates. `file` names the source in errors.
    pub fn parse(
        text: &str,
        file: &str,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut table: toml::Table =
            text.parse()
                .map_err(|e: toml::de::Error| ConfigError::Syntax {
                    file: file.to_owned(),
                    reason: e.message().to_owned() + &line_hint(text, e.span()),
                })?;
        let mut overrides: Vec<(String, String)> = env
            .into_iter()
            .filter(|(k, _)| k.starts_with(ENV_PREFIX) && k.contains("__"))
            .collect();
        overrides.sort();
        for (var, value) in &overrides {
            apply_override(&mut table, var, value)?;
        }
        let config: Config =
            serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
                let key = e.path().to_string();
                let key_var = env_var_for(&key);
                let source = overrides
                    .iter()
                    .find(|(var, _)| *var == key_var)
                    .map(|(var, _)| format!("{file} (overridden by {var})"))
                    .unwrap_or_else(|| file.to_owned());
                ConfigError::Key {
                    file: source,
                    key,
                    reason: e.into_inner().message().to_owned(),
                }
            })?;
        config.validate(file)?;
        Ok(config)
    }

    fn validate(&self, file: &str) -> Result<(), ConfigError> {
        let bad = |key: &str, reason: &str| ConfigError::Key {
            file: file.to_owned(),
            key: key.to_owned(),
            reason: reason.to_owned(),
        };
        if self.server.request_timeout_ms == 0 {
            return Err(bad("server.request_timeout_ms", "must be at least 1"));
        }
        if self.server.max_concurrent_requests == 0 {
            return Err(bad("server.max_concurrent_requests", "must be at least 1"));
        }
        if self.backend.path.is_empty() {
            return Err(bad(
                "backend.path",
                "must not be empty (use \":memory:\" for a database in memory)",
            ));
        }
        if !(1..=64).contains(&self.backend.read_connections) {
            return Err(bad("backend.read_connections", "must be between 1 and 64"));
        }
        if self.server.listen.port() != 0 && self.server.listen == self.server.admin_listen {
            return Err(bad("server.admin_listen", "must differ from server.listen"));
        }
        if let Some(rl) = &self.rocketchat.rate_limit {
            if rl.calls == 0 || rl.window_ms == 0 {
                return Err(bad(
                    "rocketchat.rate_limit",
                    "calls and window_ms must be at least 1",
                ));
            }
        }
        if let Some(rl) = &self.quip.rate_limit {
            if rl.user_calls == 0
                || rl.user_window_ms == 0
                || rl.company_calls == 0
                || rl.company_window_ms == 0
            {
                return Err(bad(
                    "quip.rate_limit",
                    "calls and windows must be at least 1",
                ));
            }
        }
        if let Some(rl) = &self.selfcommunity.rate_limit {
            if rl.calls == 0 || rl.window_ms == 0 {
                return Err(bad(
                    "selfcommunity.rate_limit",
                    "calls and window_ms must be at least 1",
                ));
            }
        }
        let sc = &self.selfcommunity;
        if sc.default_limit == 0 || sc.max_limit == 0 || sc.default_limit > sc.max_limit {
            return Err(bad(
                "selfcommunity.default_limit",
                "default_limit and max_limit must be at least 1, and default_limit at most max_limit",
            ));
        }
        if !valid_utc_offset(&sc.utc_offset) {
            return Err(bad(
                "selfcommunity.utc_offset",
                "must look like +HH:MM or -HH:MM",
            ));
        }
        if !sc.public_base_url.is_empty() {
            match url::Url::parse(&sc.public_base_url) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
                _ => {
                    return Err(bad(
                        "selfcommunity.public_base_url",
                        "must be an absolute http(s) URL",
                    ))
                }
            }
        }
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&self.log.level) {
            return Err(bad("log.level", &format!("not a valid filter: {e}")));
        }
        Ok(())
    }

    /// Resolves relative paths against the config file's folder's parent (the project root
    /// for `config/threadgate.toml`).
    fn resolve_paths(&mut self, config_path: &Path) {
        let base = config_path
            .parent()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let resolve = |p: &mut String| {
            if !p.is_empty() && p != ":memory:" && Path::new(p.as_str()).is_relative() {
                *p = base.join(p.as_str()).display().to_string();
            }
        };
        resolve(&mut self.backend.path);
        resolve(&mut self.backend.seed);
    }

    /// The effective config as TOML (for `check-config`).
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_else(|e| format!("# cannot render: {e}\n"))
    }
}

fn valid_utc_offset(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 6
        && matches!(b[0], b'+' | b'-')
        && b[3] == b':'
        && [1, 2, 4, 5].iter().all(|&i| b[i].is_ascii_digit())
        && (b[1] - b'0') * 10 + (b[2] - b'0') <= 23
        && (b[4] - b'0') * 10 + (b[5] - b'0') <= 59
}

fn line_hint(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    match span {
        Some(r) => {
            let line = text[..r.start.min(text.len())].matches('\n').count() + 1;
            format!(" (line {line})")
        }
        None => String::new(),
    }
}

fn env_var_for(key_path: &str) -> String {
    format!(
        "{ENV_PREFIX}{}",
        key_path.to_ascii_uppercase().replace('.', "__")
    )
}

/// Sets `THREADGATE_SECTION__KEY=value` into the table. The value is read as a TOML value
/// when it parses as one (numbers, booleans, arrays, quoted strings), else as a bare string.
fn apply_override(table: &mut toml::Table, var: &str, value: &str) -> Result<(), ConfigError> {
    let path: Vec<String> = var[ENV_PREFIX.len()..]
        .split("__")
        .map(str::to_ascii_lowercase)
        .collect();
    if path.iter().any(String::is_empty) {
        return Err(ConfigError::Key {
            file: format!("environment variable {var}"),
            key: path.join("."),
            reason: "malformed override name".into(),
        });
    }
    let parsed = format!("v = {value}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(value.to_owned()));
    let mut cur = table;
    for (i, part) in path.iter().enumerate() {
        if i + 1 == path.len() {
            cur.insert(part.clone(), parsed);
            break;
        }
        let entry = cur
            .entry(part.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        cur = match entry {
            toml::Value::Table(t) => t,
            _ => {
                return Err(ConfigError::Key {
                    file: format!("environment variable {var}"),
                    key: path[..=i].join("."),
                    reason: "is not a table".into(),
                })
            }
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_fill_an_empty_file() {
        let c = Config::parse("", "t.toml", env(&[])).unwrap();
        assert_eq!(c, Config::default());
    }

    #[test]
    fn unknown_key_names_file_and_key() {
        let err = Config::parse("[server]\nlisen = \"x\"\n", "conf/t.toml", env(&[]))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("conf/t.toml: key `server.lisen`"), "{err}");
        assert!(err.contains("unknown field `lisen`"), "{err}");
    }

    #[test]
    fn bad_value_names_key() {
        let err = Config::parse(
            "[server]\nrequest_timeout_ms = \"soon\"\n",
            "t.toml",
            env(&[]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("key `server.request_timeout_ms`"), "{err}");
        let err = Config::parse("[rocketchat]\nprofile = \"5\"\n", "t.toml", env(&[]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("key `rocketchat.profile`"), "{err}");
    }

    #[test]
    fn env_overrides_apply_and_are_named_in_errors() {
        let c = Config::parse(
            "",
            "t.toml",
            env(&[
                ("THREADGATE_SERVER__LISTEN", "127.0.0.1:0"),
                ("THREADGATE_SERVER__REQUEST_TIMEOUT_MS", "250"),
                ("THREADGATE_ROCKETCHAT__PROFILE", "7"),
                ("THREADGATE_CONFIG", "ignored.toml"),
            ]),
        )
        .unwrap();
        assert_eq!(c.server.listen.port(), 0);
        assert_eq!(c.server.request_timeout_ms, 250);
        assert_eq!(c.rocketchat.profile, RocketChatProfile::V7);
        let err = Config::parse(
            "",
            "t.toml",
            env(&[("THREADGATE_SERVER__LISTEN", "nowhere")]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("THREADGATE_SERVER__LISTEN"), "{err}");
        assert!(err.contains("server.listen"), "{err}");
        let err = Config::parse("", "t.toml", env(&[("THREADGATE_SERVER__NOPE", "1")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("server.nope"), "{err}");
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let err = Config::parse("[server]\nlisten = \n", "t.toml", env(&[]))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("t.toml:"), "{err}");
        assert!(err.contains("line 2"), "{err}");
    }
}
