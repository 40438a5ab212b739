//! `[backend.auth] mode = "mapped"`: each directory user's own upstream credential, one JSON
//! object a line in `credentials`:
//! `{"user_id":"<directory id>","scheme":"rocketchat","upstream_user_id":"...","token":"..."}`
//! or `{"user_id":"...","scheme":"bearer","token":"..."}`. Read at start and on SIGHUP;
//! never logged (`Debug` redacts, errors name the file and line only).
//!
//! A user may have a line of each scheme, so that one file serves gateways in front of
//! different platforms: each reader says which scheme it takes ([`Takes`]), and lines of
//! the other scheme are skipped (still checked).

use crate::auth::directory::read_lines;
use crate::canonical::Credential;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, tag = "scheme", rename_all = "lowercase")]
enum Line {
    Rocketchat {
        user_id: String,
        upstream_user_id: String,
        token: String,
    },
    Bearer {
        user_id: String,
        token: String,
    },
}

/// Which lines a reader of the file takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Takes {
    /// `rocketchat` lines only (a Rocket.Chat upstream: `X-User-Id` and `X-Auth-Token`).
    RocketChat,
    /// `bearer` lines only (SelfCommunity and Quip upstreams).
    Bearer,
    /// Either; a user's `rocketchat` line wins over their `bearer` line (the canonical
    /// protocol, whose service checks both).
    Either,
}

/// The credentials file and what it held when last read.
pub struct Credentials {
    path: PathBuf,
    takes: Takes,
    by_user: RwLock<Arc<HashMap<String, Credential>>>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("path", &self.path)
            .field("users", &self.current().len())
            .finish()
    }
}

fn read(path: &Path, takes: Takes) -> Result<HashMap<String, Credential>, String> {
    let mut by_user = HashMap::new();
    for (i, line) in read_lines::<Line>(path)?.into_iter().enumerate() {
        let (user_id, credential) = match line {
            Line::Rocketchat {
                user_id,
                upstream_user_id,
                token,
            } => (
                user_id,
                Credential::UserToken {
                    user_id: upstream_user_id,
                    token,
                },
            ),
            Line::Bearer { user_id, token } => (user_id, Credential::Bearer { token }),
        };
        let empty = match &credential {
            Credential::UserToken { user_id, token } => user_id.is_empty() || token.is_empty(),
            Credential::Bearer { token } => token.is_empty(),
        };
        if user_id.is_empty() || empty {
            return Err(format!(
                "{}: entry {}: an empty field",
                path.display(),
                i + 1
            ));
        }
        let rocketchat = matches!(credential, Credential::UserToken { .. });
        let keep = match takes {
            Takes::RocketChat => rocketchat,
            Takes::Bearer => !rocketchat,
            // A Rocket.Chat credential wins over a bearer token for the same user.
            Takes::Either => {
                rocketchat || !matches!(by_user.get(&user_id), Some(Credential::UserToken { .. }))
            }
        };
        if keep {
            by_user.insert(user_id, credential);
        }
    }
    Ok(by_user)
}

impl Credentials {
    /// Reads the lines of `path` that `takes` names; the error names the key, the file and
    /// the line.
    pub fn open(path: &Path, takes: Takes) -> Result<Credentials, String> {
        let by_user = read(path, takes).map_err(|e| format!("backend.auth.credentials: {e}"))?;
        Ok(Credentials {
            path: path.to_path_buf(),
            takes,
            by_user: RwLock::new(Arc::new(by_user)),
        })
    }

    /// Reads the file again; on an error the credentials in use stay.
    pub fn reload(&self) -> Result<usize, String> {
        let fresh =
            read(&self.path, self.takes).map_err(|e| format!("backend.auth.credentials: {e}"))?;
        let n = fresh.len();
        *self.by_user.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(fresh);
        Ok(n)
    }

    fn current(&self) -> Arc<HashMap<String, Credential>> {
        self.by_user
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Every user's credential, in user id order (a copy reads with each in turn).
    pub fn entries(&self) -> Vec<(String, Credential)> {
        let mut all: Vec<(String, Credential)> = self
            .current()
            .iter()
            .map(|(user, c)| (user.clone(), c.clone()))
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }

    /// The upstream credential of directory user `user_id`.
    pub fn of(&self, user_id: &str) -> Option<Credential> {
        self.current().get(user_id).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_both_schemes_and_errors_without_secrets() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("upstream.jsonl");
        std::fs::write(
            &path,
            concat!(
                r#"{"user_id":"a","scheme":"bearer","token":"b1"}"#,
                "\n",
                r#"{"user_id":"a","scheme":"rocketchat","upstream_user_id":"ua","token":"t1"}"#,
                "\n",
                r#"{"user_id":"b","scheme":"bearer","token":"b2"}"#,
                "\n"
            ),
        )
        .expect("write");
        let creds = Credentials::open(&path, Takes::Either).expect("reads");
        assert_eq!(
            creds.of("a"),
            Some(Credential::UserToken {
                user_id: "ua".into(),
                token: "t1".into()
            })
        );
        assert_eq!(
            creds.of("b"),
            Some(Credential::Bearer { token: "b2".into() })
        );
        assert_eq!(creds.of("c"), None);
        assert!(!format!("{creds:?}").contains("t1"));
        std::fs::write(
            &path,
            r#"{"user_id":"a","scheme":"rc","token":"zz-secret"}"#,
        )
        .expect("write");
        let err = creds.reload().expect_err("refused");
        assert!(
            err.contains("backend.auth.credentials") && err.contains("line 1"),
            "{err}"
        );
        assert!(!err.contains("zz-secret"), "{err}");
        assert!(creds.of("a").is_some(), "the credentials in use stay");
    }

    #[test]
    fn each_reader_takes_its_own_scheme_from_one_file() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("upstream.jsonl");
        std::fs::write(
            &path,
            concat!(
                r#"{"user_id":"a","scheme":"rocketchat","upstream_user_id":"ua","token":"t1"}"#,
                "\n",
                r#"{"user_id":"a","scheme":"bearer","token":"b1"}"#,
                "\n",
                r#"{"user_id":"b","scheme":"bearer","token":"b2"}"#,
                "\n"
            ),
        )
        .expect("write");
        let bearer = Credentials::open(&path, Takes::Bearer).expect("reads");
        assert_eq!(
            bearer.of("a"),
            Some(Credential::Bearer { token: "b1".into() })
        );
        assert_eq!(
            bearer.of("b"),
            Some(Credential::Bearer { token: "b2".into() })
        );
        let rc = Credentials::open(&path, Takes::RocketChat).expect("reads");
        assert_eq!(
            rc.of("a"),
            Some(Credential::UserToken {
                user_id: "ua".into(),
                token: "t1".into()
            })
        );
        assert_eq!(rc.of("b"), None, "no Rocket.Chat line for b");
    }
}
