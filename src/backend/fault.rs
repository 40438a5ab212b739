//! Fault injection, for drills; everything off by default. Decorators around any backend:
//! [`Delayed`] delays every query (`[fault] backend_delay_ms`: timeouts, graceful shutdown),
//! [`Jittered`] gives every answer's messages a new `updated_usec` (`[fault]
//! jitter_updated_usec`: a backend whose answers are never quite the same, for shadow
//! comparison's noise detection). The gateway and `threadgate backend` both apply `[fault]`.

use super::{Backend, BoxFuture, Capabilities, QueryContext};
use crate::canonical::{Error, Page, ThreadQuery};
use crate::config::FaultConfig;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// `backend` with the faults `[fault]` asks for (itself when none), each announced in the log.
pub fn apply(fault: &FaultConfig, backend: Arc<dyn Backend>) -> Arc<dyn Backend> {
    let mut backend = backend;
    if fault.jitter_updated_usec {
        tracing::warn!("fault injection: every answer's updated_usec jitters");
        backend = Arc::new(Jittered::new(backend));
    }
    if fault.backend_delay_ms > 0 {
        tracing::warn!(
            delay_ms = fault.backend_delay_ms,
            "fault injection: every backend query is delayed"
        );
        backend = Arc::new(Delayed::new(
            backend,
            Duration::from_millis(fault.backend_delay_ms),
        ));
    }
    backend
}

/// Delays `query` calls of the inner backend (probes are not delayed).
pub struct Delayed {
    inner: Arc<dyn Backend>,
    delay: Duration,
}

impl Delayed {
    pub fn new(inner: Arc<dyn Backend>, delay: Duration) -> Self {
        Delayed { inner, delay }
    }
}

impl Backend for Delayed {
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }

    fn label(&self) -> &str {
        self.inner.label()
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    fn query<'a>(
        &'a self,
        query: &'a ThreadQuery,
        ctx: &'a QueryContext,
    ) -> BoxFuture<'a, Result<Page, Error>> {
        Box::pin(async move {
            tokio::time::sleep(self.delay).await;
            self.inner.query(query, ctx).await
        })
    }

    fn rooms<'a>(
        &'a self,
        principal: &'a crate::canonical::Principal,
        ctx: &'a QueryContext,
    ) -> BoxFuture<'a, Result<Vec<crate::canonical::RoomInfo>, Error>> {
        self.inner.rooms(principal, ctx)
    }

    fn probe<'a>(&'a self, ctx: &'a QueryContext) -> BoxFuture<'a, Result<(), Error>> {
        self.inner.probe(ctx)
    }
}

/// Sets every message's `updated_usec` (page and first unread) to its creation time plus a
/// number of microseconds that changes on every answer (1 to 999,999), from a random start.
pub struct Jittered {
    inner: Arc<dyn Backend>,
    answers: AtomicI64,
    /// Random per instance: two jittering backends do not jitter alike.
    seed: i64,
}

impl Jittered {
    pub fn new(inner: Arc<dyn Backend>) -> Self {
        let (seed, _) = uuid::Uuid::new_v4().as_u64_pair();
        Jittered {
            inner,
            answers: AtomicI64::new(0),
            seed: (seed % 999_999) as i64,
        }
    }

    fn jitter(&self, page: &mut Page) {
        let n = self.answers.fetch_add(1, Ordering::Relaxed);
        // Consecutive answers differ (7919 is prime to 999,999); the seed sets the start.
        let offset = (self.seed + n.rem_euclid(999_999) * 7919).rem_euclid(999_999) + 1;
        let first = page.unreads.as_mut().and_then(|u| u.first.as_mut());
        for m in page.messages.iter_mut().chain(first) {
            m.updated_usec = Some(m.created_usec.saturating_add(offset));
        }
    }
}

impl Backend for Jittered {
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }

    fn label(&self) -> &str {
        self.inner.label()
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    fn query<'a>(
        &'a self,
        query: &'a ThreadQuery,
        ctx: &'a QueryContext,
    ) -> BoxFuture<'a, Result<Page, Error>> {
        Box::pin(async move {
            let mut page = self.inner.query(query, ctx).await?;
            self.jitter(&mut page);
            Ok(page)
        })
    }

    fn rooms<'a>(
        &'a self,
        principal: &'a crate::canonical::Principal,
        ctx: &'a QueryContext,
    ) -> BoxFuture<'a, Result<Vec<crate::canonical::RoomInfo>, Error>> {
        self.inner.rooms(principal, ctx)
    }

    fn probe<'a>(&'a self, ctx: &'a QueryContext) -> BoxFuture<'a, Result<(), Error>> {
        self.inner.probe(ctx)
    }
}
