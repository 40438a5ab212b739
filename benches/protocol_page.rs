//! The canonical protocol's page decoding, which a gateway of kind `http` pays on every
//! request (P2 in `docs/performance.md`): `protocol::decode_page` of the 50-reply thread page
//! of the demo seed (`chat.getThreadMessages?tmid=LscqGbTLCzXQhjg4m`), as `threadgate backend`
//! encodes it.
//!
//! `cargo bench --bench protocol_page -- --warm-up-time 1 --measurement-time 3`
//!
//! `C_clone_kept_page`: the copy of a kept page a conditional query answered `304` costs
//! instead of the decode.
//!
//! Baseline in the same run: `serde_json::from_slice::<serde_json::Value>` of the same bytes
//! (a parse that builds no typed page), so the ratio says how close the typed decode is to
//! parsing the JSON at all.

use criterion::{black_box, Criterion};
use std::path::Path;
use threadgate::backend::embedded::EmbeddedBackend;
use threadgate::canonical::{Order, Principal, Slice, Target, ThreadQuery};
use threadgate::protocol;

fn page_bytes() -> Vec<u8> {
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/demo");
    let store = EmbeddedBackend::open_and_seed(":memory:", 1, Some(&seed)).expect("demo store");
    let ana = Principal {
        user_id: "vSt4xaDt4dQRTjJYe".to_owned(),
        username: "ana.lima".to_owned(),
        admin_of: Vec::new(),
    };
    let mut q = ThreadQuery::new(ana, Target::Replies("LscqGbTLCzXQhjg4m".to_owned()));
    q.order = Order::Ascending;
    q.slice = Slice::Offset {
        offset: 0,
        limit: Some(50),
    };
    q.want_total = true;
    let page = store.query_blocking(&q).expect("thread page");
    assert_eq!(page.messages.len(), 50);
    protocol::encode_page(&page)
}

fn main() {
    let bytes = page_bytes();
    let page = protocol::decode_page(&bytes).expect("decodes");
    assert_eq!(protocol::encode_page(&page), bytes, "the decode is exact");
    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group(format!("canonical page, {} bytes", bytes.len()));
    group.bench_function("A_decode_page", |b| {
        b.iter(|| protocol::decode_page(black_box(&bytes)).expect("decodes"))
    });
    group.bench_function("B_serde_json_value", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&bytes)).expect("parses"))
    });
    // What a gateway of kind `http` pays instead when the service answers 304: a copy of
    // the kept page (the backend answers an owned `Page`).
    group.bench_function("C_clone_kept_page", |b| b.iter(|| black_box(&page).clone()));
    group.finish();
    c.final_summary();
}
