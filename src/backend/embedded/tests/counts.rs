//! `message_counts` (schema v4): totals read from the table equal the `COUNT(*)` over the
//! messages for every scope and filter it answers, after the seed, after a second import into
//! the same store, and after migrating a v3 store.

use super::super::schema;
use super::super::sql::{self, Output, Scope, Shape, Values};
use super::fixture::{fixture, time, write};
use rusqlite::{Connection, ToSql};
use serde_json::json;

fn one(conn: &Connection, statement: &sql::Statement) -> i64 {
    let params: Vec<(&str, &dyn ToSql)> = statement
        .params
        .iter()
        .map(|(name, value)| (*name, value as &dyn ToSql))
        .collect();
    conn.query_row(&statement.sql, params.as_slice(), |r| r.get(0))
        .unwrap_or_else(|e| panic!("{}: {e}", statement.sql))
}

fn ids(conn: &Connection, sql: &str) -> Vec<String> {
    let mut s = conn.prepare(sql).unwrap();
    let rows = s.query_map([], |r| r.get(0)).unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

/// Compares both counts for every room and message as scope (and one unknown id), kind class
/// and status and replies filter; returns how many comparisons were non-zero.
pub(super) fn assert_counts_agree(conn: &Connection) -> usize {
    let rooms = ids(conn, "SELECT id FROM rooms UNION ALL SELECT 'nowhere'");
    let messages = ids(conn, "SELECT id FROM messages UNION ALL SELECT 'nothing'");
    let mut non_zero = 0;
    for (scope, scope_ids) in [(Scope::Room, &rooms), (Scope::Replies, &messages)] {
        for scope_id in scope_ids {
            for bits in 0u32..16 {
                let shape = Shape {
                    include_deleted: bits & 1 != 0,
                    include_hidden: bits & 2 != 0,
                    top_level_only: bits & 4 != 0,
                    ..Shape::new(scope, Output::Count)
                };
                assert!(sql::counted_by_table(&shape));
                let values = Values {
                    scope_id: scope_id.clone(),
                    kind_class: i64::from(bits >> 3),
                    ..Values::default()
                };
                let scanned = one(conn, &sql::build(&shape, &values));
                let table = one(conn, &sql::build_table_count(&shape, &values));
                assert_eq!(table, scanned, "{shape:?} of {scope_id:?}, {values:?}");
                non_zero += usize::from(scanned != 0);
            }
        }
    }
    non_zero
}

fn table_total(conn: &Connection, scope: Scope, scope_id: &str, deleted: bool) -> i64 {
    let shape = Shape {
        include_deleted: deleted,
        ..Shape::new(scope, Output::Count)
    };
    let values = Values {
        scope_id: scope_id.into(),
        ..Values::default()
    };
    one(conn, &sql::build_table_count(&shape, &values))
}

#[test]
fn bounded_counts_are_not_read_from_the_table() {
    let shape = Shape::new(Scope::Room, Output::Count);
    assert!(sql::counted_by_table(&shape));
    assert!(!sql::counted_by_table(&Shape {
        output: Output::Page,
        ..shape
    }));
    for bounded in [
        Shape {
            created_after: Some(true),
            ..shape
        },
        Shape {
            updated_before: Some(false),
            ..shape
        },
        Shape {
            after_position: Some(true),
            ..shape
        },
        Shape {
            before_position: Some(false),
            ..shape
        },
        Shape {
            cursor: true,
            ..shape
        },
    ] {
        assert!(!sql::counted_by_table(&bounded), "{bounded:?}");
    }
}

#[test]
fn table_totals_equal_counts_for_every_filter() {
    let (_dir, store) = fixture();
    let conn = store.writer().unwrap();
    assert!(assert_counts_agree(&conn) > 20);
}

#[test]
fn an_import_into_an_existing_store_updates_the_counts() {
    let (_dir, store) = fixture();
    {
        let conn = store.writer().unwrap();
        assert_eq!(table_total(&conn, Scope::Replies, "g1", true), 4);
        assert_eq!(table_total(&conn, Scope::Room, "r_dm", false), 2);
    }
    let more = tempfile::tempdir().unwrap();
    let msg = |id: &str, room: &str, secs: i64| {
        json!({"id": id, "room_id": room, "author_id": "u_alice", "text": id,
               "created_at": time(secs), "kind": "regular", "status": "visible"})
    };
    let mut reply = msg("g11", "r_group", 80);
    reply["parent_id"] = json!("g1");
    reply["status"] = json!("deleted");
    let mut shown = msg("g12", "r_group", 85);
    shown["parent_id"] = json!("g1");
    shown["show_in_room"] = json!(true);
    write(
        more.path(),
        "messages.jsonl",
        &[reply, shown, msg("m3", "r_dm", 30), msg("m4", "r_dm", 40)],
    );
    store.import_dir(more.path()).unwrap();
    let conn = store.writer().unwrap();
    assert_eq!(table_total(&conn, Scope::Replies, "g1", true), 6);
    assert_eq!(table_total(&conn, Scope::Replies, "g1", false), 4);
    assert_eq!(table_total(&conn, Scope::Room, "r_dm", false), 4);
    assert_counts_agree(&conn);
}

#[test]
fn migrating_a_v3_store_fills_the_counts() {
    let (_dir, store) = fixture();
    let mut conn = store.writer().unwrap();
    conn.execute_batch(
        "DROP TRIGGER message_counts_insert; DROP TRIGGER message_counts_delete;
         DROP TRIGGER message_counts_update; DROP TABLE message_counts;
         DROP TRIGGER message_marks_insert; DROP TRIGGER message_marks_delete;
         DROP TRIGGER message_marks_update; DROP TABLE message_marks;
         DROP TABLE import_resume;
         PRAGMA user_version = 3;",
    )
    .unwrap();
    schema::migrate(&mut conn, "test").unwrap();
    assert!(assert_counts_agree(&conn) > 20);
    // Writes after the migration keep the table in step, deletes and updates included.
    conn.execute_batch(
        "UPDATE messages SET status = 'hidden' WHERE id = 'g2';
         UPDATE messages SET show_in_room = 1 WHERE id = 'g4';
         DELETE FROM messages WHERE id = 'g10';",
    )
    .unwrap();
    assert_counts_agree(&conn);
}
