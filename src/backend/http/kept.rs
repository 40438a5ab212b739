//! Kept pages (`[backend] page_cache_entries`): each page the service answered with a data
//! generation, keyed by the whole canonical query (principal and access included, so that
//! no caller is ever served what another was allowed to read), with that generation.
//!
//! A kept page is never served on its own: the query is sent again with the generation
//! (`threadgate-if-data-version`), and only the service's `304 Not Modified` lets it be
//! answered; a `200` replaces it. What is saved is the page's transfer, its JSON decoding,
//! and the service's query.
//!
//! Bounded by entries, least recently and least frequently used first (quick_cache).

use crate::canonical::{Page, ThreadQuery};
use crate::protocol::Generation;
use quick_cache::sync::Cache;
use std::sync::Arc;

/// A page and the generation it was read under.
#[derive(Clone)]
pub(super) struct Kept {
    /// The header value sent back ([`Generation::value`]).
    pub(super) generation: String,
    pub(super) page: Arc<Page>,
}

/// The kept pages of one `http` backend.
pub(super) struct KeptPages {
    cache: Cache<ThreadQuery, Kept>,
}

impl KeptPages {
    /// At most `entries` pages; `None` for 0 (nothing kept, no conditional queries).
    pub(super) fn new(entries: usize) -> Option<KeptPages> {
        (entries > 0).then(|| KeptPages {
            cache: Cache::new(entries),
        })
    }

    /// The page kept for `query`, if any.
    pub(super) fn get(&self, query: &ThreadQuery) -> Option<Kept> {
        self.cache.get(query)
    }

    /// Keeps `page` for `query` under `generation`; without a generation the service cannot
    /// say when it changes, so whatever was kept for `query` is dropped instead.
    pub(super) fn keep(&self, query: &ThreadQuery, generation: Option<&Generation>, page: &Page) {
        match generation {
            Some(g) => self.cache.insert(
                query.clone(),
                Kept {
                    generation: g.value(),
                    page: Arc::new(page.clone()),
                },
            ),
            None => {
                self.cache.remove(query);
            }
        }
    }
}
