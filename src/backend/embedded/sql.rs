//! Every SQL statement the embedded backend runs, in one place, so that a test can check the
//! query plan of each one ([`statements`]).
//!
//! Reads of message pages are built from a [`Shape`] (which bounds are present, which
//! statuses, order, page or count); [`build`] writes the SQL and the named parameters
//! together so that they cannot disagree.

use rusqlite::types::Value;

pub const USER_BY_ID: &str = "SELECT id, username, name, avatar_url FROM users WHERE id = ?1";
pub const USER_BY_USERNAME: &str =
    "SELECT id, username, name, avatar_url FROM users WHERE username = ?1";
pub const ROOM_BY_ID: &str = "SELECT id, kind, company_id, group_id FROM rooms WHERE id = ?1";
pub const ROOM_BY_DIRECT_KEY: &str =
    "SELECT id, kind, company_id, group_id FROM rooms WHERE direct_key = ?1";
pub const ROOM_BY_GROUP: &str =
    "SELECT id, kind, company_id, group_id FROM rooms WHERE group_id = ?1";
pub const IS_MEMBER: &str = "SELECT 1 FROM members WHERE room_id = ?1 AND user_id = ?2";
/// The rooms of a member (conversation listings).
pub const MEMBER_ROOMS: &str =
    "SELECT room_id FROM members WHERE user_id = ?1 ORDER BY user_id, room_id";
pub const ROOM_MEMBERS: &str =
    "SELECT user_id FROM members WHERE room_id = ?1 ORDER BY room_id, user_id";
/// A message's room, parent and position (for id bounds, cursors and reply targets).
pub const MESSAGE_POSITION: &str =
    "SELECT room_id, parent_id, created_usec FROM messages WHERE id = ?1";
/// Rocket.Chat tokens of one user; the hash is compared in constant time.
pub const TOKENS_OF_USER: &str = "SELECT t.token_hash, t.admin_of, u.username \
     FROM tokens t CROSS JOIN users u ON u.id = t.user_id \
     WHERE t.user_id = ?1 AND t.scheme = 'rocketchat'";
/// A bearer token by hash; the hash is compared again in constant time.
pub const BEARER_TOKEN: &str = "SELECT t.token_hash, t.admin_of, u.id, u.username \
     FROM tokens t CROSS JOIN users u ON u.id = t.user_id \
     WHERE t.scheme = 'bearer' AND t.token_hash = ?1";
/// The rooms a member may read (`Backend::rooms`): theirs and every public channel.
pub const READABLE_ROOMS: &str =
    "SELECT r.id, r.kind, r.name, r.group_id, r.company_id, r.created_usec \
     FROM rooms r WHERE r.kind = 'channel' \
     OR EXISTS (SELECT 1 FROM members m WHERE m.room_id = r.id AND m.user_id = ?1) \
     ORDER BY r.created_usec, r.id";
/// A room's members as users, in membership order.
pub const MEMBER_USERS: &str = "SELECT u.id, u.username, u.name, u.avatar_url \
     FROM members m CROSS JOIN users u ON u.id = m.user_id \
     WHERE m.room_id = ?1 ORDER BY m.position, m.user_id";
pub const PROBE: &str = "SELECT 1";
pub const IS_EMPTY: &str =
    "SELECT NOT EXISTS (SELECT 1 FROM users) AND NOT EXISTS (SELECT 1 FROM messages)";
pub const INT_IDS: &str = "SELECT kind, id, int_id FROM int_ids ORDER BY kind, id";

// Import-time lookups and writes.
pub const ROOM_KIND_BY_ID: &str = "SELECT kind FROM rooms WHERE id = ?1";
pub const ROOM_ID_BY_DIRECT_KEY: &str = "SELECT id FROM rooms WHERE direct_key = ?1";
pub const ROOM_ID_BY_GROUP: &str = "SELECT id FROM rooms WHERE group_id = ?1";
pub const USER_ID_BY_USERNAME: &str = "SELECT id FROM users WHERE username = ?1";
pub const TOKEN_EXISTS: &str = "SELECT 1 FROM tokens WHERE scheme = ?1 AND token_hash = ?2";
pub const INT_ID_OF: &str = "SELECT int_id FROM int_ids WHERE kind = ?1 AND id = ?2";
pub const ID_OF_INT_ID: &str = "SELECT id FROM int_ids WHERE kind = ?1 AND int_id = ?2";
/// The highest integer of a kind (the id map allocates the next one).
pub const MAX_INT_ID: &str = crate::idmap::MAX_INT_ID;

