//! Timing: a decorator that records every call of any backend in the
//! `threadgate_backend_duration_seconds` histogram, labelled with the backend's label.

use super::{is_backend_failure, Backend, BoxFuture, Capabilities, QueryContext};
use crate::canonical::{Error, Page, ThreadQuery};
use crate::server::metrics::Metrics;
use std::sync::Arc;
use std::time::Instant;

/// Times the calls of the inner backend.
pub struct Timed {
    inner: Arc<dyn Backend>,
    metrics: Arc<Metrics>,
}

impl Timed {
    pub fn new(inner: Arc<dyn Backend>, metrics: Arc<Metrics>) -> Self {
        Timed { inner, metrics }
    }
}

impl Backend for Timed {
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
            let started = Instant::now();
            let result = self.inner.query(query, ctx).await;
            let ok = !matches!(&result, Err(e) if is_backend_failure(e));
            self.metrics
                .backend_call(self.label(), "query", ok, started.elapsed());
            result
        })
    }

    fn data_version(&self) -> Option<super::DataVersion> {
        self.inner.data_version()
    }

    fn rooms<'a>(
        &'a self,
        principal: &'a crate::canonical::Principal,
        ctx: &'a QueryContext,
    ) -> BoxFuture<'a, Result<Vec<crate::canonical::RoomInfo>, Error>> {
        Box::pin(async move {
            let started = Instant::now();
            let result = self.inner.rooms(principal, ctx).await;
            let ok = !matches!(&result, Err(e) if is_backend_failure(e));
            self.metrics
                .backend_call(self.label(), "rooms", ok, started.elapsed());
            result
        })
    }

    fn probe<'a>(&'a self, ctx: &'a QueryContext) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let started = Instant::now();
            let result = self.inner.probe(ctx).await;
            self.metrics
                .backend_call(self.label(), "probe", result.is_ok(), started.elapsed());
            result
        })
    }
}
