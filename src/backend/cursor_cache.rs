//! The cursor cache: offset paging and totals over an upstream that pages by cursor only.
//!
//! A cursor-only upstream (Quip: newest first by `max_created_usec`) has no offset and no
//! total. A client of another dialect asks for "messages 300 to 349, and how many there
//! are"; without help each such page walks from the newest message, a call per window, and
//! each total walks the whole conversation. The cache remembers, per conversation as one
//! caller reads it, where the walk stood: **positions** (offset → the cursor that starts
//! there) and the **total** once a walk reached the end. A client paging sequentially then
//! starts each page at the cursor the previous page ended on: one call, two when the page
//! and the repeated boundary messages do not fit one call.
//!
//! # Keys
//!
//! An entry is keyed by principal (user id, never the caller's token), target, filter and
//! order, as the backend spells them ([`CacheKey::new`]): two callers never share positions
//! (what they may read differs), nor do two filters. The backend leaves out of the key what
//! only cuts the walk short (an upper creation bound no remembered message reaches, a lower
//! bound where the walk stops), so a client whose every request says "before now" finds its
//! entry again.
//!
//! # Bounds
//!
//! At most `[backend] cursor_cache_entries` entries, least recently used go first
//! (`quick_cache`); at most [`MAX_POSITIONS`] positions an entry (the list is thinned to
//! every other position when full); an entry is used for at most [`MAX_AGE`] after the walk
//! from the newest message that fixed its offsets, then walked again.
//!
//! # Staleness: what the cache guarantees
//!
//! Offsets of a newest-first walk move when the conversation changes. The cache answers a
//! page exactly as a walk made when its entry was born would have, and detects or bounds
//! every way that can differ from a walk made now:
//! - **The boundary message is checked on every use.** A cursor repeats the microsecond of
//!   the last message before it (Quip's bound is inclusive), so the next answer must start
//!   with the messages the cursor remembers as seen there. When it does not (the boundary
//!   message was deleted, or a message was created in its microsecond since), the position
//!   is stale: the backend forgets the entry and walks again from the newest message.
//! - **The head is checked against the request's bound.** An entry is used only when its
//!   newest message (the [`Head`]) satisfies the request's upper bound, so every remembered
//!   message is one the request selects.
//! - **Bounded in time.** Messages created after the entry was born (new at the head) and
//!   messages deleted between the head and a remembered position are not seen by these
//!   checks: for at most [`MAX_AGE`] such a page continues where the walk stood (as a cursor
//!   would: no message twice, none skipped among those that existed at the start), and the
//!   total is the one counted then. After that the entry is walked again.
//!
//! A total is only ever a count a walk made to the end; a walk cut short by the call budget
//! remembers its positions but no total.

use quick_cache::sync::Cache;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long an entry's offsets are trusted after the walk from the newest message that
/// fixed them.
pub const MAX_AGE: Duration = Duration::from_secs(60);
/// The most positions one entry keeps.
pub const MAX_POSITIONS: usize = 4_096;

/// What an entry is found by: principal, target, filter, order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey(String);

impl CacheKey {
    /// A key from the principal's user id, the target, the filter and the order, each as the
    /// backend spells it (e.g. a `Debug` rendering). Never the caller's credential.
    pub fn new(user_id: &str, target: &str, filter: &str, order: &str) -> CacheKey {
        // Each part length-prefixed: no two different tuples spell one key.
        let mut key = String::new();
        for part in [user_id, target, filter, order] {
            key.push_str(&part.len().to_string());
            key.push(':');
            key.push_str(part);
        }
        CacheKey(key)
    }
}

/// The newest message of a walk: position 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub id: String,
    pub created_usec: i64,
}

/// What the cache knows for one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Recalled<C> {
    /// The walk's newest message.
    pub head: Head,
    /// The remembered position nearest below (or at) the offset asked, and its cursor;
    /// `None`: start from the newest message.
    pub start: Option<(u64, C)>,
    /// The number of messages, when a walk reached the end.
    pub total: Option<u64>,
}

struct Entry<C> {
    head: Head,
    positions: BTreeMap<u64, C>,
    total: Option<u64>,
    born: Instant,
}

