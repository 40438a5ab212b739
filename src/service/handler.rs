//! One protocol request: the shared secret, the version, a bounded body, the call with the
//! caller's deadline, and the answer with `threadgate-protocol`, `x-request-id` and a JSON
//! body. A panic answers the `internal` error; nothing returns an error to hyper.

use super::State;
use crate::backend::QueryContext;
use crate::canonical::Error;
use crate::protocol::{self, Generation, ProtocolError, Readiness};
use bytes::Bytes;
use futures_util::FutureExt;
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use std::convert::Infallible;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument;

/// What a request is answered with, before headers.
enum Outcome {
    Ok(Vec<u8>),
    /// A page, with the data generation it was read under when the backend tells it.
    Page(Vec<u8>, Option<Generation>),
    /// The page the caller holds is still the answer (`304`, no body).
    NotModified(Generation),
    /// A body with its own status (readiness: 200 or 503).
    Answer(StatusCode, Vec<u8>),
    Canonical(Error),
    Protocol(ProtocolError),
}

impl Outcome {
    fn of<T>(result: Result<T, Error>, encode: fn(&T) -> Vec<u8>) -> Outcome {
        match result {
            Ok(value) => Outcome::Ok(encode(&value)),
            Err(e) => Outcome::Canonical(e),
        }
    }
}

/// Answers one request.
pub async fn handle<B>(
    state: Arc<State>,
    req: Request<B>,
) -> Result<Response<Full<Bytes>>, Infallible>
where
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let started = Instant::now();
    let request_id = req
        .headers()
        .get(protocol::REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 200)
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
    let route = route_label(req.uri().path());
    let span =
        tracing::info_span!("request", request_id = %request_id, route, method = %req.method());
    async move {
        state.metrics.request_started();
        let work = answer(&state, req, &request_id);
        let outcome = match AssertUnwindSafe(work).catch_unwind().await {
            Ok(outcome) => outcome,
            Err(_) => {
                tracing::error!("request handler panicked");
                Outcome::Canonical(Error::Internal("panic".into()))
            }
        };
        let resp = respond(outcome, &request_id);
        let status = resp.status().as_u16();
        let elapsed = started.elapsed();
        state
            .metrics
            .request_finished("canonical", route, status, elapsed);
        tracing::info!(
            status,
            elapsed_ms = (elapsed.as_secs_f64() * 1e6).round() / 1e3,
            "answered"
        );
        Ok(resp)
    }
    .instrument(span)
    .await
}

fn route_label(path: &str) -> &'static str {
    match path {
        protocol::QUERY_PATH => "query",
        protocol::AUTHENTICATE_PATH => "authenticate",
        protocol::READY_PATH => "ready",
        protocol::ROOMS_PATH => "rooms",
        _ => "unknown",
    }
}

async fn answer<B>(state: &State, req: Request<B>, request_id: &str) -> Outcome
where
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (parts, body) = req.into_parts();
    if let Err(e) = check_headers(state, &parts.headers) {
        return Outcome::Protocol(e);
    }
    let budget = match protocol::parse_deadline(header(&parts.headers, protocol::DEADLINE_HEADER)) {
        Ok(left) => left.map_or(state.max_time, |l| l.min(state.max_time)),
        Err(e) => return Outcome::Protocol(e),
    };
    let held = match protocol::parse_if_data_version(header(
        &parts.headers,
        protocol::IF_DATA_VERSION_HEADER,
    )) {
        Ok(held) => held,
        Err(e) => return Outcome::Protocol(e),
    };
    let ctx = QueryContext::new(Some(request_id.to_owned()), Some(budget));
    let call = async {
        match (parts.method.clone(), parts.uri.path()) {
            (Method::POST, protocol::QUERY_PATH) => query(state, body, held, &ctx).await,
            (Method::POST, protocol::AUTHENTICATE_PATH) => match read(state, body).await {
                Ok(bytes) => match protocol::decode_credential(&bytes) {
                    Ok(credential) => Outcome::of(
                        state.auth.authenticate(&credential, &ctx).await,
                        protocol::encode_principal,
                    ),
                    Err(e) => Outcome::Protocol(e),
                },
                Err(outcome) => outcome,
            },
            (Method::POST, protocol::ROOMS_PATH) => rooms(state, body, &ctx).await,
            (Method::GET | Method::HEAD, protocol::READY_PATH) => ready(state, &ctx).await,
            (
                method,
                protocol::QUERY_PATH
                | protocol::AUTHENTICATE_PATH
                | protocol::READY_PATH
                | protocol::ROOMS_PATH,
            ) => Outcome::Canonical(Error::MethodNotAllowed {
                method: method.as_str().to_owned(),
            }),
            _ => Outcome::Canonical(Error::RouteNotFound),
        }
    };
    match tokio::time::timeout(budget, call).await {
        Ok(outcome) => outcome,
        Err(_) => {
            tracing::warn!(budget_ms = budget.as_millis() as u64, "deadline passed");
            Outcome::Canonical(Error::BackendTimeout)
        }
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a [u8]> {
    headers.get(name).map(|v| v.as_bytes())
}

/// The shared secret (when one is configured) and the protocol version.
fn check_headers(state: &State, headers: &HeaderMap) -> Result<(), ProtocolError> {
    if let Some(secret) = &state.secret {
        protocol::check_secret(header(headers, "authorization"), secret)?;
    }
    protocol::check_request_version(header(headers, protocol::VERSION_HEADER))
}

/// The body, refused past `max_body` bytes.
async fn read<B>(state: &State, body: B) -> Result<Bytes, Outcome>
where
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    match Limited::new(body, state.max_body).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e)
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            Err(Outcome::Canonical(Error::PayloadTooLarge))
        }
        Err(e) => Err(Outcome::Protocol(ProtocolError::BadRequest(format!(
            "the request body could not be read: {e}"
        )))),
    }
}

