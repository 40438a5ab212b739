//! Requests to a Rocket.Chat server, built from a [`ThreadQuery`].
//!
//! Every route is `GET` with a query string and the `X-User-Id` / `X-Auth-Token` pair.
//! Which route reads a query's target:
//!
//! | target | route |
//! |---|---|
//! | `Replies(tmid)` | `chat.getThreadMessages?tmid=&offset=&count=&sort=` |
//! | `Direct { peer }` | `dm.history?roomId=<peer id or username>` (the server resolves it) |
//! | `Room(rid)`, a direct room | `dm.history?roomId=` |
//! | `Room(rid)`, a private group | `groups.history?roomId=` |
//! | `Room(rid)`, a channel | `channels.history?roomId=` |
//!
//! A room's kind comes from `require_kind` or from `rooms.info` ([`rooms_info`]) first. The
//! three history routes take `latest`, `oldest`, `inclusive`, `showThreadMessages`, `unreads`,
//! `offset` and `count`; they answer newest first, always.

use super::super::endpoints::thread::MAX_COUNT;
use crate::canonical::{
    Access, Credential, Error, Filter, KindFilter, Order, RoomKind, Target, ThreadQuery, TimeBound,
    UserRef,
};
use crate::dialect::client_common::{path_and_query, split_windows};

/// The header that names the user.
pub const USER_ID_HEADER: &str = "x-user-id";
/// The header with the user's token.
pub const AUTH_TOKEN_HEADER: &str = "x-auth-token";
/// The most messages one call returns (`API_Upper_Count_Limit`); a larger `count` is cut to
/// it silently by the server.
pub const MAX_PER_CALL: u32 = MAX_COUNT;

/// A route the client face speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    ThreadMessages,
    DmHistory,
    GroupsHistory,
    ChannelsHistory,
    /// `GET /api/v1/me`: who the credential belongs to.
    Me,
    /// `GET /api/v1/rooms.info`: a room's kind.
    RoomsInfo,
    /// `GET /api/v1/rooms.get`: the caller's rooms.
    RoomsGet,
}

impl Route {
    /// The exact path.
    pub fn path(self) -> &'static str {
        match self {
            Route::ThreadMessages => "/api/v1/chat.getThreadMessages",
            Route::DmHistory => "/api/v1/dm.history",
            Route::GroupsHistory => "/api/v1/groups.history",
            Route::ChannelsHistory => "/api/v1/channels.history",
            Route::Me => "/api/v1/me",
            Route::RoomsInfo => "/api/v1/rooms.info",
            Route::RoomsGet => "/api/v1/rooms.get",
        }
    }

    /// Whether a success answer is a page of messages.
    pub fn is_history(self) -> bool {
        !matches!(self, Route::Me | Route::RoomsInfo | Route::RoomsGet)
    }

    /// The history route of a room kind (`None`: a kind Rocket.Chat has no route for).
    pub fn history_of(kind: RoomKind) -> Option<Route> {
        match kind {
            RoomKind::Direct => Some(Route::DmHistory),
            RoomKind::Group => Some(Route::GroupsHistory),
            RoomKind::Channel => Some(Route::ChannelsHistory),
            RoomKind::Document => None,
        }
    }
}

/// One call: always `GET`, with the credential pair of [`auth_headers`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub route: Route,
    /// Query pairs in order, not yet encoded ([`Request::path_and_query`] encodes them).
    pub query: Vec<(&'static str, String)>,
    /// What the call names (the `tmid`, the room id, the peer), for the errors its answer
    /// decodes into (`NotFound(Message(tmid))`, ...). Empty for `me`.
    pub subject: String,
    /// Whether the answer carries `firstUnread` / `unreadNotLoaded` (`unreads=true`).
    pub unreads: bool,
}

impl Request {
    pub fn method(&self) -> http::Method {
        http::Method::GET
    }

    pub fn path(&self) -> &'static str {
        self.route.path()
    }

    /// The path with the query string (`application/x-www-form-urlencoded`, which the
    /// server's `qs` decodes).
    pub fn path_and_query(&self) -> String {
        path_and_query(self.path(), &self.query)
    }
}

