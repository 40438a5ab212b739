//! Conditional queries over the canonical protocol (docs/canonical-api.md, "Conditional
//! queries"): `threadgate backend` over a store file tags each page with the store's data
//! generation and answers `304` to a query that holds the current one; a gateway of kind
//! `http` keeps its pages (`page_cache_bytes`) and answers a repeated page through that
//! `304`, byte for byte, and a write into the store (through any handle) is seen at once.
//! A `304` the gateway did not ask for, and a generation that does not parse, are bad
//! backend answers.

use crate::common::{
    any_port, demo_ids, demo_service, http_parts, send, test_config, use_service, Answer, Gw,
};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use threadgate::backend::embedded::EmbeddedBackend;
use threadgate::backend::fault::Delayed;
use threadgate::backend::{Backend, Built};
use threadgate::canonical::{Principal, Target, ThreadQuery};
use threadgate::config::{BackendConfig, Config};
use threadgate::protocol::{self, Generation};
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
/// A page with a fixed bound (`latest`), so that a repeated request is the same query.
const DM: &str = "/api/v1/dm.history?roomId=r1&latest=2100-06-01T00:00:00.000Z";

fn write(dir: &Path, files: &[(&str, &str)]) {
    std::fs::create_dir_all(dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

/// A store file with the small seed in `dir`; its path and the handle that wrote it.
fn store_file(dir: &Path) -> (String, Arc<EmbeddedBackend>) {
    let seed = dir.join("seed");
    write(
        &seed,
        &[
            ("users.jsonl", USERS),
            ("rooms.jsonl", ROOMS),
            ("messages.jsonl", MESSAGES),
            ("tokens.jsonl", TOKENS),
        ],
    );
    let path = dir.join("store.sqlite").display().to_string();
    let store = Arc::new(EmbeddedBackend::open(&path, 2).unwrap());
    store.import_dir(&seed).unwrap();
    (path, store)
}

/// A message more in `r1`, imported from a directory of its own.
fn one_more(dir: &Path, id: &str, created_at: &str) -> PathBuf {
    let more = dir.join(id);
    let line = format!(
        r#"{{"id":"{id}","room_id":"r1","author_id":"u2","text":"{id}","created_at":"{created_at}","kind":"regular","status":"visible"}}"#
    );
    write(&more, &[("messages.jsonl", &format!("{line}\n"))]);
    more
}

async fn serve(backend: Arc<dyn Backend>, store: &EmbeddedBackend) -> threadgate::service::Running {
    let built = Built {
        auth: store.authenticator(),
        backend,
    };
    threadgate::service::start_with(&test_config(), built, any_port())
        .await
        .expect("service starts")
}

/// A gateway of kind `http` over the service at `addr` (`tweak` applied).
async fn http_gateway(addr: SocketAddr, tweak: impl FnOnce(&mut Config)) -> Gw {
    let mut config = test_config();
    use_service(&mut config, addr);
    tweak(&mut config);
    let parts = http_parts(&config).await;
    Gw::around(
        threadgate::server::start_with(config, parts)
            .await
            .expect("gateway starts"),
    )
}

/// A gateway with the store inside and no kept answers: what every page must equal.
async fn embedded_gateway(store: Arc<EmbeddedBackend>) -> Gw {
    let mut config = test_config();
    config.server.answer_cache_bytes = 0;
    let parts = Parts {
        auth: store.authenticator(),
        backend: store,
        ids: demo_ids(),
    };
    Gw::around(
        threadgate::server::start_with(config, parts)
            .await
            .expect("gateway starts"),
    )
}

async fn ask(gw: &Gw, path: &str, who: &[(&str, &str)]) -> Answer {
    send(who.iter().fold(gw.get(path), |r, (k, v)| r.header(*k, *v))).await
}

/// The service's `/v1/query` answers so far: (200s, 304s).
async fn query_statuses(s: &threadgate::service::Running) -> (u64, u64) {
    let m = send(reqwest::Client::new().get(format!("http://{}/metrics", s.admin_addr))).await;
    let count = |status: &str| {
        let needle = format!(
            "threadgate_requests_total{{dialect=\"canonical\",route=\"query\",status=\"{status}\"}} "
        );
        m.body
            .lines()
            .find_map(|l| l.strip_prefix(&needle))
            .map_or(0, |n| n.parse().unwrap())
    };
    (count("200"), count("304"))
}

/// Asserts that `a` is `want`: status, content type and body, byte for byte.
fn assert_same(a: &Answer, want: &Answer, label: &str) {
    assert_eq!(
        (a.status, a.header("content-type"), a.body.as_str()),
        (want.status, want.header("content-type"), want.body.as_str()),
        "{label}"
    );
}

fn ids(a: &Answer) -> Vec<String> {
    a.json()["messages"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", a.body))
        .iter()
        .map(|m| m["_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_page_is_answered_through_a_304_with_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (_path, store) = store_file(dir.path());
    let s = serve(store.clone(), &store).await;
    let gw = http_gateway(s.addr, |_| {}).await;
    let truth = ask(&embedded_gateway(store).await, DM, &ALICE).await;
    assert_eq!(truth.status, 200, "{}", truth.body);
    assert_eq!(ids(&truth), ["m2", "m1"]);

    let first = ask(&gw, DM, &ALICE).await;
    assert_same(&first, &truth, "the first page");
    let (pages, unchanged) = query_statuses(&s).await;
    assert!(pages >= 1, "{pages}");
    assert_eq!(unchanged, 0);
    let second = ask(&gw, DM, &ALICE).await;
    assert_same(&second, &truth, "the page answered through a 304");
    // Every query of the repeated request was answered 304, none ran again.
    assert_eq!(query_statuses(&s).await, (pages, pages));

    // Carol asks the same URL: her query is another key, answered for her (she is no member
    // of r1), never Alice's kept page.
    let carol = ask(&gw, DM, &CAROL).await;
    assert_ne!(carol.body, truth.body);
    assert!(!carol.body.contains("\"m1\""), "{}", carol.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_into_the_services_store_gives_the_fresh_page_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let (path, store) = store_file(dir.path());
    let s = serve(store.clone(), &store).await;
    let gw = http_gateway(s.addr, |_| {}).await;
    let truth = embedded_gateway(store.clone()).await;
    let kept = ask(&gw, DM, &ALICE).await;
    assert_eq!(ids(&kept), ["m2", "m1"]);
    assert_same(&ask(&gw, DM, &ALICE).await, &kept, "kept");

    // Another handle on the file writes (as `threadgate import` in another process would).
    let other = EmbeddedBackend::open(&path, 1).unwrap();
    other
        .import_dir(&one_more(dir.path(), "m3", "2024-05-01T10:00:03Z"))
        .unwrap();
    let before = query_statuses(&s).await;
    let fresh = ask(&gw, DM, &ALICE).await;
    assert_eq!(ids(&fresh), ["m3", "m2", "m1"]);
    assert_same(
        &fresh,
        &ask(&truth, DM, &ALICE).await,
        "after another handle's write",
    );
    let after = query_statuses(&s).await;
    assert!(after.0 > before.0, "the page was read again: {after:?}");
    assert_eq!(after.1, before.1, "no 304 for a changed store");
    assert_same(&ask(&gw, DM, &ALICE).await, &fresh, "the fresh page, kept");
    assert!(
        query_statuses(&s).await.1 > after.1,
        "answered through a 304"
    );

    // The service's own handle writes: the same.
    store
        .import_dir(&one_more(dir.path(), "m4", "2024-05-01T10:00:04Z"))
        .unwrap();
    let fresher = ask(&gw, DM, &ALICE).await;
    assert_eq!(ids(&fresher), ["m4", "m3", "m2", "m1"]);
    assert_same(
        &fresher,
        &ask(&truth, DM, &ALICE).await,
        "after its own write",
    );
}

fn alice_query() -> Vec<u8> {
    let alice = Principal {
        user_id: "u1".into(),
        username: "alice".into(),
        admin_of: Vec::new(),
    };
    protocol::encode_query(&ThreadQuery::new(alice, Target::Room("r1".into())))
}

fn post_query(addr: SocketAddr, held: Option<&str>) -> reqwest::RequestBuilder {
    let req = reqwest::Client::new()
        .post(format!("http://{addr}{}", protocol::QUERY_PATH))
        .header("content-type", "application/json")
        .body(alice_query());
    match held {
        Some(v) => req.header(protocol::IF_DATA_VERSION_HEADER, v),
        None => req,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_answers_304_to_the_current_generation_only() {
    let dir = tempfile::tempdir().unwrap();
    let (_path, store) = store_file(dir.path());
    let s = serve(store.clone(), &store).await;
    let page = send(post_query(s.addr, None)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let now = page
        .header(protocol::DATA_VERSION_HEADER)
        .expect("a generation")
        .to_owned();
    let g = Generation::parse(now.as_bytes()).expect("parses");

    let same = send(post_query(s.addr, Some(&now))).await;
    assert_eq!((same.status, same.body.as_str()), (304, ""));
    assert_eq!(
        same.header(protocol::DATA_VERSION_HEADER),
        Some(now.as_str())
    );
    assert_eq!(same.header("threadgate-protocol"), Some("1"));

    let mut stale = g.clone();
    stale.version.local += 1;
    let mut elsewhere = g.clone();
    elsewhere.instance = Generation::new_instance();
    for (label, held) in [("stale", stale), ("another instance", elsewhere)] {
        let a = send(post_query(s.addr, Some(&held.value()))).await;
        assert_eq!(
            (a.status, a.body.as_str()),
            (200, page.body.as_str()),
            "{label}"
        );
        assert_eq!(a.header(protocol::DATA_VERSION_HEADER), Some(now.as_str()));
    }

    for bad in ["", "1.2", "ab.1.-2", "ab.1.2.3", "a b.1.2"] {
        let a = send(post_query(s.addr, Some(bad))).await;
        assert_eq!(a.status, 400, "{bad:?}: {}", a.body);
        let kind = protocol::decode_error(a.status, a.body.as_bytes()).expect("an error body");
        assert_eq!(protocol::decoded_kind(&kind), "bad_request", "{bad:?}");
        assert!(
            a.body.contains(protocol::IF_DATA_VERSION_HEADER),
            "{}",
            a.body
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_tells_no_generation_is_never_answered_304() {
    let dir = tempfile::tempdir().unwrap();
    let (_path, store) = store_file(dir.path());
    let told = serve(store.clone(), &store).await;
    let now = send(post_query(told.addr, None)).await;
    let now = now
        .header(protocol::DATA_VERSION_HEADER)
        .unwrap()
        .to_owned();
    // A decorated store that does not pass the generation on.
    let untold: Arc<dyn Backend> = Arc::new(Delayed::new(store.clone(), Default::default()));
    let s = serve(untold, &store).await;
    for held in [None, Some(now.as_str())] {
        let a = send(post_query(s.addr, held)).await;
        assert_eq!(a.status, 200, "{held:?}: {}", a.body);
        assert_eq!(a.header(protocol::DATA_VERSION_HEADER), None);
    }
    // A gateway over it keeps nothing and asks for the page each time.
    let gw = http_gateway(s.addr, |_| {}).await;
    let first = ask(&gw, DM, &ALICE).await;
    assert_same(&ask(&gw, DM, &ALICE).await, &first, "read twice");
    assert_eq!(query_statuses(&s).await.1, 0);
}

// ---- bad backend answers ------------------------------------------------------------------

/// What a stand-in answers to `/v1/query`.
#[derive(Debug, Clone, Copy)]
enum OnQuery {
    /// `304` to every query.
    NotModified,
    /// A page with this `threadgate-data-version`.
    Tagged(&'static str),
}

type Body = http_body_util::combinators::UnsyncBoxBody<Bytes, Infallible>;

fn answer(status: u16, generation: Option<&str>, body: Bytes) -> http::Response<Body> {
    let mut resp = http::Response::builder()
        .status(status)
        .header("threadgate-protocol", "1");
    if let Some(g) = generation {
        resp = resp.header(protocol::DATA_VERSION_HEADER, g);
    }
    resp.body(Full::new(body).boxed_unsync()).expect("response")
}

/// Passes a call on to the shared demo service (callers authenticate for real).
async fn forward(req: http::Request<Incoming>, upstream: SocketAddr) -> http::Response<Body> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let resp = reqwest::Client::new()
        .request(
            parts.method,
            format!("http://{upstream}{}", parts.uri.path()),
        )
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("the demo service answers");
    let status = resp.status().as_u16();
    answer(status, None, resp.bytes().await.expect("body"))
}

/// A protocol server on 127.0.0.1:0: `/v1/query` answered as `on` says, the rest by the
/// shared demo service.
async fn stand_in(on: OnQuery) -> SocketAddr {
    let upstream = demo_service();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let service =
                hyper::service::service_fn(move |req: http::Request<Incoming>| async move {
                    Ok::<_, Infallible>(match (req.uri().path(), on) {
                        ("/v1/query", OnQuery::NotModified) => answer(304, None, Bytes::new()),
                        ("/v1/query", OnQuery::Tagged(g)) => {
                            answer(200, Some(g), Bytes::from_static(br#"{"messages":[]}"#))
                        }
                        _ => forward(req, upstream).await,
                    })
                });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
            );
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unasked_304_or_a_bad_generation_is_a_bad_backend_answer() {
    const PATH: &str = "/api/v1/chat.getThreadMessages?tmid=hwid5RgAfuvaSBZbM";
    const ANA: [(&str, &str); 2] = [
        ("X-User-Id", "vSt4xaDt4dQRTjJYe"),
        (
            "X-Auth-Token",
            "e2r9S9vbhzil4mJnQfKuuMq5UrbYi2IaDHUiuhIG6GC",
        ),
    ];
    const UNAVAILABLE: &str = r#"{"success":false,"error":"Upstream unavailable [error-upstream-unavailable]","errorType":"error-upstream-unavailable"}"#;
    let cases = [
        (
            "a 304 to a query that held no page",
            OnQuery::NotModified,
            1 << 20,
        ),
        ("a 304 with page_cache_bytes = 0", OnQuery::NotModified, 0),
        ("a generation of two parts", OnQuery::Tagged("7.1"), 1 << 20),
        ("a negative counter", OnQuery::Tagged("ab.-1.2"), 1 << 20),
        ("a generation with spaces", OnQuery::Tagged("a b.1.2"), 0),
    ];
    for (label, on, bytes) in cases {
        let addr = stand_in(on).await;
        let gw = http_gateway(addr, |c| {
            if let BackendConfig::Http(h) = &mut c.backend {
                h.page_cache_bytes = bytes;
            }
        })
        .await;
        for _ in 0..2 {
            let a = ask(&gw, PATH, &ANA).await;
            assert_eq!((a.status, a.body.as_str()), (502, UNAVAILABLE), "{label}");
        }
    }
}