// Startup bulk assignment of integers (`EmbeddedBackend::open_idmap`): every object without
// one gets `?2 + n`, n counting from 1 in the order given. These scan their table once at
// startup and are not request-time statements, so they are not in [`statements`].
pub const ASSIGN_USER_INT_IDS: &str = "INSERT INTO int_ids (kind, id, int_id) \
     SELECT 'user', u.id, ?1 + ROW_NUMBER() OVER (ORDER BY u.username, u.id) FROM users u \
     WHERE NOT EXISTS (SELECT 1 FROM int_ids i WHERE i.kind = 'user' AND i.id = u.id)";
pub const ASSIGN_ROOM_INT_IDS: &str = "INSERT INTO int_ids (kind, id, int_id) \
     SELECT 'room', r.id, ?1 + ROW_NUMBER() OVER (ORDER BY r.created_usec, r.id) FROM rooms r \
     WHERE NOT EXISTS (SELECT 1 FROM int_ids i WHERE i.kind = 'room' AND i.id = r.id)";
pub const ASSIGN_GROUP_INT_IDS: &str = "INSERT INTO int_ids (kind, id, int_id) \
     SELECT 'group', r.group_id, ?1 + ROW_NUMBER() OVER (ORDER BY r.created_usec, r.id) \
     FROM rooms r WHERE r.group_id IS NOT NULL \
     AND NOT EXISTS (SELECT 1 FROM int_ids i WHERE i.kind = 'group' AND i.id = r.group_id)";
pub const ASSIGN_MESSAGE_INT_IDS: &str = "INSERT INTO int_ids (kind, id, int_id) \
     SELECT 'message', m.id, ?1 + ROW_NUMBER() OVER (ORDER BY m.created_usec, m.id) \
     FROM messages m \
     WHERE NOT EXISTS (SELECT 1 FROM int_ids i WHERE i.kind = 'message' AND i.id = m.id)";
/// The replies of one root, for its thread summary.
pub const REPLIES_OF: &str = "SELECT author_id, created_usec, id, status FROM messages \
     WHERE parent_id = ?1 ORDER BY parent_id, kind_class, created_usec, id";
pub const INSERT_USER: &str =
    "INSERT INTO users (id, username, name, avatar_url) VALUES (?1, ?2, ?3, ?4)";
pub const INSERT_ROOM: &str = "INSERT INTO rooms \
     (id, kind, name, company_id, group_id, direct_key, created_usec) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
pub const INSERT_MEMBER: &str =
    "INSERT INTO members (room_id, user_id, position) VALUES (?1, ?2, ?3)";
pub const INSERT_MESSAGE: &str = "INSERT INTO messages \
     (id, room_id, parent_id, author_id, recipient_id, text, html, created_usec, updated_usec, \
      edited_usec, edited_by, kind, kind_class, system_type, status, show_in_room, attachments, \
      mentions, reactions, annotation, diff_groups, extra) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, \
      ?19, ?20, ?21, ?22)";
pub const INSERT_TOKEN: &str =
    "INSERT INTO tokens (user_id, scheme, token_hash, admin_of) VALUES (?1, ?2, ?3, ?4)";
pub const INSERT_INT_ID: &str = "INSERT INTO int_ids (kind, id, int_id) VALUES (?1, ?2, ?3)";
pub const UPDATE_SUMMARY: &str = "UPDATE messages \
     SET reply_count = ?2, last_reply_usec = ?3, participants = ?4 WHERE id = ?1";

/// The message columns a page reads, in the order [`super::rows`] maps them. The room is
/// the scanned one; authors and recipients are read by id, once per page.
const PAGE_COLUMNS: &str = "m.id, m.parent_id, m.text, m.html, m.created_usec, \
     m.updated_usec, m.edited_usec, m.edited_by, m.kind, m.system_type, m.status, \
     m.show_in_room, m.attachments, m.mentions, m.reactions, m.annotation, m.diff_groups, \
     m.extra, m.reply_count, m.last_reply_usec, m.participants, m.author_id, m.recipient_id";