/// The bounded cache; `C` is the upstream's cursor.
pub struct CursorCache<C> {
    entries: Cache<CacheKey, Arc<Mutex<Entry<C>>>>,
    max_age: Duration,
}

impl<C: Clone + Send + 'static> CursorCache<C> {
    /// A cache of at most `capacity` entries (at least 1), trusted for [`MAX_AGE`].
    pub fn new(capacity: usize) -> CursorCache<C> {
        CursorCache::with_max_age(capacity, MAX_AGE)
    }

    /// A cache whose entries are trusted for `max_age`.
    pub fn with_max_age(capacity: usize, max_age: Duration) -> CursorCache<C> {
        CursorCache {
            entries: Cache::new(capacity.max(1)),
            max_age,
        }
    }

    /// What is remembered under `key` for a page at `offset`: `None` when nothing is, when
    /// the entry is older than the cache's age bound at `now` (it is dropped), or when
    /// `usable` refuses its head (the request's bound excludes it).
    pub fn recall(
        &self,
        key: &CacheKey,
        offset: u64,
        now: Instant,
        usable: impl Fn(&Head) -> bool,
    ) -> Option<Recalled<C>> {
        let entry = self.entries.get(key)?;
        let entry = entry.lock().unwrap_or_else(PoisonError::into_inner);
        if now.saturating_duration_since(entry.born) > self.max_age {
            drop(entry);
            self.entries.remove(key);
            return None;
        }
        if !usable(&entry.head) {
            return None;
        }
        let start = entry
            .positions
            .range(..=offset)
            .next_back()
            .map(|(at, c)| (*at, c.clone()));
        Some(Recalled {
            head: entry.head.clone(),
            start,
            total: entry.total,
        })
    }

    /// Remembers what a walk learned: its `head`, cursors at `positions` (offset → the
    /// cursor that starts there; offset 0 needs none and is not kept) and the `total` when
    /// it reached the end. A walk with the entry's head adds to it; a walk with another
    /// head (the conversation changed, or an entry was forgotten) starts a new one.
    pub fn remember(
        &self,
        key: &CacheKey,
        head: Head,
        positions: Vec<(u64, C)>,
        total: Option<u64>,
        now: Instant,
    ) {
        let existing = self.entries.get(key);
        let same = existing.as_ref().is_some_and(|e| {
            let e = e.lock().unwrap_or_else(PoisonError::into_inner);
            e.head == head && now.saturating_duration_since(e.born) <= self.max_age
        });
        let entry = match (same, existing) {
            (true, Some(e)) => e,
            _ => {
                let fresh = Arc::new(Mutex::new(Entry {
                    head,
                    positions: BTreeMap::new(),
                    total: None,
                    born: now,
                }));
                self.entries.insert(key.clone(), fresh.clone());
                fresh
            }
        };
        let mut entry = entry.lock().unwrap_or_else(PoisonError::into_inner);
        for (at, cursor) in positions.into_iter().filter(|(at, _)| *at > 0) {
            if entry.positions.len() >= MAX_POSITIONS && !entry.positions.contains_key(&at) {
                thin(&mut entry.positions);
            }
            entry.positions.insert(at, cursor);
        }
        if total.is_some() {
            entry.total = total;
        }
    }

    /// The remembered position whose cursor `matches` (e.g. the position right after a
    /// given message), under `key`; `None` when no position does or the entry is older than
    /// the cache's age bound at `now`.
    pub fn position_where(
        &self,
        key: &CacheKey,
        now: Instant,
        matches: impl Fn(&C) -> bool,
    ) -> Option<u64> {
        let entry = self.entries.get(key)?;
        let entry = entry.lock().unwrap_or_else(PoisonError::into_inner);
        if now.saturating_duration_since(entry.born) > self.max_age {
            return None;
        }
        entry
            .positions
            .iter()
            .find(|(_, c)| matches(c))
            .map(|(at, _)| *at)
    }

    /// Drops the entry under `key` (a stale position was found).
    pub fn forget(&self, key: &CacheKey) {
        self.entries.remove(key);
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Keeps every other position (the earliest stays).
fn thin<C>(positions: &mut BTreeMap<u64, C>) {
    let mut keep = false;
    positions.retain(|_, _| {
        keep = !keep;
        keep
    });
}

#[cfg(test)]
mod tests;
