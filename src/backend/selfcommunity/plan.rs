//! One canonical query as the SelfCommunity calls that answer it exactly.
//!
//! - What `GET /api/v2/pm/` selects itself (a thread, a direct conversation by peer id, a
//!   group; newest first; hidden messages in, deleted ones out; `before_message`,
//!   `from_message`): the offset and limit in windows of at most 100 messages. The first
//!   window is asked with the query's own offset; every later one is the `next` link of
//!   the answer before ([`face::follow`]), never a guessed offset. A window shorter than
//!   asked, or no `next`, ends the page. The total is the server's `count`. Each answer
//!   is a newest-first slice in oldest-first order: turned back here.
//! - The caller's conversations (SelfCommunity snippets): the same, with no target.
//! - A thread of a required kind (a gateway's Rocket.Chat `rooms.info`): direct or group,
//!   read off its newest message (one call); never a channel or a document (not found).
//! - Anything else the server has no parameter for (oldest-first order, time bounds, no
//!   hidden messages, an exclusive lower or inclusive upper message bound): the
//!   conversation is walked newest first through its `next` links, as far as the answer
//!   needs ([`super::walk`]), then filtered, ordered, counted and sliced here.
//! - Thread replies: a SelfCommunity conversation is flat, and the server does not say
//!   which messages were replies elsewhere (a gateway's SelfCommunity face includes them),
//!   so every message counts as one of the conversation, whatever `include_replies` says.
//! - Every call counts against `max_calls_per_request`; past it the query is refused with
//!   [`Error::Unsupported`] (never a shorter page). So is what SelfCommunity cannot say
//!   at all (deleted messages, edit records, a thread's replies, company-admin access,
//!   unreads, a peer by username), and a route the upstream answers 404
//!   without a JSON `detail` for.

use super::walk;
use crate::backend::upstream::Upstream;
use crate::backend::QueryContext;
use crate::canonical::{
    Credential, Error, Order, Page, Resource, RoomKind, Slice, Target, ThreadQuery,
};
use crate::dialect::selfcommunity::client::{
    self as face, Answer, Request, Unanswerable, UpstreamPage, Window, MAX_LIMIT,
};

/// What the kind check made of a query.
enum Checked {
    /// No kind required.
    Unchanged,
    /// The kind matches; the query without it.
    Query(Box<ThreadQuery>),
    /// The kind matches and no message is wanted: an empty page.
    Answered,
}

