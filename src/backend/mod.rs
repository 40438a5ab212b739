//! Backends: where the messages live. Exactly one serves a gateway as its primary.
//!
//! A backend answers canonical queries only; it knows no inbound dialect and authenticates
//! nobody (that is the gateway's phase, [`crate::auth`]). Cross-cutting concerns (timing,
//! fault injection, shadow comparison) are decorators around any backend
//! ([`crate::server::decorate`]).

pub mod credentials;
pub mod cursor_cache;
pub mod embedded;
pub mod fault;
pub mod http;
pub mod proxy;
pub mod quip;
pub mod rocketchat;
pub mod selfcommunity;
pub mod shadow;
pub mod timed;
pub mod tls;
pub mod upstream;

use crate::canonical::{Error, Page, Principal, RoomInfo, ThreadQuery};
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

/// A boxed, sendable future (the trait is used as `dyn Backend`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A backend's data generation ([`Backend::data_version`]): compared for equality only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DataVersion {
    /// Changes committed through this process's handle of the data.
    pub local: u64,
    /// Changes committed by anyone else (other connections, other processes).
    pub external: u64,
}

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

impl Capabilities {
    /// Everything the canonical model can ask for.
    pub const ALL: Capabilities = Capabilities {
        offset_paging: true,
        totals: true,
        cursors: true,
        direct_by_peer: true,
        replies: true,
        groups: true,
    };
}

/// What a call carries besides the query: who asked (for logs and propagation) and by when
/// the answer is needed.
#[derive(Debug, Clone, Default)]
pub struct QueryContext {
    /// The caller's request id (`x-request-id`), propagated to remote backends.
    pub request_id: Option<String>,
    /// When the caller's budget runs out; a backend gives up past it.
    pub deadline: Option<Instant>,
    /// The credential as the caller sent it, once authenticated (an upstream platform
    /// backend in passthrough mode reads with it). Its `Debug` never prints the secret.
    pub credential: Option<crate::canonical::Credential>,
    /// Which inbound dialect and route asked (`None` outside a gateway request): shadow
    /// comparison reports per dialect and route.
    pub labels: Option<RequestLabels>,
}

/// The dialect and route labels of the request a query serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLabels {
    pub dialect: &'static str,
    pub route: &'static str,
}

impl QueryContext {
    /// A context with a request id and a deadline `budget` from now.
    pub fn new(request_id: Option<String>, budget: Option<Duration>) -> QueryContext {
        QueryContext {
            request_id,
            deadline: budget.map(|b| Instant::now() + b),
            credential: None,
            labels: None,
        }
    }

    /// What is left of the budget (zero once past), `None` without a deadline.
    pub fn remaining(&self) -> Option<Duration> {
        self.deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
    }
}

/// The one interface between the gateway and a store of messages.
pub trait Backend: Send + Sync + 'static {
    /// The kind of backend (`embedded`, `http`, ...).
    fn kind(&self) -> &'static str;

    /// This instance's name in logs and metrics; two backends of one kind in one process
    /// have different labels (`embedded`, `http:127.0.0.1:7070`, `shadow:...`).
    fn label(&self) -> &str;

    fn capabilities(&self) -> Capabilities;

    /// Answers one canonical query, enforcing access for `query.principal`.
    fn query<'a>(
        &'a self,
        query: &'a ThreadQuery,
        ctx: &'a QueryContext,
    ) -> BoxFuture<'a, Result<Page, Error>>;

    /// How many upstream calls each query took (`threadgate_upstream_calls_per_request`),
    /// for backends that call a platform; the gateway registers it with its metrics.
    fn upstream_calls(&self) -> Option<prometheus::Histogram> {
        None
    }

    /// The upstream that untranslated routes of its own dialect go to, when the backend
    /// is a platform and `[backend] passthrough` is on; the gateway routes them there.
    fn passthrough(&self) -> Option<std::sync::Arc<proxy::Proxy>> {
        None
    }

    /// The generation of the data the backend answers from, when it can tell cheaply and
    /// exactly: two equal generations mean every query has the same answer. The gateway's
    /// answer cache ([`crate::server::answers`]) keeps answers only for a backend that
    /// says; `None` (the default: upstreams, whose data changes without telling) keeps none.
    fn data_version(&self) -> Option<DataVersion> {
        None
    }

    /// The rooms `principal` may read as a member (their own rooms, and public channels),
    /// each with its members, in (created, id) order: what `threadgate import --from` copies.
    /// Backends that cannot list them refuse with [`Error::Unsupported`].
    fn rooms<'a>(
        &'a self,
        _principal: &'a Principal,
        _ctx: &'a QueryContext,
    ) -> BoxFuture<'a, Result<Vec<RoomInfo>, Error>> {
        Box::pin(std::future::ready(Err(Error::Unsupported(
            "a list of the caller's rooms".into(),
        ))))
    }

    /// A cheap round trip that proves the backend answers (readiness).
    fn probe<'a>(&'a self, ctx: &'a QueryContext) -> BoxFuture<'a, Result<(), Error>>;
}

/// Whether an error says the backend failed (as opposed to the caller's query being
/// refused): the `outcome` label of backend metrics.
pub fn is_backend_failure(error: &Error) -> bool {
    matches!(
        error,
        Error::BackendUnavailable(_)
            | Error::BackendTimeout
            | Error::BadBackendAnswer(_)
            | Error::Internal(_)
    )
}

/// A backend opened from its config section, with the authenticator that goes with it.
pub struct Built {
    pub backend: std::sync::Arc<dyn Backend>,
    pub auth: std::sync::Arc<dyn crate::auth::Authenticator>,
}

/// Opens the backend a `[backend]` section describes (an embedded store is seeded when new;
/// that runs on a blocking thread). The error says what failed, naming the backend.
pub async fn build(config: &crate::config::BackendConfig) -> Result<Built, String> {
    use crate::config::BackendConfig;
    match config {
        BackendConfig::Embedded(cfg) => {
            let cfg = cfg.clone();
            let store = tokio::task::spawn_blocking(move || {
                let seed = (!cfg.seed.is_empty()).then(|| std::path::PathBuf::from(&cfg.seed));
                embedded::EmbeddedBackend::open_and_seed(
                    &cfg.path,
                    cfg.read_connections,
                    seed.as_deref(),
                )
                .map_err(|e| e.to_string())
            })
            .await
            .map_err(|e| e.to_string())??;
            let auth = store.authenticator();
            Ok(Built {
                backend: std::sync::Arc::new(store),
                auth,
            })
        }
        BackendConfig::Http(cfg) => http::build(cfg, None),
        BackendConfig::RocketChat(cfg) => rocketchat::build(cfg),
        BackendConfig::Quip(cfg) => quip::build(cfg),
        BackendConfig::SelfCommunity(cfg) => selfcommunity::build(cfg),
    }
}

/// The authenticator `[auth] directory` asks for, in place of the backend's own; the
/// directory is read now and again on SIGHUP.
pub fn with_directory(built: Built, auth: &crate::config::AuthConfig) -> Result<Built, String> {
    if auth.directory.is_empty() {
        return Ok(built);
    }
    let dir = std::sync::Arc::new(crate::auth::Directory::open(std::path::Path::new(
        &auth.directory,
    ))?);
    let reload = dir.clone();
    crate::auth::directory::on_sighup("auth.directory", move || reload.reload());
    Ok(Built {
        backend: built.backend,
        auth: dir,
    })
}
