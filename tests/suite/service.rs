//! `threadgate backend` as a protocol peer, over real HTTP: what a gateway (or any other
//! client of the canonical protocol) gets for every call, every refusal and every bound.

use crate::common::{self, any_port, demo_store, private_store, send, test_config, Answer};
use std::sync::Arc;
use std::time::{Duration, Instant};
use threadgate::backend::fault::Delayed;
use threadgate::backend::{Backend, Built};
use threadgate::canonical::{Credential, Order, Principal, Slice, Target, ThreadQuery};
use threadgate::protocol::{self, Decoded};
use threadgate::service::Running;

const ANA_ID: &str = "vSt4xaDt4dQRTjJYe";
const ANA_TOKEN: &str = "e2r9S9vbhzil4mJnQfKuuMq5UrbYi2IaDHUiuhIG6GC";
const INCIDENT: &str = "LscqGbTLCzXQhjg4m";

async fn service(
    secret: Option<&str>,
    backend: Option<Arc<dyn Backend>>,
) -> (Running, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config();
    config.server.max_body_bytes = 4096;
    if let Some(secret) = secret {
        let file = dir.path().join("secret");
        std::fs::write(&file, format!("{secret}\n")).unwrap();
        config.backend_service.token_file = file.display().to_string();
    }
    let store = demo_store();
    let built = Built {
        auth: store.authenticator(),
        backend: backend.unwrap_or(store),
    };
    let running = threadgate::service::start_with(&config, built, any_port())
        .await
        .expect("service starts");
    (running, dir)
}

fn ana() -> Principal {
    Principal {
        user_id: ANA_ID.into(),
        username: "ana.lima".into(),
        admin_of: Vec::new(),
    }
}

fn thread_query() -> ThreadQuery {
    let mut q = ThreadQuery::new(ana(), Target::Replies(INCIDENT.into()));
    q.order = Order::Ascending;
    q.slice = Slice::Offset {
        offset: 5,
        limit: Some(10),
    };
    q.want_total = true;
    q
}

fn post(s: &Running, path: &str, body: Vec<u8>) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .post(format!("http://{}{path}", s.addr))
        .header("content-type", "application/json")
        .body(body)
}