/// Which messages a page statement scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// A room's timeline of one kind class: `messages_timeline`.
    Room,
    /// The replies of one root: `messages_replies`.
    Replies,
}

/// What a statement returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Output {
    /// Full rows, ordered, with `LIMIT`/`OFFSET`.
    Page,
    /// `COUNT(*)` of the matching rows.
    Count,
}

/// The structure of one page or count statement: which clauses it has. `Some(inclusive)`
/// marks a present bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shape {
    pub scope: Scope,
    pub include_deleted: bool,
    pub include_hidden: bool,
    /// Only top-level messages and replies shown in the room.
    pub top_level_only: bool,
    pub created_after: Option<bool>,
    pub created_before: Option<bool>,
    pub updated_after: Option<bool>,
    pub updated_before: Option<bool>,
    /// Bounds at a message's (created, id) position.
    pub after_position: Option<bool>,
    pub before_position: Option<bool>,
    /// Strictly after a position in the requested order.
    pub cursor: bool,
    pub descending: bool,
    pub output: Output,
}

impl Shape {
    /// The plainest statement of a scope.
    pub fn new(scope: Scope, output: Output) -> Shape {
        Shape {
            scope,
            include_deleted: false,
            include_hidden: false,
            top_level_only: false,
            created_after: None,
            created_before: None,
            updated_after: None,
            updated_before: None,
            after_position: None,
            before_position: None,
            cursor: false,
            descending: false,
            output,
        }
    }
}

/// A (created, id) position. The derived order is SQLite's: by time, then by id's bytes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub created_usec: i64,
    pub id: String,
}

/// The values bound to a [`Shape`]'s parameters; a value whose clause is absent is ignored.
#[derive(Debug, Clone, Default)]
pub struct Values {
    /// The room id or the root message id.
    pub scope_id: String,
    pub kind_class: i64,
    pub created_after: i64,
    pub created_before: i64,
    pub updated_after: i64,
    pub updated_before: i64,
    pub after_position: Option<Position>,
    pub before_position: Option<Position>,
    pub cursor: Option<Position>,
    /// -1 = no limit.
    pub limit: i64,
    pub offset: i64,
}

/// A statement and its named parameters.
#[derive(Debug, Clone)]
pub struct Statement {
    pub sql: String,
    pub params: Vec<(&'static str, Value)>,
}

impl Statement {
    /// The parameters as rusqlite binds them.
    pub fn bound(&self) -> Vec<(&str, &dyn rusqlite::ToSql)> {
        self.params
            .iter()
            .map(|(name, value)| (*name, value as &dyn rusqlite::ToSql))
            .collect()
    }
}

fn cmp(lower: bool, inclusive: bool) -> &'static str {
    match (lower, inclusive) {
        (true, true) => ">=",
        (true, false) => ">",
        (false, true) => "<=",
        (false, false) => "<",
    }
}

fn position_value(p: &Option<Position>) -> (Value, Value) {
    match p {
        Some(p) => (Value::Integer(p.created_usec), Value::Text(p.id.clone())),
        None => (Value::Integer(0), Value::Text(String::new())),
    }
}

