//! An untranslated route of the upstream's own dialect, sent to the upstream unchanged
//! (`[backend] passthrough`, [`crate::backend::proxy`]). The request runs through the same
//! layers as every other (request id, timeout, concurrency and body limits, metrics under
//! route `passthrough`), but through none of the endpoint phases: the upstream
//! authenticates and limits its own routes. A failure before the answer's head (the
//! upstream down or slow, a body over the limit) is answered in the dialect's own shape.

use super::body::AnswerBody;
use super::context::RequestContext;
use super::stack::{RequestBody, Resp};
use super::Gateway;
use crate::backend::proxy::Inbound;
use crate::canonical::Error;

/// Sends `req` upstream and streams the answer back.
pub async fn forward<B: RequestBody>(
    gw: &Gateway,
    ctx: &RequestContext,
    req: http::Request<B>,
) -> Resp {
    let Some(proxy) = &gw.passthrough else {
        return ctx.render(&Error::RouteNotFound);
    };
    let (parts, body) = req.into_parts();
    let inbound = Inbound {
        method: parts.method,
        uri: parts.uri,
        headers: parts.headers,
        peer: ctx.peer,
        body,
    };
    let qctx = ctx.query_context();
    match proxy
        .forward(inbound, gw.config.server.max_body_bytes, &qctx)
        .await
    {
        Ok(resp) => resp.map(AnswerBody::stream),
        Err(error) => ctx.render(&error),
    }
}
