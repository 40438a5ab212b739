//! Kept pages (`[backend] page_cache_bytes`): each page the service answered with a data
//! generation, keyed by the whole canonical query (principal and access included, so that
//! no caller is ever served what another was allowed to read), with that generation.
//!
//! A kept page is never served on its own: the query is sent again with the generation
//! (`threadgate-if-data-version`), and only the service's `304 Not Modified` lets it be
//! answered; a `200` replaces it. What is saved is the page's transfer, its JSON decoding,
//! and the service's query.
//!
//! Bounded in bytes (each page weighed by the answer it came in, plus its key),
//! least recently and least frequently used first (quick_cache).

use crate::canonical::{Page, ThreadQuery};
use crate::protocol::Generation;
use quick_cache::sync::Cache;
use quick_cache::Weighter;
use std::sync::Arc;

/// A page and the generation it was read under.
#[derive(Clone)]
pub(super) struct Kept {
    /// The header value sent back ([`Generation::value`]).
    pub(super) generation: String,
    pub(super) page: Arc<Page>,
    /// The size of the answer the page came in.
    bytes: u64,
}

#[derive(Clone)]
struct ByBytes;

impl Weighter<ThreadQuery, Kept> for ByBytes {
    fn weight(&self, _query: &ThreadQuery, kept: &Kept) -> u64 {
        kept.bytes + 512
    }
}

/// The kept pages of one `http` backend.
pub(super) struct KeptPages {
    cache: Cache<ThreadQuery, Kept, ByBytes>,
}

impl KeptPages {
    /// At most `bytes` of pages; `None` for 0 (nothing kept, no conditional queries).
    pub(super) fn new(bytes: u64) -> Option<KeptPages> {
        // quick_cache sizes its tables from an item estimate: a page of about 16 KB.
        let items = usize::try_from((bytes / 16_384).clamp(16, 1 << 20)).unwrap_or(1 << 10);
        (bytes > 0).then(|| KeptPages {
            cache: Cache::with_weighter(items, bytes, ByBytes),
        })
    }

    /// The page kept for `query`, if any.
    pub(super) fn get(&self, query: &ThreadQuery) -> Option<Kept> {
        self.cache.get(query)
    }

    /// Keeps `page` (which came in an answer of `bytes`) for `query` under `generation`;
    /// without a generation the service cannot say when it changes, so whatever was kept for
    /// `query` is dropped instead.
    pub(super) fn keep(
        &self,
        query: &ThreadQuery,
        generation: Option<&Generation>,
        page: &Page,
        bytes: usize,
    ) {
        match generation {
            Some(g) => self.cache.insert(
                query.clone(),
                Kept {
                    generation: g.value(),
                    page: Arc::new(page.clone()),
                    bytes: bytes as u64,
                },
            ),
            None => {
                self.cache.remove(query);
            }
        }
    }
}
