//! Where the database lives, how connections are opened, and the versioned schema.
//!
//! The schema version is `PRAGMA user_version`: the number of [`MIGRATIONS`] applied. Opening
//! a database applies the missing ones in order, in one transaction, and refuses a database
//! whose version is newer than this code knows.

use super::StoreError;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a connection waits for a lock held by another connection.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Statements cached per connection (one per distinct query shape in use).
const STATEMENT_CACHE: usize = 128;

/// Version 1: users, rooms, members, messages, tokens, pinned integer ids.
const V1: &str = r#"
CREATE TABLE users (
    id          TEXT NOT NULL PRIMARY KEY,
    username    TEXT NOT NULL,
    name        TEXT,
    avatar_url  TEXT
) WITHOUT ROWID;
CREATE UNIQUE INDEX users_username ON users(username);

CREATE TABLE rooms (
    id           TEXT NOT NULL PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('direct', 'group', 'channel', 'document')),
    name         TEXT,
    company_id   TEXT,
    group_id     TEXT,
    -- "<smaller user id>\u0001<larger user id>" for direct rooms, NULL otherwise.
    direct_key   TEXT,
    created_usec INTEGER NOT NULL,
    CHECK ((kind = 'direct') = (direct_key IS NOT NULL))
) WITHOUT ROWID;
CREATE UNIQUE INDEX rooms_direct_key ON rooms(direct_key);
CREATE UNIQUE INDEX rooms_group_id ON rooms(group_id);

CREATE TABLE members (
    room_id  TEXT NOT NULL REFERENCES rooms(id),
    user_id  TEXT NOT NULL REFERENCES users(id),
    position INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
) WITHOUT ROWID;

CREATE TABLE messages (
    id              TEXT NOT NULL PRIMARY KEY,
    room_id         TEXT NOT NULL REFERENCES rooms(id),
    parent_id       TEXT REFERENCES messages(id),
    author_id       TEXT NOT NULL REFERENCES users(id),
    -- The seed's recipient, else the other member of a direct room.
    recipient_id    TEXT REFERENCES users(id),
    text            TEXT NOT NULL,
    html            TEXT,
    created_usec    INTEGER NOT NULL,
    updated_usec    INTEGER,
    edited_usec     INTEGER,
    edited_by       TEXT,
    kind            TEXT NOT NULL CHECK (kind IN ('regular', 'system', 'edit')),
    -- 0: regular and system messages, 1: edit records.
    kind_class      INTEGER NOT NULL CHECK (kind_class = (kind = 'edit')),
    system_type     TEXT CHECK ((kind = 'system') = (system_type IS NOT NULL)),
    status          TEXT NOT NULL CHECK (status IN ('visible', 'deleted', 'hidden')),
    show_in_room    INTEGER NOT NULL DEFAULT 0 CHECK (show_in_room IN (0, 1)),
    -- JSON columns; NULL = none.
    attachments     TEXT,
    mentions        TEXT,
    reactions       TEXT,
    annotation      TEXT,
    diff_groups     TEXT,
    extra           TEXT,
    -- Thread summary of a root; reply_count NULL = no replies.
    reply_count     INTEGER,
    last_reply_usec INTEGER,
    participants    TEXT
);
CREATE INDEX messages_timeline ON messages(room_id, kind_class, created_usec, id);
CREATE INDEX messages_replies ON messages(parent_id, kind_class, created_usec, id)
    WHERE parent_id IS NOT NULL;