fn error_of(a: &Answer) -> Decoded {
    protocol::decode_error(a.status, a.body.as_bytes())
        .unwrap_or_else(|e| panic!("not a protocol error body ({e}): {}", a.body))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_query_authenticate_and_ready_as_the_store_does() {
    let (s, _dir) = service(None, None).await;
    let query = thread_query();
    let a = send(
        post(&s, protocol::QUERY_PATH, protocol::encode_query(&query))
            .header("x-request-id", "req-42"),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.header("threadgate-protocol"), Some("1"));
    assert_eq!(a.header("x-request-id"), Some("req-42"));
    assert_eq!(a.header("content-type"), Some("application/json"));
    let page = protocol::decode_page(a.body.as_bytes()).unwrap();
    assert_eq!(page, common::store_query(&query).await.unwrap());
    assert_eq!(page.messages.len(), 10);
    assert_eq!(page.total, Some(137));

    let credential = Credential::UserToken {
        user_id: ANA_ID.into(),
        token: ANA_TOKEN.into(),
    };
    let a = send(post(
        &s,
        protocol::AUTHENTICATE_PATH,
        protocol::encode_credential(&credential),
    ))
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        protocol::decode_principal(a.body.as_bytes()).unwrap(),
        ana()
    );
    // A generated request id when none is sent.
    assert!(a.header("x-request-id").is_some_and(|id| id.len() >= 32));

    let wrong = Credential::Bearer {
        token: "no-such-token".into(),
    };
    let a = send(post(
        &s,
        protocol::AUTHENTICATE_PATH,
        protocol::encode_credential(&wrong),
    ))
    .await;
    assert_eq!(a.status, 401);
    assert_eq!(
        a.body,
        r#"{"error":{"kind":"unauthenticated","failure":"invalid"}}"#
    );
    assert!(!a.body.contains("no-such-token"));

    let a = send(reqwest::Client::new().get(format!("http://{}{}", s.addr, protocol::READY_PATH)))
        .await;
    assert_eq!((a.status, a.body.as_str()), (200, r#"{"ready":true}"#));
    let admin = |path: &str| reqwest::Client::new().get(format!("http://{}{path}", s.admin_addr));
    assert_eq!(send(admin("/livez")).await.status, 200);
    assert_eq!(send(admin("/readyz")).await.status, 200);
    let metrics = send(admin("/metrics")).await;
    assert!(
        metrics.body.contains(
            r#"threadgate_requests_total{dialect="canonical",route="query",status="200"} 1"#
        ),
        "{}",
        metrics.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_what_is_not_the_protocol_with_a_protocol_body() {
    let (s, _dir) = service(None, None).await;
    let mut unknown = serde_json::to_value(thread_query()).unwrap();
    unknown["newer_filter"] = serde_json::json!(true);
    let cases: Vec<(&str, reqwest::RequestBuilder, u16, &str)> = vec![
        (
            "unknown field",
            post(
                &s,
                protocol::QUERY_PATH,
                serde_json::to_vec(&unknown).unwrap(),
            ),
            400,
            "bad_request",
        ),
        (
            "not JSON",
            post(&s, protocol::QUERY_PATH, b"\x00\xffnot json".to_vec()),
            400,
            "bad_request",
        ),
        (
            "empty body",
            post(&s, protocol::QUERY_PATH, Vec::new()),
            400,
            "bad_request",
        ),
        (
            "trailing bytes",
            post(
                &s,
                protocol::QUERY_PATH,
                [protocol::encode_query(&thread_query()), b"{}".to_vec()].concat(),
            ),
            400,
            "bad_request",
        ),
        (
            "another version",
            post(
                &s,
                protocol::QUERY_PATH,
                protocol::encode_query(&thread_query()),
            )
            .header("threadgate-protocol", "2"),
            400,
            "bad_request",
        ),
        (
            "bad deadline",
            post(
                &s,
                protocol::QUERY_PATH,
                protocol::encode_query(&thread_query()),
            )
            .header("threadgate-deadline-ms", "soon"),
            400,
            "bad_request",
        ),
        (
            "too large",
            post(&s, protocol::QUERY_PATH, vec![b' '; 5000]),
            413,
            "payload_too_large",
        ),
        (
            "unknown path",
            post(&s, "/v1/nope", Vec::new()),
            404,
            "route_not_found",
        ),
        (
            "wrong method",
            reqwest::Client::new().get(format!("http://{}{}", s.addr, protocol::QUERY_PATH)),
            405,
            "method_not_allowed",
        ),
    ];
    for (label, req, status, kind) in cases {
        let a = send(req).await;
        assert_eq!(a.status, status, "{label}: {}", a.body);
        assert_eq!(a.header("threadgate-protocol"), Some("1"), "{label}");
        assert_eq!(
            protocol::decoded_kind(&error_of(&a)),
            kind,
            "{label}: {}",
            a.body
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_secret_is_required_of_every_call_and_never_echoed() {
    let (s, _dir) = service(Some("s3cret-value"), None).await;
    let body = || protocol::encode_query(&thread_query());
    for (label, auth) in [
        ("none", None),
        ("wrong", Some("Bearer nope")),
        ("other scheme", Some("Basic s3cret-value")),
    ] {
        let mut req = post(&s, protocol::QUERY_PATH, body());
        if let Some(value) = auth {
            req = req.header("authorization", value);
        }
        let a = send(req).await;
        assert_eq!(a.status, 401, "{label}");
        assert!(
            matches!(error_of(&a), Decoded::Protocol(_)),
            "{label}: {}",
            a.body
        );
        assert!(!a.body.contains("s3cret"), "{label}: {}", a.body);
    }
    let ready =
        send(reqwest::Client::new().get(format!("http://{}{}", s.addr, protocol::READY_PATH)))
            .await;
    assert_eq!(ready.status, 401);
    let a =
        send(post(&s, protocol::QUERY_PATH, body()).header("authorization", "Bearer s3cret-value"))
            .await;
    assert_eq!(a.status, 200, "{}", a.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_callers_deadline_bounds_the_call() {
    let slow: Arc<dyn Backend> = Arc::new(Delayed::new(demo_store(), Duration::from_secs(5)));
    let (s, _dir) = service(None, Some(slow)).await;
    let started = Instant::now();
    let a = send(
        post(
            &s,
            protocol::QUERY_PATH,
            protocol::encode_query(&thread_query()),
        )
        .header("threadgate-deadline-ms", "150"),
    )
    .await;
    assert_eq!(a.status, 504, "{}", a.body);
    assert_eq!(a.body, r#"{"error":{"kind":"backend_timeout"}}"#);
    // Bounded by the deadline sent, not by the store's five seconds.
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_store_is_unavailable_and_not_ready() {
    let store = private_store();
    let config = test_config();
    let built = Built {
        auth: store.authenticator(),
        backend: store.clone(),
    };
    let s = threadgate::service::start_with(&config, built, any_port())
        .await
        .unwrap();
    store.close();
    let a = send(post(
        &s,
        protocol::QUERY_PATH,
        protocol::encode_query(&thread_query()),
    ))
    .await;
    assert_eq!(a.status, 502, "{}", a.body);
    assert_eq!(protocol::decoded_kind(&error_of(&a)), "backend_unavailable");
    let ready =
        send(reqwest::Client::new().get(format!("http://{}{}", s.addr, protocol::READY_PATH)))
            .await;
    assert_eq!(ready.status, 503, "{}", ready.body);
    assert!(
        !protocol::decode_readiness(ready.status, ready.body.as_bytes())
            .unwrap()
            .ready
    );
    s.shutdown();
    s.wait().await;
}
