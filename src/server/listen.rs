//! Accept loops shared by the gateway and `threadgate backend`: HTTP/1.1 and HTTP/2 on one
//! port, the peer address on every request, bounded resources, and a drain that waits for
//! requests in flight only.
//!
//! - A connection that has not sent a whole request head within `header_read_timeout` is
//!   closed (HTTP/1.1).
//! - At most `max_connections` are open; further ones wait in the kernel's accept queue
//!   (counted in `threadgate_connections_waited_total`).
//! - At shutdown the listener closes, every connection is told to finish (idle keep-alive
//!   connections close at once), and the drain ends as soon as no request is in flight:
//!   connections that are idle or have sent half a request are not waited for. Requests in
//!   flight get the grace period.

use super::metrics::Metrics;
use super::PeerAddr;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::{Body, Frame, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify, OwnedSemaphorePermit, Semaphore};
use tower::{Service, ServiceExt};

/// A running process's listeners (the gateway's, or `threadgate backend`'s): the bound
/// addresses, the state they serve, and the handle to stop them.
pub struct Running<S> {
    pub addr: std::net::SocketAddr,
    pub admin_addr: std::net::SocketAddr,
    pub state: Arc<S>,
    health: Arc<super::health::Health>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl<S> Running<S> {
    pub fn new(
        addrs: (std::net::SocketAddr, std::net::SocketAddr),
        state: Arc<S>,
        health: Arc<super::health::Health>,
        stop: watch::Sender<bool>,
        task: tokio::task::JoinHandle<()>,
    ) -> Running<S> {
        Running {
            addr: addrs.0,
            admin_addr: addrs.1,
            state,
            health,
            stop,
            task,
        }
    }

    /// Begins graceful shutdown: `/readyz` answers 503 at once, the listener stops
    /// accepting, requests in flight get `server.shutdown_grace_ms` to finish.
    pub fn shutdown(&self) {
        self.health.begin_shutdown();
        let _ = self.stop.send(true);
    }

    /// Waits until the listeners have stopped (after [`Running::shutdown`]).
    pub async fn wait(self) {
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "listener task failed");
        }
    }
}

/// What one listener allows.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_read_timeout: Duration,
    pub max_connections: usize,
    /// How long requests in flight may take to finish once shutdown begins.
    pub grace: Duration,
}

impl Limits {
    /// The `[server]` limits.
    pub fn of(server: &crate::config::ServerConfig) -> Limits {
        Limits {
            header_read_timeout: Duration::from_millis(server.header_read_timeout_ms),
            max_connections: server.max_connections,
            grace: Duration::from_millis(server.shutdown_grace_ms),
        }
    }
}

/// Requests whose answer has not been handed to the connection yet.
#[derive(Default)]
struct InFlight {
    count: AtomicUsize,
    idle: Notify,
}

/// One request in flight; the count drops when the answer's body has been sent (or dropped).
struct Ticket(Arc<InFlight>);

impl Ticket {
    fn new(tracker: &Arc<InFlight>) -> Ticket {
        tracker.count.fetch_add(1, Ordering::AcqRel);
        Ticket(tracker.clone())
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

impl InFlight {
    /// Resolves once no request is in flight.
    async fn drained(&self) {
        loop {
            let notified = self.idle.notified();
            if self.count.load(Ordering::Acquire) == 0 {
                return;
            }
            notified.await;
        }
    }
}

/// An answer body that holds its request's [`Ticket`] until hyper has taken the last frame
/// (a streamed answer stays in flight until its end).
pub struct Tracked<B> {
    inner: B,
    _ticket: Ticket,
}

impl<B: Body + Unpin> Body for Tracked<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Serves `service` on every connection of `listener` until `stopped` changes, then drains.
pub async fn serve<S, B>(
    listener: TcpListener,
    service: S,
    mut stopped: watch::Receiver<bool>,
    limits: Limits,
    metrics: Arc<Metrics>,
) where
    S: Service<
            http::Request<hyper::body::Incoming>,
            Response = http::Response<B>,
            Error = Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: Body<Data = Bytes> + Unpin + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let graceful = GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let in_flight = Arc::new(InFlight::default());
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
        let Some(slot) = admit(&slots, &mut stopped, &metrics).await else {
            break;
        };
        let _ = stream.set_nodelay(true);
        let service = service.clone();
        let tracker = in_flight.clone();
        let svc = tower::service_fn(move |mut req: http::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(PeerAddr(peer));
            let ticket = Ticket::new(&tracker);
            let answer = service.clone().oneshot(req);
            async move {
                let resp = answer.await?;
                Ok::<_, Infallible>(resp.map(|inner| Tracked {
                    inner,
                    _ticket: ticket,
                }))
            }
        });
        let conn = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(svc));
        let conn = graceful.watch(conn.into_owned());
        let metrics = metrics.clone();
        metrics.connection_opened();
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
            metrics.connection_closed();
            drop(slot);
        });
    }
    drop(listener);
    drain(graceful, &in_flight, limits.grace).await;
}

/// A slot for one more connection. At the limit, the connection just accepted waits for one,
/// and the ones after it wait in the kernel's accept queue. `None` once shutdown begins.
async fn admit(
    slots: &Arc<Semaphore>,
    stopped: &mut watch::Receiver<bool>,
    metrics: &Metrics,
) -> Option<OwnedSemaphorePermit> {
    if let Ok(slot) = slots.clone().try_acquire_owned() {
        return Some(slot);
    }
    metrics.connection_waited();
    tokio::select! {
        slot = slots.clone().acquire_owned() => slot.ok(),
        _ = stopped.changed() => None,
    }
}

/// Waits until every connection has finished, or no request is in flight any more, or the
/// grace period is over, whichever comes first.
async fn drain(graceful: GracefulShutdown, in_flight: &InFlight, grace: Duration) {
    tracing::info!(
        grace_ms = grace.as_millis() as u64,
        in_flight = in_flight.count.load(Ordering::Acquire),
        "shutting down: draining requests in flight"
    );
    tokio::select! {
        _ = graceful.shutdown() => tracing::info!("all connections drained"),
        _ = in_flight.drained() => {
            // Give the last answers a moment to leave the socket buffers.
            tokio::time::sleep(Duration::from_millis(20)).await;
            tracing::info!("no request in flight: closing the remaining connections");
        }
        _ = tokio::time::sleep(grace) => tracing::warn!("grace period over: closing remaining connections"),
    }
}

/// Serves a small admin service (`/livez`, `/readyz`, `/metrics`) until the task is aborted.
pub async fn serve_admin<F, Fut>(listener: TcpListener, handle: F)
where
    F: Fn(http::Request<hyper::body::Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<http::Response<Full<Bytes>>, Infallible>> + Send + 'static,
{
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(10));
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                tracing::warn!(error = %e, "admin accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let svc = hyper::service::service_fn(handle.clone());
        let builder = builder.clone();
        tokio::spawn(async move {
            let _ = builder.serve_connection(TokioIo::new(stream), svc).await;
        });
    }
}