/// The `X-User-Id` / `X-Auth-Token` headers for a credential. A bearer token is no
/// Rocket.Chat credential: `Unauthenticated(Missing)`.
pub fn auth_headers(credential: &Credential) -> Result<[(&'static str, &str); 2], Error> {
    match credential {
        Credential::UserToken { user_id, token } => {
            Ok([(USER_ID_HEADER, user_id), (AUTH_TOKEN_HEADER, token)])
        }
        Credential::Bearer { .. } => Err(Error::Unauthenticated(
            crate::canonical::AuthFailure::Missing,
        )),
    }
}

/// Why a query cannot be sent as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unanswerable {
    /// The room's kind decides the route: ask [`rooms_info`] first.
    #[error("the kind of room {0:?} is needed first (rooms.info)")]
    RoomKindNeeded(String),
    /// No Rocket.Chat route expresses this part of the query; a planner may work around it
    /// (walk pages, count by walking, filter locally) or refuse.
    #[error("a Rocket.Chat upstream cannot answer {0}")]
    Unsupported(&'static str),
    /// The answer is known without a call (a room of another kind than required: not
    /// found).
    #[error(transparent)]
    Answer(Error),
}

impl From<Unanswerable> for Error {
    /// What a caller sees when nothing plans around it: the known answer, else an internal
    /// error naming what is missing.
    fn from(u: Unanswerable) -> Error {
        match u {
            Unanswerable::Answer(e) => e,
            other => Error::Internal(other.to_string()),
        }
    }
}

/// Which messages of the ordered result one call asks for. `count` 0 asks for all (the
/// server may cap it); above [`MAX_PER_CALL`] the server cuts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub offset: u64,
    pub count: u32,
}

/// Splits `limit` messages from `offset` into calls of at most `per_call` (at least 1)
/// messages, refusing more than `max_calls` calls.
pub fn windows(
    offset: u64,
    limit: u32,
    per_call: u32,
    max_calls: usize,
) -> Result<Vec<Window>, Unanswerable> {
    let split = split_windows(offset, limit, per_call, max_calls)
        .ok_or(Unanswerable::Unsupported("a page needing that many calls"))?;
    Ok(split
        .into_iter()
        .map(|(offset, count)| Window { offset, count })
        .collect())
}

/// `GET /api/v1/me`.
pub fn me() -> Request {
    Request {
        route: Route::Me,
        query: Vec::new(),
        subject: String::new(),
        unreads: false,
    }
}

/// `GET /api/v1/rooms.get`.
pub fn rooms_get() -> Request {
    Request {
        route: Route::RoomsGet,
        query: Vec::new(),
        subject: String::new(),
        unreads: false,
    }
}

/// `GET /api/v1/rooms.info?roomId=`.
pub fn rooms_info(room_id: &str) -> Request {
    Request {
        route: Route::RoomsInfo,
        query: vec![("roomId", room_id.to_owned())],
        subject: room_id.to_owned(),
        unreads: false,
    }
}

/// The call that reads `window` of `query`'s result. `room` is the room's kind when the
/// caller already knows it (from `rooms.info`); `require_kind` counts as known.
pub fn history(
    query: &ThreadQuery,
    room: Option<RoomKind>,
    window: Window,
) -> Result<Request, Unanswerable> {
    if query.access != Access::Member {
        return Err(Unanswerable::Unsupported("company-admin access"));
    }
    let (route, subject) = match &query.target {
        Target::Replies(tmid) => return thread_messages(query, tmid, window),
        Target::Direct { peer } => {
            if query.require_kind.is_some_and(|k| k != RoomKind::Direct) {
                return Err(Unanswerable::Unsupported("a direct peer with another kind"));
            }
            let (UserRef::Id(p) | UserRef::Username(p)) = peer;
            (Route::DmHistory, p.clone())
        }
        Target::Room(rid) => {
            let kind = match (query.require_kind, room) {
                (Some(want), Some(is)) if want != is => {
                    return Err(Unanswerable::Answer(Error::NotFound(
                        crate::canonical::Resource::Room(rid.clone()),
                    )))
                }
                (Some(k), _) | (None, Some(k)) => k,
                (None, None) => return Err(Unanswerable::RoomKindNeeded(rid.clone())),
            };
            let route = Route::history_of(kind)
                .ok_or(Unanswerable::Unsupported("a document's messages"))?;
            (route, rid.clone())
        }
        Target::Group(_) => return Err(Unanswerable::Unsupported("a group's conversation")),
        Target::Conversations => return Err(Unanswerable::Unsupported("a conversation list")),
    };
    history_request(query, route, subject, window)
}

/// `chat.getThreadMessages`: no filter but the target; the order by `sort`.
fn thread_messages(
    query: &ThreadQuery,
    tmid: &str,
    window: Window,
) -> Result<Request, Unanswerable> {
    let f = &query.filter;
    let only_target = Filter {
        include_replies: f.include_replies,
        ..Filter::default()
    };
    if *f != only_target {
        return Err(Unanswerable::Unsupported("a filtered thread"));
    }
    if query.unreads.is_some() {
        return Err(Unanswerable::Unsupported("unreads of a thread"));
    }
    let sort = match query.order {
        Order::Ascending => r#"{"ts":1}"#,
        Order::Descending => r#"{"ts":-1}"#,
    };
    Ok(Request {
        route: Route::ThreadMessages,
        query: vec![
            ("tmid", tmid.to_owned()),
            ("offset", window.offset.to_string()),
            ("count", window.count.to_string()),
            ("sort", sort.to_owned()),
        ],
        subject: tmid.to_owned(),
        unreads: false,
    })
}

