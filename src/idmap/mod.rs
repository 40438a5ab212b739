//! The id map: the integers SelfCommunity clients see for users, rooms (threads), groups and
//! messages, persistent in SQLite (`int_ids(kind, id, int_id)`).
//!
//! - Seeds may pin an integer (`int_id`); everything else gets the next free integer of its
//!   kind the first time it is exposed: `max(existing, pins included) + 1`, in one
//!   `IMMEDIATE` transaction under a mutex. Rows are never deleted, so an integer is never
//!   handed out twice and a pin is never handed out again.
//! - Both directions are cached in bounded caches (`[idmap] cache_entries` each, see
//!   [`cache`]); nothing is loaded at open, so start-up does not depend on the number of
//!   rows. A miss reads SQLite; a hit takes one shard's read lock.
//! - Integers stay below 2^53 (JavaScript clients).
//!
//! The map belongs to the gateway, not to a backend: its own SQLite file (`[idmap] path`),
//! so integers stay the same whatever the backend kind is and across restarts. How a new map
//! is filled (integers of earlier versions, pins of a seed directory) is in [`open`].
//!
//! Lookups are synchronous and served from the caches; the SQLite work of a miss runs on the
//! calling thread, so async callers go through [`IdMap::prepare`] / [`IdMap::prepare_ints`]
//! (a blocking task) first. An entry evicted between the two is read again (on the calling
//! thread): rare with a cache larger than a page, and never a wrong answer.

mod cache;
mod open;

pub use cache::{CacheCounters, DEFAULT_ENTRIES};
pub use open::{seed_integers, Sources};

use cache::Caches;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use std::sync::Mutex;

/// Integers handed out stay below this (2^53, JavaScript's safe integer range).
pub const LIMIT: i64 = 1 << 53;
/// With upstream integers ([`IdMap::with_upstream_integers`]): the canonical ids `"1"` to
/// `"2^52 - 1"` are their own integers, and the map hands out integers from here (2^52) on,
/// where no such id lands.
pub const OWN_FROM: i64 = 1 << 52;

/// What an integer names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    User,
    Room,
    Group,
    Message,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::User, Kind::Room, Kind::Group, Kind::Message];

    /// The `kind` column value.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Room => "room",
            Kind::Group => "group",
            Kind::Message => "message",
        }
    }
}

/// The map could not answer.
#[derive(Debug, thiserror::Error)]
pub enum IdMapError {
    #[error("id map database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("id map lock poisoned")]
    Poisoned,
    #[error("no integer left below 2^53 for kind {0}")]
    Exhausted(&'static str),
    #[error("id map: {0}")]
    Open(String),
    #[error("id map pins: {0}")]
    Seed(String),
}

/// The table (the embedded store's schema version 2 has the same one, where earlier versions
/// kept the map).
const CREATE: &str = "CREATE TABLE IF NOT EXISTS int_ids (
    kind   TEXT NOT NULL CHECK (kind IN ('user', 'room', 'group', 'message')),
    id     TEXT NOT NULL,
    int_id INTEGER NOT NULL CHECK (int_id >= 1 AND int_id < 9007199254740992),
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS int_ids_int ON int_ids(kind, int_id);";

pub const INT_ID_OF: &str = "SELECT int_id FROM int_ids WHERE kind = ?1 AND id = ?2";
pub const ID_OF_INT_ID: &str = "SELECT id FROM int_ids WHERE kind = ?1 AND int_id = ?2";
pub const MAX_INT_ID: &str = "SELECT MAX(int_id) FROM int_ids WHERE kind = ?1";
pub const INSERT: &str = "INSERT INTO int_ids (kind, id, int_id) VALUES (?1, ?2, ?3)";
/// Inserts a row unless its id or its integer is already taken.
const INSERT_IF_FREE: &str = "INSERT OR IGNORE INTO int_ids (kind, id, int_id) VALUES (?1, ?2, ?3)";

/// The persistent map with its caches.
pub struct IdMap {
    conn: Mutex<Connection>,
    caches: Caches,
    /// Integers just looked up and found naming nothing, kept for [`ABSENT_FOR`] so that the
    /// lookup after [`IdMap::prepare_ints`] does no SQLite work either. An integer this map
    /// hands out leaves it at once.
    absent: quick_cache::sync::Cache<(Kind, i64), std::time::Instant>,
    /// Decimal ids are their own integers ([`IdMap::with_upstream_integers`]).
    upstream_integers: bool,
}

/// How long an integer found naming nothing is believed to name nothing (another process on
/// the same map file may hand it out meanwhile).
const ABSENT_FOR: std::time::Duration = std::time::Duration::from_secs(1);
/// Absent integers remembered at most.
const ABSENT_ENTRIES: usize = 10_000;

impl std::fmt::Debug for IdMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdMap")
            .field("cached", &self.caches.len())
            .finish_non_exhaustive()
    }
}

