//! Readiness, shared by the gateway and `threadgate backend`: whether the backend answered
//! its last probe, whether shutdown has begun, and the loop that keeps probing.

use crate::backend::{Backend, QueryContext};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// What `/readyz` reports.
#[derive(Debug)]
pub struct Health {
    backend_ok: AtomicBool,
    shutting_down: AtomicBool,
}

impl Health {
    /// `backend_ok`: the result of the first probe.
    pub fn new(backend_ok: bool) -> Health {
        Health {
            backend_ok: AtomicBool::new(backend_ok),
            shutting_down: AtomicBool::new(false),
        }
    }

    /// Ready = the backend answered its last probe and no shutdown has begun.
    pub fn is_ready(&self) -> bool {
        self.backend_ok.load(Ordering::Acquire) && !self.is_shutting_down()
    }

    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Acquire)
    }

    /// `/readyz` answers 503 from now on.
    pub fn begin_shutdown(&self) {
        self.shutting_down.store(true, Ordering::Release);
    }

    /// Probes `backend` every few seconds until `stopped` changes (twice a second while it
    /// fails), logging each change of state.
    pub async fn probe_loop(
        self: Arc<Self>,
        backend: Arc<dyn Backend>,
        mut stopped: watch::Receiver<bool>,
    ) {
        loop {
            let every = if self.backend_ok.load(Ordering::Acquire) {
                5_000
            } else {
                500
            };
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(every)) => {}
                _ = stopped.changed() => return,
            }
            let ok = backend.probe(&probe_context()).await;
            let was = self.backend_ok.swap(ok.is_ok(), Ordering::AcqRel);
            match (&ok, was) {
                (Ok(()), false) => tracing::info!(backend = backend.label(), "backend ready"),
                (Err(e), true) => tracing::warn!(error = %e, "backend probe failed"),
                _ => {}
            }
        }
    }
}

/// A readiness probe gives up after two seconds.
pub fn probe_context() -> QueryContext {
    QueryContext::new(None, Some(Duration::from_secs(2)))
}
