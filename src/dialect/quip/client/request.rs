//! Requests to a Quip server, built from a [`ThreadQuery`] and a [`Cursor`].
//!
//! Every route is `GET` with `Authorization: Bearer <token>` ([`auth_header`]):
//!
//! | query | request |
//! |---|---|
//! | `Room(thread)`, `Access::Member` | `/1/messages/<thread>` (Automation API) |
//! | `Room(thread)`, `Access::CompanyAdmin(c)` | `/1/admin/messages/<thread>?company_id=<c>` (Admin API) |
//! | the principal | `/1/users/current` ([`current_user`]) |
//!
//! then, in the server's check order: `count`, `sorted_by` (always sent: the answer comes in
//! the query's order), `max_created_usec`, `updated_since_usec`, `last_updated_since_usec`,
//! `message_type=edit`, `include_deleted=true`. The parameters are exactly those the server
//! face decodes (spec §3), so a query sent here and decoded there is the same query (tested).
//!
//! | filter | parameter |
//! |---|---|
//! | `created_before` ≤ t / < t, or the cursor's `max_created_usec` | `max_created_usec` = t / t − 1 (the smaller of the two) |
//! | `updated_after` ≥ t / > t (automation) | `updated_since_usec` = t / t + 1 |
//! | `updated_before` < t / ≤ t (automation) | `last_updated_since_usec` = t / t + 1 |
//! | `kind = Edits` | `message_type=edit` |
//! | `include_deleted` and `include_hidden` (admin) | `include_deleted=true` |
//!
//! Refused ([`Unanswerable::Unsupported`]), Quip has no parameter for them: another target,
//! `require_kind`, `unreads`, bounds at a message, a lower bound on creation time, deleted
//! without hidden messages (or the reverse), deleted or hidden messages through the
//! Automation API, bounds on update times through the Admin API, a creation bound or a
//! cursor together with update bounds (the server then ignores `max_created_usec`, §4.3), a
//! bound before the epoch (the server reads `[0-9]+`), an order other than the server's
//! selection (newest first; oldest first with `updated_since_usec`, §4.5), `count` outside
//! 1..=100. `include_replies` is ignored (a Quip thread is flat); the slice and `want_total`
//! are the planner's (it walks with [`super::step`] and counts what it walked).

use super::cursor::Cursor;
use crate::canonical::{
    Access, Credential, Error, Filter, KindFilter, Order, Resource, Target, ThreadQuery, TimeBound,
};
use crate::dialect::client_common::{bearer_auth_header, path_and_query};
use crate::dialect::quip::params::{Which, MAX_COUNT};
use crate::dialect::quip::{is_thread_segment, ADMIN_PREFIX, AUTOMATION_PREFIX};

/// The path of `users/current`.
pub const CURRENT_USER_PATH: &str = "/1/users/current";

/// A route the client face speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `GET /1/messages/:thread_id` or `GET /1/admin/messages/:thread_id`.
    Messages(Which),
    /// `GET /1/users/current`: who the credential belongs to.
    CurrentUser,
    /// `GET /1/threads/recent`: the threads the credential reads
    /// ([`super::threads`]).
    RecentThreads,
}

/// One call: always `GET`, with the header of [`auth_header`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub route: Route,
    /// The thread in the path (a segment the server routes); empty for `users/current`.
    pub thread_id: String,
    /// Query pairs in order, not yet encoded ([`Request::path_and_query`] encodes them).
    pub query: Vec<(&'static str, String)>,
    /// `message_type=edit`: the answer holds edit records.
    pub edits: bool,
    /// What the call names, for the errors its answer decodes into (`Forbidden(Room(id))`,
    /// `NotFound(Room(id))`); `User("")` for `users/current`.
    pub subject: Resource,
}

impl Request {
    pub fn method(&self) -> http::Method {
        http::Method::GET
    }

