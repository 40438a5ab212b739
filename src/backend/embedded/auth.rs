//! Checking credentials against stored token hashes (SHA-256), compared in constant time.
//! Tokens are never stored, logged or echoed.

use super::{db_error, sql};
use crate::canonical::{AuthFailure, Credential, Error, Principal};
use rusqlite::{Connection, Row};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The SHA-256 of a token, as stored.
pub(super) fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn matches(stored: &[u8], hash: &[u8; 32]) -> bool {
    bool::from(stored.ct_eq(hash.as_slice()))
}

fn admin_of(row: &Row, index: usize) -> Result<Vec<String>, Error> {
    let text: String = row.get(index).map_err(db_error)?;
    serde_json::from_str(&text)
        .map_err(|e| Error::Internal(format!("stored admin_of is corrupt: {e}")))
}

pub(super) fn authenticate(conn: &Connection, credential: &Credential) -> Result<Principal, Error> {
    let invalid = || Error::Unauthenticated(AuthFailure::Invalid);
    match credential {
        Credential::UserToken { user_id, token } => {
            let hash = token_hash(token);
            let mut statement = conn.prepare_cached(sql::TOKENS_OF_USER).map_err(db_error)?;
            let mut rows = statement.query([user_id]).map_err(db_error)?;
            let mut found = None;
            // Every token of the user is compared, so the time taken does not say which one
            // matched.
            while let Some(row) = rows.next().map_err(db_error)? {
                let stored: Vec<u8> = row.get(0).map_err(db_error)?;
                if matches(&stored, &hash) && found.is_none() {
                    found = Some(Principal {
                        user_id: user_id.clone(),
                        username: row.get(2).map_err(db_error)?,
                        admin_of: admin_of(row, 1)?,
                    });
                }
            }
            found.ok_or_else(invalid)
        }
        Credential::Bearer { token } => {
            let hash = token_hash(token);
            let mut statement = conn.prepare_cached(sql::BEARER_TOKEN).map_err(db_error)?;
            let mut rows = statement.query([hash.as_slice()]).map_err(db_error)?;
            while let Some(row) = rows.next().map_err(db_error)? {
                let stored: Vec<u8> = row.get(0).map_err(db_error)?;
                if matches(&stored, &hash) {
                    return Ok(Principal {
                        user_id: row.get(2).map_err(db_error)?,
                        username: row.get(3).map_err(db_error)?,
                        admin_of: admin_of(row, 1)?,
                    });
                }
            }
            Err(invalid())
        }
    }
}