CREATE TABLE tokens (
    id         INTEGER PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    scheme     TEXT NOT NULL CHECK (scheme IN ('rocketchat', 'bearer')),
    token_hash BLOB NOT NULL CHECK (length(token_hash) = 32),
    admin_of   TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX tokens_user ON tokens(user_id, scheme);
CREATE UNIQUE INDEX tokens_hash ON tokens(scheme, token_hash);

CREATE TABLE int_ids (
    kind   TEXT NOT NULL CHECK (kind IN ('user', 'room', 'message')),
    id     TEXT NOT NULL,
    int_id INTEGER NOT NULL CHECK (int_id >= 1 AND int_id < 9007199254740992),
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX int_ids_int ON int_ids(kind, int_id);
"#;

/// Version 2: integer ids for groups too (the id map, `crate::idmap`); rooms by member. SQLite cannot change
/// a CHECK constraint in place, so the table is rebuilt with its rows.
const V2: &str = r#"
CREATE TABLE int_ids_v2 (
    kind   TEXT NOT NULL CHECK (kind IN ('user', 'room', 'group', 'message')),
    id     TEXT NOT NULL,
    int_id INTEGER NOT NULL CHECK (int_id >= 1 AND int_id < 9007199254740992),
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
INSERT INTO int_ids_v2 (kind, id, int_id) SELECT kind, id, int_id FROM int_ids;
DROP TABLE int_ids;
ALTER TABLE int_ids_v2 RENAME TO int_ids;
CREATE UNIQUE INDEX int_ids_int ON int_ids(kind, int_id);
-- The rooms of a member (SelfCommunity snippets).
CREATE INDEX members_user ON members(user_id, room_id);
"#;

/// Version 3: the message indexes also carry the columns every page and count filters on
/// (status, thread parent, shown in room), so those filters read the index alone and counts
/// (`total`, DRF's `count`) never touch the table.
const V3: &str = r#"
DROP INDEX messages_timeline;
CREATE INDEX messages_timeline
    ON messages(room_id, kind_class, created_usec, id, status, parent_id, show_in_room);
DROP INDEX messages_replies;
CREATE INDEX messages_replies ON messages(parent_id, kind_class, created_usec, id, status)
    WHERE parent_id IS NOT NULL;
"#;

/// Version 4: how many messages each group of the count filters holds, so that a total
/// without time or message bounds (`want_total` on default pages) is a primary-key lookup
/// instead of a count over the conversation. Scope 0 groups a room's timeline by kind class,
/// status and whether the message shows at the top level (`parent_id IS NULL OR
/// show_in_room = 1`, the rule of `top_level_only`); scope 1 groups the replies of a root by
/// kind class and status (`top_level` is 0). Triggers keep it in step with every write to
/// `messages`, inside the writing transaction.
const V4: &str = r#"
CREATE TABLE message_counts (
    scope      INTEGER NOT NULL CHECK (scope IN (0, 1)),
    scope_id   TEXT NOT NULL,
    kind_class INTEGER NOT NULL,
    status     TEXT NOT NULL,
    top_level  INTEGER NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (scope, scope_id, kind_class, status, top_level)
) WITHOUT ROWID;
INSERT INTO message_counts (scope, scope_id, kind_class, status, top_level, n)
    SELECT 0, room_id, kind_class, status, (parent_id IS NULL OR show_in_room = 1), COUNT(*)
    FROM messages GROUP BY 2, 3, 4, 5;
INSERT INTO message_counts (scope, scope_id, kind_class, status, top_level, n)
    SELECT 1, parent_id, kind_class, status, 0, COUNT(*)
    FROM messages WHERE parent_id IS NOT NULL GROUP BY 2, 3, 4;
CREATE TRIGGER message_counts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO message_counts (scope, scope_id, kind_class, status, top_level, n)
        VALUES (0, NEW.room_id, NEW.kind_class, NEW.status,
                (NEW.parent_id IS NULL OR NEW.show_in_room = 1), 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT INTO message_counts (scope, scope_id, kind_class, status, top_level, n)
        SELECT 1, NEW.parent_id, NEW.kind_class, NEW.status, 0, 1
        WHERE NEW.parent_id IS NOT NULL
        ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER message_counts_delete AFTER DELETE ON messages BEGIN
    UPDATE message_counts SET n = n - 1
        WHERE scope = 0 AND scope_id = OLD.room_id AND kind_class = OLD.kind_class
        AND status = OLD.status AND top_level = (OLD.parent_id IS NULL OR OLD.show_in_room = 1);
    UPDATE message_counts SET n = n - 1
        WHERE scope = 1 AND scope_id = OLD.parent_id AND kind_class = OLD.kind_class
        AND status = OLD.status AND top_level = 0;
END;
CREATE TRIGGER message_counts_update
    AFTER UPDATE OF room_id, parent_id, kind_class, status, show_in_room ON messages BEGIN
    UPDATE message_counts SET n = n - 1
        WHERE scope = 0 AND scope_id = OLD.room_id AND kind_class = OLD.kind_class
        AND status = OLD.status AND top_level = (OLD.parent_id IS NULL OR OLD.show_in_room = 1);
    UPDATE message_counts SET n = n - 1
        WHERE scope = 1 AND scope_id = OLD.parent_id AND kind_class = OLD.kind_class
        AND status = OLD.status AND top_level = 0;
    INSERT INTO message_counts (scope, scope_id, kind_class, status, top_level, n)
        VALUES (0, NEW.room_id, NEW.kind_class, NEW.status,
                (NEW.parent_id IS NULL OR NEW.show_in_room = 1), 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT INTO message_counts (scope, scope_id, kind_class, status, top_level, n)
        SELECT 1, NEW.parent_id, NEW.kind_class, NEW.status, 0, 1
        WHERE NEW.parent_id IS NOT NULL
        ON CONFLICT DO UPDATE SET n = n + 1;
END;
"#;

/// Version 5: positions marked every few hundred messages of each conversation, with how many
/// messages of each count group lie before them, so that a page at any offset and a count
/// between any two bounds read at most one stretch between two marks (`super::marks`).
/// Scope and kind class as in `message_counts`; `seq` numbers a conversation's marks from 0 in
/// (created, id) order; `before_<status><level>` counts the messages before the mark by
/// status (visible, deleted, hidden) and level (`t`: shown at the top level, `r`: not; every
/// reply of scope 1 is `r`). A write to `messages` drops the marks at or after the position
/// it changes, inside the writing transaction, so a mark that exists is always exact; an
/// import extends the marks again before it commits.
const V5: &str = r#"
CREATE TABLE message_marks (
    scope        INTEGER NOT NULL CHECK (scope IN (0, 1)),
    scope_id     TEXT NOT NULL,
    kind_class   INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    created_usec INTEGER NOT NULL,
    id           TEXT NOT NULL,
    before_vt    INTEGER NOT NULL,
    before_vr    INTEGER NOT NULL,
    before_dt    INTEGER NOT NULL,
    before_dr    INTEGER NOT NULL,
    before_ht    INTEGER NOT NULL,
    before_hr    INTEGER NOT NULL,
    PRIMARY KEY (scope, scope_id, kind_class, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX message_marks_position
    ON message_marks(scope, scope_id, kind_class, created_usec, id);
CREATE TRIGGER message_marks_insert AFTER INSERT ON messages BEGIN
    DELETE FROM message_marks
        WHERE scope = 0 AND scope_id = NEW.room_id AND kind_class = NEW.kind_class
        AND (created_usec, id) >= (NEW.created_usec, NEW.id);
    DELETE FROM message_marks
        WHERE NEW.parent_id IS NOT NULL
        AND scope = 1 AND scope_id = NEW.parent_id AND kind_class = NEW.kind_class
        AND (created_usec, id) >= (NEW.created_usec, NEW.id);
END;
CREATE TRIGGER message_marks_delete AFTER DELETE ON messages BEGIN
    DELETE FROM message_marks
        WHERE scope = 0 AND scope_id = OLD.room_id AND kind_class = OLD.kind_class
        AND (created_usec, id) >= (OLD.created_usec, OLD.id);
    DELETE FROM message_marks
        WHERE OLD.parent_id IS NOT NULL
        AND scope = 1 AND scope_id = OLD.parent_id AND kind_class = OLD.kind_class
        AND (created_usec, id) >= (OLD.created_usec, OLD.id);
END;
CREATE TRIGGER message_marks_update AFTER UPDATE OF
    id, room_id, parent_id, kind_class, status, show_in_room, created_usec ON messages BEGIN
    DELETE FROM message_marks
        WHERE scope = 0 AND scope_id = OLD.room_id AND kind_class = OLD.kind_class
        AND (created_usec, id) >= (OLD.created_usec, OLD.id);
    DELETE FROM message_marks
        WHERE OLD.parent_id IS NOT NULL
        AND scope = 1 AND scope_id = OLD.parent_id AND kind_class = OLD.kind_class
        AND (created_usec, id) >= (OLD.created_usec, OLD.id);
    DELETE FROM message_marks
        WHERE scope = 0 AND scope_id = NEW.room_id AND kind_class = NEW.kind_class
        AND (created_usec, id) >= (NEW.created_usec, NEW.id);
    DELETE FROM message_marks
        WHERE NEW.parent_id IS NOT NULL
        AND scope = 1 AND scope_id = NEW.parent_id AND kind_class = NEW.kind_class
        AND (created_usec, id) >= (NEW.created_usec, NEW.id);
END;
"#;

/// Version 6: where a copy from a platform (`threadgate import --from`) stands in each
/// conversation it reads, written in the same transaction as the page it records, so that
/// a copy stopped anywhere goes on from there. `source` names the platform and its URL,
/// `lane` the part of the conversation read (`messages`, `edits`); `position` is JSON.
const V6: &str = r#"
CREATE TABLE import_resume (
    source   TEXT NOT NULL,
    room_id  TEXT NOT NULL,
    lane     TEXT NOT NULL,
    position TEXT NOT NULL,
    PRIMARY KEY (source, room_id, lane)
) WITHOUT ROWID;
"#;

/// Forward migrations; entry `i` takes the schema from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5, V6];

/// The version that introduced `message_marks`: a store migrated across it has its marks
/// written in the same transaction.
const MARKS_VERSION: i64 = 5;

/// The schema version this code writes.
pub fn current_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// A database file, or a private in-memory database shared by this instance's connections.
#[derive(Debug, Clone)]
pub(super) enum Location {
    File(PathBuf),
    /// A `file:` URI with `mode=memory&cache=shared`, unique per backend instance.
    Memory(String),
}

impl Location {
    pub(super) fn new(path: &str) -> Location {
        if path == ":memory:" {
            Location::Memory(format!(
                "file:tg-mem-{}?mode=memory&cache=shared",
                uuid::Uuid::new_v4().simple()
            ))
        } else {
            Location::File(PathBuf::from(path))
        }
    }

    /// The store's name in metrics and logs, different for every store of one process:
    /// `embedded:<path>`, or `embedded:memory-<8 hex digits>` for a store in memory.
    pub(super) fn metrics_label(&self) -> String {
        match self {
            Location::File(p) => format!("embedded:{}", p.display()),
            Location::Memory(uri) => {
                let id = uri
                    .strip_prefix("file:tg-mem-")
                    .map_or("", |rest| rest.get(..8).unwrap_or(rest));
                format!("embedded:memory-{id}")
            }
        }
    }

    /// How the location is named in errors and logs.
    pub(super) fn label(&self) -> String {
        match self {
            Location::File(p) => p.display().to_string(),
            Location::Memory(_) => ":memory:".to_owned(),
        }
    }

    pub(super) fn open(&self, create: bool) -> Result<Connection, StoreError> {
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let target: &Path = match self {
            Location::File(p) => p,
            Location::Memory(uri) => Path::new(uri),
        };
        let conn =
            Connection::open_with_flags(target, flags).map_err(|source| StoreError::Open {
                path: self.label(),
                source,
            })?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        conn.pragma_update(None, "foreign_keys", true)?;
        Ok(conn)
    }
}

/// Opens the writing connection (creating the file and its folders), sets WAL mode for files
/// and brings the schema up to date.
pub(super) fn open_writer(location: &Location) -> Result<Connection, StoreError> {
    if let Location::File(path) = location {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.display().to_string(),
                source,
            })?;
        }
    }
    let mut conn = location.open(true)?;
    if let Location::File(_) = location {
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(path = %location.label(), journal_mode = %mode, "WAL mode not available");
        }
        conn.pragma_update(None, "synchronous", "NORMAL")?;
    }
    migrate(&mut conn, &location.label())?;
    Ok(conn)
}

/// Opens one read connection (`query_only`).
pub(super) fn open_reader(location: &Location) -> Result<Connection, StoreError> {
    let conn = location.open(false)?;
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}

/// Applies the migrations the database lacks, in order, in one transaction.
pub(super) fn migrate(conn: &mut Connection, label: &str) -> Result<(), StoreError> {
    let known = current_version();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > known || found < 0 {
        return Err(StoreError::TooNew {
            path: label.to_owned(),
            found,
            known,
        });
    }
    if found == known {
        return Ok(());
    }
    for (from, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tx.execute_batch(sql)
            .map_err(|source| StoreError::Migrate {
                version: from as i64 + 1,
                source,
            })?;
    }
    if found < MARKS_VERSION {
        super::marks::extend_all(&tx, super::marks::INTERVAL)?;
    }
    tx.pragma_update(None, "user_version", known)?;
    tx.commit()?;
    tracing::info!(path = %label, from = found, to = known, "store schema migrated");
    Ok(())
}
