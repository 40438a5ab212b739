//! `[backend] kind = "quip"`: gateway B reads from gateway A (the demo store, whose Quip face
//! serves every room as a Quip thread by its id), through a counting forwarder on loopback
//! so that each test can assert how many calls B made upstream. For every inbound endpoint
//! of the three dialects, B's answer against A's: exact, lossy (what differs, asserted), or
//! refused; offset paging over Quip's cursors page by page with the call count asserted;
//! faults of the upstream (down, slow, 5xx, garbage, 429) in every dialect's shape.

use crate::common::{demo_gateway, http_parts, send, test_config, Answer, Gw};
use crate::rocketchat_upstream::{
    ask, is_refusal, QUIP_MARCUS, QUIP_PRIYA, RC_ANA, SC_ANA, SC_CHLOE,
};
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use threadgate::config::{
    BackendConfig, Config, QuipBackendConfig, UpstreamAuthConfig, UpstreamAuthMode,
};

/// The 2,287-message direct room of Ana and Kenji, as a Quip thread.
pub(crate) const BIG_DM: &str = "vSt4xaDt4dQRTjJYewnWPgRuQDB3TzxiZq";
/// Priya's direct room with Dana.
const PRIYA_DM: &str = "AJ2tqXDhYkEoaXoBcvDstRKMvtHPAYJks4";
/// A Quip document of company `northwind`.
const DOC: &str = "vCPRIcENZyp";

/// A loopback forwarder in front of gateway A that counts the messages calls through it.
pub(crate) struct Counter {
    pub addr: SocketAddr,
    calls: Arc<AtomicUsize>,
}

impl Counter {
    /// Messages calls forwarded so far (`/1/messages/`, `/1/admin/messages/`).
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// In front of gateway A: forwards every request to A unchanged (method, path and query, headers), and its
    /// answer back.
    pub async fn start() -> Counter {
        Counter::before(demo_gateway()).await
    }

    /// The same in front of the gateway at `a`.
    pub async fn before(a: SocketAddr) -> Counter {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = calls.clone();
        let client = reqwest::Client::new();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let counted = counted.clone();
                let client = client.clone();
                let service = hyper::service::service_fn(move |req: http::Request<Incoming>| {
                    let counted = counted.clone();
                    let client = client.clone();
                    async move {
                        let path = req.uri().path();
                        if path.starts_with("/1/messages/")
                            || path.starts_with("/1/admin/messages/")
                        {
                            counted.fetch_add(1, Ordering::SeqCst);
                        }
                        let target = req.uri().path_and_query().map_or("/", |p| p.as_str());
                        let mut out = client.get(format!("http://{a}{target}"));
                        for (name, value) in req.headers() {
                            if name != http::header::HOST {
                                out = out.header(name, value);
                            }
                        }
                        let resp = out.send().await.expect("gateway A answers");
                        let mut back = http::Response::builder().status(resp.status());
                        for (name, value) in resp.headers() {
                            back = back.header(name, value);
                        }
                        let body = resp.bytes().await.expect("body");
                        Ok::<_, Infallible>(back.body(Full::new(body)).expect("response"))
                    }
                });
                tokio::spawn(
                    hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
                );
            }
        });
        Counter { addr, calls }
    }
}

/// A credentials file of the demo users' own bearer tokens (their Quip credential).
pub(crate) fn bearer_credentials(dir: &Path) -> String {
    let tokens = std::fs::read_to_string(crate::common::root().join("config/demo/tokens.jsonl"))
        .expect("demo tokens");
    let mut out = String::new();
    for line in tokens.lines().filter(|l| !l.trim().is_empty()) {
        let t: serde_json::Value = serde_json::from_str(line).expect("a token line");
        if t["scheme"] == "bearer" {
            let entry = serde_json::json!({
                "user_id": t["user_id"],
                "scheme": "bearer",
                "token": t["token"],
            });
            out.push_str(&entry.to_string());
            out.push('\n');
        }
    }
    let path = dir.join("quip-upstream.jsonl");
    std::fs::write(&path, out).expect("write credentials");
    path.display().to_string()
}

