//! Configuration: one TOML file, environment overrides, unknown keys rejected.
//!
//! Every key can be overridden as `THREADGATE_<SECTION>__<KEY>` (nested tables join with
//! `__` too). Errors name the file (or the variable) and the key.

mod backend;
mod sections;
mod shadow;
mod upstream;
mod upstream_quip;
mod upstream_selfcommunity;

pub use backend::SectionError;
pub use sections::*;
pub use shadow::ShadowConfig;
use std::path::{Path, PathBuf};
pub use upstream::HiddenMessages;
pub use upstream::{RocketChatBackendConfig, UpstreamAuthConfig, UpstreamAuthMode};
pub use upstream_quip::{QuipApi, QuipApiConfig, QuipBackendConfig};
pub use upstream_selfcommunity::SelfCommunityBackendConfig;

/// The default config file, relative to the working directory.
pub const DEFAULT_PATH: &str = "config/threadgate.toml";
/// The id map's file when `[idmap] path` is not set (and the store is not in memory).
pub const DEFAULT_IDMAP_PATH: &str = "data/idmap.sqlite";
/// The variable naming the config file when `--config` is not given.
pub const CONFIG_ENV: &str = "THREADGATE_CONFIG";
const ENV_PREFIX: &str = "THREADGATE_";

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
        let key_error = |key: String, reason: String| {
            let key_var = env_var_for(&key);
            let source = overrides
                .iter()
                .find(|(var, _)| *var == key_var)
                .map(|(var, _)| format!("{file} (overridden by {var})"))
                .unwrap_or_else(|| file.to_owned());
            ConfigError::Key {
                file: source,
                key,
                reason,
            }
        };
        let tagged = |section: toml::Value, name: &str| {
            BackendConfig::from_value(section).map_err(|e| {
                let key = if e.key.is_empty() {
                    name.to_owned()
                } else {
                    format!("{name}.{}", e.key)
                };
                key_error(key, e.reason)
            })
        };
        let backend = match table.remove("backend") {
            None => BackendConfig::default(),
            Some(section) => tagged(section, "backend")?,
        };
        let shadow_backend = match table.get_mut("shadow") {
            Some(toml::Value::Table(shadow)) => match shadow.remove("backend") {
                Some(section) => Some(tagged(section, "shadow.backend")?),
                None => {
                    return Err(key_error(
                        "shadow.backend".into(),
                        "is required when [shadow] is present (the backend to compare with)".into(),
                    ))
                }
            },
            _ => None,
        };
        let mut config: Config = serde_path_to_error::deserialize(toml::Value::Table(table))
            .map_err(|e| key_error(e.path().to_string(), e.into_inner().message().to_owned()))?;
        config.backend = backend;
        config.shadow.backend = shadow_backend;
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
        if self.server.header_read_timeout_ms == 0 {
            return Err(bad("server.header_read_timeout_ms", "must be at least 1"));
        }
        if self.server.max_connections == 0 {
            return Err(bad("server.max_connections", "must be at least 1"));
        }
        if self.server.max_concurrent_requests == 0 {
            return Err(bad("server.max_concurrent_requests", "must be at least 1"));
        }
        self.validate_backend(&bad)?;
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

    fn validate_backend(&self, bad: &dyn Fn(&str, &str) -> ConfigError) -> Result<(), ConfigError> {
        if let Some((key, reason)) = self.backend_problem(&self.backend) {
            return Err(bad(&key, &reason));
        }
        if let Some(shadow) = &self.shadow.backend {
            if let Some((key, reason)) = self.backend_problem(shadow) {
                return Err(bad(&format!("shadow.{key}"), &reason));
            }
            if let Some((key, reason)) = self.shadow.problem() {
                return Err(bad(key, reason));
            }
        }
        if matches!(self.backend, BackendConfig::SelfCommunity(_))
            && self.idmap.pins.as_deref().is_some_and(|p| !p.is_empty())
        {
            return Err(bad(
                "idmap.pins",
                "must be unset with backend kind \"selfcommunity\": the upstream's own integers are the ids SelfCommunity callers see",
            ));
        }
        if self.idmap.cache_entries == 0 {
            return Err(bad("idmap.cache_entries", "must be at least 1"));
        }
        if self.idmap.path.as_deref() == Some("") {
            return Err(bad(
                "idmap.path",
                "must not be empty (use \":memory:\" for a map in memory)",
            ));
        }
        let svc = &self.backend_service;
        if svc.listen.port() != 0 && svc.listen == svc.admin_listen {
            return Err(bad(
                "backend_service.admin_listen",
                "must differ from backend_service.listen",
            ));
        }
        Ok(())
    }

    /// The first problem of a backend section, as (key below the section's parent, reason):
    /// `backend.url`, ... (prefixed `shadow.` by the caller for `[shadow.backend]`).
    fn backend_problem(&self, backend: &BackendConfig) -> Option<(String, String)> {
        let bad = |key: &str, reason: &str| Some((key.to_owned(), reason.to_owned()));
        match backend {
            BackendConfig::Embedded(e) => {
                if e.path.is_empty() {
                    return bad(
                        "backend.path",
                        "must not be empty (use \":memory:\" for a database in memory)",
                    );
                }
                if !(1..=64).contains(&e.read_connections) {
                    return bad("backend.read_connections", "must be between 1 and 64");
                }
            }
            BackendConfig::Http(h) => {
                match url::Url::parse(&h.url) {
                    Ok(u) if !u.username().is_empty() || u.password().is_some() => return bad(
                        "backend.url",
                        "must not carry credentials (put the shared secret in backend.token_file)",
                    ),
                    Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
                    _ => {
                        return bad(
                            "backend.url",
                            "must be an absolute http(s) URL, e.g. \"http://127.0.0.1:7070\"",
                        )
                    }
                }
                if h.timeout_ms == 0 || h.connect_timeout_ms == 0 {
                    return bad(
                        "backend.timeout_ms",
                        "timeout_ms and connect_timeout_ms must be at least 1",
                    );
                }
                if h.max_answer_bytes < 1024 {
                    return bad("backend.max_answer_bytes", "must be at least 1024");
                }
            }
            BackendConfig::RocketChat(rc) => {
                if let Some((key, reason)) = rc.problem(&self.auth.directory) {
                    return bad(key, &reason);
                }
            }
            BackendConfig::Quip(q) => {
                if let Some((key, reason)) = q.problem(&self.auth.directory) {
                    return bad(key, &reason);
                }
            }
            BackendConfig::SelfCommunity(sc) => {
                if let Some((key, reason)) = sc.problem(&self.auth.directory) {
                    return bad(key, &reason);
                }
            }
        }
        None
    }

    /// The embedded backend's section, when that is the backend.
    pub fn embedded(&self) -> Option<&EmbeddedConfig> {
        match &self.backend {
            BackendConfig::Embedded(e) => Some(e),
            _ => None,
        }
    }

    /// The embedded backend's section, switching the backend to `embedded` (with defaults)
    /// when it is another kind.
    pub fn embedded_mut(&mut self) -> &mut EmbeddedConfig {
        if !matches!(self.backend, BackendConfig::Embedded(_)) {
            self.backend = BackendConfig::Embedded(EmbeddedConfig::default());
        }
        match &mut self.backend {
            BackendConfig::Embedded(e) => e,
            _ => unreachable!("switched to embedded above"),
        }
    }

    /// Where the id map lives: `[idmap] path`, else in memory when the embedded store is,
    /// else `data/idmap.sqlite` (resolved like every relative path of a loaded file).
    pub fn idmap_path(&self) -> String {
        match &self.idmap.path {
            Some(p) => p.clone(),
            None if self.embedded().is_some_and(|e| e.path == ":memory:") => ":memory:".into(),
            None => DEFAULT_IDMAP_PATH.into(),
        }
    }

    /// The seed-format directory a new id map takes its pins from: `[idmap] pins`, else the
    /// embedded backend's seed; `None` for none.
    pub fn idmap_pins(&self) -> Option<PathBuf> {
        let dir = match &self.idmap.pins {
            Some(p) => p.as_str(),
            None => self.embedded().map_or("", |e| e.seed.as_str()),
        };
        (!dir.is_empty()).then(|| PathBuf::from(dir))
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
        let resolve_backend = |backend: &mut BackendConfig| match backend {
            BackendConfig::Embedded(e) => {
                resolve(&mut e.path);
                resolve(&mut e.seed);
            }
            BackendConfig::Http(h) => {
                resolve(&mut h.token_file);
                resolve(&mut h.ca_file);
            }
            BackendConfig::RocketChat(rc) => {
                resolve(&mut rc.auth.credentials);
                resolve(&mut rc.ca_file);
            }
            BackendConfig::Quip(q) => {
                resolve(&mut q.auth.credentials);
                resolve(&mut q.ca_file);
            }
            BackendConfig::SelfCommunity(sc) => {
                resolve(&mut sc.auth.credentials);
                resolve(&mut sc.ca_file);
            }
        };
        resolve_backend(&mut self.backend);
        if let Some(shadow) = self.shadow.backend.as_mut() {
            resolve_backend(shadow);
        }
        resolve(&mut self.shadow.log);
        resolve(&mut self.auth.directory);
        if self.idmap.path.is_none() && self.idmap_path() != ":memory:" {
            self.idmap.path = Some(DEFAULT_IDMAP_PATH.into());
        }
        if let Some(p) = self.idmap.path.as_mut() {
            resolve(p);
        }
        if let Some(p) = self.idmap.pins.as_mut() {
            resolve(p);
        }
        resolve(&mut self.backend_service.token_file);
    }

    /// The effective config as TOML (for `check-config`).
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_else(|e| format!("# cannot render: {e}\n"))
    }
}

/// The shared secret in the file `path` names (surrounding whitespace trimmed); `None` when
/// `path` is empty. Errors name the config key and the file, never the content.
pub fn read_secret_file(key: &str, path: &str) -> Result<Option<String>, String> {
    if path.is_empty() {
        return Ok(None);
    }
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("{key}: cannot read {path}: {e}"))?;
    let secret = text.trim();
    if secret.is_empty() {
        return Err(format!("{key}: {path} is empty"));
    }
    Ok(Some(secret.to_owned()))
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
mod tests;
