//! The admin listener: `/livez`, `/readyz`, `/metrics` (of the gateway, and of
//! `threadgate backend`), and the gateway's shadow report: `GET /shadow/` (HTML),
//! `GET /shadow/report` (JSON), `POST /shadow/reset`.

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
    Ok(respond(status, content_type, body))
}

/// Answers the `/shadow` routes (`None` for every other path): 404 when shadow comparison is
/// off, 405 for another method.
pub fn shadow<B>(
    state: Option<&crate::backend::shadow::ShadowState>,
    req: &Request<B>,
) -> Option<Response<Full<Bytes>>> {
    const TEXT: &str = "text/plain; charset=utf-8";
    let path = req.uri().path();
    if path != "/shadow" && !path.starts_with("/shadow/") {
        return None;
    }
    let Some(state) = state else {
        return Some(respond(
            StatusCode::NOT_FOUND,
            TEXT,
            Bytes::from_static(b"shadow comparison is off ([shadow.backend] is not configured)\n"),
        ));
    };
    let method = req.method();
    let (want, status, content_type, body) = match path {
        "/shadow" | "/shadow/" => (
            http::Method::GET,
            StatusCode::OK,
            "text/html; charset=utf-8",
            Bytes::from(state.report_html()),
        ),
        "/shadow/report" => (
            http::Method::GET,
            StatusCode::OK,
            "application/json",
            Bytes::from(state.report_json()),
        ),
        "/shadow/reset" if method == http::Method::POST => {
            state.reset();
            (
                http::Method::POST,
                StatusCode::OK,
                TEXT,
                Bytes::from_static(b"reset\n"),
            )
        }
        "/shadow/reset" => (http::Method::POST, StatusCode::OK, TEXT, Bytes::new()),
        _ => (
            method.clone(),
            StatusCode::NOT_FOUND,
            TEXT,
            Bytes::from_static(b"not found\n"),
        ),
    };
    if method != want && !(want == http::Method::GET && method == http::Method::HEAD) {
        let mut resp = respond(
            StatusCode::METHOD_NOT_ALLOWED,
            TEXT,
            Bytes::from_static(b"method not allowed\n"),
        );
        if let Ok(v) = http::HeaderValue::from_str(want.as_str()) {
            resp.headers_mut().insert(http::header::ALLOW, v);
        }
        return Some(resp);
    }
    Some(respond(status, content_type, body))
}

fn respond(status: StatusCode, content_type: &str, body: Bytes) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = status;
    if let Ok(v) = http::HeaderValue::from_str(content_type) {
        resp.headers_mut().insert(http::header::CONTENT_TYPE, v);
    }
    resp.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    resp
}