/// Gateway B (`kind = "quip"`) in front of `url`: mapped when `credentials` is given
/// (callers checked against the demo directory), else passthrough.
pub(crate) async fn quip_b(
    url: String,
    credentials: Option<String>,
    tweak: impl FnOnce(&mut QuipBackendConfig),
) -> Gw {
    let mut config = test_config();
    let mut auth = UpstreamAuthConfig::default();
    if let Some(path) = credentials {
        auth = UpstreamAuthConfig {
            mode: UpstreamAuthMode::Mapped,
            credentials: path,
        };
        config.auth.directory = crate::common::root()
            .join("config/demo")
            .display()
            .to_string();
    }
    let mut quip = QuipBackendConfig {
        url,
        auth,
        ..QuipBackendConfig::default()
    };
    tweak(&mut quip);
    config.backend = BackendConfig::Quip(quip);
    config.server.request_timeout_ms = 5_000;
    start(config).await
}

async fn start(config: Config) -> Gw {
    let parts = http_parts(&config).await;
    Gw::around(
        threadgate::server::start_with(config, parts)
            .await
            .expect("gateway B starts"),
    )
}

/// What gateway B answers for a case, compared with gateway A.
#[derive(Debug)]
enum Through {
    /// A's answer: status, body and content type, byte for byte.
    Exact,
    /// The same messages in the same order; in each message the keys listed differ (Quip
    /// does not carry them) and every other key is A's.
    Lossy(&'static [&'static str]),
    /// 501 naming what a Quip upstream cannot select.
    Refused(&'static str),
}

/// Who asks (passthrough or mapped gateway B), the path, the caller's headers, and what B
/// answers.
type Case = (
    bool,
    &'static str,
    &'static [(&'static str, &'static str)],
    Through,
);

/// What Rocket.Chat messages lose through Quip: the author's username and name (`u` keeps
/// its `_id`), and the thread fields (`tmid`, `tshow` of a reply; `tcount`, `tlm`,
/// `replies` of a root): a Quip message names no parent.
const RC_LOST: &[&str] = &["replies", "tcount", "tlm", "tmid", "tshow", "u"];

const MAPPED: bool = true;
const PASSTHROUGH: bool = false;

