//! Marks (`message_marks`, schema v5): every [`INTERVAL`]-th message of a conversation, in
//! (created, id) order, with how many messages of each count group lie before it.
//!
//! With them, the number of matching messages before any position is the count at the last
//! mark before it plus a count over at most one stretch between two marks, and the message at
//! any offset is found by a binary search over the marks plus a walk over at most one
//! stretch ([`super::seek`]). The cost of a page or a count then grows with the logarithm of
//! the conversation, not with the offset.
//!
//! Writes to `messages` drop the marks at or after the position they change (triggers of
//! schema v5), so every mark that exists is exact. [`extend_all`] writes the missing ones; an
//! import and the migration to v5 call it before they commit. A conversation whose marks were
//! dropped by another writer is still answered exactly, only by a longer walk.

use super::sql::{Position, Scope};
use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension};

/// Messages between two marks.
pub const INTERVAL: i64 = 256;

/// Messages before a mark by count group, in the column order of `message_marks`:
/// visible, deleted, hidden, each at the top level then not.
pub type Before = [i64; 6];

/// The conversations with more than `?1` messages of one kind class, and their totals.
const SCOPES: &str = "SELECT scope, scope_id, kind_class, SUM(n) FROM message_counts \
     GROUP BY scope, scope_id, kind_class HAVING SUM(n) > ?1";
pub const LAST_MARK: &str = "SELECT seq, created_usec, id, before_vt, before_vr, before_dt, \
     before_dr, before_ht, before_hr FROM message_marks \
     WHERE scope = ?1 AND scope_id = ?2 AND kind_class = ?3 ORDER BY seq DESC LIMIT 1";
pub const MARK_BY_SEQ: &str = "SELECT seq, created_usec, id, before_vt, before_vr, before_dt, \
     before_dr, before_ht, before_hr FROM message_marks \
     WHERE scope = ?1 AND scope_id = ?2 AND kind_class = ?3 AND seq = ?4";
/// The last mark at or before a position.
pub const MARK_AT_OR_BEFORE: &str = "SELECT seq, created_usec, id, before_vt, before_vr, \
     before_dt, before_dr, before_ht, before_hr FROM message_marks \
     WHERE scope = ?1 AND scope_id = ?2 AND kind_class = ?3 \
     AND (created_usec, id) <= (?4, ?5) ORDER BY created_usec DESC, id DESC LIMIT 1";
const INSERT_MARK: &str = "INSERT INTO message_marks (scope, scope_id, kind_class, seq, \
     created_usec, id, before_vt, before_vr, before_dt, before_dr, before_ht, before_hr) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
/// A conversation's messages from a position on, with their count group.
const WALK_ROOM: &str = "SELECT created_usec, id, status, \
     (parent_id IS NULL OR show_in_room = 1) FROM messages \
     WHERE room_id = ?1 AND kind_class = ?2 AND (created_usec, id) >= (?3, ?4) \
     ORDER BY created_usec, id";
const WALK_REPLIES: &str = "SELECT created_usec, id, status, 0 FROM messages \
     WHERE parent_id = ?1 AND kind_class = ?2 AND (created_usec, id) >= (?3, ?4) \
     ORDER BY created_usec, id";

/// The statements a query reads marks with, labelled (for the plan test).
pub fn statements() -> [(&'static str, &'static str); 3] {
    [
        ("last mark", LAST_MARK),
        ("mark by seq", MARK_BY_SEQ),
        ("mark at or before", MARK_AT_OR_BEFORE),
    ]
}

/// One mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub seq: i64,
    pub position: Position,
    pub before: Before,
}

/// The count groups a filter reads, as a set of [`Before`] columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Groups(u8);

impl Groups {
    /// Visible messages always; deleted and hidden ones when included; at the top level only
    /// when `top_level_only` (a room's timeline; replies have no top level).
    pub fn new(scope: Scope, include_deleted: bool, include_hidden: bool, top_only: bool) -> Self {
        let levels: u8 = if top_only && scope == Scope::Room {
            0b01
        } else {
            0b11
        };
        let mut bits = levels;
        if include_deleted {
            bits |= levels << 2;
        }
        if include_hidden {
            bits |= levels << 4;
        }
        Groups(bits)
    }

    /// How many messages of these groups lie before `mark`.
    pub fn before(self, mark: &Mark) -> i64 {
        (0..6)
            .filter(|i| self.0 & (1 << i) != 0)
            .map(|i| mark.before[i])
            .sum()
    }
}

/// The column of [`Before`] a message counts in.
fn group_of(status: &str, top_level: bool) -> Option<usize> {
    let status = match status {
        "visible" => 0,
        "deleted" => 1,
        "hidden" => 2,
        _ => return None,
    };
    Some(status * 2 + usize::from(!top_level))
}

fn mark_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Mark> {
    let mut before = [0; 6];
    for (i, slot) in before.iter_mut().enumerate() {
        *slot = r.get(3 + i)?;
    }
    Ok(Mark {
        seq: r.get(0)?,
        position: Position {
            created_usec: r.get(1)?,
            id: r.get(2)?,
        },
        before,
    })
}

/// Which conversation's marks: scope, scope id and kind class.
#[derive(Debug, Clone, Copy)]
pub struct Key<'a> {
    pub scope: Scope,
    pub scope_id: &'a str,
    pub kind_class: i64,
}

