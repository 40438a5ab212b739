//! Rows of a page statement as canonical [`Message`]s.
//!
//! Columns are read as borrowed values ([`rusqlite::types::ValueRef`]): text is copied once,
//! into the field that keeps it, and JSON is parsed straight from the row. Authors and
//! recipients are not joined into every row: a page usually shows a handful of people many
//! times, so each is read once by id ([`Users`]) and cloned into the messages that show them.

use super::db_error;
use super::sql;
use crate::canonical::{Error, Message, MessageKind, MessageStatus, ThreadSummary, User};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, Row};

/// The users a page has shown so far, by id; `None` for an id with no user. A page shows
/// few people, so a list searched in order beats hashing every id.
#[derive(Default)]
pub(super) struct Users {
    seen: Vec<(String, Option<User>)>,
}

impl Users {
    /// The user `id`, read from `conn` the first time.
    fn get(&mut self, conn: &Connection, id: &str) -> Result<Option<&User>, Error> {
        let at = match self.seen.iter().position(|(seen, _)| seen == id) {
            Some(at) => at,
            None => {
                let user = conn
                    .prepare_cached(sql::USER_BY_ID)
                    .map_err(db_error)?
                    .query_row([id], |r| {
                        Ok(User {
                            id: r.get(0)?,
                            username: r.get(1)?,
                            name: r.get(2)?,
                            avatar_url: r.get(3)?,
                        })
                    })
                    .optional()
                    .map_err(db_error)?;
                self.seen.push((id.to_owned(), user));
                self.seen.len() - 1
            }
        };
        Ok(self.seen[at].1.as_ref())
    }
}

fn value<'r>(row: &'r Row, index: usize) -> Result<ValueRef<'r>, Error> {
    row.get_ref(index).map_err(db_error)
}

fn corrupt(index: usize, e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("stored column {index} is corrupt: {e}"))
}

fn text<'r>(row: &'r Row, index: usize) -> Result<&'r str, Error> {
    value(row, index)?.as_str().map_err(|e| corrupt(index, e))
}

fn opt_text<'r>(row: &'r Row, index: usize) -> Result<Option<&'r str>, Error> {
    value(row, index)?
        .as_str_or_null()
        .map_err(|e| corrupt(index, e))
}

fn int(row: &Row, index: usize) -> Result<i64, Error> {
    value(row, index)?.as_i64().map_err(|e| corrupt(index, e))
}

fn opt_int(row: &Row, index: usize) -> Result<Option<i64>, Error> {
    value(row, index)?
        .as_i64_or_null()
        .map_err(|e| corrupt(index, e))
}

/// A JSON column, `None` when NULL or `null`; parsed from the row's bytes.
fn json<T: serde::de::DeserializeOwned>(row: &Row, index: usize) -> Result<Option<T>, Error> {
    match opt_text(row, index)? {
        None | Some("null") => Ok(None),
        Some(t) => serde_json::from_str(t)
            .map(Some)
            .map_err(|e| Error::Internal(format!("stored JSON in column {index} is corrupt: {e}"))),
    }
}

/// A JSON list column, empty when NULL, `null` or `[]` (no parser for those).
fn json_list<T: serde::de::DeserializeOwned>(row: &Row, index: usize) -> Result<Vec<T>, Error> {
    match opt_text(row, index)? {
        None | Some("null") | Some("[]") => Ok(Vec::new()),
        Some(_) => Ok(json(row, index)?.unwrap_or_default()),
    }
}

// Column positions in `sql::PAGE_COLUMNS`.
const ID: usize = 0;
const PARENT_ID: usize = 1;
const TEXT: usize = 2;
const HTML: usize = 3;
const CREATED: usize = 4;
const UPDATED: usize = 5;
const EDITED: usize = 6;
const EDITED_BY: usize = 7;
const KIND: usize = 8;
const SYSTEM_TYPE: usize = 9;
const STATUS: usize = 10;
const SHOW_IN_ROOM: usize = 11;
const ATTACHMENTS: usize = 12;
const MENTIONS: usize = 13;
const REACTIONS: usize = 14;
const ANNOTATION: usize = 15;
const DIFF_GROUPS: usize = 16;
const EXTRA: usize = 17;
const REPLY_COUNT: usize = 18;
const LAST_REPLY: usize = 19;
const PARTICIPANTS: usize = 20;
const AUTHOR_ID: usize = 21;
const RECIPIENT_ID: usize = 22;

fn kind_of(row: &Row, id: &str) -> Result<MessageKind, Error> {
    Ok(match text(row, KIND)? {
        "regular" => MessageKind::Regular,
        "system" => MessageKind::System {
            system_type: opt_text(row, SYSTEM_TYPE)?.unwrap_or_default().to_owned(),
        },
        "edit" => MessageKind::Edit,
        other => {
            return Err(Error::Internal(format!(
                "message {id:?} has unknown kind {other:?}"
            )))
        }
    })
}

fn status_of(row: &Row, id: &str) -> Result<MessageStatus, Error> {
    Ok(match text(row, STATUS)? {
        "visible" => MessageStatus::Visible,
        "deleted" => MessageStatus::Deleted,
        "hidden" => MessageStatus::Hidden,
        other => {
            return Err(Error::Internal(format!(
                "message {id:?} has unknown status {other:?}"
            )))
        }
    })
}

fn thread_of(row: &Row) -> Result<Option<ThreadSummary>, Error> {
    let Some(n) = opt_int(row, REPLY_COUNT)? else {
        return Ok(None);
    };
    Ok(Some(ThreadSummary {
        reply_count: u64::try_from(n).unwrap_or(0),
        last_reply_usec: opt_int(row, LAST_REPLY)?,
        participants: json_list(row, PARTICIPANTS)?,
    }))
}

/// Maps one row of a page statement of room `room_id` (columns in `sql::PAGE_COLUMNS`
/// order), reading its people through `users`.
pub(super) fn message_from_row(
    conn: &Connection,
    users: &mut Users,
    row: &Row,
    room_id: &str,
    group_id: Option<&str>,
) -> Result<Message, Error> {
    let id = text(row, ID)?;
    let kind = kind_of(row, id)?;
    let status = status_of(row, id)?;
    let author = users
        .get(conn, text(row, AUTHOR_ID)?)?
        .cloned()
        .ok_or_else(|| Error::Internal(format!("message {id:?} has no author")))?;
    let recipient = match opt_text(row, RECIPIENT_ID)? {
        Some(rid) => users.get(conn, rid)?.cloned(),
        None => None,
    };
    Ok(Message {
        id: id.to_owned(),
        room_id: room_id.to_owned(),
        parent_id: opt_text(row, PARENT_ID)?.map(str::to_owned),
        author,
        recipient,
        text: text(row, TEXT)?.to_owned(),
        html: opt_text(row, HTML)?.map(str::to_owned),
        created_usec: int(row, CREATED)?,
        updated_usec: opt_int(row, UPDATED)?,
        edited_usec: opt_int(row, EDITED)?,
        edited_by: json(row, EDITED_BY)?,
        kind,
        status,
        show_in_room: int(row, SHOW_IN_ROOM)? != 0,
        attachments: json_list(row, ATTACHMENTS)?,
        mentions: json_list(row, MENTIONS)?,
        reactions: json_list(row, REACTIONS)?,
        thread: thread_of(row)?,
        annotation: json(row, ANNOTATION)?,
        diff_groups: json_list(row, DIFF_GROUPS)?,
        group_id: group_id.map(str::to_owned),
        extra: json(row, EXTRA)?.unwrap_or_default(),
    })
}
