//! One request through one endpoint: the endpoint's phases in its platform's order, then the
//! backend, then the encoder. Every failure becomes the dialect's error reply here or in the
//! router; nothing below returns an error to hyper.

use super::Gateway;
use crate::backend::QueryContext;
use crate::canonical::{AuthFailure, Error, Principal, ThreadQuery};
use crate::dialect::{Endpoint, Phase, Reply, RequestView};
use http::Method;
use std::time::Duration;

/// Serves `req` with `endpoint`.
pub async fn serve(gw: &Gateway, endpoint: &dyn Endpoint, req: &RequestView<'_>) -> Reply {
    // Headers the rate-limit phase asks for: on every response once it has run.
    let mut extra: Vec<(&'static str, String)> = Vec::new();
    let mut reply = match run(gw, endpoint, req, &mut extra).await {
        Ok(reply) => reply,
        Err(error) => {
            if matches!(error, Error::Internal(_) | Error::BadBackendAnswer(_)) {
                tracing::error!(error = %error, route = endpoint.route(), "request failed");
            }
            endpoint.render_error(req, &error)
        }
    };
    let headers = reply.headers_mut();
    for (name, value) in extra {
        if let Ok(v) = http::HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    }
    reply
}

async fn run(
    gw: &Gateway,
    endpoint: &dyn Endpoint,
    req: &RequestView<'_>,
    extra: &mut Vec<(&'static str, String)>,
) -> Result<Reply, Error> {
    if let Some(reply) = endpoint.preflight(req) {
        return Ok(reply);
    }
    let ctx = QueryContext::new(
        req.headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        Some(Duration::from_millis(gw.config.server.request_timeout_ms)),
    );
    let mut principal: Option<Principal> = None;
    // The caller, kept for a rate-limit phase that runs after decoding (Rocket.Chat 9).
    let mut caller: Option<Principal> = None;
    let mut query: Option<ThreadQuery> = None;
    for phase in endpoint.phases() {
        match phase {
            Phase::Method => {
                if req.method != Method::GET && req.method != Method::HEAD {
                    return Err(Error::MethodNotAllowed {
                        method: req.method.as_str().to_owned(),
                    });
                }
            }
            Phase::Authenticate => {
                let credential = endpoint
                    .credentials(req)
                    .ok_or(Error::Unauthenticated(AuthFailure::Missing))?;
                principal = Some(gw.auth.authenticate(&credential, &ctx).await?);
            }
            Phase::RateLimit => {
                let who = principal.as_ref().or(caller.as_ref());
                let client = crate::ratelimit::client_ip(
                    req.peer.map(|p| p.ip()),
                    req.headers,
                    &gw.config.server.trusted_proxies,
                );
                let outcome = endpoint.rate_limit(req, who, client);
                extra.extend(outcome.headers);
                if let Some(refused) = outcome.refused {
                    return Err(refused);
                }
            }
            Phase::Decode => {
                let who = principal.take().ok_or_else(|| {
                    Error::Internal(format!("{}: decode before authenticate", endpoint.route()))
                })?;
                let limit_follows = endpoint
                    .phases()
                    .iter()
                    .skip_while(|p| **p != Phase::Decode)
                    .any(|p| *p == Phase::RateLimit);
                if limit_follows {
                    caller = Some(who.clone());
                }
                endpoint.before_decode(req).await?;
                query = Some(endpoint.decode(req, who)?);
            }
        }
    }
    let query =
        query.ok_or_else(|| Error::Internal(format!("{}: no decode phase", endpoint.route())))?;
    let mut query = query;
    // Bounded: an endpoint's retries form a short chain (e.g. user id, username, room id).
    for _ in 0..4 {
        match gw.backend.query(&query, &ctx).await {
            Ok(page) => {
                endpoint.before_encode(&query, &page).await?;
                return Ok(endpoint.encode(req, &query, &page));
            }
            Err(error) => match endpoint.retry(&query, &error) {
                Some(next) => query = next,
                None => return Err(error),
            },
        }
    }
    Err(Error::Internal(format!(
        "{}: too many retries",
        endpoint.route()
    )))
}
