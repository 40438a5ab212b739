//! A small seed covering every query-semantics case.
//!
//! Room `r_group` (members alice, carol; group `g-one`; company c1), by created second:
//! g1 10 root (replies g4 30, g5 35 shown in room, g9 65 deleted, g10 70), g2 20 (updated
//! 100), g3 20, g6 40 deleted, g7 50 hidden, g8 60 system. Visible top level: g1 g2 g3 g5 g8.

use super::super::EmbeddedBackend;
use crate::canonical::{Page, Principal, Target, ThreadQuery};
use serde_json::{json, Value};
use std::path::Path;

/// `2024-01-01T00:00:00Z` plus `secs` seconds, in microseconds.
pub fn at(secs: i64) -> i64 {
    1_704_067_200_000_000 + secs * 1_000_000
}

/// The same instant as a seed time.
pub fn time(secs: i64) -> String {
    format!("2024-01-01T00:{:02}:{:02}Z", secs / 60, secs % 60)
}

pub fn write(dir: &Path, file: &str, lines: &[Value]) {
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.join(file), text).unwrap();
}

pub fn principal(user_id: &str, username: &str, admin_of: &[&str]) -> Principal {
    Principal {
        user_id: user_id.into(),
        username: username.into(),
        admin_of: admin_of.iter().map(|s| s.to_string()).collect(),
    }
}

pub fn q(principal: &Principal, target: Target) -> ThreadQuery {
    ThreadQuery::new(principal.clone(), target)
}

pub fn ids(page: &Page) -> Vec<&str> {
    page.messages.iter().map(|m| m.id.as_str()).collect()
}

fn msg(id: &str, room: &str, author: &str, secs: i64) -> Value {
    json!({"id": id, "room_id": room, "author_id": author, "text": format!("text {id}"),
           "created_at": time(secs), "kind": "regular", "status": "visible"})
}

fn with(mut base: Value, extra: Value) -> Value {
    if let (Some(b), Some(e)) = (base.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    base
}

pub fn write_seed(dir: &Path) {
    write(
        dir,
        "users.jsonl",
        &[
            json!({"id": "u_alice", "username": "alice", "name": "Alice A.", "avatar_url": "https://img/alice.png", "int_id": 7}),
            json!({"id": "u_bob", "username": "bob", "name": null}),
            json!({"id": "u_carol", "username": "carol", "name": "Carol"}),
            json!({"id": "u_dave", "username": "dave"}),
        ],
    );
    write(
        dir,
        "rooms.jsonl",
        &[
            json!({"id": "r_dm", "kind": "direct", "members": ["u_bob", "u_alice"], "created_at": time(1)}),
            json!({"id": "r_self", "kind": "direct", "members": ["u_alice"], "created_at": time(1)}),
            json!({"id": "r_group", "kind": "group", "name": "Team", "members": ["u_alice", "u_carol"],
               "company_id": "c1", "group_id": "g-one", "int_id": 3, "created_at": time(1)}),
            json!({"id": "r_chan", "kind": "channel", "name": "general", "members": ["u_bob"],
               "company_id": "c2", "created_at": time(1)}),
            json!({"id": "r_doc", "kind": "document", "members": ["u_carol"], "company_id": "c1",
               "created_at": time(1)}),
        ],
    );
    let g = |id: &str, author: &str, secs: i64| msg(id, "r_group", author, secs);
    write(
        dir,
        "messages.jsonl",
        &[
            g("g1", "u_alice", 10),
            with(g("g2", "u_carol", 20), json!({"updated_at": time(100)})),
            g("g3", "u_carol", 20),
            with(g("g4", "u_alice", 30), json!({"parent_id": "g1"})),
            with(
                g("g5", "u_carol", 35),
                json!({"parent_id": "g1", "show_in_room": true}),
            ),
            with(g("g6", "u_alice", 40), json!({"status": "deleted"})),
            with(g("g7", "u_carol", 50), json!({"status": "hidden"})),
            with(
                g("g8", "u_alice", 60),
                json!({"kind": "system", "system_type": "uj", "text": ""}),
            ),
            with(
                g("g9", "u_carol", 65),
                json!({"parent_id": "g1", "status": "deleted"}),
            ),
            with(g("g10", "u_alice", 70), json!({"parent_id": "g1"})),
            with(
                msg("m1", "r_dm", "u_alice", 10),
                json!({
            "html": "<b>hi</b>", "edited_at": time(12), "edited_by": "u_alice",
            "mentions": ["u_bob"],
            "reactions": {":tada:": ["u_bob", "u_alice"], ":+1:": ["u_bob"]},
            "attachments": [{"id": "f1", "name": "a.png", "mime_type": "image/png", "size": 12}],
            "extra": {"rocketchat": {"z": 1, "a": [true], "groupable": false}},
            "int_id": 41}),
            ),
            with(
                msg("m2", "r_dm", "u_bob", 20),
                json!({"recipient_id": "u_alice"}),
            ),
            msg("s1", "r_self", "u_alice", 5),
            msg("c1", "r_chan", "u_bob", 10),
            with(
                msg("d1", "r_doc", "u_carol", 10),
                json!({
            "annotation": {"id": "an1", "section_ids": ["s-1", "s-2"]}}),
            ),
            with(
                msg("e1", "r_doc", "u_carol", 15),
                json!({"kind": "edit", "diff_groups": [
            {"diffs": [{"rtml": "<p>x</p>", "diff_class": "insert_only", "section_id": "s-1", "style": "p"}]}]}),
            ),
            msg("d2", "r_doc", "u_carol", 20),
        ],
    );
    write(
        dir,
        "tokens.jsonl",
        &[
            json!({"user_id": "u_alice", "scheme": "rocketchat", "token": "rc-alice"}),
            json!({"user_id": "u_bob", "scheme": "rocketchat", "token": "rc-bob"}),
            json!({"user_id": "u_alice", "scheme": "bearer", "token": "bearer-alice"}),
            json!({"user_id": "u_dave", "scheme": "bearer", "token": "bearer-dave", "admin_of": ["c1"]}),
        ],
    );
}

/// The seed imported into a fresh in-memory store (the directory lives as long as the
/// returned guard).
pub fn fixture() -> (tempfile::TempDir, EmbeddedBackend) {
    let dir = tempfile::tempdir().unwrap();
    write_seed(dir.path());
    let store = EmbeddedBackend::open(":memory:", 2).unwrap();
    store.import_dir(dir.path()).unwrap();
    (dir, store)
}
