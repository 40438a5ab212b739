//! Writing what another backend answered into the store, idempotently (`threadgate import
//! --from`): users, rooms with their members, and pages of messages are upserted, a page in
//! one transaction together with the resume record that says how far its conversation is
//! read. A record already stored with the same content is left untouched (no write, so the
//! count and mark triggers do not fire); a changed one is updated; the marks are extended
//! before each commit, so they stay exact.
//!
//! Users are filled, never emptied: a user named without a display name or avatar (a
//! Rocket.Chat room member, say) keeps the name and avatar another answer gave.

use super::{direct_key, marks, StoreError};
use crate::canonical::{Message, MessageKind, RoomInfo, RoomKind, User};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::sync::OnceLock;

/// A copy could not be written.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// What the source answered does not fit the store (a username another user holds, a
    /// direct room of more than two members, ...). Nothing of that write was kept.
    #[error("{0}")]
    Conflict(String),
}

impl From<rusqlite::Error> for CopyError {
    fn from(e: rusqlite::Error) -> CopyError {
        CopyError::Store(StoreError::Sqlite(e))
    }
}

/// What one write changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CopyStats {
    pub users_added: u64,
    pub users_updated: u64,
    pub rooms_added: u64,
    pub rooms_updated: u64,
    pub messages_added: u64,
    pub messages_updated: u64,
    pub messages_unchanged: u64,
}

impl CopyStats {
    /// Adds `other` to these counts.
    pub fn add(&mut self, other: &CopyStats) {
        self.users_added += other.users_added;
        self.users_updated += other.users_updated;
        self.rooms_added += other.rooms_added;
        self.rooms_updated += other.rooms_updated;
        self.messages_added += other.messages_added;
        self.messages_updated += other.messages_updated;
        self.messages_unchanged += other.messages_unchanged;
    }
}

/// Where a copy stands in one lane of one conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumeKey<'a> {
    /// The platform kind and URL the copy reads.
    pub source: &'a str,
    pub room_id: &'a str,
    /// The part of the conversation (`messages`, `edits`).
    pub lane: &'a str,
}

const RESUME_OF: &str =
    "SELECT position FROM import_resume WHERE source = ?1 AND room_id = ?2 AND lane = ?3";
const WRITE_RESUME: &str = "INSERT INTO import_resume (source, room_id, lane, position) \
     VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO UPDATE SET position = excluded.position \
     WHERE position IS NOT excluded.position";
const UPSERT_USER: &str = "INSERT INTO users (id, username, name, avatar_url) \
     VALUES (?1, ?2, ?3, ?4) ON CONFLICT (id) DO UPDATE SET username = excluded.username, \
     name = COALESCE(excluded.name, users.name), \
     avatar_url = COALESCE(excluded.avatar_url, users.avatar_url) \
     WHERE users.username IS NOT excluded.username \
     OR (excluded.name IS NOT NULL AND users.name IS NOT excluded.name) \
     OR (excluded.avatar_url IS NOT NULL AND users.avatar_url IS NOT excluded.avatar_url)";
const USER_EXISTS: &str = "SELECT 1 FROM users WHERE id = ?1";
const USER_BY_USERNAME: &str = "SELECT id FROM users WHERE username = ?1";
const UPSERT_ROOM: &str = "INSERT INTO rooms \
     (id, kind, name, company_id, group_id, direct_key, created_usec) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, \
     name = excluded.name, company_id = excluded.company_id, group_id = excluded.group_id, \
     direct_key = excluded.direct_key, created_usec = excluded.created_usec \
     WHERE rooms.kind IS NOT excluded.kind OR rooms.name IS NOT excluded.name \
     OR rooms.company_id IS NOT excluded.company_id OR rooms.group_id IS NOT excluded.group_id \
     OR rooms.direct_key IS NOT excluded.direct_key \
     OR rooms.created_usec IS NOT excluded.created_usec";
