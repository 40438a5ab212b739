//! Importing a seed directory in one transaction: every reference is checked, the users a
//! message names are resolved and stored with it, thread summaries are computed at the end.

use super::seed::{
    self, ImportError, RoomRecord, TokenRecord, UserRecord, MESSAGES, ROOMS, TOKENS, USERS,
};
use super::{direct_key, parse_room_kind, sql};
use crate::canonical::{MessageStatus, RoomKind, User};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

mod message;

/// What an import wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportStats {
    pub users: u64,
    pub rooms: u64,
    pub messages: u64,
    pub tokens: u64,
}

impl std::fmt::Display for ImportStats {
    /// `2 users, 3 rooms, 10 messages, 2 tokens`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} users, {} rooms, {} messages, {} tokens",
            self.users, self.rooms, self.messages, self.tokens
        )
    }
}

/// Pinned integer ids are below 2^53, the integers a JavaScript client reads exactly.
pub const INT_ID_LIMIT: i64 = 1 << 53;

/// Imports `dir` into the database of `conn`; on any error nothing is written. `progress`
/// hears the number of records imported so far after each one.
pub(super) fn import_dir(
    conn: &mut Connection,
    dir: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<ImportStats, ImportError> {
    let dir_error = |reason: String| ImportError::Dir {
        dir: dir.display().to_string(),
        reason,
    };
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => return Err(dir_error("not a directory".into())),
        Err(e) => return Err(dir_error(e.to_string())),
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut importer = Importer {
        db: &tx,
        users: HashMap::new(),
        rooms: HashMap::new(),
        roots: BTreeSet::new(),
        stats: ImportStats::default(),
    };
    let mut done = 0u64;
    let mut advance = |outcome: Result<(), ImportError>| {
        outcome?;
        done += 1;
        progress(done);
        Ok::<(), ImportError>(())
    };
    seed::each_line(dir, USERS, |line, text| {
        advance(importer.user(line, seed::parse(USERS, line, text)?))
    })?;
    seed::each_line(dir, ROOMS, |line, text| {
        advance(importer.room(line, seed::parse(ROOMS, line, text)?))
    })?;
    seed::each_line(dir, MESSAGES, |line, text| {
        advance(importer.message(line, seed::parse(MESSAGES, line, text)?))
    })?;
    seed::each_line(dir, TOKENS, |line, text| {
        advance(importer.token(line, seed::parse(TOKENS, line, text)?))
    })?;
    importer.summaries()?;
    super::marks::extend_all(&tx, super::marks::INTERVAL)?;
    let stats = importer.stats;
    tx.commit()?;
    Ok(stats)
}

struct RoomInfo {
    kind: RoomKind,
    members: Vec<String>,
}

struct Importer<'c> {
    db: &'c Connection,
    /// Users as messages show them (no avatar), by id, loaded on first use.
    users: HashMap<String, User>,
    /// Rooms by id, loaded on first use.
    rooms: HashMap<String, RoomInfo>,
    /// Roots that received replies in this import.
    roots: BTreeSet<String>,
    stats: ImportStats,
}

fn bad(file: &'static str, line: usize, field: &str, reason: impl Into<String>) -> ImportError {
    ImportError::Field {
        file,
        line,
        field: field.to_owned(),
        reason: reason.into(),
    }
}

fn non_empty(file: &'static str, line: usize, field: &str, value: &str) -> Result<(), ImportError> {
    if value.is_empty() {
        return Err(bad(file, line, field, "must not be empty"));
    }
    Ok(())
}

/// JSON text of a list, NULL when it is empty.
fn json_list<T: serde::Serialize>(
    file: &'static str,
    line: usize,
    items: &[T],
) -> Result<Option<String>, ImportError> {
    if items.is_empty() {
        return Ok(None);
    }
    json(file, line, items).map(Some)
}

fn json<T: serde::Serialize + ?Sized>(
    file: &'static str,
    line: usize,
    value: &T,
) -> Result<String, ImportError> {
    serde_json::to_string(value).map_err(|e| ImportError::Record {
        file,
        line,
        reason: format!("cannot encode: {e}"),
    })
}

