//! Answers of a Quip server → canonical values: the bare array of message objects, the
//! principal of `users/current`. A success is status 200 with a JSON array (messages) or
//! object (user); anything else goes to [`super::errors::decode_error`].

use super::errors::decode_error;
use super::message::{message, object, string, Invalid};
use super::request::Request;
use crate::canonical::{Error, Message, Principal};
use crate::dialect::quip::fields::qp;
use crate::dialect::quip::ratelimit::{COMPANY_HEADERS, USER_HEADERS};
use http::HeaderMap;
use serde_json::Value;

/// The largest answer decoded, in bytes.
pub const MAX_ANSWER_BYTES: usize = 8 << 20;
/// The most messages one answer may hold (`count` is at most 100).
pub const MAX_MESSAGES: usize = 1_000;

/// A rate-limit window as the server reported it (`X-Ratelimit-*` or
/// `X-Company-RateLimit-*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RateWindow {
    /// `-Remaining`: calls left.
    pub remaining: Option<u64>,
    /// `-Reset`: when the window ends, epoch seconds.
    pub reset_secs: Option<i64>,
}

/// What the server answered, with the parts of it the decoders read.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    pub status: u16,
    pub body: &'a [u8],
    /// The per-user window (`X-Ratelimit-Remaining`, `X-Ratelimit-Reset`).
    pub user_window: RateWindow,
    /// The per-company window of the admin API (`X-Company-RateLimit-*`).
    pub company_window: RateWindow,
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
            user_window: RateWindow::default(),
            company_window: RateWindow::default(),
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
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        };
        let window = |[_, remaining, reset]: [&str; 3]| RateWindow {
            remaining: header(remaining).and_then(|v| v.parse().ok()),
            reset_secs: header(reset).and_then(|v| v.parse().ok()),
        };
        Answer {
            user_window: window(USER_HEADERS),
            company_window: window(COMPANY_HEADERS),
            retry_after_secs: header("retry-after").and_then(|v| v.parse().ok()),
            ..Answer::new(status, body, now_ms)
        }
    }
}

fn bad(req: &Request, what: impl std::fmt::Display) -> Error {
    Error::BadBackendAnswer(format!("quip {}: {what}", req.path()))
}

/// The body of a success as JSON, or the error the answer stands for.
fn success(req: &Request, ans: &Answer<'_>) -> Result<Value, Error> {
    if ans.body.len() > MAX_ANSWER_BYTES {
        return Err(bad(
            req,
            format_args!("answer of {} bytes is over the bound", ans.body.len()),
        ));
    }
    if ans.status != 200 {
        return Err(decode_error(req, ans));
    }
    serde_json::from_slice(ans.body).map_err(|e| bad(req, format_args!("not JSON ({e})")))
}

/// A messages answer → its messages, in the answer's order (the query's order: the request
/// sends `sorted_by`). Each message's `room_id` is the request's thread.
pub fn decode_messages(req: &Request, ans: &Answer<'_>) -> Result<Vec<Message>, Error> {
    let list = match success(req, ans)? {
        Value::Array(list) => list,
        _ => return Err(bad(req, "not a JSON array")),
    };
    if list.len() > MAX_MESSAGES {
        return Err(bad(
            req,
            format_args!("{} messages is over the bound", list.len()),
        ));
    }
    list.iter()
        .enumerate()
        .map(|(i, m)| message(m, &format!("[{i}]"), &req.thread_id, req.edits))
        .collect::<Result<Vec<_>, Invalid>>()
        .map_err(|e| bad(req, e))
}

/// `users/current` → the principal: `id`, and `name` as the username (a Quip user has no
/// username). `admin_of` stays empty: the answer does not say which companies the user
/// administers (the Admin API answers 403 for a company the token does not administer).
pub fn decode_current_user(req: &Request, ans: &Answer<'_>) -> Result<Principal, Error> {
    let v = success(req, ans)?;
    let principal = || -> Result<Principal, Invalid> {
        let m = object(&v, "")?;
        Ok(Principal {
            user_id: string(m, qp!(id), "")?,
            username: string(m, qp!(name), "")?,
            admin_of: Vec::new(),
        })
    };
    principal().map_err(|e| bad(req, e))
}
