//! Backends: where the messages live. Exactly one serves a gateway.
//!
//! A backend answers canonical queries only; it knows no inbound dialect.

pub mod embedded;
pub mod fault;

use crate::canonical::{Credential, Error, Page, Principal, ThreadQuery};
use std::future::Future;
use std::pin::Pin;

/// A boxed, sendable future (the trait is used as `dyn Backend`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a backend can do natively; the gateway plans around what it cannot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// Skip/take paging at any offset.
    pub offset_paging: bool,
    /// Counts of all matching messages.
    pub totals: bool,
    /// Opaque continuation positions.
    pub cursors: bool,
    /// One-to-one conversations looked up by peer.
    pub direct_by_peer: bool,
    /// Thread replies by root message.
    pub replies: bool,
    /// Group conversations by group id.
    pub groups: bool,
}

/// The one interface between the gateway and a store of messages.
pub trait Backend: Send + Sync + 'static {
    /// A short name for logs and metrics (`embedded`, `http`, ...).
    fn name(&self) -> &'static str;

    fn capabilities(&self) -> Capabilities;

    /// Checks credentials; `Error::Unauthenticated(AuthFailure::Invalid)` when they match no
    /// live token.
    fn authenticate(&self, credential: Credential) -> BoxFuture<'_, Result<Principal, Error>>;

    /// Answers one canonical query, enforcing access for `query.principal`.
    fn query(&self, query: ThreadQuery) -> BoxFuture<'_, Result<Page, Error>>;

    /// A cheap round trip that proves the backend answers (readiness).
    fn probe(&self) -> BoxFuture<'_, Result<(), Error>>;

    /// The persistent map of SelfCommunity integers kept with this backend's data, when it
    /// has one (the embedded store keeps it in its own database, seed pins included).
    fn id_map(&self) -> Result<Option<std::sync::Arc<crate::idmap::IdMap>>, Error> {
        Ok(None)
    }
}
