//! A page read from the embedded store and encoded, on the calling thread (no runtime, no
//! HTTP): the CPU a request spends in the store, the canonical mapping and the encoder.
//!
//! Three pages of the demo seed, as the endpoints ask for them:
//! - `thread`: Rocket.Chat `chat.getThreadMessages?tmid=LscqGbTLCzXQhjg4m` (50 replies);
//! - `short`: the same endpoint for a thread shorter than a page (`n5ntWSW7cMGu8ddC3`, 6);
//! - `dm`: Rocket.Chat `dm.history?roomId=wnWPgRuQDB3TzxiZq` (ana.lima with kenji.sato);
//! - `pm`: SelfCommunity `/api/v2/pm/?user=<kenji>` (same room, 20 newest).
//!
//! Time per page: `cargo bench --bench embedded_page -- --warm-up-time 1 --measurement-time 3`
//!
//! Instructions per page (deterministic), with valgrind:
//! `EMBEDDED_PAGE_ITERS=100 valgrind --tool=callgrind --toggle-collect='*embedded_page*measured*'
//! target/release/deps/embedded_page-<hash>` then divide `Collected` by 100 per case
//! (`EMBEDDED_PAGE_CASE=thread|short|dm|pm` runs one case only).

use criterion::{black_box, Criterion};
use std::path::Path;
use threadgate::backend::embedded::EmbeddedBackend;
use threadgate::canonical::{Order, Principal, Slice, Target, ThreadQuery, UserRef};
use threadgate::dialect::rocketchat::dm::{dm_query, encode_dm_page, parse_params};
use threadgate::dialect::rocketchat::encode_thread_page;
use threadgate::dialect::selfcommunity::encode::{write_message, write_page, Ctx};
use threadgate::idmap::IdMap;

/// 2026-03-01T00:00:00Z: after every message of the seed.
const NOW_USEC: i64 = 1_772_323_200_000_000;

struct Fixture {
    store: EmbeddedBackend,
    ids: IdMap,
    thread: ThreadQuery,
    short: ThreadQuery,
    dm: ThreadQuery,
    pm: ThreadQuery,
}

fn ana() -> Principal {
    Principal {
        user_id: "vSt4xaDt4dQRTjJYe".to_owned(),
        username: "ana.lima".to_owned(),
        admin_of: Vec::new(),
    }
}

/// What `chat.getThreadMessages?tmid=..` asks for.
fn thread_query(tmid: &str) -> ThreadQuery {
    let mut q = ThreadQuery::new(ana(), Target::Replies(tmid.to_owned()));
    q.order = Order::Ascending;
    q.slice = Slice::Offset {
        offset: 0,
        limit: Some(50),
    };
    q.want_total = true;
    q
}

fn fixture() -> Fixture {
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/demo");
    let store = EmbeddedBackend::open_and_seed(":memory:", 1, Some(&seed)).expect("demo store");
    let thread = thread_query("LscqGbTLCzXQhjg4m");
    let short = thread_query("n5ntWSW7cMGu8ddC3");
    let params = parse_params(Some("roomId=wnWPgRuQDB3TzxiZq")).expect("dm params");
    let dm = dm_query(ana(), params, NOW_USEC, 1000);
    let mut pm = ThreadQuery::new(
        ana(),
        Target::Direct {
            peer: UserRef::Id("wnWPgRuQDB3TzxiZq".to_owned()),
        },
    );
    pm.filter.include_hidden = true;
    pm.filter.include_deleted = false;
    pm.filter.include_replies = true;
    pm.order = Order::Descending;
    pm.slice = Slice::Offset {
        offset: 0,
        limit: Some(20),
    };
    pm.want_total = true;
    Fixture {
        store,
        ids: IdMap::in_memory().expect("id map"),
        thread,
        short,
        dm,
        pm,
    }
}

fn rocketchat_thread(f: &Fixture, q: &ThreadQuery) -> Vec<u8> {
    let page = f.store.query_blocking(q).expect("thread page");
    let mut out = Vec::new();
    let total = page.total.unwrap_or(0);
    encode_thread_page(&mut out, &page.messages, 0, total);
    out
}

#[inline(never)]
fn thread_page(f: &Fixture) -> Vec<u8> {
    rocketchat_thread(f, &f.thread)
}

#[inline(never)]
fn short_page(f: &Fixture) -> Vec<u8> {
    rocketchat_thread(f, &f.short)
}

#[inline(never)]
fn dm_page(f: &Fixture) -> Vec<u8> {
    let page = f.store.query_blocking(&f.dm).expect("dm page");
    let mut out = Vec::with_capacity(64 + 600 * page.messages.len());
    encode_dm_page(&mut out, &page, false);
    out
}

#[inline(never)]
fn pm_page(f: &Fixture) -> Vec<u8> {
    let page = f.store.query_blocking(&f.pm).expect("pm page");
    let ctx = Ctx {
        ids: &f.ids,
        offset_secs: 0,
    };
    let mut out = Vec::with_capacity(512 + page.messages.len() * 900);
    let next = "https://h.example/api/v2/pm/?limit=20&offset=20&user=102";
    write_page(
        &mut out,
        &ctx,
        page.total.unwrap_or(0),
        Some(next),
        None,
        page.messages.iter().rev(),
        write_message,
    )
    .expect("pm encode");
    out
}

type Case = (&'static str, fn(&Fixture) -> Vec<u8>);
const CASES: [Case; 4] = [
    ("thread", thread_page),
    ("short", short_page),
    ("dm", dm_page),
    ("pm", pm_page),
];

/// The loop valgrind counts (`--toggle-collect='*embedded_page*measured*'`).
#[inline(never)]
fn measured(case: fn(&Fixture) -> Vec<u8>, f: &Fixture, iters: usize) {
    for _ in 0..iters {
        black_box(case(black_box(f)));
    }
}

fn main() {
    let f = fixture();
    for (name, case) in CASES {
        // Warm: statements prepared and cached, integers assigned.
        let bytes = case(&f);
        eprintln!("{name}: {} bytes", bytes.len());
    }
    if let Ok(iters) = std::env::var("EMBEDDED_PAGE_ITERS") {
        let iters: usize = iters.parse().expect("EMBEDDED_PAGE_ITERS is a number");
        let only = std::env::var("EMBEDDED_PAGE_CASE").ok();
        for (name, case) in CASES {
            if only.as_deref().is_some_and(|o| o != name) {
                continue;
            }
            measured(case, &f, iters);
        }
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("embedded_page");
    for (name, case) in CASES {
        group.bench_function(name, |b| b.iter(|| case(black_box(&f))));
    }
    group.finish();
    c.final_summary();
}
