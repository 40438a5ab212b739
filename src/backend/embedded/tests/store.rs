//! Opening, migrating, seeding, pinning and the read pool.

use super::super::{EmbeddedBackend, IntIdPin, OpenError, StoreError};
use super::fixture::{fixture, principal, q, write_seed};
use crate::backend::Backend;
use crate::canonical::{Error, Target};
use std::sync::Arc;

#[tokio::test]
async fn memory_stores_are_private_and_files_persist() {
    let a = EmbeddedBackend::open(":memory:", 1).unwrap();
    let (_dir, b) = fixture();
    assert!(a.is_empty().unwrap());
    assert!(!b.is_empty().unwrap());

    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed");
    std::fs::create_dir(&seed).unwrap();
    write_seed(&seed);
    let path = dir.path().join("nested/deeper/store.sqlite");
    let path = path.to_str().unwrap();
    let store = EmbeddedBackend::open_and_seed(path, 1, Some(&seed)).unwrap();
    assert!(!store.is_empty().unwrap());
    drop(store);
    // Reopening finds the data and does not import again (that would fail on duplicates).
    let store = EmbeddedBackend::open_and_seed(path, 1, Some(&seed)).unwrap();
    assert!(!store.is_empty().unwrap());
    let err = store.import_dir(&seed).unwrap_err().to_string();
    assert_eq!(
        err,
        "users.jsonl:1: field `id`: duplicate user id \"u_alice\""
    );
    let alice = principal("u_alice", "alice", &[]);
    let page = super::run(&store, q(&alice, Target::Room("r_group".into())))
        .await
        .unwrap();
    assert_eq!(page.messages.len(), 5);
    let conn = rusqlite::Connection::open(path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn refuses_a_newer_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    let path = path.to_str().unwrap();
    drop(EmbeddedBackend::open(path, 1).unwrap());
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = EmbeddedBackend::open(path, 1).unwrap_err();
    assert!(
        matches!(err, StoreError::TooNew { found: 99, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("schema version 99, newer than"),
        "{err}"
    );
}

#[test]
fn a_missing_seed_directory_is_an_error() {
    let err =
        EmbeddedBackend::open_and_seed(":memory:", 1, Some(std::path::Path::new("/no/such/seed")))
            .unwrap_err();
    assert!(matches!(err, OpenError::Import(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("/no/such/seed: cannot read seed directory"),
        "{err}"
    );
}

#[test]
fn pins_int_ids() {
    let (_dir, store) = fixture();
    let pin = |kind: &str, id: &str, int_id| IntIdPin {
        kind: kind.into(),
        id: id.into(),
        int_id,
    };
    assert_eq!(
        store.pinned_int_ids().unwrap(),
        [
            pin("message", "m1", 41),
            pin("room", "r_group", 3),
            pin("user", "u_alice", 7),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_queries_share_few_connections() {
    let (_dir, store) = fixture();
    let store = Arc::new(store);
    let alice = principal("u_alice", "alice", &[]);
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let store = Arc::clone(&store);
            let query = q(&alice, Target::Room("r_group".into()));
            tokio::spawn(async move { super::run(&store, query).await.map(|p| p.messages.len()) })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), Ok(5));
    }
}

#[tokio::test]
async fn a_closed_store_is_unavailable() {
    let (_dir, store) = fixture();
    store.close();
    let alice = principal("u_alice", "alice", &[]);
    let err = super::run(&store, q(&alice, Target::Room("r_group".into())))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::BackendUnavailable(_)), "{err:?}");
    assert!(matches!(
        store.probe(&crate::backend::QueryContext::default()).await,
        Err(Error::BackendUnavailable(_))
    ));
}
