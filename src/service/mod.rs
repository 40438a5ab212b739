//! `threadgate backend`: a store served over the canonical protocol
//! (`docs/canonical-api.md`), so that gateways (`[backend] kind = "http"`) can share it.
//!
//! The same operations standard as the gateway: an admin listener (`/livez`, `/readyz`,
//! `/metrics`), JSON or pretty logs with the request id, graceful drain, and no panic on any
//! body: every request is bounded in size and time and answered with a protocol body.

mod handler;

use crate::auth::Authenticator;
use crate::backend::{Backend, Built};
use crate::config::Config;
use crate::server::health::{probe_context, Health};
use crate::server::metrics::Metrics;
use crate::server::{admin, listen, StartError};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Everything a protocol request may use.
pub struct State {
    pub backend: Arc<dyn Backend>,
    pub auth: Arc<dyn Authenticator>,
    /// The shared secret callers must send; `None` = anyone on the network may ask.
    secret: Option<String>,
    pub metrics: Arc<Metrics>,
    pub health: Arc<Health>,
    /// Request bodies larger than this are refused.
    max_body: usize,
    /// The most time a request may take, whatever deadline it carries.
    max_time: Duration,
    /// This handle of the store, the first part of every data generation it reports
    /// ([`crate::protocol::Generation`]): new at each start.
    instance: String,
}

/// Where `threadgate backend` listens (the config's `[backend_service]`, or the command
/// line's overrides).
#[derive(Debug, Clone, Copy)]
pub struct Addresses {
    pub listen: SocketAddr,
    pub admin_listen: SocketAddr,
}

/// A running service: its bound addresses, its state and the handle to stop it.
pub type Running = listen::Running<State>;

/// Opens the store `[backend]` describes and serves it.
pub async fn start(config: &Config, at: Addresses) -> Result<Running, StartError> {
    let built = crate::backend::build(&config.backend)
        .await
        .and_then(|built| crate::backend::with_directory(built, &config.auth))
        .map_err(StartError::Backend)?;
    start_with(config, built, at).await
}

/// Serves an already opened backend.
pub async fn start_with(
    config: &Config,
    built: Built,
    at: Addresses,
) -> Result<Running, StartError> {
    let secret = crate::config::read_secret_file(
        "backend_service.token_file",
        &config.backend_service.token_file,
    )
    .map_err(StartError::Backend)?;
    let api = bind("backend_service.listen", at.listen).await?;
    let admin_listener = bind("backend_service.admin_listen", at.admin_listen).await?;
    let addr = api.local_addr().unwrap_or(at.listen);
    let admin_addr = admin_listener.local_addr().unwrap_or(at.admin_listen);
    // Fault injection, as configured (drills only; off by default).
    let backend = crate::backend::fault::apply(&config.fault, built.backend);
    let first = backend.probe(&probe_context()).await;
    if let Err(e) = &first {
        tracing::warn!(error = %e, "store not ready yet");
    }
    let state = Arc::new(State {
        backend,
        auth: built.auth,
        secret,
        metrics: Arc::new(Metrics::new()?),
        health: Arc::new(Health::new(first.is_ok())),
        max_body: usize::try_from(config.server.max_body_bytes).unwrap_or(usize::MAX),
        max_time: Duration::from_millis(config.server.request_timeout_ms),
        instance: crate::protocol::Generation::new_instance(),
    });
    tracing::info!(%addr, listener = "canonical", secret = state.secret.is_some(), "listening");
    tracing::info!(addr = %admin_addr, listener = "admin", "listening");
    let (stop, stopped) = watch::channel(false);
    let limits = listen::Limits::of(&config.server);
    let task = tokio::spawn(run(state.clone(), api, admin_listener, stopped, limits));
    let health = state.health.clone();
    Ok(Running::new((addr, admin_addr), state, health, stop, task))
}

async fn bind(which: &'static str, addr: SocketAddr) -> Result<TcpListener, StartError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Bind {
            which,
            addr,
            source,
        })
}

async fn run(
    state: Arc<State>,
    api: TcpListener,
    admin_listener: TcpListener,
    stopped: watch::Receiver<bool>,
    limits: listen::Limits,
) {
    let prober = tokio::spawn(
        state
            .health
            .clone()
            .probe_loop(state.backend.clone(), stopped.clone()),
    );
    let admin_state = state.clone();
    let admin_task = tokio::spawn(listen::serve_admin(admin_listener, move |req| {
        let s = admin_state.clone();
        async move { admin::handle(&s.health, &s.metrics, req) }
    }));
    let handle = state.clone();
    let service = tower::service_fn(move |req| handler::handle(handle.clone(), req));
    listen::serve(api, service, stopped, limits, state.metrics.clone()).await;
    prober.abort();
    admin_task.abort();
    tracing::info!("stopped");
}
