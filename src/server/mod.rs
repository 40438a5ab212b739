//! The gateway process: listeners, the shared state, readiness and graceful shutdown.

pub mod admin;
pub mod answers;
pub mod body;
pub mod context;
pub mod health;
pub mod listen;
pub mod metrics;
pub mod passthrough;
pub mod pipeline;
pub mod router;
pub mod stack;

use crate::auth::{Authenticator, CachedAuthenticator, TimedAuthenticator};
use crate::backend::shadow::{Shadow, ShadowState};
use crate::backend::{proxy::Proxy, timed::Timed, Backend};
use crate::config::{BackendConfig, Config};
use crate::dialect::{rocketchat::RocketChat, DialectFace};
use crate::idmap::IdMap;
use health::Health;
use metrics::Metrics;
use router::Router;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Everything a request may use, shared by all connections.
pub struct Gateway {
    pub config: Config,
    /// The primary backend, timed (and delayed when fault injection is on).
    pub backend: Arc<dyn Backend>,
    /// The authentication phase.
    pub auth: Arc<dyn Authenticator>,
    pub router: Router,
    /// Where untranslated routes of the upstream's own dialect go (`[backend] passthrough`).
    pub passthrough: Option<Arc<Proxy>>,
    pub metrics: Arc<Metrics>,
    pub health: Arc<Health>,
    /// Shadow comparison's counters and samples, when `[shadow.backend]` is configured.
    pub shadow: Option<Arc<ShadowState>>,
    /// Page answers kept until the data changes (`server.answer_cache_bytes > 0`).
    pub answers: Option<answers::Answers>,
}

/// What a gateway is built from besides its config: a backend, who checks credentials, and
/// the id map.
#[derive(Clone)]
pub struct Parts {
    pub backend: Arc<dyn Backend>,
    pub auth: Arc<dyn Authenticator>,
    pub ids: Arc<IdMap>,
}

impl Gateway {
    /// The shared state for `config` over `parts` (decorated here with timing and, when
    /// configured, fault injection); `backend_ok` is the result of the first readiness
    /// probe.
    pub fn new(config: Config, parts: Parts, backend_ok: bool) -> Result<Gateway, StartError> {
        Self::with_shadow(config, parts, backend_ok, None)
    }

    /// [`Gateway::new`], with every sampled query also asked of `shadow` (its workers start on
    /// the current tokio runtime).
    pub fn with_shadow(
        config: Config,
        parts: Parts,
        backend_ok: bool,
        shadow: Option<Arc<dyn Backend>>,
    ) -> Result<Gateway, StartError> {
        let metrics = Arc::new(Metrics::new()?);
        metrics.watch_idmap(parts.ids.cache_counters())?;
        if let Some(calls) = parts.backend.upstream_calls() {
            metrics.watch_upstream_calls(calls)?;
        }
        let label = parts.backend.label().to_owned();
        let passthrough = parts.backend.passthrough();
        let mut backend = decorate(&config, parts.backend, &metrics);
        let shadow = match shadow {
            None => None,
            Some(other) => {
                let (decorated, state) = Shadow::start(backend, other, &config.shadow, &metrics)
                    .map_err(StartError::Shadow)?;
                backend = Arc::new(decorated);
                Some(state)
            }
        };
        let mut auth: Arc<dyn Authenticator> =
            Arc::new(TimedAuthenticator::new(parts.auth, metrics.clone(), &label));
        if config.auth.cache_ttl_ms > 0 {
            auth = Arc::new(CachedAuthenticator::new(
                auth,
                Duration::from_millis(config.auth.cache_ttl_ms),
                config.auth.cache_entries,
                metrics.clone(),
            ));
        }
        let answers = match config.server.answer_cache_bytes {
            0 => None,
            bytes => Some(answers::Answers::new(bytes, metrics.answer_cache()?)),
        };
        Ok(Gateway {
            answers,
            router: Router::new(dialects(&config, &parts.ids))
                .with_passthrough(passthrough.as_ref().map(|p| p.dialect())),
            passthrough,
            metrics,
            backend,
            auth,
            health: Arc::new(Health::new(backend_ok)),
            shadow,
            config,
        })
    }

    /// Ready = the backend answered its last probe and no shutdown has begun.
    pub fn is_ready(&self) -> bool {
        self.health.is_ready()
    }

    pub fn is_shutting_down(&self) -> bool {
        self.health.is_shutting_down()
    }
}

/// The peer address of a connection, set on every request's extensions.
#[derive(Debug, Clone, Copy)]
pub struct PeerAddr(pub SocketAddr);

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("backend: {0}")]
    Backend(String),
    #[error("id map: {0}")]
    IdMap(String),
    #[error("shadow: {0}")]
    Shadow(String),
    #[error("cannot listen on {addr} ({which}): {source}")]
    Bind {
        which: &'static str,
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("metrics: {0}")]
    Metrics(#[from] prometheus::Error),
}

/// Opens what the config describes: the backend with its authenticator, and the id map.
pub async fn build_parts(config: &Config) -> Result<Parts, StartError> {
    let built = crate::backend::build(&config.backend)
        .await
        .and_then(|built| crate::backend::with_directory(built, &config.auth))
        .map_err(StartError::Backend)?;
    let ids = open_idmap(config).await?;
    Ok(Parts {
        backend: built.backend,
        auth: built.auth,
        ids,
    })
}

