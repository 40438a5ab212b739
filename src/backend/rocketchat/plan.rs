//! One canonical query as the Rocket.Chat calls that answer it exactly.
//!
//! - A room's kind: `require_kind` when the query has one, else `rooms.info` (one call). A
//!   query for no messages with a required kind (a gateway's own `rooms.info`) is answered
//!   by `rooms.info` alone.
//! - A direct conversation by peer: in passthrough mode the peer goes as `roomId`, the
//!   caller's own request to its own server. In mapped mode the room is named by its id,
//!   the two user ids sorted and joined as Rocket.Chat names direct rooms, so that the
//!   server never resolves (and never creates) a room on the gateway's behalf; a room not
//!   found that way is refused (an unknown peer and a peer without a conversation look the
//!   same from outside).
//! - Pages the server's order serves (threads either way, histories newest first): the
//!   offset and count in windows of at most 100 messages; a window shorter than asked ends
//!   the page. Thread totals come from the server.
//! - Oldest-first history, or a history total (which no history route reports): the
//!   whole newest-first result is walked in windows of 100, then turned and sliced here.
//! - An upper bound at a message (a SelfCommunity client's `before_message`), newest first:
//!   applied to the walked result (the bound's message and the newer ones dropped; a bound
//!   naming no message of the room leaves none), so only with a total or oldest first.
//! - Every call counts against `max_calls_per_request`; past it the query is refused with
//!   [`Error::Unsupported`] (never a shorter page). So is a query needing a route the
//!   upstream answers 404 for (a gateway's Rocket.Chat face serves no `channels.history`).
//! - Hidden or deleted messages: no history route selects them, refused; a query that
//!   includes hidden messages but not deleted ones comes here as the visible messages when
//!   `hidden_messages = "none"` (see [`super`]).

use crate::backend::upstream::{now_ms, Upstream};
use crate::backend::QueryContext;
use crate::canonical::Credential;
use crate::canonical::{
    Error, IdBound, Order, Page, Resource, RoomKind, Slice, Target, ThreadQuery, Unreads, UserRef,
};
use crate::dialect::rocketchat::client::{
    self as face, Answer, Request, Route, Unanswerable, UpstreamPage, Window, MAX_PER_CALL,
};

/// Takes from `query` an upper bound at a message when it is its only message bound and
/// the query is newest first: [`Planner::walked`] applies it. Any other stays, for the
/// client face to refuse.
fn take_message_bound(query: &mut ThreadQuery) -> Option<IdBound> {
    if query.order != Order::Descending || query.filter.after_message.is_some() {
        return None;
    }
    query.filter.before_message.take()
}

/// The calls of one query.
pub(super) struct Planner<'a> {
    upstream: &'a Upstream,
    headers: [(&'static str, &'a str); 2],
    /// The upstream user the calls are made as.
    upstream_user: &'a str,
    ctx: &'a QueryContext,
    max_calls: usize,
    calls: usize,
    mapped: bool,
}

fn refuse(u: Unanswerable) -> Error {
    match u {
        Unanswerable::Unsupported(what) => Error::Unsupported(what.to_owned()),
        Unanswerable::RoomKindNeeded(_) => Error::Internal("room kind asked twice".into()),
        Unanswerable::Answer(e) => e,
    }
}

