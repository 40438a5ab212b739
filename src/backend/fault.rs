//! Fault injection: a decorator that delays every query of any backend by a configured time,
//! for drills of timeouts and graceful shutdown (`[fault] backend_delay_ms`). Off by default.

use super::{Backend, BoxFuture, Capabilities, QueryContext};
use crate::canonical::{Error, Page, ThreadQuery};
use std::sync::Arc;
use std::time::Duration;

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

    fn probe<'a>(&'a self, ctx: &'a QueryContext) -> BoxFuture<'a, Result<(), Error>> {
        self.inner.probe(ctx)
    }
}
