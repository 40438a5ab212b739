//! Seed import through the public API: counts, a queried page, and the exact wording of
//! every kind of bad seed (file, line, field), each leaving the store empty.

use std::path::Path;
use threadgate::backend::embedded::{EmbeddedBackend, ImportStats};
use threadgate::backend::{Backend, QueryContext};
use threadgate::canonical::{Credential, Target, ThreadQuery};

const USERS: &str = r#"{"id":"u1","username":"alice","name":"Alice","int_id":10}
{"id":"u2","username":"bob","name":null,"avatar_url":"https://img/bob.png"}
"#;
const ROOMS: &str = r#"{"id":"r1","kind":"group","name":"Team","members":["u1","u2"],"group_id":"g1","created_at":"2024-05-01T10:00:00Z"}

{"id":"r2","kind":"direct","members":["u1","u2"],"created_at":"2024-05-01T10:00:00.5+02:00"}
"#;
const MESSAGES: &str = r#"{"id":"m1","room_id":"r1","author_id":"u1","text":"root","created_at":"2024-05-01T10:00:01.000001Z","kind":"regular","status":"visible"}
{"id":"m2","room_id":"r1","parent_id":"m1","author_id":"u2","text":"reply","created_at":"2024-05-01T10:00:02Z","kind":"regular","status":"visible","mentions":["u1"]}
{"id":"m3","room_id":"r2","author_id":"u2","text":"hi","created_at":"2024-05-01T10:00:03Z","kind":"regular","status":"visible","extra":{"rocketchat":{"t2":1}}}
"#;
const TOKENS: &str = r#"{"user_id":"u1","scheme":"rocketchat","token":"secret-1"}
{"user_id":"u2","scheme":"bearer","token":"secret-2","admin_of":["c1"]}
"#;

fn write_seed(dir: &Path, users: &str, rooms: &str, messages: &str, tokens: &str) {
    for (file, text) in [
        ("users.jsonl", users),
        ("rooms.jsonl", rooms),
        ("messages.jsonl", messages),
        ("tokens.jsonl", tokens),
    ] {
        std::fs::write(dir.join(file), text).unwrap();
    }
}

#[tokio::test]
async fn imports_a_seed_directory() {
    let dir = tempfile::tempdir().unwrap();
    write_seed(dir.path(), USERS, ROOMS, MESSAGES, TOKENS);
    let store = EmbeddedBackend::open(":memory:", 2).unwrap();
    assert!(store.is_empty().unwrap());
    let stats = store.import_dir(dir.path()).unwrap();
    assert_eq!(
        stats,
        ImportStats {
            users: 2,
            rooms: 2,
            messages: 3,
            tokens: 2
        }
    );
    assert_eq!(stats.to_string(), "2 users, 2 rooms, 3 messages, 2 tokens");
    assert!(!store.is_empty().unwrap());

    let ctx = QueryContext::default();
    let alice = store
        .authenticator()
        .authenticate(
            &Credential::UserToken {
                user_id: "u1".into(),
                token: "secret-1".into(),
            },
            &ctx,
        )
        .await
        .unwrap();
    let mut query = ThreadQuery::new(alice, Target::Room("r1".into()));
    query.want_total = true;
    let page = store.query(&query, &ctx).await.unwrap();
    assert_eq!(page.total, Some(1));
    let root = &page.messages[0];
    assert_eq!(root.id, "m1");
    assert_eq!(root.created_usec, 1_714_557_601_000_001);
    assert_eq!(root.author.name.as_deref(), Some("Alice"));
    assert_eq!(root.group_id.as_deref(), Some("g1"));
    let thread = root.thread.as_ref().unwrap();
    assert_eq!(
        (thread.reply_count, thread.participants.as_slice()),
        (1, &["u2".to_owned()][..])
    );

    let bob = store
        .authenticator()
        .authenticate(
            &Credential::Bearer {
                token: "secret-2".into(),
            },
            &ctx,
        )
        .await
        .unwrap();
    assert_eq!(bob.admin_of, ["c1"]);
    let page = store
        .query(&ThreadQuery::new(bob, Target::Replies("m1".into())), &ctx)
        .await
        .unwrap();
    assert_eq!(page.messages.len(), 1);
    assert_eq!(page.messages[0].mentions[0].username, "alice");
}

#[test]
fn all_files_are_optional() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedBackend::open(":memory:", 1).unwrap();
    assert_eq!(
        store.import_dir(dir.path()).unwrap(),
        ImportStats::default()
    );
    std::fs::write(dir.path().join("users.jsonl"), USERS).unwrap();
    assert_eq!(store.import_dir(dir.path()).unwrap().users, 2);
}