/// Every case; `docs/upstreams.md` names them by their query.
const CASES: &[Case] = &[
    // Quip callers: Quip over Quip is A's answer byte for byte.
    (PASSTHROUGH, "/1/users/current", &QUIP_PRIYA, Through::Exact),
    (MAPPED, "/1/users/current", &QUIP_PRIYA, Through::Exact),
    (PASSTHROUGH, "/1/messages/AJ2tqXDhYkEoaXoBcvDstRKMvtHPAYJks4", &QUIP_PRIYA, Through::Exact),
    (MAPPED, "/1/messages/AJ2tqXDhYkEoaXoBcvDstRKMvtHPAYJks4", &QUIP_PRIYA, Through::Exact),
    (PASSTHROUGH, "/1/messages/AJ2tqXDhYkEoaXoBcvDstRKMvtHPAYJks4?count=3&sorted_by=ASC", &QUIP_PRIYA, Through::Exact),
    (PASSTHROUGH, "/1/messages/vCPRIcENZyp", &QUIP_PRIYA, Through::Exact),
    (PASSTHROUGH, "/1/messages/vCPRIcENZyp?message_type=edit", &QUIP_PRIYA, Through::Exact),
    (PASSTHROUGH, "/1/messages/vCPRIcENZyp?count=2&max_created_usec=1770886800000000", &QUIP_PRIYA, Through::Exact),
    (PASSTHROUGH, "/1/messages/vCPRIcENZyp?updated_since_usec=1&count=5", &QUIP_PRIYA, Through::Exact),
    (PASSTHROUGH, "/1/messages/GENERAL?count=100", &QUIP_PRIYA, Through::Exact),
    (PASSTHROUGH, "/1/messages/0tJCEAP50Oj", &QUIP_MARCUS, Through::Exact),
    (PASSTHROUGH, "/1/messages/NoSuchThread", &QUIP_PRIYA, Through::Exact),
    (PASSTHROUGH, "/1/messages/vCPRIcENZyp?count=abc", &QUIP_PRIYA, Through::Exact),
    (PASSTHROUGH, "/1/admin/messages/vCPRIcENZyp?company_id=northwind", &QUIP_MARCUS, Through::Exact),
    (MAPPED, "/1/admin/messages/vCPRIcENZyp?company_id=northwind&include_deleted=true", &QUIP_MARCUS, Through::Exact),
    (PASSTHROUGH, "/1/admin/messages/vCPRIcENZyp?company_id=northwind", &QUIP_PRIYA, Through::Exact),
    (MAPPED, "/1/admin/messages/vCPRIcENZyp?company_id=northwind", &QUIP_PRIYA, Through::Exact),
    (PASSTHROUGH, "/1/admin/messages/0tJCEAP50Oj?company_id=northwind", &QUIP_MARCUS, Through::Exact),
    // Rocket.Chat callers (mapped: their token is no Quip credential).
    (MAPPED, "/api/v1/me", &RC_ANA, Through::Exact),
    (MAPPED, "/api/v1/dm.history?roomId=vSt4xaDt4dQRTjJYewnWPgRuQDB3TzxiZq&showThreadMessages=true&count=20", &RC_ANA, Through::Lossy(RC_LOST)),
    (MAPPED, "/api/v1/dm.history?roomId=vSt4xaDt4dQRTjJYewnWPgRuQDB3TzxiZq&showThreadMessages=true&count=50&offset=1000", &RC_ANA, Through::Lossy(RC_LOST)),
    (MAPPED, "/api/v1/im.history?roomId=vSt4xaDt4dQRTjJYewnWPgRuQDB3TzxiZq&showThreadMessages=true&count=30&offset=2270", &RC_ANA, Through::Lossy(RC_LOST)),
    (MAPPED, "/api/v1/dm.history?roomId=vSt4xaDt4dQRTjJYewnWPgRuQDB3TzxiZq&showThreadMessages=true&count=10&oldest=2026-01-12T08:15:00.000Z", &RC_ANA, Through::Lossy(RC_LOST)),
    (MAPPED, "/api/v1/dm.history?roomId=vSt4xaDt4dQRTjJYewnWPgRuQDB3TzxiZq&count=20", &RC_ANA, Through::Refused("a conversation without its thread replies")),
    (MAPPED, "/api/v1/dm.history?roomId=vSt4xaDt4dQRTjJYewnWPgRuQDB3TzxiZq&showThreadMessages=true&unreads=true", &RC_ANA, Through::Refused("unreads")),
    (MAPPED, "/api/v1/chat.getThreadMessages?tmid=hwid5RgAfuvaSBZbM", &RC_ANA, Through::Refused("a thread's replies")),
    (MAPPED, "/api/v1/rooms.info?roomId=GENERAL", &RC_ANA, Through::Refused("a room's kind")),
    // SelfCommunity callers.
    (PASSTHROUGH, "/api/v2/user/me/", &SC_ANA, Through::Exact),
    (MAPPED, "/api/v2/user/me/", &SC_ANA, Through::Exact),
    (MAPPED, "/api/v2/pm/?thread=501", &SC_ANA, Through::Refused("hidden without deleted")),
    (PASSTHROUGH, "/api/v2/pm/?user=102", &SC_ANA, Through::Refused("hidden without deleted")),
    (MAPPED, "/api/v2/pm/?group=1&limit=20", &SC_CHLOE, Through::Refused("a group's conversation")),
    (MAPPED, "/api/v2/pm/", &SC_ANA, Through::Refused("a conversation list")),
];

