//! Opening the gateway's id map: its own SQLite file (or memory), the integers a database
//! made before the map had its own file already handed out, and the pins of a seed
//! directory.
//!
//! A new (empty) map starts with, in this order, skipping any row whose id or integer is
//! already taken:
//! 1. every row of the `int_ids` table of the embedded store's database, when that file
//!    exists (earlier versions kept the map there): no integer a client has seen changes;
//! 2. the integers of the pins directory ([`seed_integers`]): its `int_id` pins, then every
//!    other object of the directory numbered as the embedded store numbers them, so that a
//!    gateway in front of any backend holding that data shows the same integers.
//!
//! An existing map is opened as it is: integers are never reassigned.

use super::{IdMap, IdMapError, INSERT_IF_FREE};
use crate::backend::embedded::{EmbeddedBackend, IntIdPin};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Where a map starts from.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// A database of an earlier version whose `int_ids` rows are kept.
    pub legacy_store: Option<PathBuf>,
    /// A seed-format directory.
    pub pins: Option<PathBuf>,
}

impl IdMap {
    /// Opens (creating when missing) the map at `path` (`:memory:` for a private map in
    /// memory) and fills a new one from `sources`. Blocking: call it off the async threads.
    pub fn open_path(path: &str, sources: &Sources) -> Result<IdMap, IdMapError> {
        let conn = if path == ":memory:" {
            Connection::open_in_memory()?
        } else {
            if let Some(dir) = Path::new(path)
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir).map_err(|e| {
                    IdMapError::Open(format!("cannot create directory {}: {e}", dir.display()))
                })?;
            }
            let conn = Connection::open(path)?;
            conn.busy_timeout(Duration::from_secs(5))?;
            conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))?;
            conn
        };
        conn.execute_batch(super::CREATE)?;
        let empty: Option<i64> = conn
            .query_row("SELECT 1 FROM int_ids LIMIT 1", [], |r| r.get(0))
            .optional()?;
        if empty.is_none() {
            fill(&conn, sources)?;
        }
        IdMap::open(conn)
    }
}

fn fill(conn: &Connection, sources: &Sources) -> Result<(), IdMapError> {
    let tx = conn.unchecked_transaction()?;
    let mut migrated = 0usize;
    if let Some(store) = sources.legacy_store.as_deref().filter(|p| p.is_file()) {
        for pin in legacy_rows(store)? {
            migrated += insert(&tx, &pin)?;
        }
    }
    let pinned = match sources.pins.as_deref() {
        Some(dir) => insert_seed(&tx, dir)?,
        None => 0,
    };
    tx.commit()?;
    if migrated + pinned > 0 {
        tracing::info!(migrated, from_seed = pinned, "id map started");
    }
    Ok(())
}

fn insert(tx: &Connection, pin: &IntIdPin) -> Result<usize, IdMapError> {
    Ok(tx
        .prepare_cached(INSERT_IF_FREE)?
        .execute(rusqlite::params![pin.kind, pin.id, pin.int_id])?)
}

