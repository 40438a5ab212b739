//! `GET /1/admin/messages/:thread_id` and `GET /1/messages/:thread_id` (spec §1–§5).

use super::params::{parse_params, QuipParams};
use super::ratelimit::{rate_limit, RateLimiter};
use super::{credentials, json_response, render_error, route, write_messages};
use crate::canonical::{
    Access, Credential, Error, KindFilter, Page, Principal, Slice, Target, ThreadQuery, TimeBound,
};
use crate::dialect::{DialectId, Endpoint, Phase, RateOutcome, Reply, RequestView};
use http::StatusCode;
use std::sync::Arc;

/// Which of the two endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// `/1/admin/messages/:thread_id` (Admin API).
    Admin,
    /// `/1/messages/:thread_id` (Automation API).
    Automation,
}

/// Check order (spec §1): method → token → rate limit → parameters; the route was checked
/// by the router.
pub const PHASES: &[Phase] = &[
    Phase::Method,
    Phase::Authenticate,
    Phase::RateLimit,
    Phase::Decode,
];

/// The canonical query for decoded parameters on `thread_id`.
pub fn messages_query(
    which: Which,
    principal: Principal,
    thread_id: &str,
    p: &QuipParams,
) -> ThreadQuery {
    let mut q = ThreadQuery::new(principal, Target::Room(thread_id.to_owned()));
    if let (Which::Admin, Some(company)) = (which, &p.company_id) {
        q.access = Access::CompanyAdmin(company.clone());
    }
    let f = &mut q.filter;
    // A Quip thread is one flat list: replies of other platforms' threads are messages too.
    f.include_replies = true;
    f.kind = if p.edits {
        KindFilter::Edits
    } else {
        KindFilter::Messages
    };
    f.include_deleted = p.include_deleted;
    f.include_hidden = p.include_deleted;
    f.created_before = p.created_bound().map(TimeBound::inclusive);
    f.updated_after = p.updated_since_usec.map(TimeBound::inclusive);
    f.updated_before = p.last_updated_since_usec.map(TimeBound::exclusive);
    q.order = p.selection_order();
    q.slice = Slice::Offset {
        offset: 0,
        limit: Some(p.count),
    };
    q
}

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
        let p = parse_params(self.which, req.query)?;
        Ok(messages_query(self.which, principal, thread_id, &p))
    }

    fn encode(&self, req: &RequestView<'_>, query: &ThreadQuery, page: &Page) -> Reply {
        // Decoding succeeded before the backend was asked, so this parses again; the
        // fallback keeps the selection order.
        let requested = parse_params(self.which, req.query)
            .map(|p| p.requested_order())
            .unwrap_or(query.order);
        let mut body = Vec::with_capacity(64 + page.messages.len() * 256);
        if requested == query.order {
            write_messages(&mut body, page.messages.iter());
        } else {
            write_messages(&mut body, page.messages.iter().rev());
        }
        json_response(StatusCode::OK, &[], body)
    }

    fn render_error(&self, req: &RequestView<'_>, error: &Error) -> Reply {
        render_error(req, error)
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