/// Imports the base seed with one file replaced; returns the error, after checking that
/// nothing was written.
fn import_error(file: &str, text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    write_seed(dir.path(), USERS, ROOMS, MESSAGES, TOKENS);
    std::fs::write(dir.path().join(file), text).unwrap();
    let store = EmbeddedBackend::open(":memory:", 1).unwrap();
    let err = store.import_dir(dir.path()).unwrap_err().to_string();
    assert!(
        store.is_empty().unwrap(),
        "a failed import wrote something: {err}"
    );
    assert!(store.pinned_int_ids().unwrap().is_empty(), "{err}");
    err
}

const M1: &str = r#"{"id":"m1","room_id":"r1","author_id":"u1","text":"a","created_at":"2024-05-01T10:00:01Z","kind":"regular","status":"visible"}"#;

fn messages(lines: &[&str]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

#[test]
fn bad_json_names_file_and_line() {
    let err = import_error("messages.jsonl", &messages(&[M1, "", r#"{"id": "m2","#]));
    assert_eq!(
        err,
        "messages.jsonl:3: not valid JSON: EOF while parsing a value (column 12)"
    );
    let err = import_error("messages.jsonl", &messages(&[M1, "[1, 2]"]));
    assert_eq!(err, "messages.jsonl:2: not a JSON object");
}

#[test]
fn bad_time_names_the_field() {
    let line = M1
        .replace("\"id\":\"m1\"", "\"id\":\"m2\"")
        .replace("2024-05-01T10:00:01Z", "yesterday");
    let err = import_error("messages.jsonl", &messages(&[M1, &line]));
    assert_eq!(
        err,
        "messages.jsonl:2: field `created_at`: not an RFC 3339 time (\"yesterday\")"
    );
}

#[test]
fn unknown_and_missing_fields_are_named() {
    let err = import_error(
        "users.jsonl",
        "{\"id\":\"u1\",\"username\":\"a\",\"nick\":\"x\"}\n",
    );
    assert_eq!(
        err,
        "users.jsonl:1: field `nick`: unknown field, expected one of `id`, `username`, `name`, `avatar_url`, `int_id`"
    );
    let nested = M1.replace(
        "\"kind\"",
        "\"attachments\":[{\"id\":\"f\",\"bytes\":3}],\"kind\"",
    );
    let err = import_error("messages.jsonl", &messages(&[&nested]));
    assert!(
        err.starts_with("messages.jsonl:1: field `attachments[0].bytes`: unknown field"),
        "{err}"
    );
    let err = import_error("users.jsonl", "{\"id\":\"u1\"}\n");
    assert_eq!(
        err,
        "users.jsonl:1: field `username`: required field is missing"
    );
    let err = import_error(
        "messages.jsonl",
        &messages(&[&M1.replace("regular", "normal")]),
    );
    assert!(
        err.starts_with("messages.jsonl:1: field `kind`: unknown variant `normal`"),
        "{err}"
    );
}

#[test]
fn dangling_references_are_named() {
    let err = import_error(
        "messages.jsonl",
        &messages(&[M1, &M1.replace("m1", "m2").replace("u1", "zzz")]),
    );
    assert_eq!(
        err,
        "messages.jsonl:2: field `author_id`: unknown user \"zzz\""
    );
    let err = import_error("messages.jsonl", &messages(&[&M1.replace("r1", "r9")]));
    assert_eq!(
        err,
        "messages.jsonl:1: field `room_id`: unknown room \"r9\""
    );
    let reacting = M1.replace(
        "\"kind\"",
        "\"reactions\":{\":+1:\":[\"u1\",\"u7\"]},\"kind\"",
    );
    let err = import_error("messages.jsonl", &messages(&[&reacting]));
    assert_eq!(
        err,
        "messages.jsonl:1: field `reactions`: unknown user \"u7\""
    );
    let err = import_error(
        "rooms.jsonl",
        "{\"id\":\"r1\",\"kind\":\"group\",\"members\":[\"u3\"],\"created_at\":\"2024-05-01\"}\n",
    );
    assert_eq!(err, "rooms.jsonl:1: field `members`: unknown user \"u3\"");
    // A failure in the last file rolls back the files before it.
    let err = import_error(
        "tokens.jsonl",
        &format!("{TOKENS}{{\"user_id\":\"u9\",\"scheme\":\"bearer\",\"token\":\"t\"}}\n"),
    );
    assert_eq!(err, "tokens.jsonl:3: field `user_id`: unknown user \"u9\"");
}

#[test]
fn duplicates_are_named() {
    let err = import_error("messages.jsonl", &messages(&[M1, M1]));
    assert_eq!(
        err,
        "messages.jsonl:2: field `id`: duplicate message id \"m1\""
    );
    let err = import_error(
        "users.jsonl",
        &format!("{USERS}{{\"id\":\"u1\",\"username\":\"z\"}}\n"),
    );
    assert_eq!(err, "users.jsonl:3: field `id`: duplicate user id \"u1\"");
    let err = import_error(
        "rooms.jsonl",
        &format!("{ROOMS}{{\"id\":\"r3\",\"kind\":\"direct\",\"members\":[\"u2\",\"u1\"],\"created_at\":\"2024-05-01\"}}\n"),
    );
    assert_eq!(err, "rooms.jsonl:4: field `members`: users \"u2\" and \"u1\" already have a direct room (\"r2\")");
    let err = import_error(
        "users.jsonl",
        &format!("{USERS}{{\"id\":\"u3\",\"username\":\"z\",\"int_id\":10}}\n"),
    );
    assert_eq!(
        err,
        "users.jsonl:3: field `int_id`: 10 is already the int id of user \"u1\""
    );
    let err = import_error(
        "tokens.jsonl",
        &format!("{TOKENS}{{\"user_id\":\"u1\",\"scheme\":\"bearer\",\"token\":\"secret-2\"}}\n"),
    );
    assert_eq!(
        err,
        "tokens.jsonl:3: field `token`: the same bearer token appears twice; tokens must be unique"
    );
    assert!(!err.contains("secret"), "a token is never echoed");
}

#[test]
fn thread_rules_are_checked() {
    let other_room = r#"{"id":"m2","room_id":"r2","parent_id":"m1","author_id":"u1","text":"b","created_at":"2024-05-01T10:00:02Z","kind":"regular","status":"visible"}"#;
    let err = import_error("messages.jsonl", &messages(&[M1, other_room]));
    assert_eq!(
        err,
        "messages.jsonl:2: field `parent_id`: message \"m1\" is in room \"r1\", not in \"r2\""
    );
    let forward = other_room
        .replace("\"r2\"", "\"r1\"")
        .replace("\"m1\"", "\"m3\"");
    let err = import_error("messages.jsonl", &messages(&[M1, &forward]));
    assert_eq!(
        err,
        "messages.jsonl:2: field `parent_id`: unknown message \"m3\" (a parent must come earlier in the file)"
    );
    let reply = other_room.replace("\"r2\"", "\"r1\"");
    let nested = reply
        .replace("\"m2\"", "\"m3\"")
        .replace("\"m1\"", "\"m2\"");
    let err = import_error("messages.jsonl", &messages(&[M1, &reply, &nested]));
    assert_eq!(
        err,
        "messages.jsonl:3: field `parent_id`: message \"m2\" is itself a reply (threads are one level deep)"
    );
}

#[test]
fn kind_specific_fields_are_checked() {
    let err = import_error(
        "messages.jsonl",
        &messages(&[&M1.replace("regular", "system")]),
    );
    assert_eq!(
        err,
        "messages.jsonl:1: field `system_type`: required when kind is \"system\""
    );
    let typed = M1.replace("\"kind\"", "\"system_type\":\"uj\",\"kind\"");
    let err = import_error("messages.jsonl", &messages(&[&typed]));
    assert_eq!(err, "messages.jsonl:1: field `system_type`: only allowed when kind is \"system\" (kind is \"regular\")");
    let diffs = M1.replace("\"kind\"", "\"diff_groups\":[],\"kind\"");
    let err = import_error("messages.jsonl", &messages(&[&diffs]));
    assert_eq!(
        err,
        "messages.jsonl:1: field `diff_groups`: only allowed when kind is \"edit\""
    );
    let err = import_error(
        "rooms.jsonl",
        "{\"id\":\"r1\",\"kind\":\"direct\",\"members\":[],\"created_at\":\"2024-05-01\"}\n",
    );
    assert_eq!(
        err,
        "rooms.jsonl:1: field `members`: a direct room has 1 or 2 members, not 0"
    );
    let err = import_error(
        "users.jsonl",
        "{\"id\":\"u1\",\"username\":\"a\",\"int_id\":0}\n",
    );
    assert_eq!(
        err,
        "users.jsonl:1: field `int_id`: must be at least 1 and less than 2^53 (got 0)"
    );
}
