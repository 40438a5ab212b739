//! The gateway's id map in its own file: integers survive a restart, concurrent first
//! exposures agree, pins are honoured and never handed out again, every object of the pins
//! directory is numbered when the map is new, and a database of an earlier version keeps
//! every integer it handed out.

use crate::common;

use std::collections::HashSet;
use std::sync::{Arc, Barrier};
use threadgate::backend::embedded::EmbeddedBackend;
use threadgate::idmap::{IdMap, Kind, Sources, LIMIT};

fn demo_pins() -> Sources {
    Sources {
        legacy_store: None,
        pins: Some(common::root().join("config/demo")),
    }
}

/// A map file in a new folder (pins of the demo seed).
fn map_file() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data/idmap.sqlite").display().to_string();
    (dir, path)
}

fn open(path: &str) -> IdMap {
    IdMap::open_path(path, &demo_pins()).unwrap()
}

fn all(map: &IdMap, kind: Kind, upto: i64) -> Vec<(i64, String)> {
    (1..=upto)
        .filter_map(|n| map.id_of(kind, n).unwrap().map(|id| (n, id)))
        .collect()
}

#[test]
fn pins_are_honoured_and_everything_gets_an_integer_at_startup() {
    let (_dir, path) = map_file();
    let seed = common::root().join("config/demo");
    let store = EmbeddedBackend::open_and_seed(":memory:", 1, Some(&seed)).unwrap();
    let pins = store.pinned_int_ids().unwrap();
    assert_eq!(pins.len(), 9, "{pins:?}");
    let map = open(&path);
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
    let (_dir, path) = map_file();
    let before = {
        let map = open(&path);
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
    // Reopened without pins: nothing is reassigned, nothing is lost.
    let map = IdMap::open_path(&path, &Sources::default()).unwrap();
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
    let (_dir, path) = map_file();
    let map = Arc::new(open(&path));
    // A second map on the same database (another process, or a restart racing).
    let other = Arc::new(open(&path));
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
fn the_store_schema_is_current_and_takes_group_integers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite").display().to_string();
    let seed = common::root().join("config/demo");
    EmbeddedBackend::open_and_seed(&path, 1, Some(&seed)).unwrap();
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

/// `tests/fixtures/legacy-store-v3.sqlite` was written by threadgate before the id map had
/// its own file: the demo seed imported, every object numbered at start-up, then three
/// objects exposed later (listed in `legacy-store-v3.txt`). A new map next to it keeps every
/// one of those integers, and hands out only integers above them.
#[test]
fn a_database_of_the_earlier_version_keeps_every_integer() {
    let fixtures = common::root().join("tests/fixtures");
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("threadgate.sqlite");
    std::fs::copy(fixtures.join("legacy-store-v3.sqlite"), &store).unwrap();
    let legacy: Vec<(String, String, i64)> = {
        let conn = rusqlite::Connection::open(&store).unwrap();
        let mut st = conn
            .prepare("SELECT kind, id, int_id FROM int_ids ORDER BY kind, int_id")
            .unwrap();
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap();
        rows.map(Result::unwrap).collect()
    };
    assert_eq!(legacy.len(), 8 + 8 + 1 + 2522 + 3);
    let path = dir.path().join("idmap.sqlite").display().to_string();
    let sources = Sources {
        legacy_store: Some(store),
        ..demo_pins()
    };
    let map = IdMap::open_path(&path, &sources).unwrap();
    let kind = |k: &str| Kind::ALL.into_iter().find(|x| x.as_str() == k).unwrap();
    for (k, id, n) in &legacy {
        assert_eq!(map.int_of(kind(k), id).unwrap(), *n, "{k} {id}");
        assert_eq!(
            map.id_of(kind(k), *n).unwrap().as_deref(),
            Some(id.as_str())
        );
    }
    let later = std::fs::read_to_string(fixtures.join("legacy-store-v3.txt")).unwrap();
    for line in later.lines() {
        let parts: Vec<&str> = line.split(' ').collect();
        let n: i64 = parts[2].parse().unwrap();
        assert_eq!(map.int_of(kind(parts[0]), parts[1]).unwrap(), n, "{line}");
        let fresh = map
            .int_of(kind(parts[0]), "exposed-after-the-upgrade")
            .unwrap();
        assert!(fresh > n, "{line}: {fresh}");
    }
}

/// The same pins give the same integers to a map of any gateway, whatever its backend.
#[test]
fn two_new_maps_from_one_pins_directory_agree() {
    let a = IdMap::open_path(":memory:", &demo_pins()).unwrap();
    let (_dir, path) = map_file();
    let b = open(&path);
    for kind in Kind::ALL {
        assert_eq!(all(&a, kind, 5000), all(&b, kind, 5000), "{kind:?}");
    }
}

/// A gateway over `threadgate backend` keeps its own map: the integers its SelfCommunity
/// clients saw are the same after a restart (the map file reopened, no pins read again), and
/// the same as a gateway over the embedded store shows (the golden files of both topologies).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_over_the_http_backend_keeps_its_integers_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("idmap.sqlite").display().to_string();
    let ask = |pins: Option<String>| {
        let file = file.clone();
        async move {
            let mut config = common::test_config();
            common::use_service(&mut config, common::demo_service());
            config.idmap.path = Some(file);
            config.idmap.pins = pins;
            // Paging links name one host both times (the ports differ).
            config.selfcommunity.public_base_url = "http://gw".into();
            let running = threadgate::server::start(config)
                .await
                .expect("gateway starts");
            let body = reqwest::Client::new()
                .get(format!(
                    "http://{}/api/v2/pm/?thread=501&limit=50",
                    running.addr
                ))
                .header(
                    "Authorization",
                    "Bearer tg_bearer_ana.lima_l3jtt175u58vgxn0",
                )
                .send()
                .await
                .expect("answer")
                .text()
                .await
                .expect("body");
            running.shutdown();
            running.wait().await;
            body
        }
    };
    let first = ask(Some(
        common::root().join("config/demo").display().to_string(),
    ))
    .await;
    assert!(first.starts_with(r#"{"count":2286,"#), "{}", &first[..80]);
    let again = ask(Some(String::new())).await;
    let at = first
        .bytes()
        .zip(again.bytes())
        .position(|(a, b)| a != b)
        .unwrap_or(first.len().min(again.len()));
    assert!(
        first == again,
        "the integers changed across a restart at byte {at}: {:?} / {:?}",
        &first[at.saturating_sub(60)..(at + 40).min(first.len())],
        &again[at.saturating_sub(60)..(at + 40).min(again.len())]
    );
}