impl Key<'_> {
    fn scope_number(&self) -> i64 {
        match self.scope {
            Scope::Room => 0,
            Scope::Replies => 1,
        }
    }

    /// The conversation's last mark.
    pub fn last(&self, conn: &Connection) -> rusqlite::Result<Option<Mark>> {
        conn.prepare_cached(LAST_MARK)?
            .query_row(
                rusqlite::params![self.scope_number(), self.scope_id, self.kind_class],
                mark_from_row,
            )
            .optional()
    }

    /// The mark numbered `seq`.
    pub fn by_seq(&self, conn: &Connection, seq: i64) -> rusqlite::Result<Option<Mark>> {
        conn.prepare_cached(MARK_BY_SEQ)?
            .query_row(
                rusqlite::params![self.scope_number(), self.scope_id, self.kind_class, seq],
                mark_from_row,
            )
            .optional()
    }

    /// The last mark at or before `p`.
    pub fn at_or_before(&self, conn: &Connection, p: &Position) -> rusqlite::Result<Option<Mark>> {
        conn.prepare_cached(MARK_AT_OR_BEFORE)?
            .query_row(
                rusqlite::params![
                    self.scope_number(),
                    self.scope_id,
                    self.kind_class,
                    p.created_usec,
                    p.id
                ],
                mark_from_row,
            )
            .optional()
    }
}

/// Writes the missing marks of every conversation, every `interval` messages; returns how many
/// were written. Reads each conversation from its last mark on, so a conversation that only
/// grew at its end costs what it grew.
pub fn extend_all(conn: &Connection, interval: i64) -> rusqlite::Result<u64> {
    let scopes: Vec<(i64, String, i64, i64)> = conn
        .prepare(SCOPES)?
        .query_map([interval], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<Result<_, _>>()?;
    let mut written = 0;
    for (scope, scope_id, kind_class, total) in scopes {
        let key = Key {
            scope: if scope == 0 {
                Scope::Room
            } else {
                Scope::Replies
            },
            scope_id: &scope_id,
            kind_class,
        };
        written += extend(conn, &key, total, interval)?;
    }
    Ok(written)
}

/// Writes the missing marks of one conversation holding `total` messages of its kind class.
fn extend(conn: &Connection, key: &Key<'_>, total: i64, interval: i64) -> rusqlite::Result<u64> {
    let last = key.last(conn)?;
    let (start, mut before, mut seq) = match last {
        Some(m) => (m.position, m.before, m.seq + 1),
        None => (
            Position {
                created_usec: i64::MIN,
                id: String::new(),
            },
            [0; 6],
            0,
        ),
    };
    // The walk starts at the last mark (or the first message): the next mark is the
    // `interval`-th message after it, when there is one.
    if total - before.iter().sum::<i64>() <= interval {
        return Ok(0);
    }
    let walk = match key.scope {
        Scope::Room => WALK_ROOM,
        Scope::Replies => WALK_REPLIES,
    };
    let mut walk = conn.prepare(walk)?;
    let mut rows = walk.query(rusqlite::params![
        key.scope_id,
        key.kind_class,
        start.created_usec,
        start.id
    ])?;
    let mut insert = conn.prepare_cached(INSERT_MARK)?;
    let mut written = 0;
    let mut i = 0i64;
    while let Some(row) = rows.next()? {
        if i > 0 && i % interval == 0 {
            let created: i64 = row.get(0)?;
            let id: String = row.get(1)?;
            insert.execute(rusqlite::params![
                key.scope_number(),
                key.scope_id,
                key.kind_class,
                seq,
                created,
                id,
                before[0],
                before[1],
                before[2],
                before[3],
                before[4],
                before[5]
            ])?;
            seq += 1;
            written += 1;
        }
        let status: String = row.get(2)?;
        let top_level: bool = row.get(3)?;
        let group = group_of(&status, top_level).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                2,
                Type::Text,
                format!("unknown message status {status:?}").into(),
            )
        })?;
        before[group] += 1;
        i += 1;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::{group_of, Groups, Mark, Position};
    use crate::backend::embedded::sql::Scope;

    #[test]
    fn groups_select_their_columns() {
        let mark = Mark {
            seq: 0,
            position: Position {
                created_usec: 0,
                id: "m".into(),
            },
            before: [1, 10, 100, 1000, 10_000, 100_000],
        };
        let sum = |scope, d, h, top| Groups::new(scope, d, h, top).before(&mark);
        assert_eq!(sum(Scope::Room, false, false, false), 11);
        assert_eq!(sum(Scope::Room, false, false, true), 1);
        assert_eq!(sum(Scope::Room, true, false, true), 101);
        assert_eq!(sum(Scope::Room, false, true, true), 10_001);
        assert_eq!(sum(Scope::Room, true, true, false), 111_111);
        // Replies have no top level: the flag is ignored.
        assert_eq!(sum(Scope::Replies, true, false, true), 1111);
    }

    #[test]
    fn every_status_and_level_has_its_column() {
        assert_eq!(group_of("visible", true), Some(0));
        assert_eq!(group_of("visible", false), Some(1));
        assert_eq!(group_of("deleted", true), Some(2));
        assert_eq!(group_of("hidden", false), Some(5));
        assert_eq!(group_of("gone", true), None);
    }
}
