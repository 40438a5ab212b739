//! Copy writes ([`super::super::copy`]): a store copied page by page through the public API
//! answers as its source, with exact counts and marks; writing the same page again changes
//! nothing; a changed message or membership is updated; the rooms a member reads.

use super::counts::assert_counts_agree;
use super::fixture::{fixture, principal, time, write};
use super::marks::assert_marks_exact;
use crate::backend::embedded::copy::{CopyError, ResumeKey};
use crate::backend::embedded::EmbeddedBackend;
use crate::canonical::{
    Filter, KindFilter, Message, MessageStatus, Order, Principal, RoomKind, Slice, Target,
    ThreadQuery,
};
use serde_json::json;

const KEY: ResumeKey<'static> = ResumeKey {
    source: "test:src",
    room_id: "r",
    lane: "messages",
};

/// Every message of `room` of `kind` as `who` reads them, oldest first.
fn everything(
    store: &EmbeddedBackend,
    who: &Principal,
    room: &str,
    kind: KindFilter,
) -> Vec<Message> {
    let mut q = ThreadQuery::new(who.clone(), Target::Room(room.into()));
    q.filter = Filter {
        include_deleted: true,
        include_hidden: true,
        include_replies: true,
        kind,
        ..Filter::default()
    };
    q.order = Order::Ascending;
    store.query_blocking(&q).expect("a page").messages
}

/// A source with a long group conversation (past two marks) with replies and statuses.
fn long_source() -> (tempfile::TempDir, EmbeddedBackend) {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "users.jsonl",
        &[
            json!({"id": "u1", "username": "ana", "name": "Ana", "avatar_url": "https://a/1.png"}),
            json!({"id": "u2", "username": "bo"}),
        ],
    );
    write(
        dir.path(),
        "rooms.jsonl",
        &[json!({"id": "r", "kind": "group", "name": "Team",
        "members": ["u1", "u2"], "group_id": "g", "created_at": time(1)})],
    );
    let lines: Vec<_> = (0..700)
        .map(|i| {
            let status = ["visible", "visible", "deleted", "hidden"][i as usize % 4];
            let mut m = json!({"id": format!("m{i:04}"), "room_id": "r",
                "author_id": if i % 3 == 0 { "u1" } else { "u2" }, "text": format!("t{i}"),
                "created_at": time(10 + i / 2), "kind": "regular",
                "status": status});
            if i % 7 == 3 && i > 10 {
                m["parent_id"] = json!("m0000");
                m["show_in_room"] = json!(i % 2 == 0);
            }
            m
        })
        .collect();
    write(dir.path(), "messages.jsonl", &lines);
    let store = EmbeddedBackend::open(":memory:", 1).unwrap();
    store.import_dir(dir.path()).unwrap();
    (dir, store)
}

