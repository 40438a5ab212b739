//! Marks (schema v5): pages at any offset and counts between any bounds read through the
//! marks equal the answers of the plain statements, for random queries over a conversation
//! with ties in time, every status, replies shown and not, and edit records; also after
//! writes that drop marks, and with marks every few messages so that every path is taken.

use super::super::generate::Rng;
use super::super::query::{run_with, Plan};
use super::super::{marks, EmbeddedBackend};
use super::fixture::{principal, write};
use crate::canonical::{
    Filter, IdBound, KindFilter, Order, Principal, Slice, Target, ThreadQuery, TimeBound,
    UnreadsWindow,
};
use rusqlite::Connection;
use serde_json::json;

const START: i64 = 1_704_067_200_000_000;

/// A percentage draw from the generator's deterministic PRNG.
trait Chance {
    fn chance(&mut self, percent: u64) -> bool;
}

impl Chance for Rng {
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn iso(usec: i64) -> String {
    let secs = (usec - START) / 1_000_000;
    let micros = (usec - START) % 1_000_000;
    format!(
        "2024-01-01T{:02}:{:02}:{:02}.{micros:06}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Message times: 400 distinct instants, so many messages share one.
fn created(rng: &mut Rng) -> i64 {
    START + 1_000_000 + rng.below(400) as i64 * 1_000
}

/// Writes a seed: room `r` (group) with `n` messages (five roots, then replies to them and
/// top-level messages in random order and times), and document `doc` with regular messages
/// and edit records.
fn seed(dir: &std::path::Path, n: usize, rng: &mut Rng) -> Vec<String> {
    write(
        dir,
        "users.jsonl",
        &[
            json!({"id": "u_a", "username": "a"}),
            json!({"id": "u_b", "username": "b"}),
        ],
    );
    write(
        dir,
        "rooms.jsonl",
        &[
            json!({"id": "r", "kind": "group", "members": ["u_a", "u_b"], "group_id": "g",
                   "created_at": iso(START)}),
            json!({"id": "doc", "kind": "document", "members": ["u_a"], "created_at": iso(START)}),
        ],
    );
    let status = |rng: &mut Rng| match rng.below(100) {
        0..=69 => "visible",
        70..=84 => "deleted",
        _ => "hidden",
    };
    let mut lines = Vec::new();
    let mut ids = Vec::new();
    for i in 0..n {
        let id = format!("m{:04}", rng.below(10_000) * 1000 + i as u64);
        let mut m = json!({"id": id, "room_id": "r", "author_id": "u_a", "text": "t",
                           "created_at": iso(created(rng)), "kind": "regular",
                           "status": if i < 5 { "visible" } else { status(rng) }});
        if i >= 5 && rng.chance(40) {
            m["parent_id"] = json!(ids[rng.below(5) as usize]);
            m["show_in_room"] = json!(rng.chance(30));
        }
        ids.push(id);
        lines.push(m);
    }
    for i in 0..n / 2 {
        let edit = rng.chance(40);
        let mut m = json!({"id": format!("d{i:04}"), "room_id": "doc", "author_id": "u_a",
                           "text": "d", "created_at": iso(created(rng)),
                           "kind": if edit { "edit" } else { "regular" }, "status": status(rng)});
        if edit {
            m["diff_groups"] = json!([]);
        }
        lines.push(m);
    }
    write(dir, "messages.jsonl", &lines);
    write(dir, "tokens.jsonl", &[]);
    ids
}

fn time_bound(rng: &mut Rng) -> TimeBound {
    TimeBound {
        usec: created(rng) + [0, 0, 1, -1][rng.below(4) as usize],
        inclusive: rng.chance(50),
    }
}

/// A random query over the seed: any target, filter, order and slice.
fn random_query(rng: &mut Rng, who: &Principal, ids: &[String]) -> ThreadQuery {
    let target = match rng.below(6) {
        0 => Target::Replies(ids[rng.below(5) as usize].clone()),
        1 => Target::Room("doc".into()),
        _ => Target::Room("r".into()),
    };
    let pick = |rng: &mut Rng| ids[rng.below(ids.len() as u64) as usize].clone();
    let mut q = ThreadQuery::new(who.clone(), target.clone());
    q.filter = Filter {
        created_after: rng.chance(25).then(|| time_bound(rng)),
        created_before: rng.chance(25).then(|| time_bound(rng)),
        after_message: rng.chance(15).then(|| IdBound {
            id: pick(rng),
            inclusive: rng.chance(50),
        }),
        before_message: rng.chance(15).then(|| IdBound {
            id: pick(rng),
            inclusive: rng.chance(50),
        }),
        kind: if target == Target::Room("doc".into()) && rng.chance(50) {
            KindFilter::Edits
        } else {
            KindFilter::Messages
        },
        include_deleted: rng.chance(50),
        include_hidden: rng.chance(50),
        include_replies: rng.chance(50),
        ..Filter::default()
    };
    q.order = if rng.chance(50) {
        Order::Descending
    } else {
        Order::Ascending
    };
    let limit = (rng.below(40) + 1) as u32;
    q.slice = if rng.chance(10) {
        Slice::Cursor {
            after: rng.chance(70).then(|| pick(rng)),
            limit,
        }
    } else {
        let deepest = if rng.chance(50) { 60 } else { 900 };
        Slice::Offset {
            offset: rng.below(deepest),
            limit: (!rng.chance(5)).then_some(limit),
        }
    };
    q.want_total = rng.chance(70);
    if rng.chance(20) {
        q.unreads = Some(UnreadsWindow {
            after: Some(time_bound(rng)),
            resolution_usec: [1, 1000][rng.below(2) as usize],
        });
    }
    q
}

const PLAIN: Plan = Plan {
    marks: false,
    seek_after: i64::MAX,
};
/// Every offset seeks, so the mark paths run on small pages too.
const EAGER: Plan = Plan {
    marks: true,
    seek_after: 0,
};

/// Runs `queries` random queries with both plans and asserts identical answers; returns how
/// many answers held messages.
fn assert_plans_agree(conn: &Connection, rng: &mut Rng, ids: &[String], queries: usize) -> usize {
    let who = principal("u_a", "a", &[]);
    let mut non_empty = 0;
    for i in 0..queries {
        let q = random_query(rng, &who, ids);
        let plain = run_with(conn, &q, &PLAIN);
        let marked = run_with(conn, &q, &EAGER);
        assert_eq!(marked, plain, "query {i}: {q:?}");
        non_empty += usize::from(plain.is_ok_and(|p| !p.messages.is_empty()));
    }
    non_empty
}

/// Checks every mark against a count of the messages before it.
pub(super) fn assert_marks_exact(conn: &Connection) -> usize {
    let mut statement = conn
        .prepare(
            "SELECT k.scope, k.scope_id, k.kind_class, k.created_usec, k.id,
                    k.before_vt + k.before_vr + k.before_dt + k.before_dr + k.before_ht
                        + k.before_hr,
                    (SELECT COUNT(*) FROM messages m WHERE m.kind_class = k.kind_class
                     AND (CASE k.scope WHEN 0 THEN m.room_id ELSE m.parent_id END) = k.scope_id
                     AND (m.created_usec, m.id) < (k.created_usec, k.id))
             FROM message_marks k",
        )
        .unwrap();
    let rows: Vec<(i64, String, i64, i64, String, i64, i64)> = statement
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for row in &rows {
        assert_eq!(row.5, row.6, "mark {row:?}");
    }
    rows.len()
}

fn remark(conn: &Connection, interval: i64) -> u64 {
    conn.execute("DELETE FROM message_marks", []).unwrap();
    marks::extend_all(conn, interval).unwrap()
}

#[test]
fn pages_and_counts_through_marks_equal_the_plain_statements() {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let dir = tempfile::tempdir().unwrap();
    let ids = seed(dir.path(), 700, &mut rng);
    let store = EmbeddedBackend::open(":memory:", 1).unwrap();
    store.import_dir(dir.path()).unwrap();
    let conn = store.writer().unwrap();
    // The import marked every 256th message of the room's timeline.
    assert!(assert_marks_exact(&conn) >= 2);
    for interval in [1, 3, 16] {
        let written = remark(&conn, interval);
        assert!(written > 20, "interval {interval}: {written} marks");
        assert_eq!(assert_marks_exact(&conn) as u64, written);
        let non_empty = assert_plans_agree(&conn, &mut rng, &ids, 1500);
        assert!(
            non_empty > 600,
            "interval {interval}: {non_empty} pages held messages"
        );
    }
}

#[test]
fn writes_drop_the_marks_they_change_and_answers_stay_exact() {
    let mut rng = Rng(0x5eed_1234_abcd_0002);
    let dir = tempfile::tempdir().unwrap();
    let ids = seed(dir.path(), 600, &mut rng);
    let store = EmbeddedBackend::open(":memory:", 1).unwrap();
    store.import_dir(dir.path()).unwrap();
    let conn = store.writer().unwrap();
    let all = remark(&conn, 4) as usize;
    // A status change, a deletion and an insertion in the middle of the timeline.
    let middle = START + 1_000_000 + 200 * 1_000;
    conn.execute_batch(&format!(
        "UPDATE messages SET status = 'hidden' WHERE id = (
             SELECT id FROM messages WHERE room_id = 'r' AND created_usec >= {middle}
             ORDER BY created_usec, id LIMIT 1);
         DELETE FROM messages WHERE id = (
             SELECT id FROM messages WHERE room_id = 'r' AND parent_id IS NULL
             AND reply_count IS NULL AND created_usec >= {} ORDER BY created_usec, id LIMIT 1);
         INSERT INTO messages (id, room_id, author_id, text, created_usec, kind, kind_class,
                               status)
             VALUES ('late', 'r', 'u_b', 'x', {}, 'regular', 0, 'visible');",
        middle + 50_000,
        middle - 30_000
    ))
    .unwrap();
    let kept = assert_marks_exact(&conn);
    assert!(
        kept < all,
        "the writes dropped marks after them ({kept} of {all} kept)"
    );
    assert!(kept > 0);
    assert_plans_agree(&conn, &mut rng, &ids, 800);
    // Extending again marks the rest; a second extension writes nothing.
    assert!(marks::extend_all(&conn, 4).unwrap() > 0);
    assert_eq!(marks::extend_all(&conn, 4).unwrap(), 0);
    assert_marks_exact(&conn);
    assert_plans_agree(&conn, &mut rng, &ids, 800);
}

/// SQLite virtual-machine steps (in hundreds) of one query with `plan`.
fn cost(conn: &Connection, q: &ThreadQuery, plan: &Plan) -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    let steps = Arc::new(AtomicU64::new(0));
    let counter = steps.clone();
    conn.progress_handler(
        100,
        Some(move || {
            counter.fetch_add(1, Ordering::Relaxed);
            false
        }),
    );
    run_with(conn, q, plan).unwrap();
    conn.progress_handler(0, None::<fn() -> bool>);
    steps.load(Ordering::Relaxed)
}

#[test]
fn a_deep_page_or_a_bounded_count_costs_what_a_first_page_costs() {
    use super::super::generate::{self, Options, DIRECT_ROOM, THREAD_ROOT};
    let dir = tempfile::tempdir().unwrap();
    let options = Options {
        messages: 20_000,
        thread_replies: 5_000,
    };
    generate::generate(dir.path(), &options).unwrap();
    let store = EmbeddedBackend::open(":memory:", 1).unwrap();
    store.import_dir(dir.path()).unwrap();
    let conn = store.writer().unwrap();
    let alice = principal("u-scale-alice", "alice", &[]);
    let page = |target: Target, order, offset| {
        let mut q = ThreadQuery::new(alice.clone(), target);
        q.order = order;
        q.slice = Slice::Offset {
            offset,
            limit: Some(50),
        };
        q.want_total = true;
        q
    };
    let room = || Target::Room(DIRECT_ROOM.into());
    let first = cost(
        &conn,
        &page(room(), Order::Descending, 0),
        &super::super::query::PLAN,
    );
    assert!(first > 0);
    let mut middle = page(room(), Order::Ascending, 3_000);
    middle.filter.created_before = Some(TimeBound::exclusive(START + 10_000 * 60_000_000));
    let mut unread = page(room(), Order::Descending, 0);
    unread.unreads = Some(UnreadsWindow {
        after: Some(TimeBound::inclusive(START)),
        resolution_usec: 1000,
    });
    let deep = [
        page(room(), Order::Descending, 10_000),
        page(room(), Order::Descending, 19_990),
        page(room(), Order::Ascending, 15_000),
        page(Target::Replies(THREAD_ROOT.into()), Order::Ascending, 4_900),
        middle,
        unread,
    ];
    for q in &deep {
        let marked = cost(&conn, q, &super::super::query::PLAN);
        let plain = cost(&conn, q, &PLAIN);
        assert!(
            marked <= 4 * first + 10 && marked * 10 < plain,
            "{q:?}: {marked}k steps through marks, {plain}k plain, {first}k for the first page"
        );
    }
}
