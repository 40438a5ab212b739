//! `GET /1/admin/messages/:thread_id` and `GET /1/messages/:thread_id` (spec §1–§5).

use crate::canonical::{Credential, Error, Page, Principal, ThreadQuery};
use crate::dialect::quip::encode::write_messages;
use crate::dialect::quip::errors::render_error;
use crate::dialect::quip::params::{messages_query, parse_params, Which};
use crate::dialect::quip::ratelimit::{rate_limit, RateLimiter};
use crate::dialect::quip::{credentials, route};
use crate::dialect::{
    json_reply, DialectId, Endpoint, Phase, RateOutcome, Reply, RequestView, JSON,
};
use http::StatusCode;
use std::sync::Arc;

/// Check order (spec §1): method → token → rate limit → parameters; the route was checked
/// by the router.
pub const PHASES: &[Phase] = &[
    Phase::Method,
    Phase::Authenticate,
    Phase::RateLimit,
    Phase::Decode,
];

/// The endpoint.
#[derive(Debug)]
pub struct GetMessages {
    which: Which,
    limiter: Option<Arc<RateLimiter>>,
}

impl GetMessages {
    pub fn new(which: Which) -> GetMessages {
        GetMessages {
            which,
            limiter: None,
        }
    }

    /// The same endpoint, counted by `limiter` (none = not limited).
    pub fn with_limiter(mut self, limiter: Option<Arc<RateLimiter>>) -> Self {
        self.limiter = limiter;
        self
    }

    fn thread_id<'a>(&self, req: &RequestView<'a>) -> Result<&'a str, Error> {
        match route(req.path) {
            Some((which, id)) if which == self.which => Ok(id),
            _ => Err(Error::RouteNotFound),
        }
    }
}

impl Endpoint for GetMessages {
    fn dialect(&self) -> DialectId {
        DialectId::Quip
    }

    fn route(&self) -> &'static str {
        match self.which {
            Which::Admin => "admin/messages",
            Which::Automation => "messages",
        }
    }

    fn phases(&self) -> &'static [Phase] {
        PHASES
    }

    fn credentials(&self, req: &RequestView<'_>) -> Option<Credential> {
        credentials(req.headers)
    }

    fn decode(&self, req: &RequestView<'_>, principal: Principal) -> Result<ThreadQuery, Error> {
        let thread_id = self.thread_id(req)?;
        let p = parse_params(self.which, req.pairs())?;
        Ok(messages_query(self.which, principal, thread_id, &p))
    }

    fn encode(&self, req: &RequestView<'_>, query: &ThreadQuery, page: &Page) -> Reply {
        // Decoding succeeded before the backend was asked, so this decodes again (from the
        // pairs parsed then); the fallback keeps the selection order.
        let requested = parse_params(self.which, req.pairs())
            .map(|p| p.requested_order())
            .unwrap_or(query.order);
        let mut body = Vec::with_capacity(64 + page.messages.len() * 256);
        if requested == query.order {
            write_messages(&mut body, page.messages.iter());
        } else {
            write_messages(&mut body, page.messages.iter().rev());
        }
        json_reply(StatusCode::OK, JSON, &[], &[], body)
    }

    fn render_error(&self, req: &RequestView<'_>, error: &Error) -> Reply {
        render_error(req, error)
    }

    /// The encoder reads the query string's pairs (in the key) besides the page.
    fn cache_vary(&self, _req: &RequestView<'_>) -> Option<String> {
        Some(String::new())
    }

    fn rate_limit(
        &self,
        req: &RequestView<'_>,
        principal: Option<&Principal>,
        _client: Option<std::net::IpAddr>,
    ) -> RateOutcome {
        rate_limit(self.limiter.as_deref(), self.which, req, principal)
    }
}

#[cfg(test)]
mod tests;