/// Opens the `[shadow.backend]` to compare the primary with, when there is one (timed as
/// `shadow:<label>` by the shadow workers; its own `[fault]` is that of its process).
pub async fn build_shadow(config: &Config) -> Result<Option<Arc<dyn Backend>>, StartError> {
    let Some(section) = &config.shadow.backend else {
        return Ok(None);
    };
    let built = crate::backend::build(section)
        .await
        .map_err(|e| StartError::Shadow(format!("shadow.backend: {e}")))?;
    tracing::info!(
        backend = built.backend.label(),
        sample = config.shadow.sample,
        "shadow comparison on"
    );
    Ok(Some(built.backend))
}

/// Opens the gateway's id map (on a blocking thread): `[idmap] path`, a new map filled from
/// the integers an earlier version kept in the embedded store and from `[idmap] pins`;
/// with a `selfcommunity` backend, the map that gives the upstream's integers back
/// ([`IdMap::with_upstream_integers`]).
pub async fn open_idmap(config: &Config) -> Result<Arc<IdMap>, StartError> {
    let path = config.idmap_path();
    let sources = crate::idmap::Sources {
        legacy_store: match &config.backend {
            BackendConfig::Embedded(e) if e.path != ":memory:" => Some(e.path.clone().into()),
            _ => None,
        },
        pins: config.idmap_pins(),
    };
    let entries = config.idmap.cache_entries;
    let upstream_integers = matches!(config.backend, BackendConfig::SelfCommunity(_));
    let ids = tokio::task::spawn_blocking(move || {
        let map = IdMap::open_path(&path, &sources)?.with_cache_entries(entries);
        match upstream_integers {
            true => map.with_upstream_integers(),
            false => Ok(map),
        }
    })
    .await
    .map_err(|e| StartError::IdMap(e.to_string()))?
    .map_err(|e| StartError::IdMap(e.to_string()))?;
    Ok(Arc::new(ids))
}

/// Wraps a backend in the decorators every gateway has (timing) and those the config asks
/// for (fault injection). Shadow comparison wraps the result ([`Gateway::with_shadow`]).
pub fn decorate(
    config: &Config,
    backend: Arc<dyn Backend>,
    metrics: &Arc<Metrics>,
) -> Arc<dyn Backend> {
    let backend = crate::backend::fault::apply(&config.fault, backend);
    Arc::new(Timed::new(backend, metrics.clone()))
}

/// The dialects the gateway serves, as configured.
pub fn dialects(config: &Config, ids: &Arc<crate::idmap::IdMap>) -> Vec<Arc<dyn DialectFace>> {
    vec![
        Arc::new(crate::dialect::selfcommunity::SelfCommunity::new(
            config,
            ids.clone(),
        )),
        Arc::new(RocketChat::new(&config.rocketchat)),
        Arc::new(crate::dialect::quip::Quip::new(&config.quip)),
    ]
}

/// A running gateway: its bound addresses, its shared state and the handle to stop it.
pub type Running = listen::Running<Gateway>;

/// Opens the backend and the id map, and starts both listeners.
pub async fn start(config: Config) -> Result<Running, StartError> {
    let parts = build_parts(&config).await?;
    start_with(config, parts).await
}

/// Starts both listeners over already opened parts.
pub async fn start_with(config: Config, parts: Parts) -> Result<Running, StartError> {
    let bind = |which, addr| async move {
        TcpListener::bind(addr)
            .await
            .map_err(|source| StartError::Bind {
                which,
                addr,
                source,
            })
    };
    let api = bind("server.listen", config.server.listen).await?;
    let admin = bind("server.admin_listen", config.server.admin_listen).await?;
    let local = |l: &TcpListener, fallback| l.local_addr().unwrap_or(fallback);
    let addr = local(&api, config.server.listen);
    let admin_addr = local(&admin, config.server.admin_listen);

    // The first probe runs before the listeners serve, so readiness is known from the start.
    let first_probe = parts.backend.probe(&health::probe_context()).await;
    if let Err(e) = &first_probe {
        tracing::warn!(error = %e, "backend not ready yet");
    }
    let shadow = build_shadow(&config).await?;
    let gateway = Arc::new(Gateway::with_shadow(
        config,
        parts,
        first_probe.is_ok(),
        shadow,
    )?);
    tracing::info!(%addr, listener = "api", "listening");
    tracing::info!(addr = %admin_addr, listener = "admin", "listening");

    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(run(gateway.clone(), api, admin, stopped));
    let health = gateway.health.clone();
    Ok(Running::new(
        (addr, admin_addr),
        gateway,
        health,
        stop,
        task,
    ))
}

async fn run(
    gw: Arc<Gateway>,
    api: TcpListener,
    admin: TcpListener,
    stopped: watch::Receiver<bool>,
) {
    let prober = tokio::spawn(
        gw.health
            .clone()
            .probe_loop(gw.backend.clone(), stopped.clone()),
    );
    let admin_task = tokio::spawn(serve_admin(gw.clone(), admin));
    serve_api(gw.clone(), api, stopped).await;
    prober.abort();
    admin_task.abort();
    tracing::info!("stopped");
}

async fn serve_api(gw: Arc<Gateway>, listener: TcpListener, stopped: watch::Receiver<bool>) {
    let limits = listen::Limits::of(&gw.config.server);
    let metrics = gw.metrics.clone();
    listen::serve(listener, stack::build(gw), stopped, limits, metrics).await;
}

/// Serves the admin listener until the gateway's task ends (it is aborted then).
async fn serve_admin(gw: Arc<Gateway>, listener: TcpListener) {
    listen::serve_admin(listener, move |req| {
        let gw = gw.clone();
        async move {
            match admin::shadow(gw.shadow.as_deref(), &req) {
                Some(resp) => Ok(resp),
                None => admin::handle(&gw.health, &gw.metrics, req),
            }
        }
    })
    .await;
}
