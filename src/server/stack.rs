//! The tower layers of the API listener, in one place, outermost first:
//!
//! 1. request id: `x-request-id` kept if sent, generated otherwise (tower-http), and
//! 2. propagated to the response (tower-http). These two sit outside the panic guard so that
//!    even the 500 of a panic carries the id; neither touches request data beyond that header.
//! 3. catch panic: a panic below answers 500 in the caller's dialect.
//! 4. observe: tracing span and log line (`request_id`, `dialect`, `route`, `status`,
//!    `elapsed_ms`) and request metrics.
//! 5. timeout: `server.request_timeout_ms`, answered 504 in the caller's dialect.
//! 6. concurrency limit: `server.max_concurrent_requests`; excess requests wait (within the
//!    timeout) for a slot.
//! 7. body limit: a declared body over `server.max_body_bytes` is refused with 413.
//! 8. the router and the per-endpoint pipeline.

use super::{router::Resolved, Gateway};
use crate::canonical::Error;
use crate::dialect::{unclaimed_error, QueryPairs, Reply, RequestView};
use bytes::Bytes;
use futures_util::FutureExt;
use http::{HeaderMap, Method, Request, Response};
use http_body_util::Full;
use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tower::limit::ConcurrencyLimitLayer;
use tower::{Layer, Service, ServiceBuilder, ServiceExt};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tracing::Instrument;

/// The response type of every layer.
pub type Resp = Response<Full<Bytes>>;
type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// A service the layers below can call.
pub trait Inner<B>:
    Service<Request<B>, Response = Resp, Error = Infallible, Future: Send> + Clone + Send + 'static
{
}
impl<T, B> Inner<B> for T where
    T: Service<Request<B>, Response = Resp, Error = Infallible, Future: Send>
        + Clone
        + Send
        + 'static
{
}

/// Builds the whole API stack around the gateway.
pub fn build<B: Send + 'static>(gw: Arc<Gateway>) -> impl Inner<B> {
    let limit = gw.config.server.max_concurrent_requests;
    let (g1, g2, g3, g4) = (gw.clone(), gw.clone(), gw.clone(), gw.clone());
    ServiceBuilder::new()
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(around(move |req, next| catch_panic(g1.clone(), req, next)))
        .layer(around(move |req, next| observe(g2.clone(), req, next)))
        .layer(around(move |req, next| timeout(g3.clone(), req, next)))
        .layer(ConcurrencyLimitLayer::new(limit))
        .layer(around(move |req, next| body_limit(g4.clone(), req, next)))
        .service(Endpoints { gw })
}

/// The innermost service: route, then run the endpoint's pipeline.
#[derive(Clone)]
pub struct Endpoints {
    gw: Arc<Gateway>,
}

impl<B: Send + 'static> Service<Request<B>> for Endpoints {
    type Response = Resp;
    type Error = Infallible;
    type Future = BoxFuture<Result<Resp, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let gw = self.gw.clone();
        Box::pin(async move {
            let (parts, _body) = req.into_parts();
            let view = RequestView {
                method: &parts.method,
                path: parts.uri.path(),
                query: parts.uri.query(),
                headers: &parts.headers,
                peer: parts.extensions.get::<super::PeerAddr>().map(|p| p.0),
                now_usec: now_usec(),
                pairs: &QueryPairs::new(),
            };
            let reply = match gw.router.resolve(view.path) {
                Resolved::Endpoint(ep) => super::pipeline::serve(&gw, ep.as_ref(), &view).await,
                Resolved::Face(face) => face.render_error(&view, &Error::RouteNotFound),
                Resolved::Unclaimed => unclaimed_error(&view, &Error::RouteNotFound),
            };
            Ok(into_response(reply))
        })
    }
}

/// The wall clock in microseconds since the epoch.
fn now_usec() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// A dialect reply as a hyper response.
pub fn into_response(reply: Reply) -> Resp {
    reply.map(Full::new)
}

