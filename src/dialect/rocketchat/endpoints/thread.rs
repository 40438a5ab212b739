//! `GET /api/v1/chat.getThreadMessages` (spec §3, §4, §5).

use crate::canonical::{
    Credential, Error, Order, Page, Principal, Resource, Slice, Target, ThreadQuery,
};
use crate::dialect::rocketchat::encode::encode_thread_page;
use crate::dialect::rocketchat::errors::{render_error, INVALID_SORT};
use crate::dialect::rocketchat::params::{
    parse_int, Coerced, Kind, Prop, QsValue, QueryParams, Schema,
};
use crate::dialect::rocketchat::ratelimit::{rate_limit, RateLimiter};
use crate::dialect::rocketchat::sort::parse_sort;
use crate::dialect::rocketchat::{credentials, Profile, REPLY_HEADERS};
use crate::dialect::{json_reply, DialectId, Endpoint, Phase, Reply, RequestView, JSON};
use http::StatusCode;

/// The exact path.
pub const PATH: &str = "/api/v1/chat.getThreadMessages";
/// The route label for logs and metrics.
pub const ROUTE: &str = "chat.getThreadMessages";

/// `API_Default_Count`.
pub const DEFAULT_COUNT: u32 = 50;
/// `API_Upper_Count_Limit`.
pub const MAX_COUNT: u32 = 100;

/// `ChatGetThreadMessagesSchema` of `packages/rest-typings/src/v1/chat.ts` (profiles 7–9).
pub static SCHEMA: Schema = Schema {
    props: &[
        Prop {
            name: "tmid",
            kind: Kind::Str { min_len: 1 },
            nullable: false,
        },
        Prop {
            name: "count",
            kind: Kind::Number,
            nullable: true,
        },
        Prop {
            name: "offset",
            kind: Kind::Number,
            nullable: true,
        },
        Prop {
            name: "sort",
            kind: Kind::Str { min_len: 0 },
            nullable: true,
        },
    ],
    required: &["tmid"],
};

/// `getPaginationItems`'s `count` as a limit: absent or not a number → 50; truncated;
/// negative → its absolute value (gw); above 100 → 100; 0 → no limit (`None`).
pub fn page_limit(count: Option<f64>) -> Option<u32> {
    let Some(v) = count.map(|v| v.trunc().abs()).filter(|v| !v.is_nan()) else {
        return Some(DEFAULT_COUNT);
    };
    if v == 0.0 {
        None
    } else if v > f64::from(MAX_COUNT) {
        Some(MAX_COUNT)
    } else {
        Some(v as u32)
    }
}

/// `getPaginationItems`'s `offset`: absent or not a number → 0; truncated; negative → 0
/// (gw); saturating at `u64::MAX`.
pub fn page_offset(offset: Option<f64>) -> u64 {
    match offset.map(f64::trunc) {
        Some(v) if v > 0.0 => v as u64,
        _ => 0,
    }
}

/// A decoded `chat.getThreadMessages` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadParams {
    pub tmid: String,
    pub order: Order,
    pub offset: u64,
    /// `None` = all.
    pub limit: Option<u32>,
}

fn invalid_sort(raw: &str) -> Error {
    Error::invalid("sort", raw, INVALID_SORT)
}

/// `parseJsonQuery`'s sort: no sort when empty, else a JSON object of `1`/`-1`.
fn sort_order(raw: Option<&str>) -> Result<Order, Error> {
    match raw {
        None | Some("") => Ok(Order::Ascending),
        Some(raw) => parse_sort(raw).ok_or_else(|| invalid_sort(raw)),
    }
}

/// Profile 6 (no schema): `sort`, then the `tmid` check, `count`/`offset` by `parseInt` of
/// the value as JavaScript prints it. Unknown keys are ignored.
fn parse_unvalidated(params: &QueryParams) -> Result<ThreadParams, Error> {
    let order = match params.get("sort").filter(|v| v.is_truthy()) {
        Some(v) => sort_order(Some(&v.js_string()))?,
        None => Order::Ascending,
    };
    let int_of = |name: &str| {
        params
            .get(name)
            .filter(|v| v.is_truthy())
            .and_then(|v| parse_int(&v.js_string()))
    };
    let limit = page_limit(int_of("count"));
    let offset = page_offset(int_of("offset"));
    let tmid = match params.get("tmid") {
        None => return Err(Error::missing("tmid")),
        Some(QsValue::Str(s)) if s.is_empty() => return Err(Error::missing("tmid")),
        Some(QsValue::Str(s)) => s.clone(),
        // An array or object matches no message id upstream (gw: never a query operator).
        Some(other) => {
            return Err(Error::NotFound(Resource::Message(
                other.js_string().into_owned(),
            )))
        }
    };
    Ok(ThreadParams {
        tmid,
        order,
        offset,
        limit,
    })
}

