//! The answer cache (`server.answer_cache_bytes`): a repeated page is the kept answer, byte
//! for byte, until the store changes (through the gateway's own handle or any other); no
//! caller gets another's answer; a "before now" bound that excludes a message is never
//! kept; the cache off keeps nothing.

use crate::common::{demo_ids, send, test_config, Answer, Gw};
use std::path::Path;
use std::sync::Arc;
use threadgate::backend::embedded::EmbeddedBackend;
use threadgate::config::Config;
use threadgate::server::Parts;

const USERS: &str = r#"{"id":"u1","username":"alice","name":"Alice"}
{"id":"u2","username":"bob","name":"Bob"}
{"id":"u3","username":"carol","name":"Carol"}
"#;
const ROOMS: &str = r#"{"id":"r1","kind":"direct","members":["u1","u2"],"created_at":"2024-05-01T10:00:00Z"}
"#;
const MESSAGES: &str = r#"{"id":"m1","room_id":"r1","author_id":"u1","text":"one","created_at":"2024-05-01T10:00:01Z","kind":"regular","status":"visible"}
{"id":"m2","room_id":"r1","author_id":"u2","text":"two","created_at":"2024-05-01T10:00:02Z","kind":"regular","status":"visible"}
"#;
const TOKENS: &str = r#"{"user_id":"u1","scheme":"rocketchat","token":"alice-token"}
{"user_id":"u3","scheme":"rocketchat","token":"carol-token"}
"#;
const ALICE: [(&str, &str); 2] = [("X-User-Id", "u1"), ("X-Auth-Token", "alice-token")];
const CAROL: [(&str, &str); 2] = [("X-User-Id", "u3"), ("X-Auth-Token", "carol-token")];
const DM: &str = "/api/v1/dm.history?roomId=r1";

