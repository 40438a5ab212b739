//! The answer cache: a page answer kept until the data under it changes.
//!
//! Chat clients poll: the same caller asks for the same newest page again and again, and
//! while no message arrives every answer is the same bytes. Over a backend that can say
//! exactly when its data changed ([`Backend::data_version`](crate::backend::Backend), the
//! embedded store), the gateway keeps each successful page answer with the generation it
//! was read under and serves it again while the generation is the same. Every request
//! still goes through routing, authentication, rate limiting and decoding; only the
//! backend call and the encoding are skipped, and only answers a later read would repeat
//! byte for byte are served.
//!
//! What an answer is keyed by ([`Key`]):
//! - the endpoint (route), `HEAD` or not, the path and the raw query string as received;
//! - what else of the request the endpoint's encoder reads ([`Endpoint::cache_vary`],
//!   e.g. SelfCommunity's link base from `Host`); an endpoint that does not say is never
//!   cached;
//! - the whole canonical query, principal and access included, so that no caller is ever
//!   served what another was allowed to read.
//!
//! A query bounded by "created before now" (Rocket.Chat's `dm.history` without `latest`)
//! is different every microsecond, but its answer only changes when a message falls
//! between two such bounds. The bound is left out of the key; the entry keeps the newest
//! matching message's time under no bound (one more backend call, on a miss only), and is
//! served only to a bound that admits that message, exactly when the bound excludes
//! nothing and the answer is the one without it.
//!
//! Bounded by `server.answer_cache_bytes` (bodies and keys), least recently and least
//! frequently used first (quick_cache); `0` turns it off. Counted in
//! `threadgate_answer_cache_total{outcome="hit|miss|stale|uncacheable"}`.

use crate::backend::{Backend, DataVersion, QueryContext};
use crate::canonical::{Error, Order, Slice, ThreadQuery, TimeBound};
use crate::dialect::{Endpoint, Reply, RequestView};
use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use prometheus::IntCounterVec;
use quick_cache::sync::Cache;
use quick_cache::Weighter;

/// What one answer is kept under.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    route: &'static str,
    head: bool,
    path: String,
    raw_query: String,
    vary: String,
    /// The query without its `created_before` bound ([`Key::bounded`] says whether it had one).
    query: ThreadQuery,
    bounded: bool,
}

/// A kept answer.
#[derive(Clone)]
struct Entry {
    version: DataVersion,
    /// For a bounded key: the newest matching message's creation time under no bound
    /// (`None`: no message matches); a lookup's bound must admit it.
    newest_usec: Option<i64>,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

#[derive(Clone)]
struct ByBytes;

impl Weighter<Key, Entry> for ByBytes {
    fn weight(&self, key: &Key, entry: &Entry) -> u64 {
        let key_bytes = key.path.len() + key.raw_query.len() + key.vary.len() + 256;
        let header_bytes: usize = entry
            .headers
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len() + 16)
            .sum();
        (entry.body.len() + key_bytes + header_bytes + 128) as u64
    }
}

/// The cache and its counters.
pub struct Answers {
    cache: Cache<Key, Entry, ByBytes>,
    outcomes: IntCounterVec,
}

/// A request's place in the cache, found before the backend is asked.
pub struct Lookup {
    key: Key,
    version: DataVersion,
    bound: Option<TimeBound>,
}

impl Answers {
    /// A cache of at most `bytes` (weighed as [`ByBytes`] does).
    pub fn new(bytes: u64, outcomes: IntCounterVec) -> Answers {
        // quick_cache sizes its tables from an item estimate: a page of about 16 KB.
        let items = usize::try_from((bytes / 16_384).clamp(16, 1 << 20)).unwrap_or(1 << 10);
        Answers {
            cache: Cache::with_weighter(items, bytes, ByBytes),
            outcomes,
        }
    }

    fn count(&self, outcome: &str) {
        self.outcomes.with_label_values(&[outcome]).inc();
    }

    /// Where `query` from `req` would be kept, and the answer kept there if it is still the
    /// one a read now would give.
    pub fn find(
        &self,
        backend: &dyn Backend,
        endpoint: &dyn Endpoint,
        req: &RequestView<'_>,
        query: &ThreadQuery,
    ) -> (Option<Lookup>, Option<Reply>) {
        let (Some(vary), Some(version)) = (endpoint.cache_vary(req), backend.data_version()) else {
            self.count("uncacheable");
            return (None, None);
        };
        let mut keyed = query.clone();
        let bound = keyed.filter.created_before.take();
        let key = Key {
            route: endpoint.route(),
            head: req.method == http::Method::HEAD,
            path: req.path.to_owned(),
            raw_query: req.query.unwrap_or_default().to_owned(),
            vary,
            query: keyed,
            bounded: bound.is_some(),
        };
        let kept = self
            .cache
            .get(&key)
            .filter(|e| e.version == version && bound.map_or(true, |b| admits(b, e.newest_usec)));
        let reply = match kept {
            Some(e) => {
                self.count("hit");
                let mut reply = Reply::new(e.body);
                *reply.status_mut() = e.status;
                *reply.headers_mut() = e.headers;
                Some(reply)
            }
            None => {
                self.count("miss");
                None
            }
        };
        let lookup = Lookup {
            key,
            version,
            bound,
        };
        (Some(lookup), reply)
    }

    /// Keeps `reply` (a 200 only) for `lookup`. A bounded query's entry is kept only when
    /// its bound excluded nothing: one more query asks for the newest matching message.
    pub async fn keep(
        &self,
        backend: &dyn Backend,
        ctx: &QueryContext,
        lookup: Lookup,
        query: &ThreadQuery,
        reply: &Reply,
    ) {
        if reply.status() != StatusCode::OK {
            return;
        }
        let newest_usec = match lookup.bound {
            None => None,
            Some(bound) => match newest(backend, ctx, query).await {
                Ok(newest) if admits(bound, newest) => newest,
                // The bound excluded a message (or the check failed): this answer belongs
                // to this bound only; not kept.
                _ => {
                    self.count("stale");
                    return;
                }
            },
        };
        self.cache.insert(
            lookup.key,
            Entry {
                version: lookup.version,
                newest_usec,
                status: reply.status(),
                headers: reply.headers().clone(),
                body: reply.body().clone(),
            },
        );
    }
}

/// Whether `bound` leaves in the newest matching message (at `newest_usec`; `None`: none
/// matches), i.e. excludes nothing.
fn admits(bound: TimeBound, newest_usec: Option<i64>) -> bool {
    newest_usec.map_or(true, |n| bound.admits_before(n))
}

/// The creation time of the newest message `query` matches with no `created_before`.
async fn newest(
    backend: &dyn Backend,
    ctx: &QueryContext,
    query: &ThreadQuery,
) -> Result<Option<i64>, Error> {
    let mut probe = query.clone();
    probe.filter.created_before = None;
    probe.order = Order::Descending;
    probe.slice = Slice::Offset {
        offset: 0,
        limit: Some(1),
    };
    probe.want_total = false;
    probe.unreads = None;
    let page = backend.query(&probe, ctx).await?;
    Ok(page.messages.first().map(|m| m.created_usec))
}