/// What an error reply needs to know about a request whose parts have moved on.
struct ErrorContext {
    method: Method,
    path: String,
}

impl ErrorContext {
    fn of<B>(req: &Request<B>) -> Self {
        ErrorContext {
            method: req.method().clone(),
            path: req.uri().path().to_owned(),
        }
    }

    fn render(&self, gw: &Gateway, error: &Error) -> Resp {
        let headers = HeaderMap::new();
        let view = RequestView {
            method: &self.method,
            path: &self.path,
            query: None,
            headers: &headers,
            peer: None,
            now_usec: now_usec(),
            pairs: &QueryPairs::new(),
        };
        into_response(gw.router.render_error(&view, error))
    }
}

async fn catch_panic<B: Send + 'static>(
    gw: Arc<Gateway>,
    req: Request<B>,
    next: impl Inner<B>,
) -> Resp {
    let ctx = ErrorContext::of(&req);
    match AssertUnwindSafe(next.oneshot(req)).catch_unwind().await {
        Ok(Ok(resp)) => resp,
        Ok(Err(never)) => match never {},
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            tracing::error!(panic = %what, path = %ctx.path, "request handler panicked");
            ctx.render(&gw, &Error::Internal(what))
        }
    }
}

/// Records the end of a request even when the client goes away and the future is dropped.
struct Observation<'a> {
    gw: &'a Gateway,
    dialect: &'static str,
    route: &'static str,
    started: Instant,
    status: Option<u16>,
}

impl Drop for Observation<'_> {
    fn drop(&mut self) {
        let elapsed = self.started.elapsed();
        // 499: the client closed the connection before the answer (nginx's convention).
        let status = self.status.unwrap_or(499);
        self.gw
            .metrics
            .request_finished(self.dialect, self.route, status, elapsed);
        tracing::info!(
            status,
            elapsed_ms = (elapsed.as_secs_f64() * 1e6).round() / 1e3,
            "answered"
        );
    }
}

async fn observe<B: Send + 'static>(
    gw: Arc<Gateway>,
    req: Request<B>,
    next: impl Inner<B>,
) -> Resp {
    let (dialect, route) = gw.router.labels(req.uri().path());
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        dialect = dialect.as_str(),
        route,
        method = %req.method(),
    );
    async move {
        gw.metrics.request_started();
        let mut obs = Observation {
            gw: &gw,
            dialect: dialect.as_str(),
            route,
            started: Instant::now(),
            status: None,
        };
        let resp = match next.oneshot(req).await {
            Ok(resp) => resp,
            Err(never) => match never {},
        };
        obs.status = Some(resp.status().as_u16());
        resp
    }
    .instrument(span)
    .await
}

async fn timeout<B: Send + 'static>(
    gw: Arc<Gateway>,
    req: Request<B>,
    next: impl Inner<B>,
) -> Resp {
    let limit = Duration::from_millis(gw.config.server.request_timeout_ms);
    let ctx = ErrorContext::of(&req);
    match tokio::time::timeout(limit, next.oneshot(req)).await {
        Ok(Ok(resp)) => resp,
        Ok(Err(never)) => match never {},
        Err(_) => {
            tracing::warn!(timeout_ms = limit.as_millis() as u64, "request timed out");
            ctx.render(&gw, &Error::BackendTimeout)
        }
    }
}

async fn body_limit<B: Send + 'static>(
    gw: Arc<Gateway>,
    req: Request<B>,
    next: impl Inner<B>,
) -> Resp {
    let declared = req
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > gw.config.server.max_body_bytes) {
        return ErrorContext::of(&req).render(&gw, &Error::PayloadTooLarge);
    }
    match next.oneshot(req).await {
        Ok(resp) => resp,
        Err(never) => match never {},
    }
}

/// A layer from an async function of (request, next service).
fn around<F>(f: F) -> Around<F> {
    Around { f }
}

#[derive(Clone)]
struct Around<F> {
    f: F,
}