/// Profiles 7–9: the schema (first error only), then `sort`.
fn parse_validated(params: &QueryParams) -> Result<ThreadParams, Error> {
    let v = SCHEMA.validate(params)?;
    let sort = match v.get("sort") {
        Coerced::Str(s) => Some(s),
        _ => None,
    };
    let order = sort_order(sort)?;
    let num = |name: &str| match v.get(name) {
        Coerced::Num(n) => Some(n),
        _ => None,
    };
    let tmid = match v.get("tmid") {
        Coerced::Str(s) => s.to_owned(),
        _ => return Err(Error::missing("tmid")),
    };
    Ok(ThreadParams {
        tmid,
        order,
        offset: page_offset(num("offset")),
        limit: page_limit(num("count")),
    })
}

/// Decodes the query string under `profile`'s rules.
pub fn parse_params(profile: &Profile, raw_query: Option<&str>) -> Result<ThreadParams, Error> {
    let params = QueryParams::parse_opt(raw_query);
    if profile.thread_schema {
        parse_validated(&params)
    } else {
        parse_unvalidated(&params)
    }
}

/// The canonical query for decoded parameters.
pub fn thread_query(principal: Principal, p: ThreadParams) -> ThreadQuery {
    let mut q = ThreadQuery::new(principal, Target::Replies(p.tmid));
    q.order = p.order;
    q.slice = Slice::Offset {
        offset: p.offset,
        limit: p.limit,
    };
    q.want_total = true;
    q
}

/// The endpoint, bound to one profile.
#[derive(Debug)]
pub struct GetThreadMessages {
    profile: &'static Profile,
    limiter: Option<std::sync::Arc<RateLimiter>>,
}

impl GetThreadMessages {
    pub fn new(profile: &'static Profile) -> GetThreadMessages {
        GetThreadMessages {
            profile,
            limiter: None,
        }
    }

    /// The same endpoint, counted by `limiter` (none = not limited).
    pub fn with_limiter(mut self, limiter: Option<std::sync::Arc<RateLimiter>>) -> Self {
        self.limiter = limiter;
        self
    }
}

impl Endpoint for GetThreadMessages {
    fn dialect(&self) -> DialectId {
        DialectId::RocketChat
    }

    fn route(&self) -> &'static str {
        ROUTE
    }

    fn phases(&self) -> &'static [Phase] {
        self.profile.phases
    }

    fn credentials(&self, req: &RequestView<'_>) -> Option<Credential> {
        credentials(req.headers)
    }

    fn decode(&self, req: &RequestView<'_>, principal: Principal) -> Result<ThreadQuery, Error> {
        parse_params(self.profile, req.query).map(|p| thread_query(principal, p))
    }

    fn encode(&self, _req: &RequestView<'_>, query: &ThreadQuery, page: &Page) -> Reply {
        let offset = match query.slice {
            Slice::Offset { offset, .. } => offset,
            Slice::Cursor { .. } => 0,
        };
        let total = page
            .total
            .unwrap_or_else(|| offset.saturating_add(page.messages.len() as u64));
        let mut body = Vec::new();
        encode_thread_page(&mut body, &page.messages, offset, total);
        json_reply(StatusCode::OK, JSON, REPLY_HEADERS, &[], body)
    }

    fn render_error(&self, req: &RequestView<'_>, error: &Error) -> Reply {
        render_error(self.profile, req, error)
    }

    /// The encoder reads only the query and the page.
    fn cache_vary(&self, _req: &RequestView<'_>) -> Option<String> {
        Some(String::new())
    }

    fn rate_limit(
        &self,
        req: &RequestView<'_>,
        principal: Option<&Principal>,
        client: Option<std::net::IpAddr>,
    ) -> crate::dialect::RateOutcome {
        rate_limit(self.limiter.as_deref(), ROUTE, req, principal, client)
    }
}

#[cfg(test)]
mod tests;
