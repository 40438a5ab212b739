//! `[auth] directory`: the gateway checks callers itself against a directory in the seed
//! format (`users.jsonl`, `tokens.jsonl`), whatever the backend is. Tokens are kept as
//! SHA-256 digests only and compared in constant time; they are never logged or echoed (a
//! line that cannot be read is named by file and line, never by its content). Read at start
//! and again on [`Directory::reload`] (SIGHUP).

use super::Authenticator;
use crate::backend::{BoxFuture, QueryContext};
use crate::canonical::{AuthFailure, Credential, Error, Principal};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};
use subtle::ConstantTimeEq;

#[derive(Deserialize)]
struct UserLine {
    id: String,
    username: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenLine {
    user_id: String,
    scheme: Scheme,
    token: String,
    #[serde(default)]
    admin_of: Vec<String>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Scheme {
    Rocketchat,
    Bearer,
}

/// A token digest with the companies its holder administers.
type TokenEntry = ([u8; 32], Vec<String>);

/// The directory as read: principals by user id, token digests by scheme.
#[derive(Default)]
struct Entries {
    /// (user id, token digest, admin_of) of `rocketchat` tokens.
    user_tokens: HashMap<String, Vec<TokenEntry>>,
    /// bearer token digest → (user id, admin_of).
    bearer: HashMap<[u8; 32], (String, Vec<String>)>,
    usernames: HashMap<String, String>,
}

/// Callers checked against a seed-format directory.
pub struct Directory {
    dir: PathBuf,
    entries: RwLock<Arc<Entries>>,
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Reads a JSON-lines file, one `T` a line (blank lines skipped). Errors name the file and
/// the line, and say what kind of problem it is, never what the line holds.
pub fn read_lines<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<T>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let record = serde_json::from_str(line).map_err(|e| {
            let what = match e.classify() {
                serde_json::error::Category::Data => {
                    "a field is missing, unknown or of the wrong type"
                }
                _ => "not a JSON object",
            };
            format!("{}: line {}: {what}", path.display(), i + 1)
        })?;
        out.push(record);
    }
    Ok(out)
}

/// Runs `reload` on every SIGHUP (Unix; nothing elsewhere), logging the outcome under
/// `what` (a config key; never what was read).
pub fn on_sighup<F>(what: &'static str, reload: F)
where
    F: Fn() -> Result<(), String> + Send + 'static,
{
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let mut hangups = match signal(SignalKind::hangup()) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(what, error = %e, "cannot watch SIGHUP: no reloading");
                return;
            }
        };
        handle.spawn(async move {
            while hangups.recv().await.is_some() {
                match reload() {
                    Ok(()) => tracing::info!(what, "reloaded on SIGHUP"),
                    Err(e) => tracing::error!(what, error = %e, "reload on SIGHUP failed; the previous contents stay"),
                }
            }
        });
    }
    #[cfg(not(unix))]
    let _ = (what, reload);
}

impl Entries {
    fn read(dir: &Path) -> Result<Entries, String> {
        let mut entries = Entries::default();
        for user in read_lines::<UserLine>(&dir.join("users.jsonl"))? {
            entries.usernames.insert(user.id, user.username);
        }
        let tokens = dir.join("tokens.jsonl");
        for (i, t) in read_lines::<TokenLine>(&tokens)?.into_iter().enumerate() {
            if !entries.usernames.contains_key(&t.user_id) || t.token.is_empty() {
                return Err(format!(
                    "{}: token {}: unknown user_id or empty token",
                    tokens.display(),
                    i + 1
                ));
            }
            let hash = digest(&t.token);
            match t.scheme {
                Scheme::Rocketchat => entries
                    .user_tokens
                    .entry(t.user_id)
                    .or_default()
                    .push((hash, t.admin_of)),
                Scheme::Bearer => {
                    entries.bearer.insert(hash, (t.user_id, t.admin_of));
                }
            }
        }
        Ok(entries)
    }