    /// The exact path.
    pub fn path(&self) -> String {
        match self.route {
            Route::Messages(Which::Automation) => format!("{AUTOMATION_PREFIX}{}", self.thread_id),
            Route::Messages(Which::Admin) => format!("{ADMIN_PREFIX}{}", self.thread_id),
            Route::CurrentUser => CURRENT_USER_PATH.to_owned(),
            Route::RecentThreads => super::threads::RECENT_THREADS_PATH.to_owned(),
        }
    }

    /// The path with the query string (`application/x-www-form-urlencoded`).
    pub fn path_and_query(&self) -> String {
        path_and_query(&self.path(), &self.query)
    }

    /// The value sent for parameter `name`, if any.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The company the call reads as an admin of (`company_id`).
    pub fn company_id(&self) -> Option<&str> {
        match self.route {
            Route::Messages(Which::Admin) => self.param("company_id"),
            _ => None,
        }
    }
}

/// `Authorization: Bearer <token>` (spec §2). A user id and token pair is no Quip
/// credential: `Unauthenticated(Missing)`.
pub fn auth_header(credential: &Credential) -> Result<(&'static str, String), Error> {
    bearer_auth_header(credential)
}

/// Why a query cannot be sent as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unanswerable {
    /// No Quip request expresses this part of the query; a planner may work around it or
    /// refuse.
    #[error("a Quip upstream cannot answer {0}")]
    Unsupported(&'static str),
    /// The answer is known without a call: a thread id no Quip path can carry names no
    /// thread (not found).
    #[error(transparent)]
    Answer(Error),
    /// The page is empty without a call: a bound no message can satisfy.
    #[error("an empty page")]
    Empty,
}

impl From<Unanswerable> for Error {
    /// What a caller sees when nothing plans around it.
    fn from(u: Unanswerable) -> Error {
        match u {
            Unanswerable::Answer(e) => e,
            other => Error::Internal(other.to_string()),
        }
    }
}

/// `GET /1/users/current`.
pub fn current_user() -> Request {
    Request {
        route: Route::CurrentUser,
        thread_id: String::new(),
        query: Vec::new(),
        edits: false,
        subject: Resource::User(String::new()),
    }
}

/// The direction parameter for `order`.
fn sorted_by(order: Order) -> &'static str {
    match order {
        Order::Ascending => "ASC",
        Order::Descending => "DESC",
    }
}

/// A time parameter: `[0-9]+` (spec §3).
fn usec(v: i64) -> Result<String, Unanswerable> {
    if v < 0 {
        return Err(Unanswerable::Unsupported("a time bound before the epoch"));
    }
    Ok(v.to_string())
}

/// `max_created_usec` (inclusive) for a bound from above; `None` inside: nothing can match.
fn created_max(bound: TimeBound) -> Option<i64> {
    if bound.inclusive {
        Some(bound.usec)
    } else {
        bound.usec.checked_sub(1)
    }
}

/// `updated_since_usec` (inclusive) for a bound from below; `None`: nothing can match.
fn updated_since(bound: TimeBound) -> Option<i64> {
    if bound.inclusive {
        Some(bound.usec)
    } else {
        bound.usec.checked_add(1)
    }
}

/// `last_updated_since_usec` (exclusive) for a bound from above; `None`: no bound at all
/// (`≤ i64::MAX`).
fn updated_before(bound: TimeBound) -> Option<i64> {
    if bound.inclusive {
        bound.usec.checked_add(1)
    } else {
        Some(bound.usec)
    }
}

