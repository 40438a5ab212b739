//! `GET /api/v2/pm/`: "Get a Thread" (`thread`, `user` or `group`), spec §1–§5.

use crate::canonical::{
    Credential, Error, IdBound, Order, Page, Principal, Resource, Slice, Target, ThreadQuery,
    UserRef,
};
use crate::config::SelfCommunityConfig;
use crate::dialect::selfcommunity::encode::{
    integers_needed, parse_offset, write_message, write_page, write_snippet, Ctx,
};
use crate::dialect::selfcommunity::errors::{render_error, INVALID_INTEGER};
use crate::dialect::selfcommunity::ratelimit::{rate_limit, RateLimiter};
use crate::dialect::selfcommunity::{credentials, links, params, REPLY_HEADERS};
use crate::dialect::{
    json_reply, DialectId, Endpoint, Phase, RateOutcome, Reply, RequestView, JSON,
};
use crate::idmap::{IdMap, Kind};
use http::StatusCode;
use ipnet::IpNet;
use std::sync::Arc;

/// The served path.
pub const PATH: &str = "/api/v2/pm/";
/// The same path without its trailing slash: Django's `APPEND_SLASH` redirect.
pub const PATH_NO_SLASH: &str = "/api/v2/pm";

/// The endpoint with its configuration and the id map.
pub struct GetPm {
    cfg: SelfCommunityConfig,
    trusted: Vec<IpNet>,
    ids: Arc<IdMap>,
    offset_secs: i64,
    /// DRF's user throttle (`[selfcommunity.rate_limit]`): a fixed window per user id,
    /// shared with `user/me` (DRF counts a user's calls to every view in one window).
    limiter: Option<Arc<RateLimiter>>,
}

impl GetPm {
    pub fn new(cfg: &SelfCommunityConfig, trusted: &[IpNet], ids: Arc<IdMap>) -> GetPm {
        GetPm {
            offset_secs: parse_offset(&cfg.utc_offset),
            cfg: cfg.clone(),
            trusted: trusted.to_vec(),
            ids,
            limiter: cfg
                .rate_limit
                .as_ref()
                .map(|rl| Arc::new(RateLimiter::new(rl))),
        }
    }

    /// The same endpoint, counted by `limiter` (none = not limited) instead of a window of
    /// its own.
    pub fn with_limiter(mut self, limiter: Option<Arc<RateLimiter>>) -> Self {
        self.limiter = limiter;
        self
    }

    /// The id an integer parameter names, from the id map's cache ([`Endpoint::before_decode`]
    /// looked up what it did not hold); an entry evicted since is read again from SQLite.
    fn lookup(&self, kind: Kind, n: i128) -> Result<Option<String>, Error> {
        let Ok(n) = i64::try_from(n) else {
            return Ok(None);
        };
        self.ids
            .id_of(kind, n)
            .map_err(|e| Error::Internal(e.to_string()))
    }

    /// The 200 body of `page` for `query` (before links: `l`, `o`).
    fn body(
        &self,
        req: &RequestView<'_>,
        query: &ThreadQuery,
        page: &Page,
    ) -> Result<Vec<u8>, Error> {
        let (o, l) = match &query.slice {
            Slice::Offset { offset, limit } => (*offset, limit.unwrap_or(self.cfg.default_limit)),
            Slice::Cursor { limit, .. } => (0, *limit),
        };
        let c = page.total.unwrap_or(page.messages.len() as u64);
        let base = links::base_url(req, &self.cfg.public_base_url, &self.trusted);
        let (next, previous) = links::links(&base, req.pairs(), l, o, c);
        let ctx = Ctx {
            ids: &self.ids,
            offset_secs: self.offset_secs,
        };
        let mut out = Vec::with_capacity(512 + page.messages.len() * 900);
        let (next, previous) = (next.as_deref(), previous.as_deref());
        if query.target == Target::Conversations {
            // Snippets: newest conversation first, pages not reversed.
            write_page(
                &mut out,
                &ctx,
                c,
                next,
                previous,
                page.messages
                    .iter()
                    .enumerate()
                    .map(|(i, m)| (m, page.conversations.get(i))),
                |out, ctx, (m, info)| write_snippet(out, ctx, m, info),
            )
        } else {
            // Threads: newest-first slices, each page oldest first.
            write_page(
                &mut out,
                &ctx,
                c,
                next,
                previous,
                page.messages.iter().rev(),
                write_message,
            )
        }
        .map_err(|e| Error::Internal(e.to_string()))?;
        Ok(out)
    }
}

/// The 301 of Django's `APPEND_SLASH` (spec §1): the query as received.
pub fn redirect(req: &RequestView<'_>) -> Reply {
    redirect_to(PATH, req)
}

/// The 301 of Django's `APPEND_SLASH` to `path` (the path with its slash), the query as
/// received.
pub fn redirect_to(path: &str, req: &RequestView<'_>) -> Reply {
    let location = match req.query {
        Some(q) if !q.is_empty() => format!("{path}?{q}"),
        _ => path.to_owned(),
    };
    json_reply(
        StatusCode::MOVED_PERMANENTLY,
        "text/html; charset=utf-8",
        &[],
        &[("location", &location)],
        Vec::new(),
    )
}

impl Endpoint for GetPm {
    fn dialect(&self) -> DialectId {
        DialectId::SelfCommunity
    }

