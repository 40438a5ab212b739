//! Offset paging and totals over a Quip upstream's cursors: gateway B (`kind = "quip"`) in
//! front of gateway A through the counting forwarder of `quip_upstream`, page by page, with
//! the upstream's calls asserted; and a conversation that changes while a client pages.

use crate::common::{send, test_config, Gw};
use crate::quip_upstream::{bearer_credentials, ids, messages_of, quip_b, Counter, BIG_DM};
use crate::rocketchat_upstream::{ask, RC_ANA, SC_ANA};
use threadgate::config::{BackendConfig, QuipBackendConfig};

/// Pages `dm.history` of the big direct room through B, `count` at a time, comparing each
/// page with A's and counting B's upstream calls per page; returns the calls of each page.
async fn page_through(b: &Gw, a: &Gw, counter: &Counter, count: u32) -> Vec<usize> {
    let mut seen: Vec<String> = Vec::new();
    let mut calls = Vec::new();
    for page in 0.. {
        let path = format!(
            "/api/v1/dm.history?roomId={BIG_DM}&showThreadMessages=true&count={count}&offset={}",
            page * count
        );
        let before = counter.calls();
        let got = ask(b, &path, &RC_ANA).await;
        calls.push(counter.calls() - before);
        let want = ask(a, &path, &RC_ANA).await;
        assert_eq!(got.status, 200, "{path}: {}", got.body);
        let ids = ids(&got);
        assert_eq!(ids, self::ids(&want), "{path}: A's page");
        seen.extend(ids.iter().cloned());
        if ids.len() < count as usize {
            break;
        }
    }
    let mut once = seen.clone();
    once.sort();
    once.dedup();
    assert_eq!(once.len(), seen.len(), "every message once");
    // A's whole conversation, newest first, in one walk of the store: the same list.
    let mut q = threadgate::canonical::ThreadQuery::new(
        threadgate::canonical::Principal {
            user_id: RC_ANA[0].1.into(),
            username: "ana.lima".into(),
            admin_of: Vec::new(),
        },
        threadgate::canonical::Target::Room(BIG_DM.into()),
    );
    q.filter.include_replies = true;
    q.order = threadgate::canonical::Order::Descending;
    let all = crate::common::store_query(&q)
        .await
        .expect("the store answers");
    let want: Vec<String> = all
        .messages
        .into_iter()
        .map(|m| format!("{:?}", m.id))
        .collect();
    assert!(want.len() > 2_000, "{} messages", want.len());
    assert_eq!(seen, want, "every message, in order");
    calls
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_paging_2000_messages_by_offset_costs_at_most_two_upstream_calls_a_page() {
    let dir = tempfile::tempdir().expect("tempdir");
    let counter = Counter::start().await;
    let b = quip_b(counter.url(), Some(bearer_credentials(dir.path())), |_| {}).await;
    let a = Gw::default().await;
    // Pages of 50: the cursor the previous page ended on, plus the boundary message it
    // repeats, fit one call.
    let pages = page_through(&b, &a, &counter, 50).await;
    assert!(pages.len() > 40, "{} pages", pages.len());
    assert!(pages.iter().all(|&n| n == 1), "calls per page: {pages:?}");
    // Pages of 100: a page and the repeated boundary message take two calls.
    let calls = page_through(&b, &a, &counter, 100).await;
    assert_eq!(calls[0], 1, "the first page: {calls:?}");
    assert!(calls.iter().all(|&n| n <= 2), "calls per page: {calls:?}");
    // B's histogram says the same: every query within 2 calls, as many calls as A saw.
    // (Each `dm.history` is three queries: the peer by user id, then by username, neither
    // of which Quip names, answered without a call; then the thread by id.)
    let metrics = send(b.http.get(format!("{}/metrics", b.admin))).await.body;
    let label = format!("backend=\"quip:127.0.0.1:{}\"", counter.addr.port());
    let value = |name: &str| -> f64 {
        let prefix = format!("threadgate_upstream_calls_per_request_{name} ");
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{prefix} in\n{metrics}"))
    };
    let queries = value(&format!("count{{{label}}}"));
    assert_eq!(
        queries,
        value(&format!("bucket{{{label},le=\"2\"}}")),
        "every query within 2 calls"
    );
    assert_eq!(value(&format!("sum{{{label}}}")), counter.calls() as f64);
    assert_eq!(queries, (3 * (pages.len() + calls.len())) as f64);
}

/// B's backend built on its own (passthrough: Ana's bearer token goes upstream), asked
/// canonical queries directly.
async fn quip_backend(
    url: String,
    max_calls: usize,
) -> std::sync::Arc<dyn threadgate::backend::Backend> {
    let cfg = BackendConfig::Quip(QuipBackendConfig {
        url,
        max_calls_per_request: max_calls,
        ..QuipBackendConfig::default()
    });
    threadgate::backend::build(&cfg)
        .await
        .expect("builds")
        .backend
}

fn ana_context() -> threadgate::backend::QueryContext {
    threadgate::backend::QueryContext {
        credential: Some(threadgate::canonical::Credential::Bearer {
            token: SC_ANA[0].1.trim_start_matches("Bearer ").into(),
        }),
        ..threadgate::backend::QueryContext::default()
    }
}

fn big_dm_query(
    order: threadgate::canonical::Order,
    offset: u64,
    limit: u32,
) -> threadgate::canonical::ThreadQuery {
    use threadgate::canonical::{Principal, Slice, Target, ThreadQuery};
    let mut q = ThreadQuery::new(
        Principal {
            user_id: RC_ANA[0].1.into(),
            username: "ana.lima".into(),
            admin_of: Vec::new(),
        },
        Target::Room(BIG_DM.into()),
    );
    q.filter.include_replies = true;
    q.order = order;
    q.slice = Slice::Offset {
        offset,
        limit: Some(limit),
    };
    q.want_total = true;
    q
}

fn page_ids(p: &threadgate::canonical::Page) -> Vec<String> {
    p.messages.iter().map(|m| m.id.clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn totals_are_counted_once_by_walking_then_every_page_stays_within_two_calls() {
    use threadgate::canonical::Order;
    let counter = Counter::start().await;
    let b = quip_backend(counter.url(), 50).await;
    let ctx = ana_context();
    let mut per_page = Vec::new();
    for (order, offset) in [
        (Order::Descending, 0),
        (Order::Descending, 100),
        (Order::Descending, 200),
        (Order::Descending, 1_500),
        (Order::Descending, 1_600),
        (Order::Ascending, 0),
        (Order::Ascending, 100),
        (Order::Ascending, 2_200),
        (Order::Ascending, 2_300),
    ] {
        let q = big_dm_query(order, offset, 100);
        let want = crate::common::store_query(&q)
            .await
            .expect("the store answers");
        let before = counter.calls();
        let got = b.query(&q, &ctx).await.expect("B answers");
        per_page.push(counter.calls() - before);
        assert_eq!(page_ids(&got), page_ids(&want), "{order:?} {offset}");
        assert_eq!(got.total, want.total, "{order:?} {offset}");
    }
    // The first page walks the whole conversation to count it: 24 calls of 100 for 2,285
    // messages (each call after the first repeats the boundary message); every later page,
    // either order, any offset the walk passed, within two.
    assert_eq!(per_page[0], 24, "{per_page:?}");
    assert!(per_page[1..].iter().all(|&n| n <= 2), "{per_page:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_total_past_the_call_budget_is_refused_never_guessed() {
    use threadgate::canonical::{Error, Order, TimeBound};
    let counter = Counter::start().await;
    let b = quip_backend(counter.url(), 20).await;
    let ctx = ana_context();
    let q = big_dm_query(Order::Descending, 0, 20);
    let err = b.query(&q, &ctx).await.expect_err("refused");
    assert_eq!(
        err,
        Error::Unsupported("a request needing more than 20 upstream calls".into())
    );
    assert_eq!(counter.calls(), 20);
    // The same page without a total is one call.
    let mut page = q.clone();
    page.want_total = false;
    let got = b.query(&page, &ctx).await.expect("B answers");
    assert_eq!(got.messages.len(), 20);
    assert_eq!(counter.calls(), 21);
    // A lower bound on creation time stops the walk where it starts: the total of the
    // messages since then is counted within the budget.
    let mut recent = q.clone();
    recent.filter.created_after = Some(TimeBound::inclusive(1_771_000_000_000_000));
    let want = crate::common::store_query(&recent).await.expect("store");
    let got = b.query(&recent, &ctx).await.expect("B answers");
    assert_eq!(page_ids(&got), page_ids(&want));
    assert_eq!(got.total, want.total);
}

// ---- a conversation that changes while a client pages -------------------------------------

/// `2026-01-12T08:13:53.521895Z` for a time in microseconds.
fn iso_micros(usec: i64) -> String {
    let c = threadgate::canonical::time::Civil::from_usec(usec);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second, c.micro
    )
}

/// Adds one visible message of Ana's to the big direct room of `store`.
fn add_message(store: &threadgate::backend::embedded::EmbeddedBackend, id: &str, usec: i64) {
    let dir = tempfile::tempdir().expect("tempdir");
    let line = serde_json::json!({
        "id": id,
        "room_id": BIG_DM,
        "author_id": RC_ANA[0].1,
        "recipient_id": "wnWPgRuQDB3TzxiZq",
        "text": "added while a client pages",
        "created_at": iso_micros(usec),
        "kind": "regular",
        "status": "visible",
    });
    std::fs::write(dir.path().join("messages.jsonl"), format!("{line}\n")).expect("write");
    let stats = store.import_dir(dir.path()).expect("imported");
    assert_eq!(stats.messages, 1);
}

/// The `dm.history` page of `count` at `offset` (replies included).
fn dm_page(offset: u64, count: u32) -> String {
    format!(
        "/api/v1/dm.history?roomId={BIG_DM}&showThreadMessages=true&count={count}&offset={offset}"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_position_is_found_at_its_boundary_and_walked_again() {
    // Gateway A' over a store of its own, which this test changes.
    let store = crate::common::private_store();
    let a = Gw::around(
        threadgate::server::start_with(
            test_config(),
            threadgate::server::Parts {
                auth: store.authenticator(),
                backend: store.clone(),
                ids: crate::common::demo_ids(),
            },
        )
        .await
        .expect("gateway A' starts"),
    );
    let counter = Counter::before(a.running.addr).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let b = quip_b(counter.url(), Some(bearer_credentials(dir.path())), |_| {}).await;
    for offset in [0, 50] {
        let got = ask(&b, &dm_page(offset, 50), &RC_ANA).await;
        assert_eq!(
            ids(&got),
            ids(&ask(&a, &dm_page(offset, 50), &RC_ANA).await)
        );
    }
    // A message new at the head: within the cache's age bound the client's next page
    // continues where its walk stood (offset 100 of the conversation it started on, 101 of
    // today's), one call, nothing skipped or repeated.
    let newest = messages_of(&ask(&a, &dm_page(0, 1), &RC_ANA).await)[0]["ts"].clone();
    let newest_usec =
        threadgate::canonical::time::parse_datetime(newest.as_str().expect("ts")).expect("a time");
    add_message(&store, "zzNewAtTheHead0001", newest_usec + 1_000_000);
    let before = counter.calls();
    let got = ask(&b, &dm_page(100, 50), &RC_ANA).await;
    assert_eq!(counter.calls() - before, 1);
    assert_eq!(ids(&got), ids(&ask(&a, &dm_page(101, 50), &RC_ANA).await));
    // A message created in the boundary microsecond of the next page, sorting before the
    // boundary message: the answer after the cursor does not repeat what the cursor saw,
    // so the position is stale and B walks again; the page is today's.
    let boundary = ask(&a, &dm_page(150, 1), &RC_ANA).await;
    let m = &messages_of(&boundary)[0];
    let id = m["_id"].as_str().expect("id");
    let ts = m["ts"].as_str().expect("ts");
    let page_end = store
        .query_blocking(&{
            let mut q = big_dm_query(threadgate::canonical::Order::Descending, 150, 1);
            q.want_total = false;
            q
        })
        .expect("store")
        .messages[0]
        .created_usec;
    assert!(iso_micros(page_end).starts_with(&ts[..23]), "{ts}");
    add_message(&store, &format!("{id}z"), page_end);
    let before = counter.calls();
    let got = ask(&b, &dm_page(150, 50), &RC_ANA).await;
    let want = ask(&a, &dm_page(150, 50), &RC_ANA).await;
    assert_eq!(ids(&got), ids(&want));
    assert!(ids(&got).contains(&format!("\"{id}\"")), "{:?}", ids(&got));
    assert!(
        counter.calls() - before > 2,
        "walked again from the newest message"
    );
}

/// The published Rocket.Chat client pages the big direct room through B (a Rocket.Chat
/// caller over a Quip upstream): every message once, in order, within two upstream calls a
/// page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_rocketchat_client_pages_through_a_quip_upstream() {
    let python = tokio::task::spawn_blocking(crate::rocketchat_client::provision)
        .await
        .expect("provisioning task")
        .unwrap_or_else(|e| panic!("the Rocket.Chat client test cannot run: {e}"));
    let dir = tempfile::tempdir().expect("tempdir");
    let counter = Counter::start().await;
    let b = quip_b(counter.url(), Some(bearer_credentials(dir.path())), |_| {}).await;
    let script = crate::common::root().join("tests/clients/rocketchat/page_dm.py");
    let base = b.base.clone();
    let out = tokio::task::spawn_blocking(move || {
        crate::rocketchat_client::run(
            std::process::Command::new(&python).arg(&script).args([
                base.as_str(),
                RC_ANA[0].1,
                RC_ANA[1].1,
                BIG_DM,
                "100",
            ]),
            "running tests/clients/rocketchat/page_dm.py",
        )
    })
    .await
    .expect("client task")
    .unwrap_or_else(|e| panic!("{e}"));
    let seen: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("client output ({e}): {out}"));
    let got: Vec<String> = seen["dm"]
        .as_array()
        .unwrap_or_else(|| panic!("dm in {out}"))
        .iter()
        .map(|v| format!("{v}"))
        .collect();
    let mut q = big_dm_query(threadgate::canonical::Order::Descending, 0, u32::MAX);
    q.slice = threadgate::canonical::Slice::default();
    q.want_total = false;
    let want: Vec<String> = crate::common::store_query(&q)
        .await
        .expect("the store answers")
        .messages
        .into_iter()
        .map(|m| format!("{:?}", m.id))
        .collect();
    assert_eq!(want.len(), 2_285);
    assert_eq!(got, want, "every message once, newest first");
    // 23 pages of 100 (the last short): one call for the first, two for the others but
    // the last, whose 85 messages and the repeated boundary fit one.
    assert_eq!(counter.calls(), 1 + 21 * 2 + 1);
}
