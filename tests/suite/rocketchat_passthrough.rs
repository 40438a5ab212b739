//! `[backend] passthrough = true` (kind `rocketchat`): Rocket.Chat routes the gateway does not
//! translate go to the upstream unchanged, both bodies streamed. The upstream here is a
//! stand-in the test starts, which records what arrives and answers as each test says.

use crate::common::{send, test_config, Answer, Gw};
use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Frame, Incoming};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use threadgate::config::{BackendConfig, RocketChatBackendConfig};
use tokio::sync::{mpsc, oneshot};

/// Every wait of these tests ends here at the latest (a failure, never a measurement).
const HANG: Duration = Duration::from_secs(10);

/// A request as the stand-in received it, its body read whole.
#[derive(Debug, Clone)]
struct Recorded {
    method: String,
    path_and_query: String,
    headers: http::HeaderMap,
    body: Bytes,
}

type StandInResp = http::Response<UnsyncBoxBody<Bytes, Infallible>>;
type Handler =
    Arc<dyn Fn(Recorded) -> Pin<Box<dyn Future<Output = StandInResp> + Send>> + Send + Sync>;

/// A body fed through a channel, one frame per message: the sender decides when each
/// part leaves.
struct ChannelBody(mpsc::Receiver<Bytes>);

impl Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0
            .poll_recv(cx)
            .map(|part| part.map(|b| Ok(Frame::data(b))))
    }
}

fn full(status: u16, headers: &[(&str, &str)], body: &'static [u8]) -> StandInResp {
    let mut resp = http::Response::new(Full::new(Bytes::from_static(body)).boxed_unsync());
    *resp.status_mut() = http::StatusCode::from_u16(status).expect("status");
    for (k, v) in headers {
        resp.headers_mut().append(
            http::HeaderName::from_bytes(k.as_bytes()).expect("name"),
            http::HeaderValue::from_str(v).expect("value"),
        );
    }
    resp
}

/// A request handed over unread, with where its answer goes.
type Raw = (http::Request<Incoming>, oneshot::Sender<StandInResp>);

/// The stand-in upstream: records every request but the gateway's readiness probes
/// (`GET /api/v1/me` without a credential) and answers with `handler`; or, started with
/// `raw`, hands each request over unread (its body still streaming) and answers what the
/// test sends back.
struct StandIn {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Recorded>>>,
}

impl StandIn {
    async fn start(handler: Handler) -> StandIn {
        StandIn::start_raw(handler, None).await
    }

    async fn start_raw(handler: Handler, raw: Option<mpsc::Sender<Raw>>) -> StandIn {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (handler, log, raw) = (handler.clone(), log.clone(), raw.clone());
                let service = hyper::service::service_fn(move |req: http::Request<Incoming>| {
                    let (handler, log, raw) = (handler.clone(), log.clone(), raw.clone());
                    async move { Ok::<_, Infallible>(answer(req, handler, log, raw).await) }
                });
                tokio::spawn(
                    hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
                );
            }
        });
        StandIn { addr, seen }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn seen(&self) -> Vec<Recorded> {
        self.seen.lock().expect("lock").clone()
    }
}

