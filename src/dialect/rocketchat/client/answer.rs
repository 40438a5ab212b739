//! Answers of a Rocket.Chat server → canonical values: pages of messages, the principal of
//! `me`, the kind of a room. A success is status 200 with a JSON object; anything else goes
//! to [`super::errors::decode_error`].

use super::errors::decode_error;
use super::message::{count, message, object, opt_string, string, Invalid};
use super::request::{Request, Route};
use crate::canonical::{Error, Page, Principal, RoomKind, Unreads};
use crate::dialect::client_common::{self, header_number};
use crate::dialect::rocketchat::fields::rc;
use http::HeaderMap;
use serde_json::{Map, Value};

/// The largest answer decoded, in bytes.
pub const MAX_ANSWER_BYTES: usize = 16 << 20;
/// The most messages one answer may hold (`count=0` asks for all of a room).
pub const MAX_MESSAGES: usize = 20_000;

/// What the server answered, with the parts of it the decoders read.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    pub status: u16,
    pub body: &'a [u8],
    /// `X-RateLimit-Reset`: when the server's window ends, epoch milliseconds.
    pub rate_limit_reset_ms: Option<i64>,
    /// `Retry-After`, in seconds.
    pub retry_after_secs: Option<u64>,
    /// The gateway's clock, epoch milliseconds, to turn a reset time into a wait.
    pub now_ms: i64,
}

impl<'a> Answer<'a> {
    /// An answer with no headers of interest.
    pub fn new(status: u16, body: &'a [u8], now_ms: i64) -> Answer<'a> {
        Answer {
            status,
            body,
            rate_limit_reset_ms: None,
            retry_after_secs: None,
            now_ms,
        }
    }

    /// An answer with the headers the decoders read taken from `headers` (unparseable
    /// values are ignored).
    pub fn with_headers(
        status: u16,
        headers: &HeaderMap,
        body: &'a [u8],
        now_ms: i64,
    ) -> Answer<'a> {
        Answer {
            rate_limit_reset_ms: header_number(headers, "x-ratelimit-reset"),
            retry_after_secs: header_number(headers, "retry-after"),
            ..Answer::new(status, body, now_ms)
        }
    }
}

/// A page as the server reported it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UpstreamPage {
    /// The messages in the server's order; `total` and `unreads` when the server sent them.
    pub page: Page,
    /// `count` (`chat.getThreadMessages`): the number of messages returned.
    pub count: Option<u64>,
    /// `offset` (`chat.getThreadMessages`).
    pub offset: Option<u64>,
}

pub(super) fn bad(route: Route, what: impl std::fmt::Display) -> Error {
    Error::BadBackendAnswer(format!("rocketchat {}: {what}", route.path()))
}

/// The body of a success as a JSON object, or the error the answer stands for.
pub(super) fn success_object(req: &Request, ans: &Answer<'_>) -> Result<Map<String, Value>, Error> {
    let map = client_common::success_object(
        ans.status,
        ans.body,
        MAX_ANSWER_BYTES,
        |what| bad(req.route, what),
        || decode_error(req, ans),
    )?;
    match map.get(rc!(success)) {
        Some(Value::Bool(true)) => Ok(map),
        Some(Value::Bool(false)) => Err(decode_error(req, ans)),
        None if !req.route.is_history() => Ok(map),
        _ => Err(bad(req.route, "success is not true")),
    }
}

/// A history answer (`chat.getThreadMessages`, `dm.history`, `groups.history`,
/// `channels.history`) → the page: messages; `total`, `count`, `offset` when present;
/// `unreads` when the request asked for them.
pub fn decode_page(req: &Request, ans: &Answer<'_>) -> Result<UpstreamPage, Error> {
    let map = success_object(req, ans)?;
    page(req, &map).map_err(|e| bad(req.route, e))
}

fn page(req: &Request, map: &Map<String, Value>) -> Result<UpstreamPage, Invalid> {
    let list = map
        .get(rc!(messages))
        .and_then(Value::as_array)
        .ok_or_else(|| format!("{}: expected an array", rc!(messages)))?;
    if list.len() > MAX_MESSAGES {
        return Err(format!("{} messages is over the bound", list.len()));
    }
    let messages = list
        .iter()
        .enumerate()
        .map(|(i, m)| message(m, &format!("{}[{i}]", rc!(messages))))
        .collect::<Result<Vec<_>, _>>()?;
    let number = |key: &str| {
        map.get(key)
            .filter(|v| !v.is_null())
            .map(|v| count(v, key))
            .transpose()
    };
    let unreads = if req.unreads {
        Some(Unreads {
            first: map
                .get(rc!(first_unread))
                .filter(|v| !v.is_null())
                .map(|v| message(v, rc!(first_unread)))
                .transpose()?,
            not_loaded: number(rc!(unread_not_loaded))?.unwrap_or(0),
        })
    } else {
        None
    };
    Ok(UpstreamPage {
        page: Page {
            messages,
            total: number(rc!(total))?,
            unreads,
            conversations: Vec::new(),
        },
        count: number(rc!(count))?,
        offset: number(rc!(offset))?,
    })
}

/// `me` → the principal: `_id` and `username`.
pub fn decode_me(req: &Request, ans: &Answer<'_>) -> Result<Principal, Error> {
    let map = success_object(req, ans)?;
    let principal = || -> Result<Principal, Invalid> {
        Ok(Principal {
            user_id: string(&map, rc!(id), "me")?,
            username: string(&map, rc!(username), "me")?,
            admin_of: Vec::new(),
        })
    };
    principal().map_err(|e| bad(req.route, e))
}

/// `rooms.info` → the room's kind from `room.t`: `d` direct, `p` private group, `c`
/// channel. Any other kind (omnichannel `l`, `v`, ...) has no history route here: not
/// found.
pub fn decode_room_kind(req: &Request, ans: &Answer<'_>) -> Result<RoomKind, Error> {
    let map = success_object(req, ans)?;
    let t = map
        .get(rc!(room))
        .ok_or_else(|| format!("{}: expected an object", rc!(room)))
        .and_then(|room| object(room, rc!(room)))
        .and_then(|room| opt_string(room, rc!(t), rc!(room)))
        .map_err(|e| bad(req.route, e))?;
    match t.as_deref() {
        Some("d") => Ok(RoomKind::Direct),
        Some("p") => Ok(RoomKind::Group),
        Some("c") => Ok(RoomKind::Channel),
        Some(_) => Err(Error::NotFound(crate::canonical::Resource::Room(
            req.subject.clone(),
        ))),
        None => Err(bad(req.route, "room.t: expected a string")),
    }
}
