//! The tower layers of the API listener, in one place, outermost first:
//!
//! 1. request id: `x-request-id` kept if sent, generated otherwise (tower-http), and
//! 2. propagated to the response (tower-http). These two sit outside the panic guard so that
//!    even the 500 of a panic carries the id; neither touches request data beyond that header.
//! 3. context: the request is routed, once, and a [`RequestContext`] (route, labels, request
//!    id, arrival and deadline, the request as sent) is put into its extensions. Every layer
//!    below reads the route from there; no layer routes again.
//! 4. catch panic: a panic below answers 500 in the caller's dialect.
//! 5. observe: tracing span and log line (`request_id`, `dialect`, `route`, `status`,
//!    `elapsed_ms`) and request metrics, labelled from the context.
//! 6. timeout: at the context's deadline (`server.request_timeout_ms` after arrival),
//!    answered 504 in the caller's dialect.
//! 7. concurrency limit: `server.max_concurrent_requests`; excess requests wait (within the
//!    timeout) for a slot.
//! 8. body limit: a declared body over `server.max_body_bytes` is refused with 413.
//! 9. the endpoint the context names, through its pipeline; or, for an untranslated route
//!    of the upstream's own dialect when `[backend] passthrough` is on, the upstream
//!    ([`super::passthrough`]), the request and the answer streamed.
//!
//! The 500, 504 and 413 of layers 4, 6 and 8 render from the context
//! ([`RequestContext::render`]): the real request (headers and query included), in the
//! caller's dialect, with the headers the phases already added (e.g. rate-limit headers).

use super::body::{AnswerBody, BoxError};
use super::context::RequestContext;
use super::{router::Resolved, Gateway};
use crate::canonical::Error;
use crate::dialect::{unclaimed_error, Reply};
use bytes::Bytes;
use futures_util::FutureExt;
use http::{Request, Response};
use hyper::body::Body;
use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;
use tower::limit::ConcurrencyLimitLayer;
use tower::{Layer, Service, ServiceBuilder, ServiceExt};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tracing::Instrument;

/// The response type of every layer.
pub type Resp = Response<AnswerBody>;
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

/// What a request body must be for the stack (hyper's, or any other in tests).
pub trait RequestBody: Body<Data = Bytes, Error: Into<BoxError>> + Send + 'static {}
impl<T> RequestBody for T where T: Body<Data = Bytes, Error: Into<BoxError>> + Send + 'static {}

/// Builds the whole API stack around the gateway.
pub fn build<B: RequestBody>(gw: Arc<Gateway>) -> impl Inner<B> {
    let limit = gw.config.server.max_concurrent_requests;
    let (g1, g2, g3, g4, g5) = (gw.clone(), gw.clone(), gw.clone(), gw.clone(), gw.clone());
    ServiceBuilder::new()
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(around(move |req, next| context(g1.clone(), req, next)))
        .layer(around(move |req, next| catch_panic(g2.clone(), req, next)))
        .layer(around(move |req, next| observe(g3.clone(), req, next)))
        .layer(around(move |req, next| timeout(g4.clone(), req, next)))
        .layer(ConcurrencyLimitLayer::new(limit))
        .layer(around(move |req, next| body_limit(g5.clone(), req, next)))
        .service(Endpoints { gw })
}

/// The innermost service: the endpoint the context names, through its pipeline.
#[derive(Clone)]
pub struct Endpoints {
    gw: Arc<Gateway>,
}

impl<B: RequestBody> Service<Request<B>> for Endpoints {
    type Response = Resp;
    type Error = Infallible;
    type Future = BoxFuture<Result<Resp, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let gw = self.gw.clone();
        let ctx = RequestContext::ensure(&gw, &mut req);
        Box::pin(async move {
            let reply = match &ctx.resolved {
                Resolved::Endpoint(ep) => {
                    drop(req);
                    super::pipeline::serve(&gw, ep.as_ref(), &ctx).await
                }
                Resolved::Passthrough(_) => {
                    return Ok(super::passthrough::forward(&gw, &ctx, req).await);
                }
                Resolved::Face(face) => face.render_error(&ctx.view(), &Error::RouteNotFound),
                Resolved::Unclaimed => unclaimed_error(&ctx.view(), &Error::RouteNotFound),
            };
            Ok(into_response(reply))
        })
    }
}

/// A dialect reply as a hyper response.
pub fn into_response(reply: Reply) -> Resp {
    reply.map(AnswerBody::full)
}

/// Routes the request once and leaves the [`RequestContext`] in its extensions.
async fn context<B: Send + 'static>(
    gw: Arc<Gateway>,
    mut req: Request<B>,
    next: impl Inner<B>,
) -> Resp {
    RequestContext::ensure(&gw, &mut req);
    match next.oneshot(req).await {
        Ok(resp) => resp,
        Err(never) => match never {},
    }
}

async fn catch_panic<B: Send + 'static>(
    gw: Arc<Gateway>,
    mut req: Request<B>,
    next: impl Inner<B>,
) -> Resp {
    let ctx = RequestContext::ensure(&gw, &mut req);
    match AssertUnwindSafe(next.oneshot(req)).catch_unwind().await {
        Ok(Ok(resp)) => resp,
        Ok(Err(never)) => match never {},
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            tracing::error!(panic = %what, path = %ctx.uri.path(), "request handler panicked");
            ctx.render(&Error::Internal(what))
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
    mut req: Request<B>,
    next: impl Inner<B>,
) -> Resp {
    let ctx = RequestContext::ensure(&gw, &mut req);
    let span = tracing::info_span!(
        "request",
        request_id = %ctx.request_id.as_deref().unwrap_or("-"),
        dialect = ctx.dialect.as_str(),
        route = ctx.route,
        method = %ctx.method,
    );
    async move {
        gw.metrics.request_started();
        let mut obs = Observation {
            gw: &gw,
            dialect: ctx.dialect.as_str(),
            route: ctx.route,
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
    mut req: Request<B>,
    next: impl Inner<B>,
) -> Resp {
    let ctx = RequestContext::ensure(&gw, &mut req);
    let deadline = tokio::time::Instant::from_std(ctx.deadline);
    match tokio::time::timeout_at(deadline, next.oneshot(req)).await {
        Ok(Ok(resp)) => resp,
        Ok(Err(never)) => match never {},
        Err(_) => {
            let timeout_ms = gw.config.server.request_timeout_ms;
            tracing::warn!(timeout_ms, "request timed out");
            ctx.render(&Error::BackendTimeout)
        }
    }
}

async fn body_limit<B: Send + 'static>(
    gw: Arc<Gateway>,
    mut req: Request<B>,
    next: impl Inner<B>,
) -> Resp {
    let declared = req
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > gw.config.server.max_body_bytes) {
        return RequestContext::ensure(&gw, &mut req).render(&Error::PayloadTooLarge);
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
mod tests;
