//! Embedded backend: users, rooms, memberships, messages and tokens in SQLite (rusqlite,
//! bundled), seeded from a directory of JSON Lines files (`docs/data-format.md`).
//!
//! One writing connection (imports, migrations; it also keeps an in-memory database alive)
//! and a small pool of `query_only` read connections on which queries run as blocking tasks.
//! Every query shape is one indexed range scan (see [`sql`] and `tests/embedded_plan.rs`).

mod auth;
mod conversations;
pub mod copy;
pub mod generate;
mod import;
pub mod marks;
mod pool;
pub mod progress;
mod query;
mod rooms;
mod rows;
mod schema;
mod seed;
mod seek;
pub mod sql;
mod version;

#[cfg(test)]
mod tests;

pub use import::{ImportStats, INT_ID_LIMIT};
pub use schema::{current_version, MIGRATIONS};
pub use seed::ImportError;

use super::{Backend, BoxFuture, Capabilities, DataVersion, QueryContext};
use crate::auth::Authenticator;
use crate::canonical::{Credential, Error, Page, Principal, RoomInfo, RoomKind, ThreadQuery};
use pool::ReadPool;
use rusqlite::Connection;
use schema::Location;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The store could not be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create directory {path}: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open database {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error(
        "database {path} has schema version {found}, newer than the {known} this threadgate \
         knows; use a newer threadgate or another database file"
    )]
    TooNew {
        path: String,
        found: i64,
        known: i64,
    },
    #[error("migration to schema version {version} failed: {source}")]
    Migrate {
        version: i64,
        source: rusqlite::Error,
    },
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("store lock poisoned")]
    Poisoned,
}

/// Opening a store and importing its seed failed.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("seed import failed: {0}")]
    Import(#[from] ImportError),
}

/// An integer id pinned by a seed (`int_id`): what a SelfCommunity client sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntIdPin {
    /// `user`, `room` or `message`.
    pub kind: String,
    pub id: String,
    pub int_id: i64,
}

/// The SQLite store.
pub struct EmbeddedBackend {
    location: Location,
    /// Imports and migrations; also keeps an in-memory database alive.
    writer: Mutex<Connection>,
    readers: Arc<ReadPool>,
    /// The data generation ([`Backend::data_version`]).
    versions: version::Versions,
    /// The name in logs and metrics.
    label: String,
}

impl std::fmt::Debug for EmbeddedBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedBackend")
            .field("location", &self.location.label())
            .finish_non_exhaustive()
    }
}

/// The key of the direct room of two users (or of a user with themself).
pub(crate) fn direct_key(a: &str, b: &str) -> String {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    format!("{lo}\u{1}{hi}")
}

pub(crate) fn parse_room_kind(s: &str) -> Option<RoomKind> {
    match s {
        "direct" => Some(RoomKind::Direct),
        "group" => Some(RoomKind::Group),
        "channel" => Some(RoomKind::Channel),
        "document" => Some(RoomKind::Document),
        _ => None,
    }
}

/// A database error while answering a request.
pub(crate) fn db_error(e: rusqlite::Error) -> Error {
    use rusqlite::ErrorCode::{DatabaseBusy, DatabaseLocked};
    match e.sqlite_error_code() {
        Some(DatabaseBusy | DatabaseLocked) => {
            Error::BackendUnavailable("embedded store is busy".into())
        }
        _ => Error::Internal(format!("embedded store: {e}")),
    }
}

impl EmbeddedBackend {
    /// Opens (creating and migrating as needed) the database at `path`, or a private
    /// in-memory database for `":memory:"`, with `read_connections` read connections (at
    /// least one).
    pub fn open(path: &str, read_connections: usize) -> Result<EmbeddedBackend, StoreError> {
        let location = Location::new(path);
        let writer = schema::open_writer(&location)?;
        let readers = (0..read_connections.max(1))
            .map(|_| schema::open_reader(&location))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(EmbeddedBackend {
            label: location.metrics_label(),
            versions: version::Versions::open(&location)?,
            location,
            writer: Mutex::new(writer),
            readers: Arc::new(ReadPool::new(readers)),
        })
    }