/// `dm.history`, `groups.history`, `channels.history`: newest first, time bounds, replies,
/// unreads.
fn history_request(
    query: &ThreadQuery,
    route: Route,
    subject: String,
    window: Window,
) -> Result<Request, Unanswerable> {
    let f = &query.filter;
    if f.updated_after.is_some() || f.updated_before.is_some() {
        return Err(Unanswerable::Unsupported("bounds on update times"));
    }
    if f.after_message.is_some() || f.before_message.is_some() {
        return Err(Unanswerable::Unsupported("bounds at a message"));
    }
    if f.kind != KindFilter::Messages || f.include_deleted || f.include_hidden {
        return Err(Unanswerable::Unsupported(
            "edits, deleted or hidden messages",
        ));
    }
    if query.order != Order::Descending {
        return Err(Unanswerable::Unsupported("oldest-first history"));
    }
    let latest = f.created_before.map(latest_ms);
    let oldest = f.created_after.map(oldest_ms);
    let inclusive = inclusive_for_unreads(query, oldest)?;
    let shift = i64::from(inclusive);
    let mut pairs = vec![("roomId", subject.clone())];
    if let Some(latest) = latest.and_then(|l| js_date(l.saturating_sub(shift), true)) {
        pairs.push(("latest", iso(latest)));
    }
    if let Some(oldest) = oldest.and_then(|o| js_date(o.saturating_add(shift), false)) {
        pairs.push(("oldest", iso(oldest)));
    }
    if inclusive {
        pairs.push(("inclusive", "true".to_owned()));
    }
    if f.include_replies {
        pairs.push(("showThreadMessages", "true".to_owned()));
    }
    if query.unreads.is_some() {
        pairs.push(("unreads", "true".to_owned()));
    }
    pairs.push(("offset", window.offset.to_string()));
    pairs.push(("count", window.count.to_string()));
    Ok(Request {
        route,
        query: pairs,
        subject,
        unreads: query.unreads.is_some(),
    })
}

/// Whether both bounds go `inclusive=true`. The server counts unread messages after
/// `oldest`, exclusive whatever `inclusive` says, so `oldest` must be the unread bound; the
/// filter's lower bound is then `ts > oldest` (`inclusive=false`) or `ts ≥ oldest`
/// (`inclusive=true`), or not expressible. Without unreads, both bounds go exclusive.
fn inclusive_for_unreads(query: &ThreadQuery, oldest: Option<i64>) -> Result<bool, Unanswerable> {
    let Some(window) = &query.unreads else {
        return Ok(false);
    };
    if window.resolution_usec != 1000 {
        return Err(Unanswerable::Unsupported(
            "unreads at another clock resolution",
        ));
    }
    match (window.after.map(oldest_ms), oldest) {
        (None, None) => Ok(false),
        (Some(after), Some(oldest)) if after == oldest => Ok(false),
        (Some(after), Some(oldest)) if after.checked_sub(1) == Some(oldest) => Ok(true),
        _ => Err(Unanswerable::Unsupported("unreads after another bound")),
    }
}

/// The range of JavaScript's `Date`, in ms either side of the epoch; a date outside it is an
/// invalid date to the server.
const JS_DATE_MAX_MS: i64 = 8_640_000_000_000_000;

/// A date parameter within the server's range: an upper bound past every date it can hold
/// is no bound (`None`), a lower one before every date too; the others are clamped.
fn js_date(ms: i64, upper: bool) -> Option<i64> {
    if upper {
        (ms <= JS_DATE_MAX_MS).then(|| ms.max(-JS_DATE_MAX_MS))
    } else {
        (ms >= -JS_DATE_MAX_MS).then(|| ms.min(JS_DATE_MAX_MS))
    }
}

/// `latest` (exclusive, ms) selecting the messages whose `ts` satisfies `bound`, a bound
/// from above: `ts·1000 < B` ⇔ `ts < ⌈B/1000⌉`; `ts·1000 ≤ B` ⇔ `ts < ⌊B/1000⌋ + 1`.
fn latest_ms(bound: TimeBound) -> i64 {
    let floor = bound.usec.div_euclid(1000);
    let exact = bound.usec.rem_euclid(1000) == 0;
    if bound.inclusive || !exact {
        floor.saturating_add(1)
    } else {
        floor
    }
}

/// `oldest` (exclusive, ms) for a bound from below: `ts·1000 > A` ⇔ `ts > ⌊A/1000⌋`;
/// `ts·1000 ≥ A` ⇔ `ts > ⌈A/1000⌉ − 1`.
fn oldest_ms(bound: TimeBound) -> i64 {
    let floor = bound.usec.div_euclid(1000);
    let exact = bound.usec.rem_euclid(1000) == 0;
    if bound.inclusive && exact {
        floor.saturating_sub(1)
    } else {
        floor
    }
}

/// A date parameter: milliseconds as the field table writes dates.
fn iso(ms: i64) -> String {
    let mut out = Vec::with_capacity(27);
    super::super::fields::write_date(&mut out, ms.saturating_mul(1000));
    String::from_utf8(out).unwrap_or_default()
}