/// The keys of a Rocket.Chat message that differ between two answers.
fn differing_keys(got: &serde_json::Value, want: &serde_json::Value) -> Vec<String> {
    let (Some(g), Some(w)) = (got.as_object(), want.as_object()) else {
        return vec!["<not objects>".into()];
    };
    let mut keys: Vec<String> = g
        .keys()
        .chain(w.keys())
        .filter(|k| g.get(*k) != w.get(*k))
        .cloned()
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// The ids of a message list of any dialect (`_id` of Rocket.Chat, else `id`), in order.
fn ids(a: &Answer) -> Vec<String> {
    messages_of(a)
        .iter()
        .map(|m| m.get("_id").unwrap_or(&m["id"]).to_string())
        .collect()
}

fn messages_of(a: &Answer) -> Vec<serde_json::Value> {
    let body = a.json();
    body.get("messages")
        .or(Some(&body))
        .and_then(|m| m.as_array())
        .cloned()
        .unwrap_or_else(|| panic!("no message list: {}", a.body))
}

/// Checks B's answer against A's for one case.
fn compare(path: &str, through: &Through, got: &Answer, want: &Answer) {
    match through {
        Through::Exact => {
            assert_eq!(
                (got.status, &got.body, got.header("content-type")),
                (want.status, &want.body, want.header("content-type")),
                "{path}"
            );
        }
        Through::Lossy(lost) => {
            assert_eq!(
                (got.status, want.status),
                (200, 200),
                "{path}: {}",
                got.body
            );
            assert_eq!(ids(got), ids(want), "{path}");
            let (g, w) = (messages_of(got), messages_of(want));
            assert!(!g.is_empty(), "{path}: some messages");
            let mut all: Vec<String> = g
                .iter()
                .zip(&w)
                .flat_map(|(a, b)| differing_keys(a, b))
                .collect();
            all.sort();
            all.dedup();
            assert!(all.contains(&"u".to_owned()), "{path}: {all:?}");
            for (gm, wm) in g.iter().zip(&w) {
                assert_eq!(gm["u"]["_id"], wm["u"]["_id"], "{path}");
                for key in differing_keys(gm, wm) {
                    assert!(
                        lost.contains(&key.as_str()),
                        "{path}: `{key}` differs: {} vs {}",
                        gm[&key],
                        wm[&key]
                    );
                }
            }
            // Outside the message list the bodies are the same.
            let strip = |a: &Answer| {
                let mut v = a.json();
                v["messages"] = serde_json::Value::Null;
                v
            };
            assert_eq!(strip(got), strip(want), "{path}");
        }
        Through::Refused(what) => {
            assert!(
                is_refusal(got) && got.body.contains(what),
                "{path}: {}",
                got.body
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_inbound_endpoint_is_exact_lossy_or_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let counter = Counter::start().await;
    let passthrough = quip_b(counter.url(), None, |_| {}).await;
    let mapped = quip_b(counter.url(), Some(bearer_credentials(dir.path())), |_| {}).await;
    let a = Gw::default().await;
    for (is_mapped, path, headers, through) in CASES {
        let b = if *is_mapped { &mapped } else { &passthrough };
        let want = ask(&a, path, headers).await;
        let before = counter.calls();
        let got = ask(b, path, headers).await;
        compare(path, through, &got, &want);
        if matches!(through, Through::Refused(_)) {
            assert_eq!(counter.calls(), before, "{path}: refused before any call");
        }
    }
}

// ---- offset paging over Quip's cursors --------------------------------------------------------

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

// ---- faults of the upstream ---------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Fault {
    Garbage,
    NotAnArray,
    ServerError,
    RateLimited,
    Slow,
}

async fn misbehave(fault: Fault) -> http::Response<Full<Bytes>> {
    let (status, body): (u16, &[u8]) = match fault {
        Fault::Garbage => (200, b"<html>surprise</html>"),
        Fault::NotAnArray => (200, br#"{"messages":[{"id":1}]}"#),
        Fault::ServerError => (500, b"{\"error\":\"Internal\"}"),
        Fault::RateLimited => (
            429,
            br#"{"error":"Too Many Requests","error_code":429,"error_description":"Over Rate Limit"}"#,
        ),
        Fault::Slow => {
            tokio::time::sleep(std::time::Duration::from_secs(10)).await;
            (200, b"[]")
        }
    };
    let mut resp = http::Response::new(Full::new(Bytes::from_static(body)));
    *resp.status_mut() = http::StatusCode::from_u16(status).expect("status");
    let headers = resp.headers_mut();
    headers.insert(
        "content-type",
        http::HeaderValue::from_static("application/json"),
    );
    if matches!(fault, Fault::RateLimited) {
        let reset = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs()
            + 7;
        headers.insert("x-ratelimit-remaining", http::HeaderValue::from_static("0"));
        headers.insert(
            "x-ratelimit-reset",
            http::HeaderValue::from_str(&reset.to_string()).expect("header"),
        );
    }
    resp
}

/// An upstream that answers `GET /1/users/current` through A (so passthrough callers
/// authenticate for real) unless `everything`, and every other route as `fault` says.
async fn stand_in(fault: Fault, everything: bool) -> SocketAddr {
    let a = demo_gateway();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let service =
                hyper::service::service_fn(move |req: http::Request<Incoming>| async move {
                    if everything || req.uri().path() != "/1/users/current" {
                        return Ok::<_, Infallible>(misbehave(fault).await);
                    }
                    let mut out = reqwest::Client::new().get(format!("http://{a}/1/users/current"));
                    if let Some(v) = req.headers().get("authorization") {
                        out = out.header("authorization", v.as_bytes());
                    }
                    let resp = out.send().await.expect("gateway A answers");
                    let status = resp.status();
                    let body = resp.bytes().await.expect("body");
                    let mut back = http::Response::new(Full::new(body));
                    *back.status_mut() = status;
                    Ok(back)
                });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
            );
        }
    });
    addr
}