impl<'a> Planner<'a> {
    pub(super) fn new(
        upstream: &'a Upstream,
        credential: &'a Credential,
        ctx: &'a QueryContext,
        max_calls: usize,
        mapped: bool,
    ) -> Result<Planner<'a>, Error> {
        let headers = face::auth_headers(credential)?;
        let upstream_user = match credential {
            Credential::UserToken { user_id, .. } => user_id.as_str(),
            Credential::Bearer { .. } => "",
        };
        Ok(Planner {
            upstream,
            headers,
            upstream_user,
            ctx,
            max_calls,
            calls: 0,
            mapped,
        })
    }

    /// Calls made so far.
    pub(super) fn calls(&self) -> usize {
        self.calls
    }

    /// One call, counted against the budget.
    async fn call<T>(
        &mut self,
        req: &Request,
        decode: fn(&Request, &Answer<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        if self.calls >= self.max_calls {
            return Err(Error::Unsupported(format!(
                "a request needing more than {} upstream calls",
                self.max_calls
            )));
        }
        self.calls += 1;
        let got = self.upstream.send(req, &self.headers, self.ctx).await?;
        let ans = Answer::with_headers(got.status.as_u16(), &got.headers, &got.body, now_ms());
        match decode(req, &ans) {
            // A route the upstream does not serve (e.g. a gateway's Rocket.Chat face, which
            // serves no `channels.history`): what needs it cannot be answered here.
            Err(Error::BackendUnavailable(why)) if got.status == http::StatusCode::NOT_FOUND => {
                tracing::info!(backend = %self.upstream.label, route = req.path(), reason = %why, "upstream route not served");
                Err(Error::Unsupported(format!(
                    "{}, a route the upstream does not serve",
                    req.path()
                )))
            }
            other => other,
        }
    }

    /// The page for `query`.
    pub(super) async fn answer(&mut self, query: &ThreadQuery) -> Result<Page, Error> {
        let query = self.direct_room(query)?;
        if let Some(page) = self.kind_check(&query).await? {
            return Ok(page);
        }
        let kind = self.room_kind(&query).await?;
        // An upper bound at a message is applied here, over a walked conversation.
        let mut query = query;
        let below = take_message_bound(&mut query);
        // The route the query goes to (a window of one message to ask it).
        let probe = face::history(
            &query,
            kind,
            Window {
                offset: 0,
                count: 1,
            },
        );
        let route = match probe {
            Ok(req) => req.route,
            Err(Unanswerable::Unsupported("oldest-first history")) => Route::DmHistory,
            Err(u) => return Err(refuse(u)),
        };
        let walk =
            route != Route::ThreadMessages && (query.order == Order::Ascending || query.want_total);
        match (walk, below) {
            (true, below) => self.walked(&query, kind, below.as_ref()).await,
            (false, None) => self.windowed(&query, kind).await,
            (false, Some(_)) => Err(Error::Unsupported("bounds at a message".into())),
        }
    }

    /// A query for no messages of a room of a required kind (what a gateway's
    /// `rooms.info` asks) is answered by `rooms.info` alone: an empty page when the kind
    /// matches, the room not found when it does not. `None` for every other query.
    async fn kind_check(&mut self, query: &ThreadQuery) -> Result<Option<Page>, Error> {
        let (Target::Room(rid), Some(want)) = (&query.target, query.require_kind) else {
            return Ok(None);
        };
        let no_messages = matches!(query.slice, Slice::Offset { limit: Some(0), .. })
            && !query.want_total
            && query.unreads.is_none();
        if !no_messages {
            return Ok(None);
        }
        let kind = self
            .call(&face::rooms_info(rid), face::decode_room_kind)
            .await?;
        if kind != want {
            return Err(Error::NotFound(Resource::Room(rid.clone())));
        }
        Ok(Some(Page::default()))
    }

    /// In mapped mode, a direct conversation by peer as its room id.
    fn direct_room(&self, query: &ThreadQuery) -> Result<ThreadQuery, Error> {
        let Target::Direct { peer } = &query.target else {
            return Ok(query.clone());
        };
        if !self.mapped {
            return Ok(query.clone());
        }
        let UserRef::Id(peer) = peer else {
            return Err(Error::Unsupported(
                "a direct conversation named by username (the upstream would resolve it)".into(),
            ));
        };
        let me = self.upstream_user;
        if peer == me || peer.is_empty() {
            return Err(Error::Unsupported(
                "a direct conversation with oneself".into(),
            ));
        }
        let rid = if me < peer.as_str() {
            format!("{me}{peer}")
        } else {
            format!("{peer}{me}")
        };
        let mut next = query.clone();
        next.target = Target::Room(rid);
        next.require_kind = Some(RoomKind::Direct);
        Ok(next)
    }

    /// The room's kind, when the route depends on it and the query does not say.
    async fn room_kind(&mut self, query: &ThreadQuery) -> Result<Option<RoomKind>, Error> {
        match (&query.target, query.require_kind) {
            (Target::Room(rid), None) => {
                let req = face::rooms_info(rid);
                self.call(&req, face::decode_room_kind).await.map(Some)
            }
            _ => Ok(None),
        }
    }

    /// One window of `query`, checked: no more messages than asked.
    async fn window(
        &mut self,
        query: &ThreadQuery,
        kind: Option<RoomKind>,
        window: Window,
    ) -> Result<UpstreamPage, Error> {
        let req = face::history(query, kind, window).map_err(refuse)?;
        let page = self.call(&req, face::decode_page).await;
        let page = match (page, &query.target) {
            // Mapped mode names a direct room by id: not found is not "no messages".
            (Err(Error::NotFound(Resource::Room(_))), Target::Room(_))
                if self.mapped && query.require_kind == Some(RoomKind::Direct) =>
            {
                return Err(Error::Unsupported(
                    "a direct conversation the upstream does not know by its room id (none yet, or an unknown user)".into(),
                ))
            }
            (page, _) => page?,
        };
        if window.count > 0 && page.page.messages.len() > window.count as usize {
            return Err(Error::BadBackendAnswer(format!(
                "{}: {} answered {} messages for count={}",
                self.upstream.label,
                req.path(),
                page.page.messages.len(),
                window.count
            )));
        }
        Ok(page)
    }

    /// A page in the server's own order: offset and count in windows.
    async fn windowed(
        &mut self,
        query: &ThreadQuery,
        kind: Option<RoomKind>,
    ) -> Result<Page, Error> {
        let (offset, limit) = match &query.slice {
            Slice::Offset { offset, limit } => (*offset, *limit),
            Slice::Cursor { .. } => {
                return Err(Error::Unsupported("cursor paging".into()));
            }
        };
        let mut out = Page::default();
        let mut unreads: Option<Unreads> = None;
        let mut at = offset;
        let mut left = limit;
        loop {
            let count = left.map_or(MAX_PER_CALL, |l| l.clamp(1, MAX_PER_CALL));
            let got = self
                .window(query, kind, Window { offset: at, count })
                .await?;
            let n = got.page.messages.len();
            if out.total.is_none() {
                out.total = got.page.total;
            }
            if n > 0 || unreads.is_none() {
                unreads = got.page.unreads.or(unreads);
            }
            if left == Some(0) {
                break; // a call for the total and the checks only
            }
            out.messages.extend(got.page.messages);
            left = left.map(|l| l.saturating_sub(n as u32));
            at = at.saturating_add(n as u64);
            if n < count as usize || left == Some(0) {
                break;
            }
        }
        out.unreads = unreads;
        if query.want_total && out.total.is_none() {
            return Err(Error::BadBackendAnswer(format!(
                "{}: no total in a thread answer",
                self.upstream.label
            )));
        }
        if !query.want_total {
            out.total = None;
        }
        Ok(out)
    }

    /// Every message of the newest-first result, then the messages below `below` (none
    /// when it names no message of the result), then order and slice here.
    async fn walked(
        &mut self,
        query: &ThreadQuery,
        kind: Option<RoomKind>,
        below: Option<&IdBound>,
    ) -> Result<Page, Error> {
        if query.unreads.is_some() {
            return Err(Error::Unsupported(
                "unreads with oldest-first order or a total".into(),
            ));
        }
        let (offset, limit) = match &query.slice {
            Slice::Offset { offset, limit } => (*offset, *limit),
            Slice::Cursor { .. } => return Err(Error::Unsupported("cursor paging".into())),
        };
        let mut newest_first = query.clone();
        newest_first.order = Order::Descending;
        newest_first.want_total = false;
        let mut all = Vec::new();
        loop {
            let window = Window {
                offset: all.len() as u64,
                count: MAX_PER_CALL,
            };
            let got = self.window(&newest_first, kind, window).await?;
            let n = got.page.messages.len();
            all.extend(got.page.messages);
            if n < MAX_PER_CALL as usize {
                break;
            }
        }
        if let Some(bound) = below {
            let at = all.iter().position(|m| m.id == bound.id);
            let start = at.map_or(all.len(), |i| if bound.inclusive { i } else { i + 1 });
            all.drain(..start);
        }
        if query.order == Order::Ascending {
            all.reverse();
        }
        let total = all.len() as u64;
        let skip = usize::try_from(offset).unwrap_or(usize::MAX);
        let take = limit.map_or(usize::MAX, |l| l as usize);
        Ok(Page {
            messages: all.into_iter().skip(skip).take(take).collect(),
            total: query.want_total.then_some(total),
            unreads: None,
            conversations: Vec::new(),
        })
    }
}