impl Importer<'_> {
    fn find_user(&mut self, id: &str) -> Result<Option<User>, ImportError> {
        if let Some(user) = self.users.get(id) {
            return Ok(Some(user.clone()));
        }
        let found = self
            .db
            .prepare_cached(sql::USER_BY_ID)?
            .query_row([id], |r| {
                Ok(User {
                    id: r.get(0)?,
                    username: r.get(1)?,
                    name: r.get(2)?,
                    avatar_url: None,
                })
            })
            .optional()?;
        if let Some(user) = &found {
            self.users.insert(id.to_owned(), user.clone());
        }
        Ok(found)
    }

    fn require_user(
        &mut self,
        file: &'static str,
        line: usize,
        field: &str,
        id: &str,
    ) -> Result<User, ImportError> {
        self.find_user(id)?
            .ok_or_else(|| bad(file, line, field, format!("unknown user {id:?}")))
    }

    fn find_room(&mut self, id: &str) -> Result<Option<&RoomInfo>, ImportError> {
        if !self.rooms.contains_key(id) {
            let kind: Option<String> = self
                .db
                .prepare_cached(sql::ROOM_KIND_BY_ID)?
                .query_row([id], |r| r.get(0))
                .optional()?;
            let Some(kind) = kind.as_deref().and_then(parse_room_kind) else {
                return Ok(None);
            };
            let members = self
                .db
                .prepare_cached(sql::ROOM_MEMBERS)?
                .query_map([id], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            self.rooms.insert(id.to_owned(), RoomInfo { kind, members });
        }
        Ok(self.rooms.get(id))
    }

    /// A message's room and parent, when it exists.
    fn find_message(&self, id: &str) -> Result<Option<(String, Option<String>)>, ImportError> {
        Ok(self
            .db
            .prepare_cached(sql::MESSAGE_POSITION)?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    fn lookup(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Option<String>, ImportError> {
        Ok(self
            .db
            .prepare_cached(sql)?
            .query_row(params, |r| r.get(0))
            .optional()?)
    }

    fn user(&mut self, line: usize, rec: UserRecord) -> Result<(), ImportError> {
        non_empty(USERS, line, "id", &rec.id)?;
        non_empty(USERS, line, "username", &rec.username)?;
        if self.find_user(&rec.id)?.is_some() {
            return Err(bad(
                USERS,
                line,
                "id",
                format!("duplicate user id {:?}", rec.id),
            ));
        }
        if let Some(other) = self.lookup(sql::USER_ID_BY_USERNAME, [&rec.username])? {
            let reason = format!(
                "username {:?} is already taken by user {other:?}",
                rec.username
            );
            return Err(bad(USERS, line, "username", reason));
        }
        self.db.prepare_cached(sql::INSERT_USER)?.execute(params![
            rec.id,
            rec.username,
            rec.name,
            rec.avatar_url
        ])?;
        self.pin(USERS, line, "user", &rec.id, rec.int_id)?;
        self.stats.users += 1;
        Ok(())
    }

    fn room(&mut self, line: usize, rec: RoomRecord) -> Result<(), ImportError> {
        non_empty(ROOMS, line, "id", &rec.id)?;
        if self.find_room(&rec.id)?.is_some() {
            return Err(bad(
                ROOMS,
                line,
                "id",
                format!("duplicate room id {:?}", rec.id),
            ));
        }
        let mut seen = HashSet::new();
        for member in &rec.members {
            self.require_user(ROOMS, line, "members", member)?;
            if !seen.insert(member.as_str()) {
                return Err(bad(
                    ROOMS,
                    line,
                    "members",
                    format!("user {member:?} is listed twice"),
                ));
            }
        }
        let key = match (rec.kind, rec.members.as_slice()) {
            (RoomKind::Direct, [a]) => Some(direct_key(a, a)),
            (RoomKind::Direct, [a, b]) => Some(direct_key(a, b)),
            (RoomKind::Direct, other) => {
                let reason = format!("a direct room has 1 or 2 members, not {}", other.len());
                return Err(bad(ROOMS, line, "members", reason));
            }
            _ => None,
        };
        if let Some(key) = &key {
            if let Some(other) = self.lookup(sql::ROOM_ID_BY_DIRECT_KEY, [key])? {
                let reason = match rec.members.as_slice() {
                    [a, b] => {
                        format!("users {a:?} and {b:?} already have a direct room ({other:?})")
                    }
                    _ => format!(
                        "user {:?} already has a self-conversation ({other:?})",
                        rec.members.join("")
                    ),
                };
                return Err(bad(ROOMS, line, "members", reason));
            }
        }
        if let Some(company) = &rec.company_id {
            non_empty(ROOMS, line, "company_id", company)?;
        }
        if let Some(group) = &rec.group_id {
            non_empty(ROOMS, line, "group_id", group)?;
            if let Some(other) = self.lookup(sql::ROOM_ID_BY_GROUP, [group])? {
                let reason = format!("group {group:?} already has a room ({other:?})");
                return Err(bad(ROOMS, line, "group_id", reason));
            }
        }
        let created = seed::time(ROOMS, line, "created_at", &rec.created_at)?;
        self.db.prepare_cached(sql::INSERT_ROOM)?.execute(params![
            rec.id,
            rec.kind.as_str(),
            rec.name,
            rec.company_id,
            rec.group_id,
            key,
            created
        ])?;
        let mut insert_member = self.db.prepare_cached(sql::INSERT_MEMBER)?;
        for (position, member) in rec.members.iter().enumerate() {
            insert_member.execute(params![rec.id, member, position as i64])?;
        }
        self.pin(ROOMS, line, "room", &rec.id, rec.int_id)?;
        self.rooms.insert(
            rec.id,
            RoomInfo {
                kind: rec.kind,
                members: rec.members,
            },
        );
        self.stats.rooms += 1;
        Ok(())
    }

    fn token(&mut self, line: usize, rec: TokenRecord) -> Result<(), ImportError> {
        self.require_user(TOKENS, line, "user_id", &rec.user_id)?;
        non_empty(TOKENS, line, "token", &rec.token)?;
        let hash = super::auth::token_hash(&rec.token).to_vec();
        let scheme = rec.scheme.as_str();
        if self
            .db
            .prepare_cached(sql::TOKEN_EXISTS)?
            .exists(params![scheme, hash])?
        {
            let reason = format!("the same {scheme} token appears twice; tokens must be unique");
            return Err(bad(TOKENS, line, "token", reason));
        }
        let admin_of = rec.admin_of.unwrap_or_default();
        for company in &admin_of {
            non_empty(TOKENS, line, "admin_of", company)?;
        }
        self.db.prepare_cached(sql::INSERT_TOKEN)?.execute(params![
            rec.user_id,
            scheme,
            hash,
            json(TOKENS, line, &admin_of)?
        ])?;
        self.stats.tokens += 1;
        Ok(())
    }

    /// Pins the integer a SelfCommunity client sees for `kind`/`id`.
    fn pin(
        &self,
        file: &'static str,
        line: usize,
        kind: &'static str,
        id: &str,
        int_id: Option<i64>,
    ) -> Result<(), ImportError> {
        let Some(n) = int_id else {
            return Ok(());
        };
        if !(1..INT_ID_LIMIT).contains(&n) {
            let reason = format!("must be at least 1 and less than 2^53 (got {n})");
            return Err(bad(file, line, "int_id", reason));
        }
        if let Some(other) = self.lookup(sql::ID_OF_INT_ID, params![kind, n])? {
            let reason = format!("{n} is already the int id of {kind} {other:?}");
            return Err(bad(file, line, "int_id", reason));
        }
        let existing: Option<i64> = self
            .db
            .prepare_cached(sql::INT_ID_OF)?
            .query_row(params![kind, id], |r| r.get(0))
            .optional()?;
        if let Some(existing) = existing {
            let reason = format!("{kind} {id:?} already has int id {existing}");
            return Err(bad(file, line, "int_id", reason));
        }
        self.db
            .prepare_cached(sql::INSERT_INT_ID)?
            .execute(params![kind, id, n])?;
        Ok(())
    }

    /// Thread summaries of the roots that got replies: visible replies, their count, the
    /// last one's time, and their authors in first-reply order.
    fn summaries(&mut self) -> Result<(), ImportError> {
        let mut replies_of = self.db.prepare_cached(sql::REPLIES_OF)?;
        let mut update = self.db.prepare_cached(sql::UPDATE_SUMMARY)?;
        for root in &self.roots {
            let mut replies = replies_of
                .query_map([root], |r| {
                    Ok((
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(3)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            replies.retain(|(_, _, _, status)| status == MessageStatus::Visible.as_str());
            replies.sort();
            let mut participants: Vec<&str> = Vec::new();
            for (_, _, author, _) in &replies {
                if !participants.contains(&author.as_str()) {
                    participants.push(author);
                }
            }
            let last = replies.last().map(|(created, ..)| *created);
            let participants =
                serde_json::to_string(&participants).map_err(|e| ImportError::Record {
                    file: MESSAGES,
                    line: 0,
                    reason: format!("cannot encode participants: {e}"),
                })?;
            update.execute(params![root, replies.len() as i64, last, participants])?;
        }
        Ok(())
    }
}