/// How an answer of a `pm` call is read: messages or snippets.
type Decode = fn(&Request, &Answer<'_>) -> Result<UpstreamPage, Error>;

/// The calls of one query.
pub(super) struct Planner<'a> {
    upstream: &'a Upstream,
    header: [(&'static str, String); 1],
    ctx: &'a QueryContext,
    max_calls: usize,
    calls: usize,
}

/// What one query asks of its messages.
#[derive(Debug, Clone, Copy)]
pub(super) struct Want {
    pub offset: u64,
    /// `None`: every message from `offset` on.
    pub limit: Option<u32>,
}

impl Want {
    pub(super) fn of(query: &ThreadQuery) -> Result<Want, Error> {
        match &query.slice {
            Slice::Offset { offset, limit } => Ok(Want {
                offset: *offset,
                limit: *limit,
            }),
            Slice::Cursor { .. } => Err(Error::Unsupported("cursor paging".into())),
        }
    }
}

impl<'a> Planner<'a> {
    pub(super) fn new(
        upstream: &'a Upstream,
        credential: &Credential,
        ctx: &'a QueryContext,
        max_calls: usize,
    ) -> Result<Planner<'a>, Error> {
        Ok(Planner {
            upstream,
            header: [face::auth_header(credential)?],
            ctx,
            max_calls,
            calls: 0,
        })
    }

    /// Calls made so far.
    pub(super) fn calls(&self) -> usize {
        self.calls
    }

    /// One call, counted against the budget; an answer holding more items than the call
    /// asked for is a bad one.
    pub(super) async fn call(
        &mut self,
        req: &Request,
        decode: Decode,
    ) -> Result<UpstreamPage, Error> {
        if self.calls >= self.max_calls {
            return Err(Error::Unsupported(format!(
                "a request needing more than {} upstream calls",
                self.max_calls
            )));
        }
        self.calls += 1;
        let auth = [(self.header[0].0, self.header[0].1.as_str())];
        let got = self.upstream.send(req, &auth, self.ctx).await?;
        let ans = Answer::with_headers(got.status.as_u16(), &got.headers, &got.body);
        let page = match decode(req, &ans) {
            Err(Error::BackendUnavailable(why)) if got.status == http::StatusCode::NOT_FOUND => {
                tracing::info!(backend = %self.upstream.label, route = req.path(), reason = %why, "upstream route not served");
                return Err(Error::Unsupported(format!(
                    "{}, a route the upstream does not serve",
                    req.path()
                )));
            }
            other => other?,
        };
        let asked = req
            .query
            .iter()
            .find(|(k, _)| k == "limit")
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .unwrap_or(MAX_LIMIT as usize);
        let n = page.page.messages.len().max(page.page.conversations.len());
        if n > asked {
            return Err(Error::BadBackendAnswer(format!(
                "{}: {} answered {n} items for limit={asked}",
                self.upstream.label,
                req.path()
            )));
        }
        Ok(page)
    }

    /// The page for `query`.
    pub(super) async fn answer(&mut self, query: &ThreadQuery) -> Result<Page, Error> {
        let want = Want::of(query)?;
        if query.target == Target::Conversations {
            return self.snippets(query, want).await;
        }
        let checked;
        let query = match self.kind_check(query, want).await? {
            Checked::Answered => return Ok(Page::default()),
            Checked::Query(q) => {
                checked = *q;
                &checked
            }
            Checked::Unchanged => query,
        };
        let first = Window {
            offset: want.offset,
            limit: want.limit.map_or(MAX_LIMIT, |l| l.clamp(1, MAX_LIMIT)),
        };
        match face::pm(query, first) {
            Ok(req) => self.windowed(query, want, req, face::decode_page).await,
            Err(Unanswerable::Answer(e)) => Err(e),
            Err(Unanswerable::Empty) => Ok(Page {
                total: query.want_total.then_some(0),
                ..Page::default()
            }),
            Err(Unanswerable::Unsupported(what)) => match walk::base_query(query, what) {
                Ok(base) => walk::walked(self, query, &base, want).await,
                Err(e) => Err(e),
            },
        }
    }

    /// A thread of a required kind (what a gateway's Rocket.Chat `rooms.info` asks): a
    /// SelfCommunity conversation is a group when its messages name one, else direct, and
    /// never a channel or a document. The kind is read off the newest message (one call);
    /// a conversation with none has no kind to read: refused.
    async fn kind_check(&mut self, query: &ThreadQuery, want: Want) -> Result<Checked, Error> {
        let (Target::Room(id), Some(required)) = (&query.target, query.require_kind) else {
            return Ok(Checked::Unchanged);
        };
        if !matches!(required, RoomKind::Direct | RoomKind::Group) {
            return Err(Error::NotFound(Resource::Room(id.clone())));
        }
        let mut newest = ThreadQuery::new(query.principal.clone(), query.target.clone());
        newest.filter.include_hidden = true;
        newest.filter.include_replies = true;
        newest.order = Order::Descending;
        let one = Window {
            offset: 0,
            limit: 1,
        };
        let req = face::pm(&newest, one).map_err(Error::from)?;
        let got = self.call(&req, face::decode_page).await?;
        let kind = match got.page.messages.first() {
            Some(m) if m.group_id.is_some() => RoomKind::Group,
            Some(_) => RoomKind::Direct,
            None => {
                return Err(Error::Unsupported(
                    "the kind of a conversation without messages".into(),
                ))
            }
        };
        if kind != required {
            return Err(Error::NotFound(Resource::Room(id.clone())));
        }
        let no_messages = want.limit == Some(0) && !query.want_total && query.unreads.is_none();
        if no_messages {
            return Ok(Checked::Answered);
        }
        let mut next = query.clone();
        next.require_kind = None;
        Ok(Checked::Query(Box::new(next)))
    }

    /// The caller's conversations, as SelfCommunity lists them (newest first, hidden
    /// messages counted); any other listing is refused.
    async fn snippets(&mut self, query: &ThreadQuery, want: Want) -> Result<Page, Error> {
        let f = &query.filter;
        let plain = f.created_after.is_none()
            && f.created_before.is_none()
            && f.updated_after.is_none()
            && f.updated_before.is_none()
            && f.after_message.is_none()
            && f.before_message.is_none()
            && f.include_hidden
            && !f.include_deleted
            && f.kind == crate::canonical::KindFilter::Messages;
        if !plain || query.order != Order::Descending || query.unreads.is_some() {
            return Err(Error::Unsupported(
                "a conversation list other than SelfCommunity's own".into(),
            ));
        }
        let first = Window {
            offset: want.offset,
            limit: want.limit.map_or(MAX_LIMIT, |l| l.clamp(1, MAX_LIMIT)),
        };
        let req = face::snippets(first).map_err(Error::from)?;
        self.windowed(query, want, req, face::decode_snippets).await
    }

    /// Windows from `req` on, each the `next` link of the one before, until `want` is met
    /// or the server has no more. Messages turn newest first; snippets stay as they come.
    pub(super) async fn windowed(
        &mut self,
        query: &ThreadQuery,
        want: Want,
        mut req: Request,
        decode: Decode,
    ) -> Result<Page, Error> {
        let snippets = query.target == Target::Conversations;
        let mut out = Page::default();
        let mut left = want.limit;
        loop {
            let mut got = self.call(&req, decode).await?;
            if out.total.is_none() {
                out.total = Some(got.count);
            }
            if left == Some(0) {
                break; // a call for the total only
            }
            if !snippets {
                got.page.messages.reverse();
            }
            let take = left.map_or(usize::MAX, |l| l as usize);
            let n = got.page.messages.len().min(take);
            out.messages.extend(got.page.messages.into_iter().take(n));
            out.conversations
                .extend(got.page.conversations.into_iter().take(n));
            left = left.map(|l| l.saturating_sub(n as u32));
            match got.next {
                Some(link) if left != Some(0) && n > 0 => req = face::follow(&req, &link)?,
                _ => break,
            }
        }
        if !query.want_total {
            out.total = None;
        }
        Ok(out)
    }
}