#[test]
fn a_copy_in_pages_answers_as_its_source_with_exact_counts_and_marks() {
    let (_dir, source) = long_source();
    let ana = principal("u1", "ana", &[]);
    let rooms = futures_executor(source.rooms_of(&ana));
    assert_eq!(rooms.len(), 1);
    assert_eq!(
        rooms[0]
            .members
            .iter()
            .map(|u| u.id.as_str())
            .collect::<Vec<_>>(),
        ["u1", "u2"]
    );
    let copy = EmbeddedBackend::open(":memory:", 1).unwrap();
    let added = copy.copy_room(&rooms[0]).unwrap();
    assert_eq!((added.rooms_added, added.users_added), (1, 2));
    let all = everything(&source, &ana, "r", KindFilter::Messages);
    assert_eq!(all.len(), 700);
    let mut total = 0;
    for page in all.chunks(97) {
        let position = format!("{{\"after\":{:?}}}", page[page.len() - 1].id);
        total += copy
            .copy_page(page, &KEY, &position)
            .unwrap()
            .messages_added;
    }
    assert_eq!(total, 700);
    assert_eq!(everything(&copy, &ana, "r", KindFilter::Messages), all);
    for order in [Order::Ascending, Order::Descending] {
        let mut q = ThreadQuery::new(ana.clone(), Target::Room("r".into()));
        q.order = order;
        q.slice = Slice::Offset {
            offset: 300,
            limit: Some(20),
        };
        q.want_total = true;
        assert_eq!(
            copy.query_blocking(&q),
            source.query_blocking(&q),
            "{order:?}"
        );
    }
    let conn = copy.writer().unwrap();
    assert!(
        assert_marks_exact(&conn) >= 2,
        "the long conversation is marked"
    );
    assert!(assert_counts_agree(&conn) > 0);
    drop(conn);
    assert_eq!(
        copy.resume_of(&KEY).unwrap().as_deref(),
        Some("{\"after\":\"m0699\"}")
    );

    // The same page again: nothing written. A changed message: updated, marks still exact.
    let again = copy
        .copy_page(&all[..97], &KEY, "{\"after\":\"m0699\"}")
        .unwrap();
    assert_eq!(
        (
            again.messages_added,
            again.messages_updated,
            again.messages_unchanged
        ),
        (0, 0, 97)
    );
    let mut changed = all[5].clone();
    changed.status = MessageStatus::Visible;
    changed.text = "edited".into();
    let upd = copy
        .copy_page(&[changed.clone()], &KEY, "{\"after\":\"m0699\"}")
        .unwrap();
    assert_eq!(upd.messages_updated, 1);
    let now = everything(&copy, &ana, "r", KindFilter::Messages);
    assert_eq!(now[5], changed);
    let conn = copy.writer().unwrap();
    assert!(assert_marks_exact(&conn) >= 2);
    assert!(assert_counts_agree(&conn) > 0);
}

#[test]
fn rooms_are_upserted_with_their_members_and_conflicts_named() {
    let (_dir, store) = fixture();
    let alice = principal("u_alice", "alice", &[]);
    let rooms = futures_executor(store.rooms_of(&alice));
    // Her rooms and every channel, in (created, id) order, members in membership order.
    let listed: Vec<(&str, RoomKind)> = rooms.iter().map(|r| (r.id.as_str(), r.kind)).collect();
    assert_eq!(
        listed,
        [
            ("r_chan", RoomKind::Channel),
            ("r_dm", RoomKind::Direct),
            ("r_group", RoomKind::Group),
            ("r_self", RoomKind::Direct)
        ]
    );
    let dm = &rooms[1];
    assert_eq!(
        dm.members.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(),
        ["u_bob", "u_alice"]
    );
    let copy = EmbeddedBackend::open(":memory:", 1).unwrap();
    for room in &rooms {
        copy.copy_room(room).unwrap();
    }
    assert_eq!(futures_executor(copy.rooms_of(&alice)), rooms);
    let same = copy.copy_room(&rooms[2]).unwrap();
    assert_eq!(
        (same.rooms_added, same.rooms_updated, same.users_updated),
        (0, 0, 0)
    );
    let mut fewer = rooms[2].clone();
    fewer.members.pop();
    assert_eq!(copy.copy_room(&fewer).unwrap().rooms_updated, 1);
    // Another direct room of the same two users is refused, naming both rooms.
    let mut twin = dm.clone();
    twin.id = "r_twin".into();
    let err = copy.copy_room(&twin).expect_err("refused");
    assert!(
        matches!(&err, CopyError::Conflict(w) if w.contains("r_twin") && w.contains("r_dm")),
        "{err}"
    );
}

/// Runs a future to its end on a runtime of its own.
fn futures_executor<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

impl EmbeddedBackend {
    /// `Backend::rooms` for `who`, unwrapped.
    async fn rooms_of(&self, who: &Principal) -> Vec<crate::canonical::RoomInfo> {
        use crate::backend::{Backend, QueryContext};
        self.rooms(who, &QueryContext::default())
            .await
            .expect("rooms")
    }
}