    fn route(&self) -> &'static str {
        "pm"
    }

    fn phases(&self) -> &'static [Phase] {
        &[
            Phase::Authenticate,
            Phase::RateLimit,
            Phase::Method,
            Phase::Decode,
        ]
    }

    /// 429 with `Retry-After` (rendered by `render_error`) past the configured calls per
    /// window; DRF sends no rate-limit headers on other responses.
    fn rate_limit(
        &self,
        req: &RequestView<'_>,
        principal: Option<&Principal>,
        _client: Option<std::net::IpAddr>,
    ) -> RateOutcome {
        rate_limit(self.limiter.as_deref(), req, principal)
    }

    fn preflight(&self, req: &RequestView<'_>) -> Option<Reply> {
        (req.path == PATH_NO_SLASH).then(|| redirect(req))
    }

    fn credentials(&self, req: &RequestView<'_>) -> Option<Credential> {
        credentials(req.headers)
    }

    fn decode(&self, req: &RequestView<'_>, principal: Principal) -> Result<ThreadQuery, Error> {
        let pairs = req.pairs();
        let [thread, user, group, before, from] = params::ids(pairs)
            .map_err(|names| Error::invalid(&names.join(","), "", INVALID_INTEGER))?;
        let target = if let Some(n) = thread {
            Target::Room(
                self.lookup(Kind::Room, n)?
                    .ok_or_else(|| Error::NotFound(Resource::Room(n.to_string())))?,
            )
        } else if let Some(n) = user {
            Target::Direct {
                peer: UserRef::Id(
                    self.lookup(Kind::User, n)?
                        .ok_or_else(|| Error::NotFound(Resource::User(n.to_string())))?,
                ),
            }
        } else if let Some(n) = group {
            Target::Group(
                self.lookup(Kind::Group, n)?
                    .ok_or_else(|| Error::NotFound(Resource::Group(n.to_string())))?,
            )
        } else {
            // Snippets mode: the caller's conversations; id bounds are ignored.
            Target::Conversations
        };
        let snippets = target == Target::Conversations;
        let limit = params::limit(pairs, self.cfg.default_limit, self.cfg.max_limit);
        let offset = params::offset(pairs);
        let mut q = ThreadQuery::new(principal, target);
        q.filter.include_hidden = true;
        q.filter.include_deleted = false;
        q.filter.include_replies = true;
        // A bound naming no message is a bound outside the conversation: an empty page.
        if let Some(n) = before.filter(|_| !snippets) {
            q.filter.before_message = Some(IdBound {
                id: self.lookup(Kind::Message, n)?.unwrap_or_default(),
                inclusive: false,
            });
        }
        if let Some(n) = from.filter(|_| !snippets) {
            q.filter.after_message = Some(IdBound {
                id: self.lookup(Kind::Message, n)?.unwrap_or_default(),
                inclusive: true,
            });
        }
        q.order = Order::Descending;
        q.slice = Slice::Offset {
            offset,
            limit: Some(limit),
        };
        q.want_total = true;
        Ok(q)
    }

    /// The integers the parameters name are looked up on a blocking thread (the id map's
    /// SQLite work never runs on the async threads); `decode` then reads the cache.
    fn before_decode<'a>(
        &'a self,
        req: &'a RequestView<'_>,
    ) -> crate::backend::BoxFuture<'a, Result<(), Error>> {
        let wanted: Vec<(Kind, i64)> = match params::ids(req.pairs()) {
            Ok(values) => [
                Kind::Room,
                Kind::User,
                Kind::Group,
                Kind::Message,
                Kind::Message,
            ]
            .into_iter()
            .zip(values)
            .filter_map(|(kind, n)| Some((kind, i64::try_from(n?).ok()?)))
            .collect(),
            // `decode` answers the invalid parameters.
            Err(_) => Vec::new(),
        };
        Box::pin(async move {
            self.ids
                .prepare_ints(wanted)
                .await
                .map_err(|e| Error::Internal(e.to_string()))
        })
    }

    /// New objects get their integers on a blocking thread (the id map's SQLite work never
    /// runs on the async threads); the encoder then finds every integer in the cache.
    fn before_encode<'a>(
        &'a self,
        query: &'a ThreadQuery,
        page: &'a Page,
    ) -> crate::backend::BoxFuture<'a, Result<(), Error>> {
        let snippets = query.target == Target::Conversations;
        Box::pin(async move {
            self.ids
                .prepare(integers_needed(page, snippets))
                .await
                .map_err(|e| Error::Internal(e.to_string()))
        })
    }

    fn encode(&self, req: &RequestView<'_>, query: &ThreadQuery, page: &Page) -> Reply {
        match self.body(req, query, page) {
            Ok(body) => json_reply(StatusCode::OK, JSON, REPLY_HEADERS, &[], body),
            Err(e) => render_error(req, &e),
        }
    }

    fn render_error(&self, req: &RequestView<'_>, error: &Error) -> Reply {
        render_error(req, error)
    }

    /// The `next`/`previous` links start with the base URL (`Host`, trusted forwarded
    /// headers or `public_base_url`).
    fn cache_vary(&self, req: &RequestView<'_>) -> Option<String> {
        Some(links::base_url(
            req,
            &self.cfg.public_base_url,
            &self.trusted,
        ))
    }
}

#[cfg(test)]
mod tests;
