//! Identity: the gateway's authentication phase.
//!
//! A dialect extracts a [`Credential`] from the request; an [`Authenticator`] turns it into a
//! [`Principal`] (or `Error::Unauthenticated`). Backends authenticate nobody: the gateway
//! asks its authenticator, then queries the backend on the principal's behalf.
//!
//! Implementations:
//! - the embedded store's token table
//!   ([`crate::backend::embedded::EmbeddedBackend::authenticator`]);
//! - the canonical protocol's `POST /v1/authenticate` ([`crate::backend::http`]);
//! - a seed-format directory, `[auth] directory` ([`Directory`]);
//! - a Rocket.Chat server's `GET /api/v1/me` ([`crate::backend::rocketchat`]).

mod cache;
pub mod directory;

pub use cache::CachedAuthenticator;
pub use directory::Directory;

use crate::backend::{BoxFuture, QueryContext};
use crate::canonical::{Credential, Error, Principal};
use crate::server::metrics::Metrics;
use std::sync::Arc;
use std::time::Instant;

/// Turns a credential into a principal.
pub trait Authenticator: Send + Sync + 'static {
    /// `Error::Unauthenticated(AuthFailure::Invalid)` when the credential matches no live
    /// token; `BackendUnavailable`/`BackendTimeout` when the identity store cannot answer.
    fn authenticate<'a>(
        &'a self,
        credential: &'a Credential,
        ctx: &'a QueryContext,
    ) -> BoxFuture<'a, Result<Principal, Error>>;
}

/// Times every authentication in the backend histogram (operation `authenticate`), under
/// the label of the identity store.
pub struct TimedAuthenticator {
    inner: Arc<dyn Authenticator>,
    metrics: Arc<Metrics>,
    label: String,
}

impl TimedAuthenticator {
    pub fn new(inner: Arc<dyn Authenticator>, metrics: Arc<Metrics>, label: &str) -> Self {
        TimedAuthenticator {
            inner,
            metrics,
            label: label.to_owned(),
        }
    }
}

impl Authenticator for TimedAuthenticator {
    fn authenticate<'a>(
        &'a self,
        credential: &'a Credential,
        ctx: &'a QueryContext,
    ) -> BoxFuture<'a, Result<Principal, Error>> {
        Box::pin(async move {
            let started = Instant::now();
            let result = self.inner.authenticate(credential, ctx).await;
            let ok = !matches!(&result, Err(e) if crate::backend::is_backend_failure(e));
            self.metrics
                .backend_call(&self.label, "authenticate", ok, started.elapsed());
            result
        })
    }
}