/// The named parameters of a statement being written.
type Params = Vec<(&'static str, Value)>;

/// Writes the statement of `shape` with `values` bound.
pub fn build(shape: &Shape, values: &Values) -> Statement {
    let mut sql = String::with_capacity(1024);
    let mut params: Params = Vec::with_capacity(12);
    write_select(&mut sql, shape);
    write_scope(&mut sql, &mut params, shape, values);
    write_time_bounds(&mut sql, &mut params, shape, values);
    write_position_bounds(&mut sql, &mut params, shape, values);
    if shape.output == Output::Page {
        write_order_and_slice(&mut sql, &mut params, shape, values);
    }
    Statement { sql, params }
}

/// `SELECT <page columns> FROM messages m` or `SELECT COUNT(*) FROM messages m`.
fn write_select(sql: &mut String, shape: &Shape) {
    match shape.output {
        Output::Page => {
            sql.push_str("SELECT ");
            sql.push_str(PAGE_COLUMNS);
            sql.push_str(" FROM messages m");
        }
        Output::Count => sql.push_str("SELECT COUNT(*) FROM messages m"),
    }
}

/// The `WHERE` clause's fixed part: the scope and kind class, the statuses shown and, for a
/// room's top level, which replies count.
fn write_scope(sql: &mut String, params: &mut Params, shape: &Shape, values: &Values) {
    sql.push_str(match shape.scope {
        Scope::Room => " WHERE m.room_id = :scope AND m.kind_class = :kind",
        Scope::Replies => " WHERE m.parent_id = :scope AND m.kind_class = :kind",
    });
    params.push((":scope", Value::Text(values.scope_id.clone())));
    params.push((":kind", Value::Integer(values.kind_class)));
    sql.push_str(match (shape.include_deleted, shape.include_hidden) {
        (false, false) => " AND m.status = 'visible'",
        (true, false) => " AND m.status IN ('visible', 'deleted')",
        (false, true) => " AND m.status IN ('visible', 'hidden')",
        (true, true) => "",
    });
    if shape.top_level_only && shape.scope == Scope::Room {
        sql.push_str(" AND (m.parent_id IS NULL OR m.show_in_room = 1)");
    }
}

/// The created and updated time bounds present in `shape`.
fn write_time_bounds(sql: &mut String, params: &mut Params, shape: &Shape, values: &Values) {
    let time_bounds = [
        (
            shape.created_after,
            true,
            "m.created_usec",
            ":ca",
            values.created_after,
        ),
        (
            shape.created_before,
            false,
            "m.created_usec",
            ":cb",
            values.created_before,
        ),
        (
            shape.updated_after,
            true,
            "COALESCE(m.updated_usec, m.created_usec)",
            ":ua",
            values.updated_after,
        ),
        (
            shape.updated_before,
            false,
            "COALESCE(m.updated_usec, m.created_usec)",
            ":ub",
            values.updated_before,
        ),
    ];
    for (bound, lower, column, name, value) in time_bounds {
        if let Some(inclusive) = bound {
            sql.push_str(&format!(" AND {column} {} {name}", cmp(lower, inclusive)));
            params.push((name, Value::Integer(value)));
        }
    }
}

/// The (created, id) position bounds present in `shape`: after and before a message, and the
/// cursor (strictly after it in the requested order).
fn write_position_bounds(sql: &mut String, params: &mut Params, shape: &Shape, values: &Values) {
    let position_bounds = [
        (
            shape.after_position,
            true,
            (":ap_c", ":ap_id"),
            &values.after_position,
        ),
        (
            shape.before_position,
            false,
            (":bp_c", ":bp_id"),
            &values.before_position,
        ),
        (
            shape.cursor.then_some(false),
            !shape.descending,
            (":cur_c", ":cur_id"),
            &values.cursor,
        ),
    ];
    for (bound, lower, (c_name, id_name), value) in position_bounds {
        if let Some(inclusive) = bound {
            sql.push_str(&format!(
                " AND (m.created_usec, m.id) {} ({c_name}, {id_name})",
                cmp(lower, inclusive)
            ));
            let (c, id) = position_value(value);
            params.push((c_name, c));
            params.push((id_name, id));
        }
    }
}

/// Whether the count of `shape` can be read from `message_counts` (schema v4): the table
/// groups by the scope, kind class, status and top-level rule, so a count with no time, position
/// or cursor bound is a sum over at most six of its rows.
pub fn counted_by_table(shape: &Shape) -> bool {
    shape.output == Output::Count
        && shape.created_after.is_none()
        && shape.created_before.is_none()
        && shape.updated_after.is_none()
        && shape.updated_before.is_none()
        && shape.after_position.is_none()
        && shape.before_position.is_none()
        && !shape.cursor
}

/// The count of `shape` as a sum over `message_counts`, for a shape [`counted_by_table`]
/// accepts: the same scope, kind class, statuses and top-level rule as [`build`] writes.
pub fn build_table_count(shape: &Shape, values: &Values) -> Statement {
    let mut sql = String::with_capacity(256);
    sql.push_str(match shape.scope {
        Scope::Room => "SELECT COALESCE(SUM(n), 0) FROM message_counts WHERE scope = 0",
        Scope::Replies => "SELECT COALESCE(SUM(n), 0) FROM message_counts WHERE scope = 1",
    });
    sql.push_str(" AND scope_id = :scope AND kind_class = :kind");
    sql.push_str(match (shape.include_deleted, shape.include_hidden) {
        (false, false) => " AND status = 'visible'",
        (true, false) => " AND status IN ('visible', 'deleted')",
        (false, true) => " AND status IN ('visible', 'hidden')",
        (true, true) => "",
    });
    if shape.top_level_only && shape.scope == Scope::Room {
        sql.push_str(" AND top_level = 1");
    }
    let params = vec![
        (":scope", Value::Text(values.scope_id.clone())),
        (":kind", Value::Integer(values.kind_class)),
    ];
    Statement { sql, params }
}

/// A page's `ORDER BY`, `LIMIT` and `OFFSET`.
fn write_order_and_slice(sql: &mut String, params: &mut Params, shape: &Shape, values: &Values) {
    sql.push_str(if shape.descending {
        " ORDER BY m.created_usec DESC, m.id DESC LIMIT :limit OFFSET :offset"
    } else {
        " ORDER BY m.created_usec ASC, m.id ASC LIMIT :limit OFFSET :offset"
    });
    params.push((":limit", Value::Integer(values.limit)));
    params.push((":offset", Value::Integer(values.offset)));
}

/// Every statement the backend reads with, labelled: the fixed lookups and the page and
/// count statement of every shape (bounds inclusive and exclusive alternating).
pub fn statements() -> Vec<(String, String)> {
    let fixed = [
        ("user by id", USER_BY_ID),
        ("user by username", USER_BY_USERNAME),
        ("room by id", ROOM_BY_ID),
        ("room by direct key", ROOM_BY_DIRECT_KEY),
        ("room by group", ROOM_BY_GROUP),
        ("is member", IS_MEMBER),
        ("room members", ROOM_MEMBERS),
        ("member rooms", MEMBER_ROOMS),
        ("message position", MESSAGE_POSITION),
        ("rocketchat tokens of user", TOKENS_OF_USER),
        ("bearer token", BEARER_TOKEN),
        ("room kind", ROOM_KIND_BY_ID),
        ("room id by direct key", ROOM_ID_BY_DIRECT_KEY),
        ("room id by group", ROOM_ID_BY_GROUP),
        ("user id by username", USER_ID_BY_USERNAME),
        ("token exists", TOKEN_EXISTS),
        ("int id of", INT_ID_OF),
        ("id of int id", ID_OF_INT_ID),
        ("max int id", MAX_INT_ID),
        ("replies of", REPLIES_OF),
        ("update summary", UPDATE_SUMMARY),
    ];
    let mut out: Vec<(String, String)> = fixed
        .iter()
        .chain(super::marks::statements().iter())
        .map(|(label, sql)| ((*label).to_owned(), (*sql).to_owned()))
        .collect();
    let flags = 12;
    for bits in 0u32..(1 << flags) {
        let on = |i: u32| bits & (1 << i) != 0;
        let bound = |i: u32| on(i).then_some(i % 2 == 0);
        for scope in [Scope::Room, Scope::Replies] {
            let shape = Shape {
                scope,
                include_deleted: on(0),
                include_hidden: on(1),
                top_level_only: on(2),
                created_after: bound(3),
                created_before: bound(4),
                updated_after: bound(5),
                updated_before: bound(6),
                after_position: bound(7),
                before_position: bound(8),
                cursor: on(9),
                descending: on(10),
                output: if on(11) { Output::Count } else { Output::Page },
            };
            out.push((format!("{shape:?}"), build(&shape, &Values::default()).sql));
            if counted_by_table(&shape) {
                let sql = build_table_count(&shape, &Values::default()).sql;
                let label = format!(
                    "table count of {:?}, deleted {}, hidden {}, top level {}",
                    shape.scope, shape.include_deleted, shape.include_hidden, shape.top_level_only
                );
                out.push((label, sql));
            }
        }
    }
    out
}