async fn answer(
    req: http::Request<Incoming>,
    handler: Handler,
    log: Arc<Mutex<Vec<Recorded>>>,
    raw: Option<mpsc::Sender<Raw>>,
) -> StandInResp {
    let probe = req.uri().path() == "/api/v1/me" && !req.headers().contains_key("x-auth-token");
    if probe {
        return full(401, &[], br#"{"status":"error"}"#);
    }
    let (parts, body) = req.into_parts();
    let mut rec = Recorded {
        method: parts.method.to_string(),
        path_and_query: parts.uri.to_string(),
        headers: parts.headers.clone(),
        body: Bytes::new(),
    };
    if let Some(raw) = raw {
        log.lock().expect("lock").push(rec);
        let (tx, rx) = oneshot::channel();
        let _ = raw.send((http::Request::from_parts(parts, body), tx)).await;
        return rx.await.unwrap_or_else(|_| full(500, &[], b"no answer"));
    }
    // A body cut short (the gateway's limit) is recorded as far as it came.
    rec.body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    log.lock().expect("lock").push(rec.clone());
    handler(rec).await
}

/// Gateway B in front of `url` with passthrough on (or off).
async fn gateway(url: String, passthrough: bool, max_body: u64) -> Gw {
    let mut config = test_config();
    config.backend = BackendConfig::RocketChat(RocketChatBackendConfig {
        url,
        passthrough,
        timeout_ms: 1_000,
        ..RocketChatBackendConfig::default()
    });
    config.server.max_body_bytes = max_body;
    let parts = crate::common::http_parts(&config).await;
    Gw::around(
        threadgate::server::start_with(config, parts)
            .await
            .expect("gateway starts"),
    )
}

fn canned(
    status: u16,
    headers: &'static [(&'static str, &'static str)],
    body: &'static [u8],
) -> Handler {
    Arc::new(move |_| Box::pin(async move { full(status, headers, body) }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passthrough_sends_the_request_and_answers_unchanged() {
    let upstream = StandIn::start(canned(
        201,
        &[
            ("content-type", "application/json; charset=utf-8"),
            ("x-upstream", "rc"),
            ("set-cookie", "a=1"),
            ("set-cookie", "b=2"),
        ],
        br#"{"message":{"_id":"m1","msg":"hi"},"success":true}"#,
    ))
    .await;
    let gw = gateway(upstream.url(), true, 65_536).await;
    let body = r#"{"message":{"rid":"GENERAL","msg":"hi \u00e9"}}"#;
    let a = send(
        gw.http
            .post(gw.url("/api/v1/chat.sendMessage?x=1&y=%20z&y=2"))
            .header("X-User-Id", "u1")
            .header("X-Auth-Token", "t1")
            .header("content-type", "application/json")
            .header("x-request-id", "rid-7")
            .header("x-many", "one")
            .header("x-many", "two")
            .body(body),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(
        a.body,
        r#"{"message":{"_id":"m1","msg":"hi"},"success":true}"#
    );
    assert_eq!(
        a.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(a.header("x-upstream"), Some("rc"));
    let cookies: Vec<_> = a.headers.get_all("set-cookie").iter().collect();
    assert_eq!(cookies, ["a=1", "b=2"]);
    let seen = upstream.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let got = &seen[0];
    assert_eq!(got.method, "POST");
    assert_eq!(
        got.path_and_query,
        "/api/v1/chat.sendMessage?x=1&y=%20z&y=2"
    );
    assert_eq!(got.body, body.as_bytes());
    for (k, v) in [
        ("x-user-id", "u1"),
        ("x-auth-token", "t1"),
        ("content-type", "application/json"),
        ("content-length", &body.len().to_string()),
        ("x-request-id", "rid-7"),
    ] {
        assert_eq!(
            got.headers.get(k).map(|v| v.to_str().unwrap()),
            Some(v),
            "{k}"
        );
    }
    let many: Vec<_> = got.headers.get_all("x-many").iter().collect();
    assert_eq!(many, ["one", "two"]);

    // Any method, any untranslated path; and the route label of the metrics.
    let a = send(
        gw.get("/api/v1/channels.list?count=2")
            .header("X-User-Id", "u1"),
    )
    .await;
    assert_eq!(a.status, 201);
    let seen = upstream.seen();
    assert_eq!(
        (seen[1].method.as_str(), seen[1].path_and_query.as_str()),
        ("GET", "/api/v1/channels.list?count=2")
    );
    assert!(seen[1].body.is_empty());
    let metrics = send(gw.http.get(format!("{}/metrics", gw.admin)))
        .await
        .body;
    assert!(
        metrics.contains(
            r#"threadgate_requests_total{dialect="rocketchat",route="passthrough",status="201"} 2"#
        ),
        "{metrics}"
    );
}

/// One raw HTTP/1.1 exchange (the test controls every header byte); the connection is
/// closed by `Connection: close` in `head`. Returns the answer's head and body as text.
async fn raw_exchange(addr: SocketAddr, head: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut conn = tokio::net::TcpStream::connect(addr).await.expect("connect");
    conn.write_all(head.as_bytes()).await.expect("write");
    let mut out = Vec::new();
    tokio::time::timeout(HANG, conn.read_to_end(&mut out))
        .await
        .expect("the answer ends")
        .expect("read");
    String::from_utf8(out).expect("utf-8")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passthrough_sets_forwarded_headers_and_removes_hop_by_hop_both_ways() {
    let upstream = StandIn::start(canned(
        200,
        &[
            ("connection", "x-resp-hop"),
            ("x-resp-hop", "1"),
            ("keep-alive", "timeout=5"),
            ("proxy-authenticate", "Basic"),
            ("x-resp-kept", "yes"),
        ],
        b"{}",
    ))
    .await;
    let gw = gateway(upstream.url(), true, 65_536).await;
    let answer = raw_exchange(
        gw.running.addr,
        concat!(
            "GET /api/v1/channels.list HTTP/1.1\r\n",
            "Host: front.example:8443\r\n",
            "Connection: keep-alive, X-Hop-A\r\n",
            "Connection: close\r\n",
            "X-Hop-A: 1\r\n",
            "Keep-Alive: timeout=5\r\n",
            "TE: trailers\r\n",
            "Trailer: x-t\r\n",
            "Proxy-Authorization: Basic eA==\r\n",
            "Proxy-Connection: keep-alive\r\n",
            "X-Forwarded-For: 203.0.113.7\r\n",
            "X-Forwarded-Proto: https\r\n",
            "X-Kept: yes\r\n",
            "\r\n"
        ),
    )
    .await;
    let head = answer
        .split("\r\n\r\n")
        .next()
        .expect("head")
        .to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{answer}");
    assert!(head.contains("\r\nx-resp-kept: yes"), "{answer}");
    for gone in ["x-resp-hop", "keep-alive", "proxy-authenticate"] {
        assert!(
            !head.contains(&format!("\r\n{gone}:")),
            "{gone} in {answer}"
        );
    }
    let seen = upstream.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let h = &seen[0].headers;
    let get = |k: &str| h.get(k).map(|v| v.to_str().expect("text"));
    assert_eq!(get("x-forwarded-for"), Some("203.0.113.7, 127.0.0.1"));
    assert_eq!(get("x-forwarded-proto"), Some("http"));
    assert_eq!(get("x-forwarded-host"), Some("front.example:8443"));
    assert_eq!(get("host"), Some(upstream.addr.to_string().as_str()));
    assert_eq!(get("x-kept"), Some("yes"));
    for gone in [
        "connection",
        "x-hop-a",
        "keep-alive",
        "te",
        "trailer",
        "proxy-authorization",
        "proxy-connection",
        "transfer-encoding",
        "upgrade",
    ] {
        assert!(!h.contains_key(gone), "{gone} passed: {h:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_answer_reaches_the_client_part_by_part() {
    // The stand-in sends its second part only once the client has read the first: a
    // gateway that gathered the answer would never deliver the first.
    let (release_tx, release_rx) = oneshot::channel::<()>();
    let release = Arc::new(Mutex::new(Some(release_rx)));
    let events = Arc::new(Mutex::new(Vec::<&str>::new()));
    let log = events.clone();
    let handler: Handler = Arc::new(move |_| {
        let (release, log) = (release.lock().expect("lock").take(), log.clone());
        Box::pin(async move {
            let (tx, rx) = mpsc::channel(1);
            tokio::spawn(async move {
                let _ = tx.send(Bytes::from_static(b"[first part]")).await;
                log.lock()
                    .expect("lock")
                    .push("upstream sent the first part");
                if let Some(release) = release {
                    let _ = release.await;
                }
                log.lock()
                    .expect("lock")
                    .push("upstream sends the last part");
                let _ = tx.send(Bytes::from_static(b"[last part]")).await;
            });
            let mut resp = http::Response::new(ChannelBody(rx).boxed_unsync());
            resp.headers_mut()
                .insert("content-type", http::HeaderValue::from_static("text/plain"));
            resp
        })
    });
    let upstream = StandIn::start(handler).await;
    let gw = gateway(upstream.url(), true, 65_536).await;
    let run = async {
        let mut resp = gw.get("/api/v1/rooms.export").send().await.expect("sent");
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], "text/plain");
        let first = resp.chunk().await.expect("read").expect("a first part");
        assert_eq!(&first[..], b"[first part]");
        events
            .lock()
            .expect("lock")
            .push("client got the first part");
        release_tx.send(()).expect("released");
        let mut rest = Vec::new();
        while let Some(part) = resp.chunk().await.expect("read") {
            rest.extend_from_slice(&part);
        }
        assert_eq!(rest, b"[last part]");
    };
    tokio::time::timeout(HANG, run)
        .await
        .expect("the answer streams");
    assert_eq!(
        *events.lock().expect("lock"),
        [
            "upstream sent the first part",
            "client got the first part",
            "upstream sends the last part"
        ]
    );
}

/// Gateway B's address as a hyper client sends to it, with a body fed part by part.
async fn streaming_post(
    gw: &Gw,
    path: &str,
) -> (mpsc::Sender<Bytes>, tokio::task::JoinHandle<(u16, Bytes)>) {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<ChannelBody>();
    let (tx, rx) = mpsc::channel(4);
    let mut req = http::Request::new(ChannelBody(rx));
    *req.method_mut() = http::Method::POST;
    *req.uri_mut() = gw.url(path).parse().expect("uri");
    let answer = tokio::spawn(async move {
        let resp = client.request(req).await.expect("answered");
        let status = resp.status().as_u16();
        let body = resp.into_body().collect().await.expect("body").to_bytes();
        (status, body)
    });
    (tx, answer)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_request_body_reaches_the_upstream_part_by_part() {
    let (raw_tx, mut raw_rx) = mpsc::channel::<Raw>(1);
    let upstream = StandIn::start_raw(canned(500, &[], b""), Some(raw_tx)).await;
    let gw = gateway(upstream.url(), true, 65_536).await;
    let run = async {
        let (parts, answer) = streaming_post(&gw, "/api/v1/rooms.upload/GENERAL").await;
        parts
            .send(Bytes::from_static(b"part one;"))
            .await
            .expect("sent");
        let (req, reply) = raw_rx.recv().await.expect("the request arrives");
        assert_eq!(
            req.headers().get("transfer-encoding").map(|v| v.as_bytes()),
            Some(&b"chunked"[..])
        );
        let mut body = req.into_body();
        let first = body.frame().await.expect("a frame").expect("ok");
        assert_eq!(first.data_ref().map(|b| &b[..]), Some(&b"part one;"[..]));
        // Only now does the client send the rest.
        parts
            .send(Bytes::from_static(b"part two"))
            .await
            .expect("sent");
        drop(parts);
        let rest = body.collect().await.expect("rest").to_bytes();
        assert_eq!(&rest[..], b"part two");
        reply.send(full(200, &[], b"stored")).expect("answer sent");
        answer.await.expect("client task")
    };
    let (status, body) = tokio::time::timeout(HANG, run).await.expect("no hang");
    assert_eq!((status, &body[..]), (200, &b"stored"[..]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_body_over_the_limit_is_413_whether_declared_or_streamed() {
    let upstream = StandIn::start(canned(200, &[], b"{}")).await;
    let gw = gateway(upstream.url(), true, 10).await;
    const TOO_LARGE: &str = r#"{"success":false,"error":"request entity too large"}"#;
    let declared = send(
        gw.http
            .post(gw.url("/api/v1/chat.sendMessage"))
            .body("x".repeat(11)),
    )
    .await;
    assert_eq!((declared.status, declared.body.as_str()), (413, TOO_LARGE));
    let (parts, answer) = streaming_post(&gw, "/api/v1/chat.sendMessage").await;
    parts
        .send(Bytes::from_static(b"123456"))
        .await
        .expect("sent");
    parts
        .send(Bytes::from_static(b"789012"))
        .await
        .expect("sent");
    drop(parts);
    let (status, body) = tokio::time::timeout(HANG, answer)
        .await
        .expect("no hang")
        .expect("client task");
    assert_eq!((status, &body[..]), (413, TOO_LARGE.as_bytes()));
    // The upstream never saw more than the limit.
    assert!(upstream.seen().iter().all(|r| r.body.len() <= 10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn off_by_default_and_never_for_upgrades_or_other_dialects() {
    const RC_404: &str = r#"{"success":false,"error":"API endpoint does not exist"}"#;
    let upstream = StandIn::start(canned(200, &[], b"{}")).await;
    let off = gateway(upstream.url(), false, 65_536).await;
    for req in [
        off.http
            .post(off.url("/api/v1/chat.sendMessage"))
            .body("{}"),
        off.get("/api/v1/channels.list"),
    ] {
        let a = send(req).await;
        assert_eq!((a.status, a.body.as_str()), (404, RC_404));
    }
    let on = gateway(upstream.url(), true, 65_536).await;
    let ws = send(
        on.get("/api/v1/websocket")
            .header("connection", "Upgrade")
            .header("upgrade", "websocket")
            .header("sec-websocket-version", "13")
            .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
    )
    .await;
    assert_eq!((ws.status, ws.body.as_str()), (404, RC_404));
    // A path the upstream could normalise out of /api/v1/ (clients normalise dot
    // segments themselves, so this one is sent raw).
    for path in ["/api/v1/../../admin", "/api/v1/%2e%2e/admin"] {
        let head = format!("GET {path} HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");
        let answer = raw_exchange(on.running.addr, &head).await;
        assert!(answer.starts_with("HTTP/1.1 404"), "{path}: {answer}");
        assert!(answer.ends_with(RC_404), "{path}: {answer}");
    }
    let sc = send(on.get("/api/v2/feed/")).await;
    assert_eq!(sc.status, 404, "{}", sc.body);
    assert!(upstream.seen().is_empty(), "{:?}", upstream.seen());
    let metrics = send(off.http.get(format!("{}/metrics", off.admin)))
        .await
        .body;
    assert!(!metrics.contains("passthrough"), "{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_down_or_slow_is_answered_in_rocketchats_shape() {
    let gone = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let down = gateway(format!("http://{gone}"), true, 65_536).await;
    let a = send(
        down.http
            .post(down.url("/api/v1/chat.sendMessage"))
            .body("{}"),
    )
    .await;
    assert_eq!(
        (a.status, a.body.as_str()),
        (
            502,
            r#"{"success":false,"error":"Upstream unavailable [error-upstream-unavailable]","errorType":"error-upstream-unavailable"}"#
        )
    );
    let slow: Handler = Arc::new(|_| {
        Box::pin(async {
            tokio::time::sleep(HANG).await;
            full(200, &[], b"{}")
        })
    });
    let upstream = StandIn::start(slow).await;
    let gw = gateway(upstream.url(), true, 65_536).await;
    let a: Answer = send(gw.get("/api/v1/channels.list")).await;
    assert_eq!(
        (a.status, a.body.as_str()),
        (
            504,
            r#"{"success":false,"error":"Upstream timed out [error-upstream-timeout]","errorType":"error-upstream-timeout"}"#
        )
    );
}
