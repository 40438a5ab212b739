//! The id map's bounded caches: a cache far smaller than the map answers every id right
//! (evicted entries are read again, integers are never handed out twice), its hit and miss
//! counters move and reach the metrics, and a SelfCommunity page through a gateway whose
//! cache holds two entries is byte for byte the golden one.

use crate::common;

use common::{golden, send, Gw};
use std::collections::HashSet;
use std::sync::{Arc, Barrier};
use threadgate::idmap::{IdMap, Kind, Sources};
use threadgate::server::Parts;

fn small_map(entries: usize) -> (tempfile::TempDir, String, IdMap) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("idmap.sqlite").display().to_string();
    let map = IdMap::open_path(&path, &Sources::default())
        .unwrap()
        .with_cache_entries(entries);
    (dir, path, map)
}

#[test]
fn a_cache_of_ten_entries_answers_every_one_of_a_thousand_ids_right() {
    let (_dir, path, map) = small_map(10);
    for i in 0..1000i64 {
        assert_eq!(map.int_of(Kind::Message, &format!("m{i}")).unwrap(), i + 1);
    }
    let counters = map.cache_counters();
    assert_eq!((counters.hits(), counters.misses()), (0, 1000));
    // Both directions, forwards and backwards: every answer right, most read from the file.
    for i in (0..1000i64).chain((0..1000).rev()) {
        assert_eq!(map.int_of(Kind::Message, &format!("m{i}")).unwrap(), i + 1);
        assert_eq!(
            map.id_of(Kind::Message, i + 1).unwrap(),
            Some(format!("m{i}"))
        );
    }
    assert_eq!(map.id_of(Kind::Message, 1001).unwrap(), None);
    assert_eq!(map.int_of(Kind::Room, "m5").unwrap(), 1, "kinds apart");
    // Each `int_of` went to the file (2000 misses) and cached both directions, so the
    // `id_of` right after it hit.
    let (hits, misses) = (counters.hits(), counters.misses());
    assert!(misses > 2900, "{misses} misses");
    assert!(hits > 1900, "{hits} hits");
    // Hot entries stay: the same five ids asked again and again are hits.
    for _ in 0..20 {
        for i in 0..5i64 {
            assert_eq!(map.int_of(Kind::Message, &format!("m{i}")).unwrap(), i + 1);
        }
    }
    assert!(counters.hits() >= hits + 90, "{} hits", counters.hits());
    assert!(counters.misses() <= misses + 10);
    // A new id gets the next integer, never one an evicted entry held.
    assert_eq!(map.int_of(Kind::Message, "new").unwrap(), 1001);
    drop(map);
    let reopened = IdMap::open_path(&path, &Sources::default())
        .unwrap()
        .with_cache_entries(10);
    assert_eq!(reopened.int_of(Kind::Message, "m500").unwrap(), 501);
    assert_eq!(reopened.int_of(Kind::Message, "newer").unwrap(), 1002);
}

#[test]
fn concurrent_first_exposures_through_a_tiny_cache_agree_and_never_collide() {
    let (_dir, _path, map) = small_map(4);
    let map = Arc::new(map);
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let (map, barrier) = (map.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                // Every thread exposes the same 200 ids, each from its own starting point.
                (0..200)
                    .map(|i| {
                        let id = format!("r{}", (i + t * 25) % 200);
                        (id.clone(), map.int_of(Kind::Room, &id).unwrap())
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut seen = std::collections::HashMap::new();
    for handle in handles {
        for (id, n) in handle.join().unwrap() {
            assert_eq!(*seen.entry(id.clone()).or_insert(n), n, "{id}");
        }
    }
    let integers: HashSet<i64> = seen.values().copied().collect();
    assert_eq!(integers.len(), 200);
    assert_eq!(integers.iter().max(), Some(&200));
}

#[tokio::test]
async fn an_entry_evicted_after_prepare_ints_is_read_again() {
    let (_dir, _path, map) = small_map(2);
    let map = Arc::new(map);
    for i in 0..100 {
        map.int_of(Kind::User, &format!("u{i}")).unwrap();
    }
    map.prepare_ints(vec![(Kind::User, 7)]).await.unwrap();
    for n in 50..60 {
        map.id_of(Kind::User, n).unwrap();
    }
    let misses = map.cache_counters().misses();
    assert_eq!(map.id_of(Kind::User, 7).unwrap().as_deref(), Some("u6"));
    assert_eq!(map.cache_counters().misses(), misses + 1);
}

/// A gateway over the demo data whose id map (the demo pins, in memory) caches two entries.
async fn gateway_with_tiny_cache() -> Gw {
    let sources = Sources {
        legacy_store: None,
        pins: Some(common::root().join("config/demo")),
    };
    let ids = IdMap::open_path(":memory:", &sources)
        .unwrap()
        .with_cache_entries(2);
    let store = common::demo_store();
    let parts = Parts {
        auth: store.authenticator(),
        backend: store,
        ids: Arc::new(ids),
    };
    let mut config = common::test_config();
    config.selfcommunity.public_base_url = "https://community.example.com".into();
    let running = threadgate::server::start_with(config, parts)
        .await
        .expect("gateway starts");
    Gw::around(running)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_with_a_two_entry_cache_answers_the_golden_bytes() {
    let gw = gateway_with_tiny_cache().await;
    let a = send(
        gw.get("/api/v2/pm/?thread=502&limit=20")
            .bearer_auth("tg_bearer_chloe.martin_emvzage4086m9fos"),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    golden("selfcommunity/thread_502.json", &a.body);
    let m = send(gw.http.get(format!("{}/metrics", gw.admin))).await;
    for outcome in ["hit", "miss"] {
        let needle = format!("threadgate_idmap_cache_total{{outcome=\"{outcome}\"}} ");
        let count: u64 = m
            .body
            .lines()
            .find_map(|l| l.strip_prefix(&needle))
            .unwrap_or_else(|| panic!("missing {needle} in\n{}", m.body))
            .parse()
            .unwrap();
        assert!(count > 0, "{needle}{count}");
    }
}
