//! Fault injection: a backend wrapper that delays every call by a configured time, for
//! drills of timeouts and graceful shutdown (`[fault] backend_delay_ms`). Off by default.

use super::{Backend, BoxFuture, Capabilities};
use crate::canonical::{Credential, Error, Page, Principal, ThreadQuery};
use std::sync::Arc;
use std::time::Duration;

/// Delays `query` calls of the inner backend (authentication and probes are not delayed).
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
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    fn authenticate(&self, credential: Credential) -> BoxFuture<'_, Result<Principal, Error>> {
        self.inner.authenticate(credential)
    }

    fn query(&self, query: ThreadQuery) -> BoxFuture<'_, Result<Page, Error>> {
        Box::pin(async move {
            tokio::time::sleep(self.delay).await;
            self.inner.query(query).await
        })
    }

    fn probe(&self) -> BoxFuture<'_, Result<(), Error>> {
        self.inner.probe()
    }

    fn id_map(&self) -> Result<Option<Arc<crate::idmap::IdMap>>, Error> {
        self.inner.id_map()
    }
}