/// The call that reads the `count` (1..=100) messages of `query` after `cursor` (`None`:
/// the first call). The answer comes in `query.order`.
pub fn messages(
    query: &ThreadQuery,
    cursor: Option<&Cursor>,
    count: u32,
) -> Result<Request, Unanswerable> {
    if query.unreads.is_some() {
        return Err(Unanswerable::Unsupported("unreads"));
    }
    if query.require_kind.is_some() {
        return Err(Unanswerable::Unsupported("a room of a required kind"));
    }
    let thread_id = match &query.target {
        Target::Room(id) => id,
        Target::Direct { .. } => return Err(Unanswerable::Unsupported("a direct conversation")),
        Target::Group(_) => return Err(Unanswerable::Unsupported("a group's conversation")),
        Target::Replies(_) => return Err(Unanswerable::Unsupported("a thread's replies")),
        Target::Conversations => return Err(Unanswerable::Unsupported("a conversation list")),
    };
    if !is_thread_segment(thread_id) {
        return Err(Unanswerable::Answer(Error::NotFound(Resource::Room(
            thread_id.clone(),
        ))));
    }
    let (which, company) = match &query.access {
        Access::Member => (Which::Automation, None),
        Access::CompanyAdmin(c) if c.is_empty() => {
            return Err(Unanswerable::Unsupported("an empty company id"))
        }
        Access::CompanyAdmin(c) => (Which::Admin, Some(c.clone())),
    };
    if !(1..=MAX_COUNT).contains(&count) {
        return Err(Unanswerable::Unsupported("a call outside 1..=100 messages"));
    }
    let mut pairs: Vec<(&'static str, String)> = Vec::with_capacity(8);
    if let Some(c) = company {
        pairs.push(("company_id", c));
    }
    pairs.push(("count", count.to_string()));
    pairs.push(("sorted_by", sorted_by(query.order).to_owned()));
    let f = &query.filter;
    filter_pairs(which, f, query.order, cursor, &mut pairs)?;
    Ok(Request {
        route: Route::Messages(which),
        thread_id: thread_id.clone(),
        query: pairs,
        edits: f.kind == KindFilter::Edits,
        subject: Resource::Room(thread_id.clone()),
    })
}

/// The time, kind and status parameters of `f`.
fn filter_pairs(
    which: Which,
    f: &Filter,
    order: Order,
    cursor: Option<&Cursor>,
    pairs: &mut Vec<(&'static str, String)>,
) -> Result<(), Unanswerable> {
    if f.after_message.is_some() || f.before_message.is_some() {
        return Err(Unanswerable::Unsupported("bounds at a message"));
    }
    if f.created_after.is_some() {
        return Err(Unanswerable::Unsupported("a lower bound on creation time"));
    }
    let by_update = f.updated_after.is_some() || f.updated_before.is_some();
    if by_update && which == Which::Admin {
        return Err(Unanswerable::Unsupported(
            "bounds on update times through the admin API",
        ));
    }
    if by_update && (f.created_before.is_some() || cursor.is_some()) {
        return Err(Unanswerable::Unsupported(
            "a creation bound or a cursor with bounds on update times",
        ));
    }
    // The server's selection (spec §4.5): the oldest with `updated_since_usec`, else the
    // newest.
    let selection = if f.updated_after.is_some() {
        Order::Ascending
    } else {
        Order::Descending
    };
    if order != selection {
        return Err(Unanswerable::Unsupported(
            "an order other than the server's selection",
        ));
    }
    let bound = match f.created_before.map(created_max) {
        Some(None) => return Err(Unanswerable::Empty),
        Some(Some(max)) => Some(max),
        None => None,
    };
    let max = match (bound, cursor.map(|c| c.max_created_usec)) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    if let Some(max) = max {
        pairs.push(("max_created_usec", usec(max)?));
    }
    if let Some(b) = f.updated_after {
        let since = updated_since(b).ok_or(Unanswerable::Empty)?;
        pairs.push(("updated_since_usec", usec(since)?));
    }
    if let Some(before) = f.updated_before.and_then(updated_before) {
        pairs.push(("last_updated_since_usec", usec(before)?));
    }
    if f.kind == KindFilter::Edits {
        pairs.push(("message_type", "edit".to_owned()));
    }
    match (f.include_deleted, f.include_hidden, which) {
        (false, false, _) => {}
        (true, true, Which::Admin) => pairs.push(("include_deleted", "true".to_owned())),
        (true, true, Which::Automation) => {
            return Err(Unanswerable::Unsupported(
                "deleted or hidden messages through the automation API",
            ))
        }
        _ => {
            return Err(Unanswerable::Unsupported(
                "deleted without hidden messages, or hidden without deleted",
            ))
        }
    }
    Ok(())
}
