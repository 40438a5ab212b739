//! Every statement the embedded backend reads with is one indexed search: no table scan and
//! no temporary B-tree for ORDER BY. The statements are the backend's own
//! (`embedded::sql::statements()`), not copies.

use rusqlite::Connection;
use threadgate::backend::embedded::{sql, EmbeddedBackend};

fn plan(conn: &Connection, statement: &str) -> Vec<String> {
    let mut explain = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {statement}"))
        .unwrap_or_else(|e| panic!("cannot prepare {statement}: {e}"));
    // Parameters stay unbound (NULL): the plan does not depend on their values.
    let mut rows = explain.raw_query();
    let mut details = Vec::new();
    while let Some(row) = rows.next().unwrap() {
        details.push(row.get::<_, String>(3).unwrap());
    }
    details
}

#[test]
fn every_statement_is_an_indexed_search() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.sqlite");
    let path = path.to_str().unwrap();
    let _store = EmbeddedBackend::open(path, 1).unwrap();
    let conn = Connection::open(path).unwrap();

    let statements = sql::statements();
    assert!(statements.len() > 1000, "page shapes are enumerated");
    let mut failures = Vec::new();
    for (label, statement) in &statements {
        let details = plan(&conn, statement);
        let searches = details.iter().filter(|d| d.starts_with("SEARCH")).count();
        let indexed = details.iter().all(|d| {
            !d.starts_with("SEARCH")
                || d.contains("USING INDEX")
                || d.contains("USING COVERING INDEX")
                || d.contains("USING PRIMARY KEY")
                || d.contains("USING INTEGER PRIMARY KEY")
        });
        let scans = details.iter().any(|d| d.starts_with("SCAN"));
        let temp = details.iter().any(|d| d.contains("TEMP B-TREE"));
        let index_ok = if label.starts_with("table count") {
            details
                .iter()
                .any(|d| d.contains("message_counts") && d.contains("PRIMARY KEY"))
        } else if label.contains("scope: Room") {
            details.iter().any(|d| d.contains("messages_timeline"))
        } else if label.contains("scope: Replies") {
            details.iter().any(|d| d.contains("messages_replies"))
        } else {
            true
        };
        if searches == 0 || !indexed || scans || temp || !index_ok {
            failures.push(format!("{label}\n  {statement}\n  {details:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} statements are not one indexed search:\n{}",
        failures.len(),
        statements.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn timeline_and_replies_use_their_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.sqlite");
    let path = path.to_str().unwrap();
    let _store = EmbeddedBackend::open(path, 1).unwrap();
    let conn = Connection::open(path).unwrap();
    let show = |label: &str, statement: &str| {
        let details = plan(&conn, statement);
        eprintln!("{label}: {details:?}");
        details.join(" | ")
    };
    let room = sql::build(
        &sql::Shape::new(sql::Scope::Room, sql::Output::Page),
        &sql::Values::default(),
    );
    assert!(show("timeline", &room.sql).contains("messages_timeline (room_id=? AND kind_class=?)"));
    let replies = sql::build(
        &sql::Shape::new(sql::Scope::Replies, sql::Output::Page),
        &sql::Values::default(),
    );
    assert!(
        show("replies", &replies.sql).contains("messages_replies (parent_id=? AND kind_class=?)")
    );
    // Time and position bounds narrow the range of the same index.
    let mut bounded = sql::Shape::new(sql::Scope::Room, sql::Output::Page);
    bounded.created_after = Some(false);
    assert!(show(
        "created after",
        &sql::build(&bounded, &sql::Values::default()).sql
    )
    .contains("messages_timeline (room_id=? AND kind_class=? AND created_usec>?)"));
    let mut cursor = sql::Shape::new(sql::Scope::Room, sql::Output::Page);
    cursor.cursor = true;
    cursor.descending = true;
    assert!(
        show("cursor", &sql::build(&cursor, &sql::Values::default()).sql)
            .contains("messages_timeline (room_id=? AND kind_class=? AND (created_usec,id)<(?,?))")
    );
    assert!(show("direct", sql::ROOM_BY_DIRECT_KEY).contains("rooms_direct_key (direct_key=?)"));
    assert!(show("group", sql::ROOM_BY_GROUP).contains("rooms_group_id (group_id=?)"));
    assert!(show("member", sql::IS_MEMBER).contains("PRIMARY KEY (room_id=? AND user_id=?)"));
    assert!(show("bearer", sql::BEARER_TOKEN).contains("tokens_hash (scheme=? AND token_hash=?)"));
    assert!(show("rc", sql::TOKENS_OF_USER).contains("tokens_user (user_id=? AND scheme=?)"));
}
