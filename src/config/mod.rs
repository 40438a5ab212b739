//! Configuration: one TOML file, environment overrides, unknown keys rejected.
//!
//! Every key can be overridden as `THREADGATE_<SECTION>__<KEY>` (nested tables join with
//! `__` too). Errors name the file (or the variable) and the key.

mod sections;

pub use sections::*;
use std::path::{Path, PathBuf};

/// The default config file, relative to the working directory.
pub const DEFAULT_PATH: &str = "config/threadgate.toml";
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
mod tests;