    /// Opens the store and, when `seed` is given and the store is empty, imports it.
    pub fn open_and_seed(
        path: &str,
        read_connections: usize,
        seed: Option<&Path>,
    ) -> Result<EmbeddedBackend, OpenError> {
        let store = Self::open(path, read_connections)?;
        if let Some(dir) = seed {
            if store.is_empty()? {
                let stats = store.import_dir(dir)?;
                tracing::info!(
                    seed = %dir.display(),
                    users = stats.users,
                    rooms = stats.rooms,
                    messages = stats.messages,
                    tokens = stats.tokens,
                    "embedded store seeded"
                );
            }
        }
        Ok(store)
    }

    /// The writing connection; releasing it counts one write ([`version`]).
    fn writer(&self) -> Result<version::Writer<'_>, StoreError> {
        let conn = self.writer.lock().map_err(|_| StoreError::Poisoned)?;
        Ok(version::Writer::new(conn, &self.versions))
    }

    /// Imports a seed directory in one transaction: all of it, or nothing.
    pub fn import_dir(&self, dir: &Path) -> Result<ImportStats, ImportError> {
        self.import_dir_with_progress(dir, &mut |_| {})
    }

    /// [`EmbeddedBackend::import_dir`], calling `progress` with the number of records
    /// imported so far after each one (compare with [`EmbeddedBackend::count_records`]).
    pub fn import_dir_with_progress(
        &self,
        dir: &Path,
        progress: &mut dyn FnMut(u64),
    ) -> Result<ImportStats, ImportError> {
        let mut conn = self.writer()?;
        import::import_dir(&mut conn, dir, progress)
    }

    /// The number of lines of a seed directory's files: the records an import of it goes
    /// through (blank lines included), found by one pass over the bytes.
    pub fn count_records(dir: &Path) -> Result<u64, ImportError> {
        seed::count_lines(dir)
    }

    /// No users and no messages.
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        let conn = self.writer()?;
        Ok(conn.query_row(sql::IS_EMPTY, [], |r| r.get(0))?)
    }

    /// Upserts a room another backend listed, its members and their users (one
    /// transaction; see [`copy`]).
    pub fn copy_room(&self, room: &RoomInfo) -> Result<copy::CopyStats, copy::CopyError> {
        let mut conn = self.writer()?;
        copy::copy_room(&mut conn, room)
    }

    /// Upserts a page of messages another backend answered, with the users they name, and
    /// records `position` for `key` (one transaction; see [`copy`]).
    pub fn copy_page(
        &self,
        messages: &[crate::canonical::Message],
        key: &copy::ResumeKey<'_>,
        position: &str,
    ) -> Result<copy::CopyStats, copy::CopyError> {
        let mut conn = self.writer()?;
        copy::copy_page(&mut conn, messages, key, position)
    }

    /// When stored message `id` was created (`None`: no such message).
    pub fn message_created(&self, id: &str) -> Result<Option<i64>, copy::CopyError> {
        let conn = self.writer()?;
        copy::created_of(&conn, id)
    }

    /// The position a copy recorded for `key`.
    pub fn resume_of(&self, key: &copy::ResumeKey<'_>) -> Result<Option<String>, copy::CopyError> {
        let conn = self.writer()?;
        copy::resume_of(&conn, key)
    }

    /// The integer ids stored, by kind then id: the seed's pins, the integers
    /// [`EmbeddedBackend::assign_int_ids`] gave, and in a database made before the id map
    /// moved to its own file, every integer the gateway handed out.
    pub fn pinned_int_ids(&self) -> Result<Vec<IntIdPin>, StoreError> {
        let mut pins = Vec::new();
        self.each_int_id(|pin| {
            pins.push(pin);
            Ok::<(), StoreError>(())
        })?;
        Ok(pins)
    }

    /// [`EmbeddedBackend::pinned_int_ids`] one at a time, without holding them all.
    pub fn each_int_id<E: From<StoreError>>(
        &self,
        mut each: impl FnMut(IntIdPin) -> Result<(), E>,
    ) -> Result<(), E> {
        let conn = self.writer()?;
        let mut statement = conn
            .prepare_cached(sql::INT_IDS)
            .map_err(StoreError::from)?;
        let mut rows = statement.query([]).map_err(StoreError::from)?;
        while let Some(r) = rows.next().map_err(StoreError::from)? {
            let pin = (|| {
                Ok::<_, rusqlite::Error>(IntIdPin {
                    kind: r.get(0)?,
                    id: r.get(1)?,
                    int_id: r.get(2)?,
                })
            })()
            .map_err(StoreError::from)?;
            each(pin)?;
        }
        Ok(())
    }

    /// Gives every user, room, group and message without an integer the next free one of
    /// its kind (one transaction; pins from the seed are kept). This is the order in which
    /// the gateway's id map numbers the objects of a seed directory
    /// ([`crate::idmap::seed_integers`]): users by (username, id), rooms and groups by
    /// (created, id), messages by (created, id).
    pub fn assign_int_ids(&self) -> Result<(), StoreError> {
        let mut conn = self.writer()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for (kind, statement) in [
            ("user", sql::ASSIGN_USER_INT_IDS),
            ("room", sql::ASSIGN_ROOM_INT_IDS),
            ("group", sql::ASSIGN_GROUP_INT_IDS),
            ("message", sql::ASSIGN_MESSAGE_INT_IDS),
        ] {
            let max: Option<i64> = tx
                .prepare_cached(sql::MAX_INT_ID)?
                .query_row([kind], |r| r.get(0))?;
            tx.prepare_cached(statement)?.execute([max.unwrap_or(0)])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The store's token table as an [`Authenticator`].
    pub fn authenticator(&self) -> Arc<dyn Authenticator> {
        Arc::new(TokenTable {
            readers: Arc::clone(&self.readers),
        })
    }

    /// Answers `query` on the calling thread, outside any runtime: what
    /// [`Backend::query`] does minus the blocking-task hop. For benchmarks and tools; do not
    /// call it on an async thread.
    pub fn query_blocking(&self, query: &ThreadQuery) -> Result<Page, Error> {
        self.readers.run_here(|conn| query::run(conn, query))
    }

    /// Refuses further queries (`BackendUnavailable`); queries under way finish.
    pub fn close(&self) {
        self.readers.close();
    }
}

impl Backend for EmbeddedBackend {
    fn kind(&self) -> &'static str {
        "embedded"
    }

    fn label(&self) -> &str {
        &self.label
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::ALL
    }

    fn query<'a>(
        &'a self,
        query: &'a ThreadQuery,
        _ctx: &'a QueryContext,
    ) -> BoxFuture<'a, Result<Page, Error>> {
        let readers = Arc::clone(&self.readers);
        if query::bounded(query) {
            return Box::pin(
                async move { readers.run_inline(|conn| query::run(conn, query)).await },
            );
        }
        let query = query.clone();
        Box::pin(async move { readers.run(move |conn| query::run(conn, &query)).await })
    }

    /// `None` once closed: a closed store answers nothing, not even from the cache.
    fn data_version(&self) -> Option<DataVersion> {
        if self.readers.is_closed() {
            return None;
        }
        self.versions.current()
    }

    fn rooms<'a>(
        &'a self,
        principal: &'a Principal,
        _ctx: &'a QueryContext,
    ) -> BoxFuture<'a, Result<Vec<RoomInfo>, Error>> {
        let readers = Arc::clone(&self.readers);
        let principal = principal.clone();
        Box::pin(async move {
            readers
                .run(move |conn| rooms::readable(conn, &principal))
                .await
        })
    }

    fn probe<'a>(&'a self, _ctx: &'a QueryContext) -> BoxFuture<'a, Result<(), Error>> {
        let readers = Arc::clone(&self.readers);
        Box::pin(async move {
            readers
                .run(|conn| {
                    conn.prepare_cached(sql::PROBE)
                        .and_then(|mut s| s.query_row([], |r| r.get::<_, i64>(0)))
                        .map(|_| ())
                        .map_err(db_error)
                })
                .await
        })
    }
}

/// The store's token table as the gateway's [`Authenticator`]: token hashes compared in
/// constant time on the store's read connections.
struct TokenTable {
    readers: Arc<ReadPool>,
}

impl Authenticator for TokenTable {
    fn authenticate<'a>(
        &'a self,
        credential: &'a Credential,
        _ctx: &'a QueryContext,
    ) -> BoxFuture<'a, Result<Principal, Error>> {
        let credential = credential.clone();
        Box::pin(async move {
            self.readers
                .run(move |conn| auth::authenticate(conn, &credential))
                .await
        })
    }
}
