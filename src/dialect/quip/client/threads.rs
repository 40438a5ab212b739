//! `GET /1/threads/recent`: the threads the caller reads, most recently updated first, as
//! Quip's Automation API lists them: an object keyed by thread id, each value
//! `{"thread":{"id","title","type","created_usec","updated_usec",...},"user_ids":[...],...}`.
//! The request asks `count` ([`RECENT_COUNT`], Quip's largest) and, after the first,
//! `max_updated_usec` (inclusive: the threads at that time come back again).
//!
//! Decoded strictly and bounded: the body an object of at most [`MAX_THREADS`] entries,
//! each key the id of its `thread`, `thread.id` and `thread.type` strings, `created_usec`
//! an integer, `title` a string when present, `updated_usec` an integer when present,
//! `user_ids` an array of at most [`MAX_USER_IDS`] strings; other keys are not read.
//!
//! What a thread tells of its room (lossy):
//! - `type` `document`, `spreadsheet` or `slides`: a document; `chat`: a chat, which Quip
//!   does not say is a channel, a private group or a direct conversation: a chat with no
//!   title and two users is read as direct, any other chat as a group (a channel's public
//!   access is not told);
//! - the members are `user_ids`, by id only (a Quip user has no username: the username is
//!   the id, the name unknown until the user's messages name it);
//! - a group's SelfCommunity group and an admin company are not told.

use super::message::{get, object, opt_string, string, Invalid};
use super::request::{Request, Route};
use super::Answer;
use crate::canonical::{Error, Resource, RoomInfo, RoomKind, User};
use crate::dialect::client_common::{child, invalid, success_json};
use serde_json::{Map, Value};

/// The path of `threads/recent`.
pub const RECENT_THREADS_PATH: &str = "/1/threads/recent";
/// Threads asked per call (Quip answers at most 50).
pub const RECENT_COUNT: u32 = 50;
/// The most threads one answer may hold.
pub const MAX_THREADS: usize = 10_000;
/// The most users one thread may name.
pub const MAX_USER_IDS: usize = 10_000;

/// One thread of the list.
#[derive(Debug, Clone, PartialEq)]
pub struct RecentThread {
    pub room: RoomInfo,
    /// `thread.updated_usec`, when the server sends it: where the next call goes on from.
    pub updated_usec: Option<i64>,
}

/// The call for the threads updated at or before `max_updated_usec` (`None`: the most
/// recent).
pub fn recent_threads(max_updated_usec: Option<i64>) -> Request {
    let mut query = vec![("count", RECENT_COUNT.to_string())];
    if let Some(max) = max_updated_usec {
        query.push(("max_updated_usec", max.to_string()));
    }
    Request {
        route: Route::RecentThreads,
        thread_id: String::new(),
        query,
        edits: false,
        subject: Resource::User(String::new()),
    }
}

fn bad(req: &Request, what: impl std::fmt::Display) -> Error {
    Error::BadBackendAnswer(format!("quip {}: {what}", req.path()))
}

/// A `threads/recent` answer → its threads, in the answer's order.
pub fn decode_recent_threads(req: &Request, ans: &Answer<'_>) -> Result<Vec<RecentThread>, Error> {
    let body = success_json(
        ans.status,
        ans.body,
        super::MAX_ANSWER_BYTES,
        |what| bad(req, what),
        || super::decode_error(req, ans),
    )?;
    let map = match &body {
        Value::Object(map) => map,
        _ => return Err(bad(req, "not a JSON object")),
    };
    if map.len() > MAX_THREADS {
        return Err(bad(
            req,
            format_args!("{} threads is over the bound", map.len()),
        ));
    }
    map.iter()
        .map(|(key, v)| thread(key, v))
        .collect::<Result<Vec<_>, Invalid>>()
        .map_err(|e| bad(req, e))
}

fn opt_int(m: &Map<String, Value>, key: &str, at: &str) -> Result<Option<i64>, Invalid> {
    get(m, key)
        .map(|v| {
            v.as_i64()
                .ok_or_else(|| invalid(&child(at, key), "an integer"))
        })
        .transpose()
}

/// One entry, under `key`.
fn thread(key: &str, v: &Value) -> Result<RecentThread, Invalid> {
    let entry = object(v, key)?;
    let at = child(key, "thread");
    let t = object(
        get(entry, "thread").ok_or_else(|| invalid(&at, "an object"))?,
        &at,
    )?;
    let id = string(t, "id", &at)?;
    if id != key {
        return Err(invalid(&child(&at, "id"), "the key of its entry"));
    }
    let created_usec = opt_int(t, "created_usec", &at)?
        .ok_or_else(|| invalid(&child(&at, "created_usec"), "an integer"))?;
    let title = opt_string(t, "title", &at)?.filter(|s| !s.is_empty());
    let members = user_ids(entry, key)?;
    let kind = match string(t, "type", &at)?.as_str() {
        "document" | "spreadsheet" | "slides" => RoomKind::Document,
        "chat" if title.is_none() && members.len() == 2 => RoomKind::Direct,
        "chat" => RoomKind::Group,
        _ => {
            return Err(invalid(
                &child(&at, "type"),
                "document, spreadsheet, slides or chat",
            ))
        }
    };
    Ok(RecentThread {
        updated_usec: opt_int(t, "updated_usec", &at)?,
        room: RoomInfo {
            id,
            kind,
            name: title,
            members,
            group_id: None,
            company_id: None,
            created_usec,
        },
    })
}

