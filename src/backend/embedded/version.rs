//! The store's data generation ([`Backend::data_version`](crate::backend::Backend)): what
//! lets the gateway keep answers until the data under them changes.
//!
//! - `local` counts the writing connection's uses: every import, migration or other write
//!   goes through [`EmbeddedBackend::writer`](super::EmbeddedBackend), whose guard adds one
//!   when it is released, after the write committed.
//! - `external` is SQLite's `PRAGMA data_version` on a connection of its own, which changes
//!   whenever any other connection (another process's import, another handle on the same
//!   file) commits. A store in memory has no other writer, so it needs no such connection.
//!
//! A caller reads the generation before it reads the data: an answer read after a commit
//! and tagged with the generation before it is only ever looked up under that older
//! generation, which no longer comes back.

use super::schema::{self, Location};
use super::StoreError;
use crate::backend::DataVersion;
use rusqlite::Connection;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// The two counters.
pub(super) struct Versions {
    local: AtomicU64,
    /// `None` for a store in memory.
    watch: Option<Mutex<Connection>>,
}

impl Versions {
    pub(super) fn open(location: &Location) -> Result<Versions, StoreError> {
        let watch = match location {
            Location::File(_) => Some(Mutex::new(schema::open_reader(location)?)),
            Location::Memory(_) => None,
        };
        Ok(Versions {
            local: AtomicU64::new(0),
            watch,
        })
    }

    /// One more write through this handle (called once it committed or rolled back).
    pub(super) fn bump(&self) {
        self.local.fetch_add(1, Ordering::AcqRel);
    }

    /// The generation now; `None` when the watch connection failed (nothing is kept then).
    pub(super) fn current(&self) -> Option<DataVersion> {
        let local = self.local.load(Ordering::Acquire);
        let external = match &self.watch {
            None => 0,
            Some(conn) => {
                let conn = conn.lock().ok()?;
                let read = conn
                    .prepare_cached("PRAGMA data_version")
                    .and_then(|mut s| s.query_row([], |r| r.get::<_, i64>(0)));
                match read {
                    Ok(v) => u64::try_from(v).ok()?,
                    Err(e) => {
                        tracing::warn!(error = %e, "embedded store: data_version unreadable");
                        return None;
                    }
                }
            }
        };
        Some(DataVersion { local, external })
    }
}

/// The writing connection, held: counts one write when released.
pub struct Writer<'a> {
    conn: MutexGuard<'a, Connection>,
    versions: &'a Versions,
}

impl<'a> Writer<'a> {
    pub(super) fn new(conn: MutexGuard<'a, Connection>, versions: &'a Versions) -> Writer<'a> {
        Writer { conn, versions }
    }
}

impl std::ops::Deref for Writer<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.conn
    }
}

impl std::ops::DerefMut for Writer<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

impl Drop for Writer<'_> {
    fn drop(&mut self) {
        self.versions.bump();
    }
}
