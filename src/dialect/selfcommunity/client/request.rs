//! Requests to a SelfCommunity server, built from a [`ThreadQuery`].
//!
//! Every route is `GET` with `Authorization: Bearer <token>`:
//!
//! | target | request |
//! |---|---|
//! | `Room(id)` | `/api/v2/pm/?thread=<id>` |
//! | `Direct { peer: Id(id) }` | `/api/v2/pm/?user=<id>` |
//! | `Group(id)` | `/api/v2/pm/?group=<id>` |
//! | `Conversations` | `/api/v2/pm/` with no target: snippets ([`snippets`]) |
//! | the principal | `/api/v2/user/me/` ([`me`]) |
//!
//! then `before_message` (an exclusive `before_message` bound), `from_message` (an inclusive
//! `after_message` bound), `limit` and `offset`. Ids go upstream as the integers they stand
//! for ([`parse_id`]). The server slices newest first and returns each slice oldest first;
//! the page after one answer is its `next` link ([`follow`]), never a guessed offset.

use crate::canonical::{
    Access, Credential, Error, Filter, KindFilter, Order, Resource, Target, ThreadQuery, UserRef,
};
use crate::dialect::client_common::{bearer_auth_header, path_and_query, split_windows};
use crate::dialect::selfcommunity::fields::parse_id;

/// The most messages one call returns (the server's `max_limit`).
pub const MAX_LIMIT: u32 = 100;

/// A route the client face speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `GET /api/v2/pm/`: a conversation's messages.
    Pm,
    /// `GET /api/v2/user/me/`: who the credential belongs to.
    Me,
}

impl Route {
    /// The exact path.
    pub fn path(self) -> &'static str {
        match self {
            Route::Pm => "/api/v2/pm/",
            Route::Me => "/api/v2/user/me/",
        }
    }
}

/// One call: always `GET`, with the header of [`auth_header`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub route: Route,
    /// Query pairs in order, not yet encoded ([`Request::path_and_query`] encodes them).
    pub query: Vec<(String, String)>,
    /// What the call names, for the errors its answer decodes into (`Forbidden(Room(id))`,
    /// `NotFound(User(id))`, ...); `User("")` for `me`.
    pub subject: Resource,
}

impl Request {
    pub fn method(&self) -> http::Method {
        http::Method::GET
    }

    pub fn path(&self) -> &'static str {
        self.route.path()
    }

    /// The path with the query string (`application/x-www-form-urlencoded`).
    pub fn path_and_query(&self) -> String {
        path_and_query(self.path(), &self.query)
    }

    /// The target pair (`thread`, `user` or `group` and its value), if any.
    fn target_pair(&self) -> Option<&(String, String)> {
        self.query
            .iter()
            .find(|(k, _)| matches!(k.as_str(), "thread" | "user" | "group"))
    }
}

/// `Authorization: Bearer <token>`. A user id and token pair is no SelfCommunity credential:
/// `Unauthenticated(Missing)`.
pub fn auth_header(credential: &Credential) -> Result<(&'static str, String), Error> {
    bearer_auth_header(credential)
}

/// Why a query cannot be sent as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unanswerable {
    /// No SelfCommunity request expresses this part of the query; a planner may work around
    /// it or refuse.
    #[error("a SelfCommunity upstream cannot answer {0}")]
    Unsupported(&'static str),
    /// The answer is known without a call: an id that is no upstream integer names nothing
    /// (not found).
    #[error(transparent)]
    Answer(Error),
    /// The page is empty without a call: a bound at a message the upstream cannot have.
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

/// Which messages of the newest-first result one call asks for (`limit` 1..=100).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub offset: u64,
    pub limit: u32,
}

/// Splits `limit` messages from `offset` into calls of at most [`MAX_LIMIT`], refusing more
/// than `max_calls` calls. A planner that walks `next` links uses the first window only.
pub fn windows(offset: u64, limit: u32, max_calls: usize) -> Result<Vec<Window>, Unanswerable> {
    let split = split_windows(offset, limit, MAX_LIMIT, max_calls)
        .ok_or(Unanswerable::Unsupported("a page needing that many calls"))?;
    Ok(split
        .into_iter()
        .map(|(offset, limit)| Window { offset, limit })
        .collect())
}

/// `GET /api/v2/user/me/`.
pub fn me() -> Request {
    Request {
        route: Route::Me,
        query: Vec::new(),
        subject: Resource::User(String::new()),
    }
}

/// `GET /api/v2/pm/` without a target: `window` of the caller's conversations (snippets),
/// newest first.
pub fn snippets(window: Window) -> Result<Request, Unanswerable> {
    if !(1..=MAX_LIMIT).contains(&window.limit) {
        return Err(Unanswerable::Unsupported(
            "a window outside 1..=100 conversations",
        ));
    }
    Ok(Request {
        route: Route::Pm,
        query: vec![
            ("limit".to_owned(), window.limit.to_string()),
            ("offset".to_owned(), window.offset.to_string()),
        ],
        subject: Resource::User(String::new()),
    })
}

