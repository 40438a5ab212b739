//! Faults of the `http` backend (docs/canonical-api.md), each answered in every dialect's
//! shape with its exact status and body, and within the deadline: a backend that is not
//! running, a `threadgate backend` process killed and restarted, a backend that answers past
//! `[backend] timeout_ms`, garbage and oversized answers, a wrong shared secret (spec:
//! rocketchat.md, selfcommunity.md, quip.md, rows "upstream unavailable" and "upstream
//! timeout").
//!
//! Not part of the topology matrix: every gateway here has `[backend] kind = "http"`.

use crate::common::{
    any_port, demo_service, demo_store, http_parts, send, test_config, Answer, Gw,
};
use bytes::Bytes;
use http_body_util::{combinators::UnsyncBoxBody, BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use std::convert::Infallible;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use threadgate::config::{BackendConfig, HttpBackendConfig};

/// `[server] request_timeout_ms` of every gateway here.
const REQUEST_TIMEOUT_MS: u64 = 2_000;
/// An answer later than this is a hang: the request timeout plus a generous margin for a
/// loaded machine (a bound, not a performance assertion).
const NO_HANG: Duration = Duration::from_millis(REQUEST_TIMEOUT_MS + 3_000);

/// What every dialect is expected to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Ok,
    Unavailable,
    Timeout,
}