impl IdMap {
    /// A map on `conn` (creating the table when missing) with empty caches of
    /// [`DEFAULT_ENTRIES`] entries per direction.
    pub fn open(conn: Connection) -> Result<IdMap, IdMapError> {
        conn.execute_batch(CREATE)?;
        Ok(IdMap {
            conn: Mutex::new(conn),
            caches: Caches::new(DEFAULT_ENTRIES),
            absent: quick_cache::sync::Cache::new(ABSENT_ENTRIES),
            upstream_integers: false,
        })
    }

    /// The same map with caches of at most `entries` (at least 1) per direction; what the
    /// caches held is dropped.
    pub fn with_cache_entries(self, entries: usize) -> IdMap {
        IdMap {
            conn: self.conn,
            caches: Caches::new(entries),
            absent: self.absent,
            upstream_integers: self.upstream_integers,
        }
    }

    /// The map of a gateway whose backend is a SelfCommunity upstream, which names
    /// everything by integers already: the canonical id `n.to_string()` of an upstream
    /// integer `n` (1 ≤ n < [`OWN_FROM`]) is the integer `n` itself, kept nowhere, so that
    /// the gateway's SelfCommunity callers see the upstream's own integers. Any other id
    /// (a directory user's, an upstream integer past the range) gets an integer from
    /// [`OWN_FROM`] on, which no upstream integer of the range can be. Refused when the map
    /// already holds an integer below [`OWN_FROM`]: one handed out for another backend could
    /// name something else than the upstream's object of that number.
    pub fn with_upstream_integers(self) -> Result<IdMap, IdMapError> {
        let taken: Option<(String, String, i64)> = self
            .lock()?
            .query_row(
                "SELECT kind, id, int_id FROM int_ids WHERE int_id < ?1 LIMIT 1",
                [OWN_FROM],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        if let Some((kind, _, n)) = taken {
            return Err(IdMapError::Open(format!(
                "the map holds {kind} integer {n}, handed out for another backend; a gateway whose backend is selfcommunity shows the upstream's own integers and needs a map of its own (a new [idmap] path, no [idmap] pins)"
            )));
        }
        Ok(IdMap {
            upstream_integers: true,
            ..self
        })
    }

    /// The upstream integer an id stands for, when it is its own integer.
    fn own_integer(&self, id: &str) -> Option<i64> {
        if !self.upstream_integers {
            return None;
        }
        crate::dialect::selfcommunity::fields::parse_id(id)
            .and_then(|n| i64::try_from(n).ok())
            .filter(|n| (1..OWN_FROM).contains(n))
    }

    /// Whether `n` is an upstream integer standing for itself.
    fn is_own_integer(&self, n: i64) -> bool {
        self.upstream_integers && (1..OWN_FROM).contains(&n)
    }

    /// The caches' hit and miss counters, for the metrics.
    pub fn cache_counters(&self) -> std::sync::Arc<CacheCounters> {
        self.caches.counters()
    }

    /// Makes sure every `(kind, id)` has its integer in the cache, on a blocking thread, so
    /// that the lookups that follow on an async thread do no SQLite work.
    pub async fn prepare(
        self: &std::sync::Arc<Self>,
        wanted: Vec<(Kind, String)>,
    ) -> Result<(), IdMapError> {
        let missing: Vec<(Kind, String)> = wanted
            .into_iter()
            .filter(|(kind, id)| {
                self.own_integer(id).is_none() && self.caches.int(*kind, id).is_none()
            })
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let map = std::sync::Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            for (kind, id) in missing {
                map.load_int(kind, &id)?;
            }
            Ok(())
        })
        .await
        .map_err(|e| IdMapError::Open(format!("id map task failed: {e}")))?
    }

    /// Looks up every integer of `wanted` that is not cached, on a blocking thread, so that
    /// [`IdMap::id_of`] answers for them afterwards from the cache (unless evicted since).
    pub async fn prepare_ints(
        self: &std::sync::Arc<Self>,
        wanted: Vec<(Kind, i64)>,
    ) -> Result<(), IdMapError> {
        let missing: Vec<(Kind, i64)> = wanted
            .into_iter()
            .filter(|(kind, n)| {
                !self.is_own_integer(*n)
                    && !self.known_absent(*kind, *n)
                    && self.caches.id(*kind, *n).is_none()
            })
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let map = std::sync::Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            for (kind, n) in missing {
                map.load_id(kind, n)?;
            }
            Ok(())
        })
        .await
        .map_err(|e| IdMapError::Open(format!("id map task failed: {e}")))?
    }

    /// A private in-memory map (no pins).
    pub fn in_memory() -> Result<IdMap, IdMapError> {
        IdMap::open(Connection::open_in_memory()?)
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Connection>, IdMapError> {
        self.conn.lock().map_err(|_| IdMapError::Poisoned)
    }

    /// The integer of `id`, handing out the next free one on first exposure.
    pub fn int_of(&self, kind: Kind, id: &str) -> Result<i64, IdMapError> {
        if let Some(n) = self.own_integer(id) {
            return Ok(n);
        }
        match self.caches.int(kind, id) {
            Some(n) => Ok(n),
            None => self.load_int(kind, id),
        }
    }

    /// [`IdMap::int_of`] past the cache: the stored integer, else a new one.
    fn load_int(&self, kind: Kind, id: &str) -> Result<i64, IdMapError> {
        let mut conn = self.lock()?;
        // Another caller may have allocated it while this one waited for the lock.
        if let Some(n) = self.caches.peek_int(kind, id) {
            return Ok(n);
        }
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing: Option<i64> = tx
            .prepare_cached(INT_ID_OF)?
            .query_row(rusqlite::params![kind.as_str(), id], |r| r.get(0))
            .optional()?;
        let n = match existing {
            Some(n) => n,
            None => {
                let max: Option<i64> = tx
                    .prepare_cached(MAX_INT_ID)?
                    .query_row([kind.as_str()], |r| r.get(0))?;
                let floor = if self.upstream_integers {
                    OWN_FROM - 1
                } else {
                    0
                };
                let next = max.unwrap_or(0).max(floor) + 1;
                if next >= LIMIT {
                    return Err(IdMapError::Exhausted(kind.as_str()));
                }
                tx.prepare_cached(INSERT)?
                    .execute(rusqlite::params![kind.as_str(), id, next])?;
                self.absent.remove(&(kind, next));
                next
            }
        };
        tx.commit()?;
        self.caches.remember(kind, id.to_owned(), n);
        Ok(n)
    }

    /// The id an integer names, `None` when it names nothing (never allocates).
    pub fn id_of(&self, kind: Kind, n: i64) -> Result<Option<String>, IdMapError> {
        if self.is_own_integer(n) {
            return Ok(Some(n.to_string()));
        }
        match self.caches.id(kind, n) {
            Some(id) => Ok(Some(id)),
            None if self.known_absent(kind, n) => Ok(None),
            None => self.load_id(kind, n),
        }
    }

    /// Whether `n` was found naming nothing less than [`ABSENT_FOR`] ago.
    fn known_absent(&self, kind: Kind, n: i64) -> bool {
        self.absent
            .get(&(kind, n))
            .is_some_and(|until| until > std::time::Instant::now())
    }

    /// [`IdMap::id_of`] past the cache.
    fn load_id(&self, kind: Kind, n: i64) -> Result<Option<String>, IdMapError> {
        if !(1..LIMIT).contains(&n) {
            return Ok(None);
        }
        let conn = self.lock()?;
        let found: Option<String> = conn
            .prepare_cached(ID_OF_INT_ID)?
            .query_row(rusqlite::params![kind.as_str(), n], |r| r.get(0))
            .optional()?;
        match &found {
            Some(id) => self.caches.remember(kind, id.clone(), n),
            // Under the lock: an allocation of `n` (which takes the lock) clears it after.
            None => self
                .absent
                .insert((kind, n), std::time::Instant::now() + ABSENT_FOR),
        }
        drop(conn);
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_integer_found_absent_is_not_asked_again_until_it_is_handed_out() {
        let map = IdMap::in_memory().unwrap();
        let misses = || map.cache_counters().misses();
        assert_eq!(map.id_of(Kind::Room, 1).unwrap(), None);
        assert!(map.known_absent(Kind::Room, 1));
        let before = misses();
        assert_eq!(map.id_of(Kind::Room, 1).unwrap(), None);
        // Answered as absent without SQLite (a cache miss is counted, no load follows).
        assert_eq!(misses(), before + 1);
        assert_eq!(map.int_of(Kind::Room, "first").unwrap(), 1);
        assert!(!map.known_absent(Kind::Room, 1));
        assert_eq!(map.id_of(Kind::Room, 1).unwrap().as_deref(), Some("first"));
    }

    #[test]
    fn allocates_in_order_per_kind_and_finds_back() {
        let map = IdMap::in_memory().unwrap();
        assert_eq!(map.int_of(Kind::Room, "a").unwrap(), 1);
        assert_eq!(map.int_of(Kind::Room, "b").unwrap(), 2);
        assert_eq!(map.int_of(Kind::Room, "a").unwrap(), 1);
        assert_eq!(map.int_of(Kind::User, "a").unwrap(), 1);
        assert_eq!(map.id_of(Kind::Room, 2).unwrap().as_deref(), Some("b"));
        assert_eq!(map.id_of(Kind::Room, 3).unwrap(), None);
        assert_eq!(map.id_of(Kind::Group, 1).unwrap(), None);
        assert_eq!(map.id_of(Kind::Room, 0).unwrap(), None);
        assert_eq!(map.id_of(Kind::Room, -5).unwrap(), None);
        assert_eq!(map.id_of(Kind::Room, LIMIT).unwrap(), None);
    }

    #[test]
    fn upstream_integers_are_their_own_and_others_land_past_them() {
        let map = IdMap::in_memory()
            .unwrap()
            .with_upstream_integers()
            .unwrap();
        assert_eq!(map.int_of(Kind::Room, "502").unwrap(), 502);
        assert_eq!(map.id_of(Kind::Room, 502).unwrap().as_deref(), Some("502"));
        assert_eq!(map.id_of(Kind::User, 7).unwrap().as_deref(), Some("7"));
        // Not the canonical decimal form, zero, or past the range: an integer of its own.
        assert_eq!(
            map.int_of(Kind::User, "AJ2tqXDhYkEoaXoBc").unwrap(),
            OWN_FROM
        );
        assert_eq!(map.int_of(Kind::User, "007").unwrap(), OWN_FROM + 1);
        assert_eq!(map.int_of(Kind::User, "0").unwrap(), OWN_FROM + 2);
        let past = OWN_FROM.to_string();
        assert_eq!(map.int_of(Kind::User, &past).unwrap(), OWN_FROM + 3);
        assert_eq!(
            map.id_of(Kind::User, OWN_FROM).unwrap().as_deref(),
            Some("AJ2tqXDhYkEoaXoBc")
        );
        assert_eq!(map.id_of(Kind::User, OWN_FROM + 3).unwrap(), Some(past));
        assert_eq!(map.id_of(Kind::User, OWN_FROM + 9).unwrap(), None);
        assert_eq!(
            map.int_of(Kind::User, "AJ2tqXDhYkEoaXoBc").unwrap(),
            OWN_FROM
        );
        // A map that handed out small integers for another backend is refused.
        let used = IdMap::in_memory().unwrap();
        used.int_of(Kind::User, "someone").unwrap();
        let err = used.with_upstream_integers().expect_err("refused");
        assert!(err.to_string().contains("user integer 1"), "{err}");
    }

    #[test]
    fn allocation_goes_past_pins() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(CREATE).unwrap();
        conn.execute(INSERT, rusqlite::params!["user", "pinned", 101])
            .unwrap();
        let map = IdMap::open(conn).unwrap();
        assert_eq!(
            map.id_of(Kind::User, 101).unwrap().as_deref(),
            Some("pinned")
        );
        assert_eq!(map.int_of(Kind::User, "pinned").unwrap(), 101);
        assert_eq!(map.int_of(Kind::User, "new").unwrap(), 102);
    }
}