const ROOM_EXISTS: &str = "SELECT 1 FROM rooms WHERE id = ?1";
const ROOM_BY_DIRECT_KEY: &str = "SELECT id FROM rooms WHERE direct_key = ?1 AND id <> ?2";
const ROOM_BY_GROUP: &str = "SELECT id FROM rooms WHERE group_id = ?1 AND id <> ?2";
const MEMBERS_OF: &str = "SELECT user_id FROM members WHERE room_id = ?1 ORDER BY position";
const DROP_MEMBERS: &str = "DELETE FROM members WHERE room_id = ?1";
const ADD_MEMBER: &str = "INSERT INTO members (room_id, user_id, position) VALUES (?1, ?2, ?3)";
const MESSAGE_EXISTS: &str = "SELECT 1 FROM messages WHERE id = ?1";
const MESSAGE_CREATED: &str = "SELECT created_usec FROM messages WHERE id = ?1";

/// Every stored column of a message, in the order of [`message_values`].
const MESSAGE_COLUMNS: [&str; 25] = [
    "id",
    "room_id",
    "parent_id",
    "author_id",
    "recipient_id",
    "text",
    "html",
    "created_usec",
    "updated_usec",
    "edited_usec",
    "edited_by",
    "kind",
    "kind_class",
    "system_type",
    "status",
    "show_in_room",
    "attachments",
    "mentions",
    "reactions",
    "annotation",
    "diff_groups",
    "extra",
    "reply_count",
    "last_reply_usec",
    "participants",
];

/// The message upsert: every column set, and only when one of them differs.
fn upsert_message_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| {
        let cols = MESSAGE_COLUMNS.join(", ");
        let slots: Vec<String> = (1..=MESSAGE_COLUMNS.len())
            .map(|i| format!("?{i}"))
            .collect();
        let rest = &MESSAGE_COLUMNS[1..];
        let set: Vec<String> = rest.iter().map(|c| format!("{c} = excluded.{c}")).collect();
        let differs: Vec<String> = rest
            .iter()
            .map(|c| format!("messages.{c} IS NOT excluded.{c}"))
            .collect();
        format!(
            "INSERT INTO messages ({cols}) VALUES ({}) ON CONFLICT (id) DO UPDATE SET {} WHERE {}",
            slots.join(", "),
            set.join(", "),
            differs.join(" OR ")
        )
    })
}

/// JSON text of a value, NULL for an empty list or map.
fn json_or_null<T: serde::Serialize>(value: &T, empty: bool) -> Result<Option<String>, CopyError> {
    if empty {
        return Ok(None);
    }
    serde_json::to_string(value)
        .map(Some)
        .map_err(|e| CopyError::Conflict(format!("cannot encode a stored value: {e}")))
}

/// The position a copy recorded for `key`, when it has one.
pub(super) fn resume_of(
    conn: &Connection,
    key: &ResumeKey<'_>,
) -> Result<Option<String>, CopyError> {
    Ok(conn
        .prepare_cached(RESUME_OF)?
        .query_row(params![key.source, key.room_id, key.lane], |r| r.get(0))
        .optional()?)
}

