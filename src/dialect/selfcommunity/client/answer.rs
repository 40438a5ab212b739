//! Answers of a SelfCommunity server → canonical values: a DRF page of message items, the
//! principal of `user/me`. A success is status 200 with a JSON object; anything else goes to
//! [`super::errors::decode_error`].

use super::errors::decode_error;
use super::message::{id, message, snippet, string, Invalid};
use super::request::{Request, Route};
use crate::canonical::{Error, Page, Principal};
use crate::dialect::client_common::{self, header, header_number};
use crate::dialect::selfcommunity::fields::sc;
use http::HeaderMap;
use serde_json::{Map, Value};

/// The largest answer decoded, in bytes.
pub const MAX_ANSWER_BYTES: usize = 8 << 20;
/// The most items one answer may hold (a server's `max_limit` is 100 by default).
pub const MAX_MESSAGES: usize = 1_000;

/// What the server answered, with the parts of it the decoders read.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    pub status: u16,
    pub body: &'a [u8],
    /// `Retry-After`, in seconds.
    pub retry_after_secs: Option<u64>,
    /// `WWW-Authenticate`, as sent.
    pub www_authenticate: Option<&'a str>,
}

impl<'a> Answer<'a> {
    /// An answer with no headers of interest.
    pub fn new(status: u16, body: &'a [u8]) -> Answer<'a> {
        Answer {
            status,
            body,
            retry_after_secs: None,
            www_authenticate: None,
        }
    }

    /// An answer with the headers the decoders read taken from `headers` (unparseable
    /// values are ignored).
    pub fn with_headers(status: u16, headers: &'a HeaderMap, body: &'a [u8]) -> Answer<'a> {
        Answer {
            retry_after_secs: header_number(headers, "retry-after"),
            www_authenticate: header(headers, "www-authenticate"),
            ..Answer::new(status, body)
        }
    }
}

/// A DRF page as the server sent it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UpstreamPage {
    /// `results` in the server's order (each newest-first slice oldest first); `total` is
    /// `count`.
    pub page: Page,
    /// `count`: the messages matching, before slicing.
    pub count: u64,
    /// `next` (older messages) and `previous` (newer), to [`super::follow`].
    pub next: Option<String>,
    pub previous: Option<String>,
}

fn bad(route: Route, what: impl std::fmt::Display) -> Error {
    Error::BadBackendAnswer(format!("selfcommunity {}: {what}", route.path()))
}

/// The body of a success as a JSON object, or the error the answer stands for.
fn success_object(req: &Request, ans: &Answer<'_>) -> Result<Map<String, Value>, Error> {
    client_common::success_object(
        ans.status,
        ans.body,
        MAX_ANSWER_BYTES,
        |what| bad(req.route, what),
        || decode_error(req, ans),
    )
}

/// A `pm` answer → the page: `count`, `next`, `previous`, `results`.
pub fn decode_page(req: &Request, ans: &Answer<'_>) -> Result<UpstreamPage, Error> {
    let map = success_object(req, ans)?;
    page(&map).map_err(|e| bad(req.route, e))
}

fn link(map: &Map<String, Value>, key: &str) -> Result<Option<String>, Invalid> {
    match map.get(key) {
        Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        _ => Err(format!("{key}: expected a string or null")),
    }
}

/// A `pm` answer without a target (snippets) → the page: each conversation's latest
/// message in `messages`, what else the item says in `conversations`, in the server's
/// order (newest conversation first).
pub fn decode_snippets(req: &Request, ans: &Answer<'_>) -> Result<UpstreamPage, Error> {
    let map = success_object(req, ans)?;
    let mut out = page_with(&map, |_, _| Ok(None)).map_err(|e| bad(req.route, e))?;
    let list = map.get(sc!(results)).and_then(Value::as_array);
    for (i, item) in list.into_iter().flatten().enumerate() {
        let (m, info) =
            snippet(item, &format!("{}[{i}]", sc!(results))).map_err(|e| bad(req.route, e))?;
        out.page.messages.push(m);
        out.page.conversations.push(info);
    }
    Ok(out)
}

fn page(map: &Map<String, Value>) -> Result<UpstreamPage, Invalid> {
    page_with(map, |m, at| message(m, at).map(Some))
}

/// A DRF page whose items `item` decodes (`None`: the caller decodes them).
fn page_with(
    map: &Map<String, Value>,
    item: impl Fn(&Value, &str) -> Result<Option<crate::canonical::Message>, Invalid>,
) -> Result<UpstreamPage, Invalid> {
    let count = map
        .get(sc!(count))
        .and_then(Value::as_u64)
        .ok_or_else(|| format!("{}: expected a non-negative integer", sc!(count)))?;
    let list = map
        .get(sc!(results))
        .and_then(Value::as_array)
        .ok_or_else(|| format!("{}: expected an array", sc!(results)))?;
    if list.len() > MAX_MESSAGES {
        return Err(format!("{} items is over the bound", list.len()));
    }
    let mut messages = Vec::with_capacity(list.len());
    for (i, m) in list.iter().enumerate() {
        messages.extend(item(m, &format!("{}[{i}]", sc!(results)))?);
    }
    Ok(UpstreamPage {
        page: Page {
            messages,
            total: Some(count),
            unreads: None,
            conversations: Vec::new(),
        },
        count,
        next: link(map, sc!(next))?,
        previous: link(map, sc!(previous))?,
    })
}

/// `user/me` → the principal: `id` (its canonical string) and `username`.
pub fn decode_me(req: &Request, ans: &Answer<'_>) -> Result<Principal, Error> {
    let map = success_object(req, ans)?;
    let principal = || -> Result<Principal, Invalid> {
        Ok(Principal {
            user_id: id(&map, sc!(id), "")?,
            username: string(&map, sc!(username), "")?,
            admin_of: Vec::new(),
        })
    };
    principal().map_err(|e| bad(req.route, e))
}