/// The `int_ids` rows of an embedded store's database (read only; none when it has no
/// such table).
fn legacy_rows(store: &Path) -> Result<Vec<IntIdPin>, IdMapError> {
    let conn = Connection::open_with_flags(
        store,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let has_table: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'int_ids'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if has_table.is_none() {
        return Ok(Vec::new());
    }
    let mut statement = conn.prepare("SELECT kind, id, int_id FROM int_ids")?;
    let rows = statement
        .query_map([], |r| {
            Ok(IntIdPin {
                kind: r.get(0)?,
                id: r.get(1)?,
                int_id: r.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Seed directories up to this size are numbered in memory, once per process
/// ([`seed_integers`]); a bigger one is numbered in a scratch database file and streamed into
/// the map, so that memory stays bounded whatever the seed holds.
const IN_MEMORY_SEED_BYTES: u64 = 64 << 20;

/// Inserts the integers of the seed directory `dir` ([`seed_integers`]); returns how many were
/// free.
fn insert_seed(tx: &Connection, dir: &Path) -> Result<usize, IdMapError> {
    insert_seed_within(tx, dir, IN_MEMORY_SEED_BYTES)
}

fn insert_seed_within(tx: &Connection, dir: &Path, in_memory: u64) -> Result<usize, IdMapError> {
    if seed_bytes(dir) <= in_memory {
        let mut inserted = 0;
        for pin in seed_integers(dir)?.iter() {
            inserted += insert(tx, pin)?;
        }
        return Ok(inserted);
    }
    let seed_error = |e: String| IdMapError::Seed(format!("{}: {e}", dir.display()));
    let scratch = Scratch::new().map_err(|e| seed_error(e.to_string()))?;
    tracing::info!(seed = %dir.display(), "numbering a large pins directory in a scratch database");
    let store = EmbeddedBackend::open_and_seed(&scratch.store(), 1, Some(dir))
        .map_err(|e| seed_error(e.to_string()))?;
    store
        .assign_int_ids()
        .map_err(|e| seed_error(e.to_string()))?;
    let mut inserted = 0;
    store.each_int_id(|pin| {
        inserted += insert(tx, &pin)?;
        Ok::<(), IdMapError>(())
    })?;
    Ok(inserted)
}

/// The size of a seed directory's files (0 when unreadable: the import says why).
fn seed_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

impl From<crate::backend::embedded::StoreError> for IdMapError {
    fn from(e: crate::backend::embedded::StoreError) -> Self {
        IdMapError::Seed(e.to_string())
    }
}

/// A directory of its own under the system's temporary directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> std::io::Result<Scratch> {
        let dir =
            std::env::temp_dir().join(format!("threadgate-pins-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch(dir))
    }

    fn store(&self) -> String {
        self.0.join("pins.sqlite").display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The integers of every object of a seed directory: its pins, then every other object
/// numbered as the embedded store numbers them (users by username, rooms, groups and
/// messages by creation). Computed once per directory per process.
pub fn seed_integers(dir: &Path) -> Result<Arc<Vec<IntIdPin>>, IdMapError> {
    static DONE: Mutex<Option<HashMap<PathBuf, Arc<Vec<IntIdPin>>>>> = Mutex::new(None);
    let mut done = DONE.lock().map_err(|_| IdMapError::Poisoned)?;
    let done = done.get_or_insert_with(HashMap::new);
    if let Some(rows) = done.get(dir) {
        return Ok(rows.clone());
    }
    let seed_error = |e: String| IdMapError::Seed(format!("{}: {e}", dir.display()));
    let store = EmbeddedBackend::open_and_seed(":memory:", 1, Some(dir))
        .map_err(|e| seed_error(e.to_string()))?;
    store
        .assign_int_ids()
        .map_err(|e| seed_error(e.to_string()))?;
    let rows = Arc::new(
        store
            .pinned_int_ids()
            .map_err(|e| seed_error(e.to_string()))?,
    );
    done.insert(dir.to_path_buf(), rows.clone());
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::super::CREATE;
    use super::insert_seed_within;
    use rusqlite::Connection;
    use std::path::Path;

    fn rows(conn: &Connection) -> Vec<(String, String, i64)> {
        let mut statement = conn
            .prepare("SELECT kind, id, int_id FROM int_ids ORDER BY kind, id")
            .unwrap();
        let rows = statement
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    }

    #[test]
    fn a_large_seed_is_numbered_in_a_scratch_file_exactly_as_in_memory() {
        let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/demo");
        let in_memory = Connection::open_in_memory().unwrap();
        in_memory.execute_batch(CREATE).unwrap();
        let n = insert_seed_within(&in_memory, &seed, u64::MAX).unwrap();
        let streamed = Connection::open_in_memory().unwrap();
        streamed.execute_batch(CREATE).unwrap();
        assert_eq!(insert_seed_within(&streamed, &seed, 0).unwrap(), n);
        assert!(n > 2000, "{n} integers");
        assert_eq!(rows(&streamed), rows(&in_memory));
        let leftovers = std::fs::read_dir(std::env::temp_dir())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("threadgate-pins-")
            })
            .count();
        assert_eq!(leftovers, 0, "the scratch directory is removed");
    }
}