/// `POST /v1/query`: the page, or `304` when the caller holds the page of the backend's
/// current generation. The generation is read before the data, so a page read across a
/// write is tagged with the older generation and is asked for again next time.
async fn query<B>(state: &State, body: B, held: Option<Generation>, ctx: &QueryContext) -> Outcome
where
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let bytes = match read(state, body).await {
        Ok(bytes) => bytes,
        Err(outcome) => return outcome,
    };
    let query = match protocol::decode_query(&bytes) {
        Ok(query) => query,
        Err(e) => return Outcome::Protocol(e),
    };
    let now = state
        .backend
        .data_version()
        .map(|v| Generation::new(&state.instance, v));
    if let (Some(held), Some(now)) = (&held, &now) {
        if held == now {
            return Outcome::NotModified(now.clone());
        }
    }
    match state.backend.query(&query, ctx).await {
        Ok(page) => Outcome::Page(protocol::encode_page(&page), now),
        Err(e) => Outcome::Canonical(e),
    }
}

/// `POST /v1/rooms`: the rooms the principal of the body reads.
async fn rooms<B>(state: &State, body: B, ctx: &QueryContext) -> Outcome
where
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let bytes = match read(state, body).await {
        Ok(bytes) => bytes,
        Err(outcome) => return outcome,
    };
    match protocol::decode_rooms_request(&bytes) {
        Ok(request) => Outcome::of(
            state
                .backend
                .rooms(&request.principal, ctx)
                .await
                .map(|rooms| protocol::RoomList { rooms }),
            protocol::encode_room_list,
        ),
        Err(e) => Outcome::Protocol(e),
    }
}

async fn ready(state: &State, ctx: &QueryContext) -> Outcome {
    let probe = state.backend.probe(ctx).await;
    let readiness = match probe {
        Ok(()) if !state.health.is_shutting_down() => Readiness {
            ready: true,
            message: None,
        },
        Ok(()) => Readiness {
            ready: false,
            message: Some("shutting down".into()),
        },
        Err(e) => Readiness {
            ready: false,
            message: Some(e.kind().to_owned()),
        },
    };
    Outcome::Answer(readiness.status(), protocol::encode_readiness(&readiness))
}

fn respond(outcome: Outcome, request_id: &str) -> Response<Full<Bytes>> {
    let mut generation = None;
    let (status, body) = match outcome {
        Outcome::Ok(body) => (StatusCode::OK, body),
        Outcome::Page(body, now) => {
            generation = now;
            (StatusCode::OK, body)
        }
        Outcome::NotModified(now) => {
            generation = Some(now);
            (StatusCode::NOT_MODIFIED, Vec::new())
        }
        Outcome::Answer(status, body) => (status, body),
        Outcome::Canonical(e) => {
            if matches!(e, Error::Internal(_)) {
                tracing::error!(error = %e, "request failed");
            }
            (protocol::error_status(&e), protocol::encode_error(&e))
        }
        Outcome::Protocol(e) => {
            tracing::warn!(error = %e, "request refused");
            (e.status(), protocol::encode_protocol_error(&e))
        }
    };
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    if status != StatusCode::NOT_MODIFIED {
        h.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static(protocol::CONTENT_TYPE),
        );
    }
    if let Some(v) = generation.and_then(|g| http::HeaderValue::from_str(&g.value()).ok()) {
        h.insert(protocol::DATA_VERSION_HEADER, v);
    }
    h.insert(
        protocol::VERSION_HEADER,
        http::HeaderValue::from_static(protocol::VERSION_VALUE),
    );
    if let Ok(v) = http::HeaderValue::from_str(request_id) {
        h.insert(protocol::REQUEST_ID_HEADER, v);
    }
    resp
}