/// When stored message `id` was created.
pub(super) fn created_of(conn: &Connection, id: &str) -> Result<Option<i64>, CopyError> {
    Ok(conn
        .prepare_cached(MESSAGE_CREATED)?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

/// Upserts the users a room names and the room with its members, in one transaction.
pub(super) fn copy_room(conn: &mut Connection, room: &RoomInfo) -> Result<CopyStats, CopyError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut stats = CopyStats::default();
    for user in &room.members {
        upsert_user(&tx, user, &mut stats)?;
    }
    upsert_room(&tx, room, &mut stats)?;
    tx.commit()?;
    Ok(stats)
}

/// Upserts one page of messages (and the users they name) and records `position` for
/// `key`, in one transaction; the marks are extended before it commits.
///
/// A reply's root is not required to be stored yet: a source read newest first gives the
/// reply before its root, and a source that does not show a root (Rocket.Chat shows no
/// deleted message) gives replies naming a root it never gives, as its own pages name it.
/// Foreign keys are not enforced on the writing connection while the page is written (and
/// are again after): rooms are written before their pages and authors before their
/// messages, so those references hold; a reply's root may be missing.
pub(super) fn copy_page(
    conn: &mut Connection,
    messages: &[Message],
    key: &ResumeKey<'_>,
    position: &str,
) -> Result<CopyStats, CopyError> {
    conn.pragma_update(None, "foreign_keys", false)?;
    let written = write_page(conn, messages, key, position);
    conn.pragma_update(None, "foreign_keys", true)?;
    written
}

fn write_page(
    conn: &mut Connection,
    messages: &[Message],
    key: &ResumeKey<'_>,
    position: &str,
) -> Result<CopyStats, CopyError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut stats = CopyStats::default();
    for m in messages {
        upsert_user(&tx, &m.author, &mut stats)?;
        if let Some(r) = &m.recipient {
            upsert_user(&tx, r, &mut stats)?;
        }
        if !tx.prepare_cached(ROOM_EXISTS)?.exists([&m.room_id])? {
            return Err(CopyError::Conflict(format!(
                "message {:?} names room {:?}, which the store does not have",
                m.id, m.room_id
            )));
        }
        upsert_message(&tx, m, &mut stats)?;
    }
    tx.prepare_cached(WRITE_RESUME)?.execute(params![
        key.source,
        key.room_id,
        key.lane,
        position
    ])?;
    marks::extend_all(&tx, marks::INTERVAL)?;
    tx.commit()?;
    Ok(stats)
}

fn upsert_user(tx: &Connection, user: &User, stats: &mut CopyStats) -> Result<(), CopyError> {
    if user.id.is_empty() || user.username.is_empty() {
        return Err(CopyError::Conflict(format!(
            "a user without an id or username ({:?}, {:?})",
            user.id, user.username
        )));
    }
    let holder: Option<String> = tx
        .prepare_cached(USER_BY_USERNAME)?
        .query_row([&user.username], |r| r.get(0))
        .optional()?;
    if let Some(other) = holder.filter(|other| *other != user.id) {
        return Err(CopyError::Conflict(format!(
            "user {:?}: username {:?} belongs to user {other:?} in the store",
            user.id, user.username
        )));
    }
    let existed = tx.prepare_cached(USER_EXISTS)?.exists([&user.id])?;
    let changed = tx.prepare_cached(UPSERT_USER)?.execute(params![
        user.id,
        user.username,
        user.name,
        user.avatar_url
    ])?;
    match (existed, changed) {
        (false, _) => stats.users_added += 1,
        (true, 0) => {}
        (true, _) => stats.users_updated += 1,
    }
    Ok(())
}

/// The direct key of a direct room: its one or two members.
fn room_direct_key(room: &RoomInfo) -> Result<Option<String>, CopyError> {
    if room.kind != RoomKind::Direct {
        return Ok(None);
    }
    match room.members.as_slice() {
        [a] => Ok(Some(direct_key(&a.id, &a.id))),
        [a, b] => Ok(Some(direct_key(&a.id, &b.id))),
        other => Err(CopyError::Conflict(format!(
            "direct room {:?} has {} members, not 1 or 2",
            room.id,
            other.len()
        ))),
    }
}