fn seed(dir: &Path, files: &[(&str, &str)]) {
    std::fs::create_dir_all(dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

/// A store file with the small seed, and a gateway over it (`tweak` applied).
async fn gateway(dir: &Path, tweak: impl FnOnce(&mut Config)) -> (Gw, Arc<EmbeddedBackend>) {
    let seed_dir = dir.join("seed");
    seed(
        &seed_dir,
        &[
            ("users.jsonl", USERS),
            ("rooms.jsonl", ROOMS),
            ("messages.jsonl", MESSAGES),
            ("tokens.jsonl", TOKENS),
        ],
    );
    let path = dir.join("store.sqlite").display().to_string();
    let store = Arc::new(EmbeddedBackend::open(&path, 2).unwrap());
    store.import_dir(&seed_dir).unwrap();
    let mut config = test_config();
    tweak(&mut config);
    let parts = Parts {
        auth: store.authenticator(),
        backend: store.clone(),
        ids: demo_ids(),
    };
    let running = threadgate::server::start_with(config, parts)
        .await
        .expect("gateway starts");
    (Gw::around(running), store)
}

/// A message more in `r1`, imported from a directory of its own.
fn one_more(dir: &Path, name: &str, id: &str, created_at: &str) -> std::path::PathBuf {
    let more = dir.join(name);
    let line = format!(
        r#"{{"id":"{id}","room_id":"r1","author_id":"u2","text":"{id}","created_at":"{created_at}","kind":"regular","status":"visible"}}"#
    );
    seed(&more, &[("messages.jsonl", &format!("{line}\n"))]);
    more
}

async fn ask(gw: &Gw, path: &str, who: &[(&str, &str)]) -> Answer {
    let req = who.iter().fold(gw.get(path), |r, (k, v)| r.header(*k, *v));
    send(req).await
}

async fn outcomes(gw: &Gw) -> [u64; 3] {
    let m = send(gw.http.get(format!("{}/metrics", gw.admin))).await;
    ["hit", "miss", "stale"].map(|outcome| {
        let needle = format!("threadgate_answer_cache_total{{outcome=\"{outcome}\"}} ");
        m.body
            .lines()
            .find_map(|l| l.strip_prefix(&needle))
            .map_or(0, |n| n.parse().unwrap())
    })
}

fn ids(a: &Answer) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    v["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_page_is_the_kept_answer_until_the_store_changes() {
    let dir = tempfile::tempdir().unwrap();
    let (gw, store) = gateway(dir.path(), |_| {}).await;
    let first = ask(&gw, DM, &ALICE).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(ids(&first), ["m2", "m1"]);
    let second = ask(&gw, DM, &ALICE).await;
    assert_eq!(
        (second.status, &second.body),
        (first.status, &first.body),
        "the kept answer is the same bytes"
    );
    assert_eq!(
        second.headers.get("content-type"),
        first.headers.get("content-type")
    );
    assert_eq!(outcomes(&gw).await, [1, 1, 0], "hit, miss, stale");

    // Another handle on the same file writes (as `threadgate import` in another process
    // would): the next answer is read again and shows the new message.
    let other =
        EmbeddedBackend::open(&dir.path().join("store.sqlite").display().to_string(), 1).unwrap();
    other
        .import_dir(&one_more(
            dir.path(),
            "more-1",
            "m3",
            "2024-05-01T10:00:03Z",
        ))
        .unwrap();
    let third = ask(&gw, DM, &ALICE).await;
    assert_eq!(ids(&third), ["m3", "m2", "m1"]);
    assert_eq!(outcomes(&gw).await, [1, 2, 0]);

    // The gateway's own handle writes: the same.
    store
        .import_dir(&one_more(
            dir.path(),
            "more-2",
            "m4",
            "2024-05-01T10:00:04Z",
        ))
        .unwrap();
    let fourth = ask(&gw, DM, &ALICE).await;
    assert_eq!(ids(&fourth), ["m4", "m3", "m2", "m1"]);
    let fifth = ask(&gw, DM, &ALICE).await;
    assert_eq!(fifth.body, fourth.body);
    assert_eq!(outcomes(&gw).await, [2, 3, 0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_caller_is_served_another_callers_kept_answer() {
    let dir = tempfile::tempdir().unwrap();
    let (gw, _store) = gateway(dir.path(), |_| {}).await;
    let alice = ask(&gw, DM, &ALICE).await;
    assert_eq!(alice.status, 200, "{}", alice.body);
    let alice_again = ask(&gw, DM, &ALICE).await;
    assert_eq!(alice_again.body, alice.body);
    // Carol is no member of r1: the same URL is her own answer, never Alice's page.
    let carol = ask(&gw, DM, &CAROL).await;
    assert_ne!(carol.body, alice.body);
    assert!(!carol.body.contains("\"m1\""), "{}", carol.body);
    let carol_again = ask(&gw, DM, &CAROL).await;
    assert_eq!(
        (carol_again.status, carol_again.body),
        (carol.status, carol.body)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_before_now_bound_that_excludes_a_message_is_never_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (gw, store) = gateway(dir.path(), |_| {}).await;
    // A message created in 2100: `dm.history` without `latest` reads up to now, so it is
    // left out, and each answer holds only for the instant it was read.
    store
        .import_dir(&one_more(
            dir.path(),
            "future",
            "m9",
            "2100-01-01T00:00:00Z",
        ))
        .unwrap();
    for _ in 0..2 {
        let a = ask(&gw, DM, &ALICE).await;
        assert_eq!(ids(&a), ["m2", "m1"]);
    }
    assert_eq!(outcomes(&gw).await, [0, 2, 2], "hit, miss, stale");
    // An explicit `latest` past 2100 is a bound like any other: its answer is kept.
    let late = format!("{DM}&latest=2100-06-01T00:00:00.000Z");
    let a = ask(&gw, &late, &ALICE).await;
    assert_eq!(ids(&a), ["m9", "m2", "m1"]);
    let b = ask(&gw, &late, &ALICE).await;
    assert_eq!(b.body, a.body);
    assert_eq!(outcomes(&gw).await, [1, 3, 2]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_bytes_nothing_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (gw, _store) = gateway(dir.path(), |c| c.server.answer_cache_bytes = 0).await;
    let a = ask(&gw, DM, &ALICE).await;
    let b = ask(&gw, DM, &ALICE).await;
    assert_eq!((a.status, &a.body), (b.status, &b.body));
    let m = send(gw.http.get(format!("{}/metrics", gw.admin))).await;
    assert!(
        !m.body.contains("threadgate_answer_cache_total"),
        "{}",
        m.body
    );
}
