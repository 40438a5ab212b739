//! The id map over the embedded store: integers survive a restart, concurrent first
//! exposures agree, pins are honoured and never handed out again, everything is assigned at
//! startup.

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Barrier};
use threadgate::backend::embedded::EmbeddedBackend;
use threadgate::idmap::{IdMap, Kind, LIMIT};

fn seeded_file() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite").display().to_string();
    let seed = common::root().join("config/demo");
    EmbeddedBackend::open_and_seed(&path, 1, Some(&seed)).unwrap();
    (dir, path)
}

fn all(map: &IdMap, kind: Kind, upto: i64) -> Vec<(i64, String)> {
    (1..=upto)
        .filter_map(|n| map.id_of(kind, n).unwrap().map(|id| (n, id)))
        .collect()
}

#[test]
fn pins_are_honoured_and_everything_gets_an_integer_at_startup() {
    let (_dir, path) = seeded_file();
    let store = EmbeddedBackend::open(&path, 1).unwrap();
    let pins = store.pinned_int_ids().unwrap();
    assert_eq!(pins.len(), 9, "{pins:?}");
    let map = store.open_idmap().unwrap();
    for pin in pins {
        let kind = match pin.kind.as_str() {
            "user" => Kind::User,
            "room" => Kind::Room,
            "message" => Kind::Message,
            other => panic!("unexpected pin kind {other}"),
        };
        assert_eq!(map.int_of(kind, &pin.id).unwrap(), pin.int_id, "{pin:?}");
        assert_eq!(map.id_of(kind, pin.int_id).unwrap(), Some(pin.id.clone()));
    }
    assert_eq!(map.int_of(Kind::User, "vSt4xaDt4dQRTjJYe").unwrap(), 101);
    assert_eq!(
        map.int_of(Kind::Room, "vSt4xaDt4dQRTjJYewnWPgRuQDB3TzxiZq")
            .unwrap(),
        501
    );
    assert_eq!(map.int_of(Kind::Room, "RTvWi3XPWmNPu3MpX").unwrap(), 502);
    // Unpinned objects got integers above every pin of their kind, with no duplicates.
    let users = all(&map, Kind::User, 200);
    assert_eq!(users.len(), 8);
    assert!(users.iter().all(|(n, _)| *n >= 101), "{users:?}");
    let rooms = all(&map, Kind::Room, 600);
    assert_eq!(rooms.len(), 8);
    let groups = all(&map, Kind::Group, 10);
    assert_eq!(groups, vec![(1, "hardware-team".to_owned())]);
    let messages = all(&map, Kind::Message, 5000);
    assert_eq!(messages.len(), 2522);
    let distinct: HashSet<&String> = messages.iter().map(|(_, id)| id).collect();
    assert_eq!(distinct.len(), 2522);
    // A new object never gets a pinned integer.
    let fresh = map.int_of(Kind::User, "someone-new").unwrap();
    assert!(fresh > users.iter().map(|(n, _)| *n).max().unwrap());
    assert!(fresh < LIMIT);
}

#[test]
fn restart_keeps_every_integer() {
    let (_dir, path) = seeded_file();
    let before = {
        let store = EmbeddedBackend::open(&path, 1).unwrap();
        let map = store.open_idmap().unwrap();
        let new_room = map.int_of(Kind::Room, "a-room-created-later").unwrap();
        let new_message = map
            .int_of(Kind::Message, "a-message-created-later")
            .unwrap();
        (
            all(&map, Kind::User, 200),
            all(&map, Kind::Room, 600),
            all(&map, Kind::Message, 5000),
            new_room,
            new_message,
        )
    };
    let store = EmbeddedBackend::open(&path, 1).unwrap();
    let map = store.open_idmap().unwrap();
    assert_eq!(all(&map, Kind::User, 200), before.0);
    assert_eq!(all(&map, Kind::Room, 600), before.1);
    assert_eq!(all(&map, Kind::Message, 5000), before.2);
    assert_eq!(
        map.int_of(Kind::Room, "a-room-created-later").unwrap(),
        before.3
    );
    assert_eq!(
        map.int_of(Kind::Message, "a-message-created-later")
            .unwrap(),
        before.4
    );
    // Never reused: the next one is new.
    assert!(map.int_of(Kind::Room, "another-room").unwrap() > before.3);
}

#[test]
fn sixteen_concurrent_first_exposures_of_one_room_agree() {
    let (_dir, path) = seeded_file();
    let store = EmbeddedBackend::open(&path, 1).unwrap();
    let map = Arc::new(store.open_idmap().unwrap());
    // A second map on the same database (another process, or a restart racing).
    let other = Arc::new(store.open_idmap().unwrap());
    let barrier = Arc::new(Barrier::new(16));
    let handles: Vec<_> = (0..16)
        .map(|i| {
            let map = if i % 2 == 0 {
                map.clone()
            } else {
                other.clone()
            };
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                map.int_of(Kind::Room, "brand-new-room").unwrap()
            })
        })
        .collect();
    let got: HashSet<i64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(got.len(), 1, "{got:?}");
    let n = *got.iter().next().unwrap();
    // The next free integer: one above the highest room integer before.
    assert!(map.id_of(Kind::Room, n - 1).unwrap().is_some());
    assert_eq!(map.int_of(Kind::Room, "next-room").unwrap(), n + 1);
    assert_eq!(other.int_of(Kind::Room, "next-room").unwrap(), n + 1);
}

#[test]
fn the_schema_is_current_and_takes_group_integers() {
    let (_dir, path) = seeded_file();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, threadgate::backend::embedded::current_version());
    conn.execute(
        "INSERT INTO int_ids (kind, id, int_id) VALUES ('group', 'g', 7)",
        [],
    )
    .unwrap();
}