fn upsert_room(tx: &Connection, room: &RoomInfo, stats: &mut CopyStats) -> Result<(), CopyError> {
    let key = room_direct_key(room)?;
    let taken = |sql: &str, value: &str| -> Result<Option<String>, CopyError> {
        Ok(tx
            .prepare_cached(sql)?
            .query_row(params![value, room.id], |r| r.get(0))
            .optional()?)
    };
    if let Some(other) = key
        .as_deref()
        .map(|k| taken(ROOM_BY_DIRECT_KEY, k))
        .transpose()?
        .flatten()
    {
        return Err(CopyError::Conflict(format!(
            "direct room {:?}: its members already have the direct room {other:?} in the store",
            room.id
        )));
    }
    if let Some(other) = room
        .group_id
        .as_deref()
        .map(|g| taken(ROOM_BY_GROUP, g))
        .transpose()?
        .flatten()
    {
        return Err(CopyError::Conflict(format!(
            "room {:?}: group {:?} already has the room {other:?} in the store",
            room.id, room.group_id
        )));
    }
    let existed = tx.prepare_cached(ROOM_EXISTS)?.exists([&room.id])?;
    let changed = tx.prepare_cached(UPSERT_ROOM)?.execute(params![
        room.id,
        room.kind.as_str(),
        room.name,
        room.company_id,
        room.group_id,
        key,
        room.created_usec
    ])?;
    let stored: Vec<String> = tx
        .prepare_cached(MEMBERS_OF)?
        .query_map([&room.id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let wanted: Vec<&str> = room.members.iter().map(|u| u.id.as_str()).collect();
    let members_changed = stored.iter().map(String::as_str).ne(wanted.iter().copied());
    if members_changed {
        tx.prepare_cached(DROP_MEMBERS)?.execute([&room.id])?;
        let mut add = tx.prepare_cached(ADD_MEMBER)?;
        for (position, id) in wanted.iter().enumerate() {
            add.execute(params![room.id, id, position as i64])?;
        }
    }
    match (existed, changed > 0 || members_changed) {
        (false, _) => stats.rooms_added += 1,
        (true, false) => {}
        (true, true) => stats.rooms_updated += 1,
    }
    Ok(())
}

fn upsert_message(tx: &Connection, m: &Message, stats: &mut CopyStats) -> Result<(), CopyError> {
    if m.id.is_empty() {
        return Err(CopyError::Conflict(format!(
            "room {:?}: a message without an id",
            m.room_id
        )));
    }
    let (kind, system_type) = match &m.kind {
        MessageKind::Regular => ("regular", None),
        MessageKind::System { system_type } => ("system", Some(system_type.as_str())),
        MessageKind::Edit => ("edit", None),
    };
    let edited_by = m
        .edited_by
        .as_ref()
        .map(|u| json_or_null(u, false))
        .transpose()?
        .flatten();
    let thread = m.thread.as_ref();
    let participants = thread
        .map(|t| json_or_null(&t.participants, t.participants.is_empty()))
        .transpose()?
        .flatten();
    let existed = tx.prepare_cached(MESSAGE_EXISTS)?.exists([&m.id])?;
    let changed = tx.prepare_cached(upsert_message_sql())?.execute(params![
        m.id,
        m.room_id,
        m.parent_id,
        m.author.id,
        m.recipient.as_ref().map(|r| r.id.as_str()),
        m.text,
        m.html,
        m.created_usec,
        m.updated_usec,
        m.edited_usec,
        edited_by,
        kind,
        i64::from(matches!(m.kind, MessageKind::Edit)),
        system_type,
        m.status.as_str(),
        m.show_in_room,
        json_or_null(&m.attachments, m.attachments.is_empty())?,
        json_or_null(&m.mentions, m.mentions.is_empty())?,
        json_or_null(&m.reactions, m.reactions.is_empty())?,
        m.annotation
            .as_ref()
            .map(|a| json_or_null(a, false))
            .transpose()?
            .flatten(),
        json_or_null(&m.diff_groups, m.diff_groups.is_empty())?,
        json_or_null(&m.extra, m.extra.is_empty())?,
        thread.map(|t| i64::try_from(t.reply_count).unwrap_or(i64::MAX)),
        thread.and_then(|t| t.last_reply_usec),
        participants,
    ])?;
    match (existed, changed) {
        (false, _) => stats.messages_added += 1,
        (true, 0) => stats.messages_unchanged += 1,
        (true, _) => stats.messages_updated += 1,
    }
    Ok(())
}
