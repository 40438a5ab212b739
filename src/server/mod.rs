//! The gateway process: listeners, the shared state, readiness and graceful shutdown.

pub mod admin;
pub mod metrics;
pub mod pipeline;
pub mod router;
pub mod stack;

use crate::backend::{fault::Delayed, Backend};
use crate::config::{BackendKind, Config};
use crate::dialect::{rocketchat::RocketChat, DialectFace};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use metrics::Metrics;
use router::Router;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower::ServiceExt;

/// Everything a request may use, shared by all connections.
pub struct Gateway {
    pub config: Config,
    pub backend: Arc<dyn Backend>,
    pub router: Router,
    pub metrics: Metrics,
    backend_ok: AtomicBool,
    shutting_down: AtomicBool,
}

impl Gateway {
    /// The shared state for `config` in front of `backend`; `backend_ok` is the result of
    /// the first readiness probe. SelfCommunity integers come from the backend's id map, or
    /// from a map in memory for a backend that keeps none.
    pub fn new(
        config: Config,
        backend: Arc<dyn Backend>,
        backend_ok: bool,
    ) -> Result<Gateway, StartError> {
        let ids = match backend
            .id_map()
            .map_err(|e| StartError::Backend(e.to_string()))?
        {
            Some(ids) => ids,
            None => Arc::new(
                crate::idmap::IdMap::in_memory().map_err(|e| StartError::Backend(e.to_string()))?,
            ),
        };
        Ok(Gateway {
            router: Router::new(dialects(&config, &ids)),
            metrics: Metrics::new()?,
            backend,
            backend_ok: AtomicBool::new(backend_ok),
            shutting_down: AtomicBool::new(false),
            config,
        })
    }

    /// Ready = the backend answered its last probe and no shutdown has begun.
    pub fn is_ready(&self) -> bool {
        self.backend_ok.load(Ordering::Acquire) && !self.is_shutting_down()
    }

    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Acquire)
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
    #[error("cannot listen on {addr} ({which}): {source}")]
    Bind {
        which: &'static str,
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("metrics: {0}")]
    Metrics(#[from] prometheus::Error),
}

/// Opens the configured backend (seeding it when new, and assigning SelfCommunity integers
/// to everything in it), with fault injection if configured.
pub async fn build_backend(config: &Config) -> Result<Arc<dyn Backend>, StartError> {
    let backend: Arc<dyn Backend> = match config.backend.kind {
        BackendKind::Embedded => {
            let cfg = config.backend.clone();
            let store = tokio::task::spawn_blocking(move || {
                let seed = (!cfg.seed.is_empty()).then(|| std::path::PathBuf::from(&cfg.seed));
                let store = crate::backend::embedded::EmbeddedBackend::open_and_seed(
                    &cfg.path,
                    cfg.read_connections,
                    seed.as_deref(),
                )
                .map_err(|e| e.to_string())?;
                // Bulk assignment on this blocking thread, not on the first request.
                store.id_map().map_err(|e| e.to_string())?;
                Ok::<_, String>(store)
            })
            .await
            .map_err(|e| StartError::Backend(e.to_string()))?
            .map_err(StartError::Backend)?;
            Arc::new(store)
        }
    };
    Ok(wrap_backend(config, backend))
}

/// Wraps an opened backend in what the config asks for on top of it (fault injection).
pub fn wrap_backend(config: &Config, backend: Arc<dyn Backend>) -> Arc<dyn Backend> {
    match config.fault.backend_delay_ms {
        0 => backend,
        ms => {
            tracing::warn!(
                delay_ms = ms,
                "fault injection: every backend query is delayed"
            );
            Arc::new(Delayed::new(backend, Duration::from_millis(ms)))
        }
    }
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

/// A running gateway: its bound addresses and the handle to stop it.
pub struct Running {
    pub addr: SocketAddr,
    pub admin_addr: SocketAddr,
    pub gateway: Arc<Gateway>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Running {
    /// Begins graceful shutdown: `/readyz` answers 503 at once, the API listener stops
    /// accepting, in-flight requests get `server.shutdown_grace_ms` to finish.
    pub fn shutdown(&self) {
        self.gateway.shutting_down.store(true, Ordering::Release);
        let _ = self.stop.send(true);
    }

    /// Waits until the gateway has stopped (after [`Running::shutdown`]).
    pub async fn wait(self) {
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "gateway task failed");
        }
    }
}

