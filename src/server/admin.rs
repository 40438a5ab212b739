//! The admin listener: `/livez`, `/readyz`, `/metrics` (of the gateway, and of
//! `threadgate backend`).

use super::health::Health;
use super::metrics::Metrics;
use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use std::convert::Infallible;

/// Answers one admin request (the gateway's and `threadgate backend`'s).
pub fn handle<B>(
    gw: &Health,
    metrics: &Metrics,
    req: Request<B>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (status, content_type, body): (StatusCode, &str, Bytes) = match req.uri().path() {
        "/livez" => (
            StatusCode::OK,
            "text/plain; charset=utf-8",
            Bytes::from_static(b"ok\n"),
        ),
        "/readyz" if gw.is_ready() => (
            StatusCode::OK,
            "text/plain; charset=utf-8",
            Bytes::from_static(b"ready\n"),
        ),
        "/readyz" => (
            StatusCode::SERVICE_UNAVAILABLE,
            "text/plain; charset=utf-8",
            Bytes::from_static(if gw.is_shutting_down() {
                b"shutting down\n"
            } else {
                b"backend not ready\n"
            }),
        ),
        "/metrics" => (
            StatusCode::OK,
            "text/plain; version=0.0.4; charset=utf-8",
            Bytes::from(metrics.render()),
        ),
        _ => (
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            Bytes::from_static(b"not found\n"),
        ),
    };
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = status;
    if let Ok(v) = http::HeaderValue::from_str(content_type) {
        resp.headers_mut().insert(http::header::CONTENT_TYPE, v);
    }
    resp.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    Ok(resp)
}
