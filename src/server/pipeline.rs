//! One request through one endpoint: the endpoint's phases in its platform's order, then the
//! backend, then the encoder. Every failure becomes the dialect's error reply here or in the
//! router; nothing below returns an error to hyper. What the phases learn (credential,
//! principal, headers to add) is recorded in the request's [`RequestContext`].

use super::context::RequestContext;
use super::Gateway;
use crate::canonical::{AuthFailure, Error, ThreadQuery};
use crate::dialect::{Endpoint, Phase, Reply, RequestView};
use http::Method;

/// Serves the request of `ctx` with `endpoint` (the one its route found).
pub async fn serve(gw: &Gateway, endpoint: &dyn Endpoint, ctx: &RequestContext) -> Reply {
    let mut reply = match run(gw, endpoint, ctx).await {
        Ok(reply) => reply,
        Err(error) => {
            if matches!(error, Error::Internal(_) | Error::BadBackendAnswer(_)) {
                tracing::error!(error = %error, route = endpoint.route(), "request failed");
            }
            endpoint.render_error(&ctx.view(), &error)
        }
    };
    // Headers the rate-limit phase asked for: on every response once it has run.
    ctx.apply_headers(&mut reply);
    reply
}

async fn run(gw: &Gateway, endpoint: &dyn Endpoint, ctx: &RequestContext) -> Result<Reply, Error> {
    let req = &ctx.view();
    if let Some(reply) = endpoint.preflight(req) {
        return Ok(reply);
    }
    let mut qctx = ctx.query_context();
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
                ctx.set_credential(credential.clone());
                ctx.set_principal(gw.auth.authenticate(&credential, &qctx).await?);
                qctx.credential = Some(credential);
            }
            Phase::RateLimit => {
                // The caller once authenticated (a limit may run before or after decoding).
                let who = ctx.principal();
                let client = crate::ratelimit::client_ip(
                    req.peer.map(|p| p.ip()),
                    req.headers,
                    &gw.config.server.trusted_proxies,
                );
                let outcome = endpoint.rate_limit(req, who.as_ref(), client);
                ctx.add_headers(outcome.headers);
                if let Some(refused) = outcome.refused {
                    return Err(refused);
                }
            }
            Phase::Decode => {
                let who = ctx.principal().ok_or_else(|| {
                    Error::Internal(format!("{}: decode before authenticate", endpoint.route()))
                })?;
                endpoint.before_decode(req).await?;
                query = Some(endpoint.decode(req, who)?);
            }
        }
    }
    if query.is_none() {
        if let Some(who) = ctx.principal() {
            if endpoint.lists_rooms() {
                let rooms = gw.backend.rooms(&who, &qctx).await?;
                return Ok(endpoint.encode_rooms(req, &rooms));
            }
            endpoint.before_answer_principal(&who).await?;
            if let Some(reply) = endpoint.answer_principal(req, &who) {
                return Ok(reply);
            }
        }
    }
    let query =
        query.ok_or_else(|| Error::Internal(format!("{}: no decode phase", endpoint.route())))?;
    answer(gw, endpoint, req, &qctx, query).await
}

/// The decoded query's answer: a kept one when the answer cache has it for the backend's
/// current data, else the backend's page (an endpoint's retries followed), encoded, and
/// kept when it may be.
async fn answer(
    gw: &Gateway,
    endpoint: &dyn Endpoint,
    req: &RequestView<'_>,
    qctx: &crate::backend::QueryContext,
    query: ThreadQuery,
) -> Result<Reply, Error> {
    // A kept answer is found before the backend is asked (the generation is read first).
    let lookup = match &gw.answers {
        Some(answers) => match answers.find(gw.backend.as_ref(), endpoint, req, &query) {
            (_, Some(kept)) => return Ok(kept),
            (lookup, None) => lookup,
        },
        None => None,
    };
    let mut query = query;
    // Bounded: an endpoint's retries form a short chain (e.g. user id, username, room id).
    for _ in 0..4 {
        match gw.backend.query(&query, qctx).await {
            Ok(page) => {
                endpoint.before_encode(&query, &page).await?;
                let reply = endpoint.encode(req, &query, &page);
                if let (Some(answers), Some(lookup)) = (&gw.answers, lookup) {
                    answers
                        .keep(gw.backend.as_ref(), qctx, lookup, &query, &reply)
                        .await;
                }
                return Ok(reply);
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