/// Opens the backend and starts both listeners.
pub async fn start(config: Config) -> Result<Running, StartError> {
    let backend = build_backend(&config).await?;
    start_with_backend(config, backend).await
}

/// Starts both listeners in front of an already opened backend.
pub async fn start_with_backend(
    config: Config,
    backend: Arc<dyn Backend>,
) -> Result<Running, StartError> {
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
    let first_probe = backend.probe().await;
    if let Err(e) = &first_probe {
        tracing::warn!(error = %e, "backend not ready yet");
    }
    let gateway = Arc::new(Gateway::new(config, backend, first_probe.is_ok())?);
    tracing::info!(%addr, listener = "api", "listening");
    tracing::info!(addr = %admin_addr, listener = "admin", "listening");

    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(run(gateway.clone(), api, admin, stopped));
    Ok(Running {
        addr,
        admin_addr,
        gateway,
        stop,
        task,
    })
}

async fn run(
    gw: Arc<Gateway>,
    api: TcpListener,
    admin: TcpListener,
    stopped: watch::Receiver<bool>,
) {
    let prober = tokio::spawn(probe_loop(gw.clone(), stopped.clone()));
    let admin_task = tokio::spawn(serve_admin(gw.clone(), admin));
    serve_api(gw.clone(), api, stopped).await;
    prober.abort();
    admin_task.abort();
    tracing::info!("stopped");
}

/// Probes the backend every few seconds until shutdown (twice a second while it fails).
async fn probe_loop(gw: Arc<Gateway>, mut stopped: watch::Receiver<bool>) {
    loop {
        let every = if gw.backend_ok.load(Ordering::Acquire) {
            5_000
        } else {
            500
        };
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(every)) => {}
            _ = stopped.changed() => return,
        }
        let ok = gw.backend.probe().await;
        let was = gw.backend_ok.swap(ok.is_ok(), Ordering::AcqRel);
        match (&ok, was) {
            (Ok(()), false) => tracing::info!(backend = gw.backend.name(), "backend ready"),
            (Err(e), true) => tracing::warn!(error = %e, "backend probe failed"),
            _ => {}
        }
    }
}

async fn serve_api(gw: Arc<Gateway>, listener: TcpListener, mut stopped: watch::Receiver<bool>) {
    let stack = stack::build(gw.clone());
    let graceful = GracefulShutdown::new();
    let builder = auto::Builder::new(TokioExecutor::new());
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stopped.changed() => break,
        };
        let _ = stream.set_nodelay(true);
        let stack = stack.clone();
        let svc = tower::service_fn(move |mut req: http::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(PeerAddr(peer));
            stack.clone().oneshot(req)
        });
        let conn = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(svc));
        let conn = graceful.watch(conn.into_owned());
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
        });
    }
    drop(listener);
    let grace = Duration::from_millis(gw.config.server.shutdown_grace_ms);
    tracing::info!(
        grace_ms = grace.as_millis() as u64,
        "shutting down: draining connections"
    );
    tokio::select! {
        _ = graceful.shutdown() => tracing::info!("all connections drained"),
        _ = tokio::time::sleep(grace) => tracing::warn!("grace period over: closing remaining connections"),
    }
}

/// Serves the admin listener until the gateway's task ends (it is aborted then).
async fn serve_admin(gw: Arc<Gateway>, listener: TcpListener) {
    let builder = auto::Builder::new(TokioExecutor::new());
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                tracing::warn!(error = %e, "admin accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let gw = gw.clone();
        let svc = hyper::service::service_fn(move |req| admin::handle(gw.clone(), req));
        let builder = builder.clone();
        tokio::spawn(async move {
            let _ = builder.serve_connection(TokioIo::new(stream), svc).await;
        });
    }
}