/// One request of a dialect, and its answers to the backend's faults.
struct Dialect {
    name: &'static str,
    path: &'static str,
    headers: &'static [(&'static str, &'static str)],
    /// A piece of its 200 body.
    ok_marker: &'static str,
    unavailable: (u16, &'static str),
    timeout: (u16, &'static str),
}

const DIALECTS: [Dialect; 3] = [
    Dialect {
        name: "rocketchat",
        path: "/api/v1/chat.getThreadMessages?tmid=hwid5RgAfuvaSBZbM",
        headers: &[
            ("X-User-Id", "vSt4xaDt4dQRTjJYe"),
            (
                "X-Auth-Token",
                "e2r9S9vbhzil4mJnQfKuuMq5UrbYi2IaDHUiuhIG6GC",
            ),
        ],
        ok_marker: r#""success":true}"#,
        unavailable: (
            502,
            r#"{"success":false,"error":"Upstream unavailable [error-upstream-unavailable]","errorType":"error-upstream-unavailable"}"#,
        ),
        timeout: (
            504,
            r#"{"success":false,"error":"Upstream timed out [error-upstream-timeout]","errorType":"error-upstream-timeout"}"#,
        ),
    },
    Dialect {
        name: "selfcommunity",
        path: "/api/v2/pm/?thread=501",
        headers: &[(
            "Authorization",
            "Bearer tg_bearer_ana.lima_l3jtt175u58vgxn0",
        )],
        ok_marker: r#""results":["#,
        unavailable: (
            503,
            r#"{"detail":"Service temporarily unavailable, try again later."}"#,
        ),
        timeout: (504, r#"{"detail":"Upstream timed out, try again later."}"#),
    },
    Dialect {
        name: "quip",
        path: "/1/messages/vCPRIcENZyp",
        headers: &[(
            "Authorization",
            "Bearer tg_bearer_priya.raman_aa4qlgr6ch27ga94",
        )],
        ok_marker: r#"[{"#,
        unavailable: (
            502,
            r#"{"error":"Bad Gateway","error_code":502,"error_description":"Upstream unavailable"}"#,
        ),
        timeout: (
            504,
            r#"{"error":"Gateway Timeout","error_code":504,"error_description":"Upstream timed out"}"#,
        ),
    },
];

impl Dialect {
    fn request(&self, gw: &Gw) -> reqwest::RequestBuilder {
        self.headers
            .iter()
            .fold(gw.get(self.path), |req, (name, value)| {
                req.header(*name, *value)
            })
    }

    /// Whether `a` is this dialect's answer `want`; the reason when it is not.
    fn mismatch(&self, want: Want, a: &Answer) -> Option<String> {
        let (status, body) = match want {
            Want::Ok if a.status == 200 && a.body.contains(self.ok_marker) => return None,
            Want::Ok => (200, self.ok_marker),
            Want::Unavailable => self.unavailable,
            Want::Timeout => self.timeout,
        };
        if want != Want::Ok && a.status == status && a.body == body {
            return None;
        }
        Some(format!(
            "{}: want {want:?} ({status}, {body}), got {}: {}",
            self.name, a.status, a.body
        ))
    }
}

/// One request per dialect, each answered `want` within [`NO_HANG`] with a JSON body; at
/// least `at_least` after it was sent (a lower bound that cannot flake).
async fn expect_all_after(gw: &Gw, want: Want, at_least: Duration, label: &str) -> Vec<Answer> {
    let mut answers = Vec::new();
    for d in &DIALECTS {
        let started = Instant::now();
        let a = send(d.request(gw)).await;
        let took = started.elapsed();
        assert!(
            took < NO_HANG,
            "{label}: {} answered after {took:?}",
            d.name
        );
        assert!(
            took >= at_least,
            "{label}: {} answered after {took:?}",
            d.name
        );
        if let Some(why) = d.mismatch(want, &a) {
            panic!("{label}: {why}");
        }
        assert!(a.header("x-request-id").is_some(), "{label}: {}", d.name);
        assert_eq!(
            a.header("content-type"),
            Some("application/json"),
            "{label}: {}",
            d.name
        );
        answers.push(a);
    }
    answers
}

async fn expect_all(gw: &Gw, want: Want, label: &str) -> Vec<Answer> {
    expect_all_after(gw, want, Duration::ZERO, label).await
}

/// Asks every dialect again (bounded by `within`) until all answer `want`.
async fn poll_until_all(gw: &Gw, want: Want, within: Duration, label: &str) {
    let deadline = Instant::now() + within;
    loop {
        let mut miss = None;
        for d in &DIALECTS {
            let a = send(d.request(gw)).await;
            miss = miss.or(d.mismatch(want, &a));
        }
        let Some(why) = miss else { return };
        assert!(
            Instant::now() < deadline,
            "{label}: not {want:?} within {within:?}: {why}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn readyz(gw: &Gw) -> u16 {
    send(gw.http.get(format!("{}/readyz", gw.admin)))
        .await
        .status
}

/// Polls `/readyz` (bounded by `within`) until it answers `status`.
async fn poll_readyz(gw: &Gw, status: u16, within: Duration, label: &str) {
    let deadline = Instant::now() + within;
    while readyz(gw).await != status {
        assert!(
            Instant::now() < deadline,
            "{label}: /readyz not {status} within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A gateway whose `[backend]` is the `http` backend at `url`, `tweak`ed.
async fn gateway(url: String, tweak: impl FnOnce(&mut HttpBackendConfig)) -> Gw {
    let mut config = test_config();
    config.server.request_timeout_ms = REQUEST_TIMEOUT_MS;
    let mut backend = HttpBackendConfig {
        url,
        ..HttpBackendConfig::default()
    };
    tweak(&mut backend);
    config.backend = BackendConfig::Http(backend);
    let parts = http_parts(&config).await;
    let running = threadgate::server::start_with(config, parts)
        .await
        .expect("gateway starts");
    Gw {
        base: format!("http://{}", running.addr),
        admin: format!("http://{}", running.admin_addr),
        running,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        service: None,
    }
}

// ---- 1. nothing listening -----------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backend_not_started_is_unavailable_and_not_ready() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let gw = gateway(format!("http://127.0.0.1:{port}"), |_| {}).await;
    expect_all(&gw, Want::Unavailable, "not started").await;
    assert_eq!(readyz(&gw).await, 503);
}

// ---- 2. a `threadgate backend` process killed, then restarted -----------------------------

/// A `threadgate backend` process, killed when dropped.
struct BackendProcess {
    child: Child,
    lines: tokio::sync::mpsc::UnboundedReceiver<serde_json::Value>,
}

impl Drop for BackendProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl BackendProcess {
    fn spawn(config: &Path, listen: &str) -> BackendProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_threadgate"))
            .arg("backend")
            .arg("--config")
            .arg(config)
            .args(["--listen", listen, "--admin-listen", "127.0.0.1:0"])
            .env_remove("THREADGATE_CONFIG")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start threadgate backend");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = tokio::sync::mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) {
                    if tx.send(v).is_err() {
                        break;
                    }
                }
            }
        });
        BackendProcess { child, lines }
    }

    /// Waits (bounded) for its protocol listener's "listening" line; returns the address.
    async fn listening(&mut self) -> SocketAddr {
        let wait = async {
            while let Some(line) = self.lines.recv().await {
                if line["message"] == "listening" && line["listener"] == "canonical" {
                    return line["addr"]
                        .as_str()
                        .expect("addr")
                        .parse()
                        .expect("an address");
                }
            }
            panic!("threadgate backend exited before listening");
        };
        tokio::time::timeout(Duration::from_secs(20), wait)
            .await
            .expect("threadgate backend listening within 20 s")
    }

    /// SIGKILL, and reaped.
    fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_backend_process_is_unavailable_until_restarted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("backend.toml");
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/demo");
    let toml = format!(
        "[backend]\nkind = \"embedded\"\npath = \":memory:\"\nseed = {:?}\n\n[log]\nformat = \"json\"\nlevel = \"info\"\n",
        seed.display().to_string()
    );
    std::fs::write(&config, toml).expect("config written");

    let mut first = BackendProcess::spawn(&config, "127.0.0.1:0");
    let addr = first.listening().await;
    let gw = gateway(format!("http://{addr}"), |_| {}).await;
    expect_all(&gw, Want::Ok, "before the kill").await;
    assert_eq!(readyz(&gw).await, 200);

    first.kill();
    expect_all(&gw, Want::Unavailable, "killed").await;
    // The probe loop re-probes a healthy backend every 5 s.
    poll_readyz(&gw, 503, Duration::from_secs(8), "killed").await;

    let mut second = BackendProcess::spawn(&config, &addr.to_string());
    assert_eq!(second.listening().await, addr);
    poll_until_all(&gw, Want::Ok, Duration::from_secs(10), "restarted").await;
    expect_all(&gw, Want::Ok, "restarted").await;
    // ... and a failing one every 500 ms.
    poll_readyz(&gw, 200, Duration::from_secs(5), "restarted").await;
}

// ---- 3-5. a stand-in backend misbehaving on /v1/query -------------------------------------

type Body = UnsyncBoxBody<Bytes, std::io::Error>;

/// What the stand-in answers to `POST /v1/query` (the other calls go to `demo_service()`).
#[derive(Debug, Clone, Copy)]
enum OnQuery {
    /// Nothing for this long.
    Stall(Duration),
    /// The headers at once, then a byte of the body every 50 ms for 10 s.
    Dribble,
    /// This answer, with or without `threadgate-protocol: 1`.
    Reply {
        status: u16,
        version: Option<&'static str>,
        body: &'static str,
    },
    /// 64 MiB, with or without Content-Length.
    Flood { content_length: bool },
}

const FLOOD_BYTES: usize = 64 * 1024 * 1024;
static CHUNK: [u8; 64 * 1024] = [b' '; 64 * 1024];
const FLOOD_HEAD: &[u8] = br#"{"messages":[]}"#;

fn full(status: u16, version: Option<&str>, body: impl Into<Bytes>) -> http::Response<Body> {
    let mut resp = http::Response::builder()
        .status(status)
        .header("content-type", "application/json");
    if let Some(v) = version {
        resp = resp.header("threadgate-protocol", v);
    }
    let body = Full::new(body.into()).map_err(|never: Infallible| match never {});
    resp.body(UnsyncBoxBody::new(body)).expect("response")
}

async fn misbehave(on: OnQuery) -> http::Response<Body> {
    match on {
        OnQuery::Stall(d) => {
            tokio::time::sleep(d).await;
            full(200, Some("1"), r#"{"messages":[]}"#)
        }
        OnQuery::Reply {
            status,
            version,
            body,
        } => full(status, version, body),
        OnQuery::Dribble => {
            let bytes = futures_util::stream::unfold(0, |n| async move {
                tokio::time::sleep(Duration::from_millis(50)).await;
                let byte = Bytes::from_static(if n == 0 { b"{" } else { b" " });
                (n < 200).then(|| (Ok::<_, std::io::Error>(Frame::data(byte)), n + 1))
            });
            let resp = http::Response::builder()
                .status(200)
                .header("content-type", "application/json")
                .header("threadgate-protocol", "1");
            resp.body(UnsyncBoxBody::new(StreamBody::new(bytes)))
                .expect("response")
        }
        OnQuery::Flood { content_length } => {
            // A valid empty page followed by 64 MiB of JSON whitespace: refused for its size
            // alone.
            let head = Bytes::from_static(FLOOD_HEAD);
            let tail = Bytes::from_static(&CHUNK[FLOOD_HEAD.len()..]);
            let middle = (1..FLOOD_BYTES / CHUNK.len()).map(|_| Bytes::from_static(&CHUNK));
            let chunks = std::iter::once(head)
                .chain(middle)
                .chain(std::iter::once(tail))
                .map(|b| Ok::<_, std::io::Error>(Frame::data(b)));
            let mut resp = http::Response::builder()
                .status(200)
                .header("content-type", "application/json")
                .header("threadgate-protocol", "1");
            if content_length {
                resp = resp.header("content-length", FLOOD_BYTES);
            }
            let body = StreamBody::new(futures_util::stream::iter(chunks));
            resp.body(UnsyncBoxBody::new(body)).expect("response")
        }
    }
}

/// Passes a call on to the real shared `threadgate backend`, headers that matter included.
async fn forward(req: http::Request<Incoming>, upstream: SocketAddr) -> http::Response<Body> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let mut out = reqwest::Client::new()
        .request(
            parts.method,
            format!("http://{upstream}{}", parts.uri.path()),
        )
        .body(body);
    for (name, value) in &parts.headers {
        if name != "host" && name != "content-length" {
            out = out.header(name, value);
        }
    }
    let resp = out.send().await.expect("the demo service answers");
    let status = resp.status().as_u16();
    let version = resp.headers().get("threadgate-protocol").cloned();
    let body = resp.bytes().await.expect("the demo service's body");
    let version = version.as_ref().and_then(|v| v.to_str().ok());
    full(status, version, body)
}

/// A protocol server on 127.0.0.1:0 for the rest of the test: `/v1/query` answered as `on`
/// says, everything else by the real demo service (so callers authenticate for real).
async fn stand_in(on: OnQuery) -> SocketAddr {
    let upstream = demo_service();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let service =
                hyper::service::service_fn(move |req: http::Request<Incoming>| async move {
                    Ok::<_, Infallible>(if req.uri().path() == "/v1/query" {
                        misbehave(on).await
                    } else {
                        forward(req, upstream).await
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
async fn an_answer_past_the_backend_timeout_is_504() {
    let timeout = Duration::from_millis(300);
    for on in [OnQuery::Stall(Duration::from_secs(10)), OnQuery::Dribble] {
        let addr = stand_in(on).await;
        let gw = gateway(format!("http://{addr}"), |b| {
            b.timeout_ms = timeout.as_millis() as u64;
        })
        .await;
        // Readiness goes to the real service: only queries are late.
        assert_eq!(readyz(&gw).await, 200);
        expect_all_after(&gw, Want::Timeout, timeout, &format!("{on:?}")).await;
    }
}

const fn reply(status: u16, version: Option<&'static str>, body: &'static str) -> OnQuery {
    OnQuery::Reply {
        status,
        version,
        body,
    }
}

/// Answers to `/v1/query` that are not a page of protocol version 1.
const GARBAGE: &[(&str, OnQuery)] = &[
    (
        "not a page",
        reply(200, Some("1"), r#"{"messages":"none","total":-1}"#),
    ),
    (
        "not JSON",
        reply(200, Some("1"), "<html><body>It works!</body></html>"),
    ),
    (
        "a page, no version header",
        reply(200, None, r#"{"messages":[]}"#),
    ),
    (
        "a page of version 2",
        reply(200, Some("2"), r#"{"messages":[]}"#),
    ),
    (
        "a 500, not canonical",
        reply(500, Some("1"), "Internal Server Error"),
    ),
    (
        "kind and status disagree",
        reply(404, Some("1"), r#"{"error":{"kind":"backend_timeout"}}"#),
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_answers_to_a_query_are_unavailable() {
    for (label, on) in GARBAGE {
        let addr = stand_in(*on).await;
        let gw = gateway(format!("http://{addr}"), |_| {}).await;
        expect_all(&gw, Want::Unavailable, label).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_64_mib_answer_is_refused_quickly() {
    for content_length in [true, false] {
        let addr = stand_in(OnQuery::Flood { content_length }).await;
        let gw = gateway(format!("http://{addr}"), |_| {}).await;
        let label = format!("64 MiB, content-length: {content_length}");
        expect_all(&gw, Want::Unavailable, &label).await;
    }
}

// ---- 6. the shared secret -----------------------------------------------------------------

const RIGHT: &str = "right-secret";
const WRONG: &str = "wrong-secret";

fn assert_no_secret(answers: &[Answer], label: &str) {
    for a in answers {
        for secret in [RIGHT, WRONG] {
            assert!(!a.body.contains(secret), "{label}: {secret} in {}", a.body);
            for (name, value) in &a.headers {
                let value = String::from_utf8_lossy(value.as_bytes());
                assert!(
                    !value.contains(secret),
                    "{label}: {secret} in {name}: {value}"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_shared_secret_is_unavailable_and_never_echoed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = |name: &str, secret: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, secret).expect("secret written");
        path.display().to_string()
    };
    let (right, wrong) = (file("right", RIGHT), file("wrong", WRONG));
    let mut service_config = test_config();
    service_config.backend_service.token_file = right.clone();
    let store = demo_store();
    let built = threadgate::backend::Built {
        auth: store.authenticator(),
        backend: store,
    };
    let service = threadgate::service::start_with(&service_config, built, any_port())
        .await
        .expect("backend service starts");
    let url = format!("http://{}", service.addr);

    for (label, token_file) in [("wrong secret", wrong), ("no secret", String::new())] {
        let gw = gateway(url.clone(), |b| b.token_file = token_file).await;
        let answers = expect_all(&gw, Want::Unavailable, label).await;
        assert_no_secret(&answers, label);
        assert_eq!(readyz(&gw).await, 503, "{label}");
    }

    let gw = gateway(url, |b| b.token_file = right).await;
    let answers = expect_all(&gw, Want::Ok, "right secret").await;
    assert_no_secret(&answers, "right secret");
    assert_eq!(readyz(&gw).await, 200);
}