/// The integer an id of the target stands for, or the not-found answer.
fn target_int(id: &str, resource: fn(String) -> Resource) -> Result<String, Unanswerable> {
    match parse_id(id) {
        Some(n) => Ok(n.to_string()),
        None => Err(Unanswerable::Answer(Error::NotFound(resource(
            id.to_owned(),
        )))),
    }
}

/// The call that reads `window` of `query`'s newest-first result.
pub fn pm(query: &ThreadQuery, window: Window) -> Result<Request, Unanswerable> {
    if query.access != Access::Member {
        return Err(Unanswerable::Unsupported("company-admin access"));
    }
    if query.require_kind.is_some() {
        return Err(Unanswerable::Unsupported("a room of a required kind"));
    }
    let (key, id, resource): (_, _, fn(String) -> Resource) = match &query.target {
        Target::Room(id) => ("thread", id, Resource::Room),
        Target::Direct {
            peer: UserRef::Id(id),
        } => ("user", id, Resource::User),
        Target::Group(id) => ("group", id, Resource::Group),
        Target::Direct {
            peer: UserRef::Username(_),
        } => return Err(Unanswerable::Unsupported("a peer named by username")),
        Target::Replies(_) => return Err(Unanswerable::Unsupported("a thread's replies")),
        Target::Conversations => return Err(Unanswerable::Unsupported("a conversation list")),
    };
    let value = target_int(id, resource)?;
    let subject = resource(id.clone());
    let mut pairs = vec![(key.to_owned(), value)];
    pairs.extend(bounds(&query.filter)?);
    if query.order != Order::Descending {
        return Err(Unanswerable::Unsupported("oldest-first slices"));
    }
    if query.unreads.is_some() {
        return Err(Unanswerable::Unsupported("unreads"));
    }
    if !(1..=MAX_LIMIT).contains(&window.limit) {
        return Err(Unanswerable::Unsupported(
            "a window outside 1..=100 messages",
        ));
    }
    pairs.push(("limit".to_owned(), window.limit.to_string()));
    pairs.push(("offset".to_owned(), window.offset.to_string()));
    Ok(Request {
        route: Route::Pm,
        query: pairs,
        subject,
    })
}

/// `before_message` / `from_message` for the filter; the rest of the filter must be what the
/// server does anyway: deleted messages left out, hidden ones included, no time bounds, no
/// edits. Replies are ignored (SelfCommunity conversations are flat).
fn bounds(f: &Filter) -> Result<Vec<(String, String)>, Unanswerable> {
    if f.created_after.is_some()
        || f.created_before.is_some()
        || f.updated_after.is_some()
        || f.updated_before.is_some()
    {
        return Err(Unanswerable::Unsupported("bounds on times"));
    }
    if f.kind != KindFilter::Messages {
        return Err(Unanswerable::Unsupported("edit records"));
    }
    if f.include_deleted || !f.include_hidden {
        return Err(Unanswerable::Unsupported(
            "deleted messages, or no hidden ones",
        ));
    }
    let mut pairs = Vec::new();
    if let Some(b) = &f.before_message {
        if b.inclusive {
            return Err(Unanswerable::Unsupported(
                "an inclusive upper message bound",
            ));
        }
        let n = parse_id(&b.id).ok_or(Unanswerable::Empty)?;
        pairs.push(("before_message".to_owned(), n.to_string()));
    }
    if let Some(a) = &f.after_message {
        if !a.inclusive {
            return Err(Unanswerable::Unsupported(
                "an exclusive lower message bound",
            ));
        }
        let n = parse_id(&a.id).ok_or(Unanswerable::Empty)?;
        pairs.push(("from_message".to_owned(), n.to_string()));
    }
    Ok(pairs)
}

fn bad_link(what: &str) -> Error {
    Error::BadBackendAnswer(format!("selfcommunity /api/v2/pm/: next: {what}"))
}

/// The call that reads the page a `next` (or `previous`) link names: its query, as the
/// server wrote it, on the same path. The link must name the same conversation as `req`
/// (else the answer is a bad one); its scheme and host are ignored (a server behind a proxy
/// writes its public address).
pub fn follow(req: &Request, link: &str) -> Result<Request, Error> {
    let url = url::Url::parse(link).map_err(|_| bad_link("not an absolute URL"))?;
    if !url.path().ends_with(Route::Pm.path()) {
        return Err(bad_link("another path"));
    }
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let next = Request {
        route: Route::Pm,
        query,
        subject: req.subject.clone(),
    };
    if req.route != Route::Pm || next.target_pair() != req.target_pair() {
        return Err(bad_link("another conversation"));
    }
    Ok(next)
}