impl<S, F: Clone> Layer<S> for Around<F> {
    type Service = AroundService<S, F>;
    fn layer(&self, inner: S) -> Self::Service {
        AroundService {
            inner,
            f: self.f.clone(),
        }
    }
}

#[derive(Clone)]
struct AroundService<S, F> {
    inner: S,
    f: F,
}

impl<B, S, F, Fut> Service<Request<B>> for AroundService<S, F>
where
    B: Send + 'static,
    S: Inner<B>,
    F: Fn(Request<B>, S) -> Fut,
    Fut: Future<Output = Resp> + Send + 'static,
{
    type Response = Resp;
    type Error = Infallible;
    type Future = futures_util::future::Map<Fut, fn(Resp) -> Result<Resp, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // The inner service's readiness is awaited inside `f` (through `oneshot`), so that
        // waiting for it counts against the timeout.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let inner = self.inner.clone();
        (self.f)(req, inner).map(Ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::embedded::EmbeddedBackend;
    use http_body_util::BodyExt;

    fn gateway() -> Arc<Gateway> {
        let store = EmbeddedBackend::open(":memory:", 1).expect("in-memory store");
        let parts = crate::server::Parts {
            auth: store.authenticator(),
            backend: Arc::new(store),
            ids: Arc::new(crate::idmap::IdMap::in_memory().expect("id map")),
        };
        let gw = Gateway::new(crate::config::Config::default(), parts, true);
        Arc::new(gw.expect("gateway"))
    }

    async fn body(resp: Resp) -> String {
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        String::from_utf8(bytes.to_vec()).expect("utf-8")
    }

    #[derive(Clone)]
    struct Panics;

    impl Service<Request<()>> for Panics {
        type Response = Resp;
        type Error = Infallible;
        type Future = BoxFuture<Result<Resp, Infallible>>;
        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }
        fn call(&mut self, _: Request<()>) -> Self::Future {
            Box::pin(async { panic!("handler bug") })
        }
    }

    fn request(path: &str) -> Request<()> {
        let mut req = Request::new(());
        *req.uri_mut() = path.parse().expect("uri");
        req
    }

    #[tokio::test]
    async fn a_panic_answers_500_in_the_callers_dialect() {
        let gw = gateway();
        let resp = catch_panic(
            gw.clone(),
            request("/api/v1/chat.getThreadMessages"),
            Panics,
        )
        .await;
        assert_eq!(resp.status(), 500);
        assert_eq!(resp.headers()["content-type"], "application/json");
        assert_eq!(
            body(resp).await,
            r#"{"success":false,"error":"Internal server error"}"#
        );

        let resp = catch_panic(gw, request("/elsewhere"), Panics).await;
        assert_eq!(resp.status(), 500);
        assert_eq!(
            body(resp).await,
            r#"{"error":"internal error","path":"/elsewhere"}"#
        );
    }

    #[derive(Clone)]
    struct Never;

    impl Service<Request<()>> for Never {
        type Response = Resp;
        type Error = Infallible;
        type Future = BoxFuture<Result<Resp, Infallible>>;
        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }
        fn call(&mut self, _: Request<()>) -> Self::Future {
            Box::pin(std::future::pending())
        }
    }

    #[tokio::test]
    async fn a_request_dropped_before_its_answer_counts_as_499_and_leaves_nothing_in_flight() {
        let gw = gateway();
        let fut = observe(gw.clone(), request("/api/v1/chat.getThreadMessages"), Never);
        tokio::select! {
            biased;
            _ = fut => unreachable!("the inner service never answers"),
            _ = std::future::ready(()) => {}
        }
        let text = String::from_utf8(gw.metrics.render()).expect("utf-8");
        assert!(text.contains("threadgate_in_flight_requests 0"), "{text}");
        assert!(
            text.contains(r#"threadgate_requests_total{dialect="rocketchat",route="chat.getThreadMessages",status="499"} 1"#),
            "{text}"
        );
    }
}