    fn principal(&self, user_id: &str, admin_of: &[String]) -> Option<Principal> {
        Some(Principal {
            user_id: user_id.to_owned(),
            username: self.usernames.get(user_id)?.clone(),
            admin_of: admin_of.to_vec(),
        })
    }

    fn check(&self, credential: &Credential) -> Option<Principal> {
        match credential {
            Credential::UserToken { user_id, token } => {
                let hash = digest(token);
                let mut found = None;
                // Every token of the user is compared: the time does not say which matched.
                for (stored, admin_of) in self.user_tokens.get(user_id)? {
                    if bool::from(stored.ct_eq(&hash)) && found.is_none() {
                        found = self.principal(user_id, admin_of);
                    }
                }
                found
            }
            Credential::Bearer { token } => {
                let (user_id, admin_of) = self.bearer.get(&digest(token))?;
                self.principal(user_id, admin_of)
            }
        }
    }
}

impl Directory {
    /// Reads `dir`; the error names the file and line.
    pub fn open(dir: &Path) -> Result<Directory, String> {
        let entries = Entries::read(dir).map_err(|e| format!("auth.directory: {e}"))?;
        Ok(Directory {
            dir: dir.to_path_buf(),
            entries: RwLock::new(Arc::new(entries)),
        })
    }

    /// Reads the directory again; on an error the one in use stays.
    pub fn reload(&self) -> Result<(), String> {
        let fresh = Entries::read(&self.dir).map_err(|e| format!("auth.directory: {e}"))?;
        *self.entries.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(fresh);
        Ok(())
    }

    fn current(&self) -> Arc<Entries> {
        self.entries
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Authenticator for Directory {
    fn authenticate<'a>(
        &'a self,
        credential: &'a Credential,
        _ctx: &'a QueryContext,
    ) -> BoxFuture<'a, Result<Principal, Error>> {
        let result = self
            .current()
            .check(credential)
            .ok_or(Error::Unauthenticated(AuthFailure::Invalid));
        Box::pin(std::future::ready(result))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Directory {
        Directory::open(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/config/demo"
        )))
        .expect("the demo directory reads")
    }

    #[tokio::test]
    async fn demo_tokens_of_both_schemes_authenticate() {
        let dir = demo();
        let ctx = QueryContext::default();
        let rc = Credential::UserToken {
            user_id: "vSt4xaDt4dQRTjJYe".into(),
            token: "e2r9S9vbhzil4mJnQfKuuMq5UrbYi2IaDHUiuhIG6GC".into(),
        };
        let who = dir.authenticate(&rc, &ctx).await.expect("valid");
        assert_eq!(who.username, "ana.lima");
        let bearer = Credential::Bearer {
            token: "tg_bearer_ana.lima_l3jtt175u58vgxn0".into(),
        };
        assert_eq!(dir.authenticate(&bearer, &ctx).await, Ok(who));
        let wrong = Credential::UserToken {
            user_id: "wnWPgRuQDB3TzxiZq".into(),
            token: "e2r9S9vbhzil4mJnQfKuuMq5UrbYi2IaDHUiuhIG6GC".into(),
        };
        assert_eq!(
            dir.authenticate(&wrong, &ctx).await,
            Err(Error::Unauthenticated(AuthFailure::Invalid))
        );
    }

    #[test]
    fn a_bad_line_is_named_by_line_never_by_content() {
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            tmp.path().join("users.jsonl"),
            "{\"id\":\"u1\",\"username\":\"a\"}\n",
        )
        .expect("write");
        std::fs::write(
            tmp.path().join("tokens.jsonl"),
            "\n{\"user_id\":\"u1\",\"scheme\":\"rocketchat\",\"token\":\"s3cr3t\",\"x\":1}\n",
        )
        .expect("write");
        let err = Directory::open(tmp.path()).err().expect("refused");
        assert!(err.contains("tokens.jsonl: line 2"), "{err}");
        assert!(!err.contains("s3cr3t"), "{err}");
    }
}