/// `user_ids` (absent: none), distinct, each as a user known by id only.
fn user_ids(entry: &Map<String, Value>, key: &str) -> Result<Vec<User>, Invalid> {
    let at = child(key, "user_ids");
    let Some(v) = get(entry, "user_ids") else {
        return Ok(Vec::new());
    };
    let list = v.as_array().ok_or_else(|| invalid(&at, "an array"))?;
    if list.len() > MAX_USER_IDS {
        return Err(invalid(&at, "at most 10000 user ids"));
    }
    let mut out: Vec<User> = Vec::with_capacity(list.len());
    for (i, u) in list.iter().enumerate() {
        let id = u
            .as_str()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid(&format!("{at}[{i}]"), "a user id"))?;
        if !out.iter().any(|known| known.id == id) {
            out.push(User {
                id: id.to_owned(),
                username: id.to_owned(),
                name: None,
                avatar_url: None,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(body: &str) -> Result<Vec<RecentThread>, Error> {
        let req = recent_threads(None);
        decode_recent_threads(&req, &Answer::new(200, body.as_bytes(), 0))
    }

    #[test]
    fn the_request_asks_the_largest_count_and_goes_on_from_an_update_time() {
        assert_eq!(
            recent_threads(None).path_and_query(),
            "/1/threads/recent?count=50"
        );
        assert_eq!(
            recent_threads(Some(1_700_000_000_000_001)).path_and_query(),
            "/1/threads/recent?count=50&max_updated_usec=1700000000000001"
        );
    }

    #[test]
    fn threads_of_every_type_become_rooms() {
        let got = decode(concat!(
            r#"{"D1":{"thread":{"id":"D1","title":"Plan","type":"document","created_usec":5},"user_ids":["u1"]},"#,
            r#""C1":{"thread":{"id":"C1","type":"chat","created_usec":6,"updated_usec":9},"user_ids":["u1","u2","u1"]},"#,
            r#""G1":{"thread":{"id":"G1","title":"team","type":"chat","created_usec":7},"user_ids":["u1","u2"],"html":"x"}}"#
        ))
        .unwrap();
        let kinds: Vec<_> = got
            .iter()
            .map(|t| (t.room.id.as_str(), t.room.kind))
            .collect();
        assert_eq!(
            kinds,
            [
                ("D1", RoomKind::Document),
                ("C1", RoomKind::Direct),
                ("G1", RoomKind::Group)
            ]
        );
        assert_eq!(got[1].updated_usec, Some(9));
        assert_eq!(got[1].room.members.len(), 2);
        assert_eq!(got[1].room.members[1].username, "u2");
        assert_eq!(got[0].room.name.as_deref(), Some("Plan"));
    }

    #[test]
    fn a_wrong_shape_is_a_bad_answer_naming_its_path() {
        for (body, path) in [
            (r#"[]"#, "not a JSON object"),
            (
                r#"{"A":{"thread":{"id":"B","type":"chat","created_usec":1}}}"#,
                "A.thread.id",
            ),
            (
                r#"{"A":{"thread":{"id":"A","type":"folder","created_usec":1}}}"#,
                "A.thread.type",
            ),
            (
                r#"{"A":{"thread":{"id":"A","type":"chat"}}}"#,
                "A.thread.created_usec",
            ),
            (
                r#"{"A":{"thread":{"id":"A","type":"chat","created_usec":1},"user_ids":[3]}}"#,
                "A.user_ids[0]",
            ),
            (r#"{"A":{"user_ids":[]}}"#, "A.thread"),
        ] {
            match decode(body) {
                Err(Error::BadBackendAnswer(why)) => assert!(why.contains(path), "{body}: {why}"),
                other => panic!("{body}: {other:?}"),
            }
        }
    }

    #[test]
    fn an_error_answer_decodes_as_the_dialect_error() {
        let req = recent_threads(None);
        let got = decode_recent_threads(
            &req,
            &Answer::new(401, br#"{"error":"Unauthorized","error_code":401,"error_description":"Invalid access token"}"#, 0),
        );
        assert!(matches!(got, Err(Error::Unauthenticated(_))), "{got:?}");
    }
}
