//! The id map's bounded caches, one per direction, shared by the four kinds, with hit and
//! miss counters (`threadgate_idmap_cache_total`).
//!
//! `quick_cache`'s sync cache: sharded (a lookup takes one shard's read lock), O(1)
//! eviction (CLOCK-PRO-like: an entry read again survives one that was read once, so a scan
//! of new integers does not flush the hot ones). An evicted entry is read back from SQLite:
//! the map never changes, so a cache can only miss, never be wrong.

use super::Kind;
use quick_cache::sync::Cache;
use quick_cache::Equivalent;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// `[idmap] cache_entries` when not set: entries per direction.
pub const DEFAULT_ENTRIES: usize = 100_000;

/// Lookups the caches answered (hits) and those that went to SQLite (misses).
#[derive(Debug, Default)]
pub struct CacheCounters {
    hits: AtomicU64,
    misses: AtomicU64,
}

impl CacheCounters {
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    pub fn misses(&self) -> u64 {
        self.misses.load(Ordering::Relaxed)
    }

    fn count<T>(&self, found: Option<T>) -> Option<T> {
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }
}

/// `(kind, id)` borrowed: hashes (fields in order, as the tuple does) and compares like the
/// owned key, so a lookup allocates nothing.
#[derive(Hash)]
struct IdKey<'a>(Kind, &'a str);

impl Equivalent<(Kind, String)> for IdKey<'_> {
    fn equivalent(&self, key: &(Kind, String)) -> bool {
        self.0 == key.0 && self.1 == key.1
    }
}

/// Both directions, bounded.
pub(super) struct Caches {
    to_int: Cache<(Kind, String), i64>,
    to_id: Cache<(Kind, i64), String>,
    counters: Arc<CacheCounters>,
}

impl Caches {
    /// At most `entries` (at least 1) per direction.
    pub fn new(entries: usize) -> Caches {
        let entries = entries.max(1);
        Caches {
            to_int: Cache::new(entries),
            to_id: Cache::new(entries),
            counters: Arc::default(),
        }
    }

    pub fn counters(&self) -> Arc<CacheCounters> {
        Arc::clone(&self.counters)
    }

    /// Entries held, both directions.
    pub fn len(&self) -> usize {
        self.to_int.len() + self.to_id.len()
    }

    /// The integer of `id`, counted as a hit or a miss.
    pub fn int(&self, kind: Kind, id: &str) -> Option<i64> {
        self.counters.count(self.to_int.get(&IdKey(kind, id)))
    }

    /// The id of `n`, counted as a hit or a miss.
    pub fn id(&self, kind: Kind, n: i64) -> Option<String> {
        self.counters.count(self.to_id.get(&(kind, n)))
    }

    /// [`Caches::int`] uncounted (a second look under the allocation lock).
    pub fn peek_int(&self, kind: Kind, id: &str) -> Option<i64> {
        self.to_int.peek(&IdKey(kind, id))
    }

    pub fn remember(&self, kind: Kind, id: String, n: i64) {
        self.to_id.insert((kind, n), id.clone());
        self.to_int.insert((kind, id), n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn a_borrowed_key_hashes_like_the_owned_one() {
        let state = std::collections::hash_map::RandomState::new();
        let owned = (Kind::Message, "m-1".to_owned());
        assert_eq!(
            state.hash_one(&owned),
            state.hash_one(IdKey(Kind::Message, "m-1"))
        );
        let caches = Caches::new(4);
        caches.remember(Kind::Message, "m-1".into(), 7);
        assert_eq!(caches.int(Kind::Message, "m-1"), Some(7));
        assert_eq!(caches.int(Kind::User, "m-1"), None);
        assert_eq!(caches.id(Kind::Message, 7).as_deref(), Some("m-1"));
        assert_eq!(caches.counters().hits(), 2);
        assert_eq!(caches.counters().misses(), 1);
    }
}