const UNAVAILABLE: [(u16, &str); 3] = [
    (
        502,
        r#"{"success":false,"error":"Upstream unavailable [error-upstream-unavailable]","errorType":"error-upstream-unavailable"}"#,
    ),
    (
        503,
        r#"{"detail":"Service temporarily unavailable, try again later."}"#,
    ),
    (
        502,
        r#"{"error":"Bad Gateway","error_code":502,"error_description":"Upstream unavailable"}"#,
    ),
];
const TIMEOUT: [(u16, &str); 3] = [
    (
        504,
        r#"{"success":false,"error":"Upstream timed out [error-upstream-timeout]","errorType":"error-upstream-timeout"}"#,
    ),
    (504, r#"{"detail":"Upstream timed out, try again later."}"#),
    (
        504,
        r#"{"error":"Gateway Timeout","error_code":504,"error_description":"Upstream timed out"}"#,
    ),
];

/// The three dialects' requests to B in front of `url` (or, for SelfCommunity, whose every
/// answerable request but `user/me/` is refused before a call, `all_url`, which fails
/// `users/current` too): Rocket.Chat mapped, SelfCommunity and Quip passthrough.
async fn three(url: String, all_url: String, timeout_ms: u64) -> [Answer; 3] {
    let dir = tempfile::tempdir().expect("tempdir");
    let creds = bearer_credentials(dir.path());
    let set = |c: &mut QuipBackendConfig| c.timeout_ms = timeout_ms;
    let mapped = quip_b(url.clone(), Some(creds), set).await;
    let passthrough = quip_b(url, None, set).await;
    let all = quip_b(all_url, None, set).await;
    [
        ask(
            &mapped,
            &format!("/api/v1/dm.history?roomId={BIG_DM}&showThreadMessages=true"),
            &RC_ANA,
        )
        .await,
        ask(&all, "/api/v2/user/me/", &SC_ANA).await,
        ask(&passthrough, &format!("/1/messages/{DOC}"), &QUIP_PRIYA).await,
    ]
}

fn expect(answers: &[Answer; 3], want: &[(u16, &str); 3], label: &str) {
    for (a, (status, body)) in answers.iter().zip(want) {
        assert_eq!((a.status, a.body.as_str()), (*status, *body), "{label}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_that_is_down_is_unavailable_in_every_dialect() {
    let gone = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let url = format!("http://{gone}");
    let answers = three(url.clone(), url, 1_000).await;
    // Quip callers authenticate upstream: that call fails first, the same way.
    expect(&answers, &UNAVAILABLE, "down");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_server_errors_are_unavailable_in_every_dialect() {
    for fault in [Fault::Garbage, Fault::NotAnArray, Fault::ServerError] {
        let some = stand_in(fault, false).await;
        let all = stand_in(fault, true).await;
        let answers = three(format!("http://{some}"), format!("http://{all}"), 1_000).await;
        expect(&answers, &UNAVAILABLE, &format!("{fault:?}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_upstream_is_a_timeout_in_every_dialect() {
    let some = stand_in(Fault::Slow, false).await;
    let all = stand_in(Fault::Slow, true).await;
    let answers = three(format!("http://{some}"), format!("http://{all}"), 300).await;
    expect(&answers, &TIMEOUT, "slow");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_429_is_the_dialects_rate_limit_answer_with_the_wait() {
    let some = stand_in(Fault::RateLimited, false).await;
    let all = stand_in(Fault::RateLimited, true).await;
    let [rc, sc, quip] = three(format!("http://{some}"), format!("http://{all}"), 1_000).await;
    assert_eq!(rc.status, 429, "{}", rc.body);
    let wait = crate::common::rc_too_many_wait(&rc, "rocketchat");
    assert!((6..=7).contains(&wait), "{wait}");
    assert_eq!(sc.status, 429, "{}", sc.body);
    assert!(
        sc.body
            .starts_with(r#"{"detail":"Request was throttled. Expected available in "#),
        "{}",
        sc.body
    );
    assert_eq!(quip.status, 503, "{}", quip.body);
    assert!(quip.body.contains("Over Rate Limit"), "{}", quip.body);
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

// ---- identity and authority -----------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_api_reads_only_for_admins_of_the_company_themselves() {
    use threadgate::config::QuipApi;
    let dir = tempfile::tempdir().expect("tempdir");
    let counter = Counter::start().await;
    let admin = |c: &mut QuipBackendConfig| {
        c.quip.api = QuipApi::Admin;
        c.quip.company_id = "northwind".into();
    };
    let mapped = quip_b(counter.url(), Some(bearer_credentials(dir.path())), admin).await;
    let passthrough = quip_b(counter.url(), None, admin).await;
    let a = Gw::default().await;
    // Marcus administers northwind: a member's read goes to the Admin API, whose answer
    // (every thread of the company, his or not) is A's admin answer byte for byte.
    let want = ask(
        &a,
        &format!("/1/admin/messages/{DOC}?company_id=northwind"),
        &QUIP_MARCUS,
    )
    .await;
    assert_eq!(want.status, 200, "{}", want.body);
    for b in [&mapped, &passthrough] {
        let got = ask(b, &format!("/1/messages/{DOC}"), &QUIP_MARCUS).await;
        assert_eq!((got.status, &got.body), (200, &want.body));
    }
    // Priya does not: the directory says so (mapped, no call), the upstream says so to her
    // own token (passthrough); either way the answer names the company.
    let forbidden =
        r#"{"error":"Forbidden","error_code":403,"error_description":"Not authorized: northwind"}"#;
    let before = counter.calls();
    let got = ask(&mapped, &format!("/1/messages/{DOC}"), &QUIP_PRIYA).await;
    assert_eq!((got.status, got.body.as_str()), (403, forbidden));
    assert_eq!(counter.calls(), before, "refused before any call");
    let got = ask(&passthrough, &format!("/1/messages/{DOC}"), &QUIP_PRIYA).await;
    assert_eq!((got.status, got.body.as_str()), (403, forbidden));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mapped_caller_without_a_bearer_line_is_forbidden_as_the_platform_says() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("quip-upstream.jsonl");
    // Priya's line is a Rocket.Chat token, which Quip does not take; nobody else has one.
    std::fs::write(
        &path,
        "{\"user_id\":\"vDstRKMvtHPAYJks4\",\"scheme\":\"rocketchat\",\"upstream_user_id\":\"vDstRKMvtHPAYJks4\",\"token\":\"t\"}\n",
    )
    .expect("write");
    let counter = Counter::start().await;
    let b = quip_b(counter.url(), Some(path.display().to_string()), |_| {}).await;
    let cases: [(String, &[(&str, &str)], u16, &str); 2] = [
        (
            format!("/1/messages/{DOC}"),
            &QUIP_PRIYA,
            403,
            r#"{"error":"Forbidden","error_code":403,"error_description":"Not authorized: vCPRIcENZyp"}"#,
        ),
        (
            format!("/api/v1/dm.history?roomId={BIG_DM}&showThreadMessages=true"),
            &RC_ANA,
            403,
            r#"{"success":false,"error":"unauthorized"}"#,
        ),
    ];
    for (path, headers, status, body) in cases {
        let a = ask(&b, &path, headers).await;
        assert_eq!((a.status, a.body.as_str()), (status, body), "{path}");
    }
    assert_eq!(counter.calls(), 0);
    // A credential the directory does not know is still 401, before any of that.
    let a = ask(
        &b,
        "/1/messages/vCPRIcENZyp",
        &[("Authorization", "Bearer nobody")],
    )
    .await;
    assert_eq!(a.status, 401, "{}", a.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rocketchat_caller_in_passthrough_mode_is_401() {
    // Their X-User-Id/X-Auth-Token cannot go to Quip, which takes bearer tokens.
    let b = quip_b(format!("http://{}", demo_gateway()), None, |_| {}).await;
    let a = ask(
        &b,
        &format!("/api/v1/dm.history?roomId={BIG_DM}&showThreadMessages=true"),
        &RC_ANA,
    )
    .await;
    assert_eq!(a.status, 401, "{}", a.body);
}
