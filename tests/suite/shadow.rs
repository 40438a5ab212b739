//! Shadow comparison over real HTTP: the same canonical queries asked of a second backend
//! (`threadgate backend` serving a store, or nothing listening, or garbage), the report on the
//! admin listener, and the primary's answers unchanged and on time whatever the shadow does.

use crate::common::{self, send, Gw};
use serde_json::Value;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use threadgate::backend::embedded::EmbeddedBackend;
use threadgate::backend::Built;
use threadgate::config::{BackendConfig, Config, HttpBackendConfig, ShadowConfig};

const ANA: &[(&str, &str)] = &[
    ("X-User-Id", "vSt4xaDt4dQRTjJYe"),
    (
        "X-Auth-Token",
        "e2r9S9vbhzil4mJnQfKuuMq5UrbYi2IaDHUiuhIG6GC",
    ),
];
const CHLOE: &[(&str, &str)] = &[
    ("X-User-Id", "2vs9gdu89HRJqmvaa"),
    (
        "X-Auth-Token",
        "hRK1VDlFFebEVhW5TgIVv1d04etirxoQpLcNoCXG42L",
    ),
];
const ANA_BEARER: &[(&str, &str)] = &[(
    "Authorization",
    "Bearer tg_bearer_ana.lima_l3jtt175u58vgxn0",
)];
const PRIYA: &[(&str, &str)] = &[(
    "Authorization",
    "Bearer tg_bearer_priya.raman_aa4qlgr6ch27ga94",
)];
const MARCUS: &[(&str, &str)] = &[(
    "Authorization",
    "Bearer tg_bearer_marcus.wei_j5lb0aw0hrwvuk9q",
)];

type Case = (&'static str, &'static [(&'static str, &'static str)]);

/// One page of every dialect and route.
const EVERY_DIALECT: &[Case] = &[
    ("/api/v1/chat.getThreadMessages?tmid=hwid5RgAfuvaSBZbM", ANA),
    (
        "/api/v1/chat.getThreadMessages?tmid=LscqGbTLCzXQhjg4m&count=20&offset=10",
        ANA,
    ),
    ("/api/v1/dm.history?roomId=kenji.sato&count=30", ANA),
    (
        "/api/v1/im.history?roomId=2vs9gdu89HRJqmvaaRbqpoNKKc4m2vhN52",
        CHLOE,
    ),
    ("/api/v2/pm/?user=102", ANA_BEARER),
    ("/api/v2/pm/?user=102&limit=5&offset=40", ANA_BEARER),
    ("/1/admin/messages/vCPRIcENZyp?company_id=northwind", MARCUS),
    ("/1/messages/vCPRIcENZyp", PRIYA),
];

/// The pages the changed store answers differently, one change each, and one it does not.
const CHANGED: &[Case] = &[
    // one text edited
    (
        "/api/v1/dm.history?roomId=KfiHYviXtTkwsttx3vSt4xaDt4dQRTjJYe",
        ANA,
    ),
    // one message missing
    (
        "/api/v1/dm.history?roomId=2vs9gdu89HRJqmvaaRbqpoNKKc4m2vhN52",
        CHLOE,
    ),
    // one reaction added
    ("/1/messages/vCPRIcENZyp", PRIYA),
    // a thread whose last reply is gone: the first reply's page has another total
    (
        "/api/v1/chat.getThreadMessages?tmid=hwid5RgAfuvaSBZbM&count=1",
        ANA,
    ),
    // unchanged
    ("/api/v2/pm/?user=102", ANA_BEARER),
];

/// A gateway over the demo store that shadows every query to `backend`.
async fn shadowed(backend: BackendConfig, tweak: impl FnOnce(&mut Config)) -> Gw {
    Gw::start(|c| {
        c.shadow = ShadowConfig {
            sample: 1.0,
            noise_sample: 0.1,
            backend: Some(backend),
            ..ShadowConfig::default()
        };
        tweak(c);
    })
    .await
}

fn http(addr: SocketAddr) -> BackendConfig {
    BackendConfig::Http(HttpBackendConfig {
        url: format!("http://{addr}"),
        ..HttpBackendConfig::default()
    })
}

async fn get(gw: &Gw, (path, headers): &Case) -> common::Answer {
    let mut req = gw.get(path);
    for (k, v) in *headers {
        req = req.header(*k, *v);
    }
    send(req).await
}

/// Sends every case `rounds` times, eight at a time; every answer must be 200.
async fn load(gw: &Gw, cases: &'static [Case], rounds: usize) -> usize {
    let mut sent = 0;
    for _ in 0..rounds {
        let mut set = tokio::task::JoinSet::new();
        for case in cases {
            let (http, url) = (gw.http.clone(), gw.url(case.0));
            set.spawn(async move {
                let mut req = http.get(url);
                for (k, v) in case.1 {
                    req = req.header(*k, *v);
                }
                send(req).await.status
            });
        }
        while let Some(status) = set.join_next().await {
            assert_eq!(status.expect("request task"), 200);
            sent += 1;
        }
    }
    sent
}

async fn report(gw: &Gw) -> Value {
    send(gw.http.get(format!("{}/shadow/report", gw.admin)))
        .await
        .json()
}

/// The report once every shadow call of the requests already answered has finished.
async fn settled(gw: &Gw) -> Value {
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let r = report(gw).await;
        if r["pending"] == 0 {
            return r;
        }
        assert!(Instant::now() < until, "shadow calls still pending: {r}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn outcome(r: &Value, name: &str) -> u64 {
    r["requests"][name].as_u64().unwrap_or(0)
}

/// The paths that differed, with their counts.
fn differed(r: &Value) -> Vec<(String, u64, String)> {
    r["paths"]
        .as_array()
        .expect("paths")
        .iter()
        .filter(|p| p["differed"].as_u64() > Some(0))
        .map(|p| {
            (
                p["path"].as_str().unwrap().to_owned(),
                p["differed"].as_u64().unwrap(),
                p["verdict"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A copy of `config/demo` with four known changes (kept for the rest of the process).
fn changed_seed() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir").keep();
        let demo = common::root().join("config/demo");
        for f in ["users.jsonl", "rooms.jsonl", "tokens.jsonl"] {
            std::fs::copy(demo.join(f), dir.join(f)).expect("seed file copied");
        }
        let text = std::fs::read_to_string(demo.join("messages.jsonl")).expect("messages");
        let mut out = String::new();
        for line in text.lines() {
            let mut m: Value = serde_json::from_str(line).expect("a message");
            match m["id"].as_str().unwrap() {
                "K2RYz3iuMxaQi4Nrt" => m["text"] = "Yes, Wednesday evening at the latest.".into(),
                "R3imCqddyX2vMqEjF" | "r3ZMqu59GKE7wYDdS" => continue,
                "scGhDCckhS7" => {
                    m["reactions"] = serde_json::json!({":+1:": ["2vs9gdu89HRJqmvaa"]})
                }
                _ => {}
            }
            out.push_str(&m.to_string());
            out.push('\n');
        }
        std::fs::write(dir.join("messages.jsonl"), out).expect("messages written");
        dir
    })
    .clone()
}

/// The changed store served by one `threadgate backend` for the whole test binary.
fn changed_service() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| {
        let store = Arc::new(
            EmbeddedBackend::open_and_seed(":memory:", 2, Some(&changed_seed()))
                .expect("changed store"),
        );
        common::serve_forever(Built {
            auth: store.authenticator(),
            backend: store,
        })
    })
}

/// `threadgate backend` over the demo store with `fault` applied, on this test's runtime.
async fn faulty_service(fault: threadgate::config::FaultConfig) -> threadgate::service::Running {
    let mut config = common::test_config();
    config.fault = fault;
    let store = common::demo_store();
    threadgate::service::start_with(
        &config,
        Built {
            auth: store.authenticator(),
            backend: store,
        },
        common::any_port(),
    )
    .await
    .expect("backend service starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_data_on_both_sides_has_no_difference_in_any_dialect() {
    let gw = shadowed(http(common::demo_service()), |_| {}).await;
    let sent = load(&gw, EVERY_DIALECT, 40).await;
    assert_eq!(sent, 320);
    let r = settled(&gw).await;
    assert!(outcome(&r, "match") >= 320, "{r}");
    for bad in ["differ", "error", "timeout", "dropped", "skipped"] {
        assert_eq!(outcome(&r, bad), 0, "{bad}: {}", r["requests"]);
    }
    assert_eq!(differed(&r), [], "{}", r["paths"]);
    assert!(r["samples"].as_array().unwrap().is_empty());
    // Every dialect was compared, and the primary was asked again for the noise share.
    let routes = r["routes"].as_array().unwrap();
    for dialect in ["rocketchat", "selfcommunity", "quip"] {
        assert!(
            routes.iter().any(|row| row["dialect"] == dialect),
            "{dialect}"
        );
    }
    assert!(routes
        .iter()
        .any(|row| row["noise_compared"].as_u64() > Some(0)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn known_changes_are_named_exactly_with_their_counts() {
    let log = tempfile::tempdir().expect("tempdir");
    let log_path = log.path().join("shadow.jsonl");
    let path = log_path.display().to_string();
    let gw = shadowed(http(changed_service()), move |c| {
        c.shadow.noise_sample = 1.0;
        c.shadow.log = path;
    })
    .await;
    load(&gw, CHANGED, 3).await;
    let r = settled(&gw).await;
    let mut got = differed(&r);
    got.sort();
    let want: Vec<(String, u64, String)> = [
        "messages[].reactions",
        "messages[].text",
        "messages[missing]",
        "total",
    ]
    .iter()
    .map(|p| (p.to_string(), 3, "difference".to_owned()))
    .collect();
    assert_eq!(got, want, "{}", r["paths"]);
    // Every changed page differs; the rest match (the unchanged page, and the not-found
    // answers of the endpoints' retry chains, compared too).
    assert_eq!(outcome(&r, "differ"), 12, "{}", r["requests"]);
    assert!(outcome(&r, "match") >= 3, "{}", r["requests"]);
    // Per route: each change where it was made.
    let route_of = |path: &str| -> Vec<(String, String)> {
        r["routes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|row| row["path"] == path && row["differed"].as_u64() > Some(0))
            .map(|row| (row["dialect"].to_string(), row["route"].to_string()))
            .collect()
    };
    assert_eq!(route_of("messages[].reactions")[0].0, "\"quip\"");
    assert_eq!(route_of("total")[0].1, "\"chat.getThreadMessages\"");
    assert_eq!(route_of("messages[].text").len(), 1);
    // Samples: both values, the place, the query in a few words.
    let samples = r["samples"].as_array().unwrap();
    assert_eq!(samples.len(), 12);
    let text = samples
        .iter()
        .find(|s| s["path"] == "messages[].text")
        .unwrap();
    assert_eq!(text["primary"], "Yes, Tuesday evening at the latest.");
    assert_eq!(text["shadow"], "Yes, Wednesday evening at the latest.");
    // dm.history is newest first: the last message is the first of the page.
    assert_eq!(text["at"], "messages[0].text");
    assert_eq!(text["dialect"], "rocketchat");
    assert!(text["request_id"].is_string());
    assert!(text["query"]
        .as_str()
        .unwrap()
        .contains("room KfiHYviXtTkwsttx3vSt4xaDt4dQRTjJYe"));
    let missing = samples
        .iter()
        .find(|s| s["path"] == "messages[missing]")
        .unwrap();
    assert_eq!(missing["at"], "messages[id=R3imCqddyX2vMqEjF]");
    assert_eq!(missing["shadow"], Value::Null);
    let total = samples.iter().find(|s| s["path"] == "total").unwrap();
    assert_eq!(
        (&total["primary"], &total["shadow"]),
        (&3.into(), &2.into())
    );
    // Prometheus and the log say the same.
    let m = send(gw.http.get(format!("{}/metrics", gw.admin)))
        .await
        .body;
    assert!(
        m.contains("threadgate_shadow_differences_total{path=\"messages[missing]\"} 3"),
        "{m}"
    );
    assert!(
        m.contains("threadgate_shadow_requests_total{outcome=\"differ\"} 12"),
        "{m}"
    );
    let lines = std::fs::read_to_string(&log_path).expect("shadow log");
    assert_eq!(lines.lines().count(), 12);
    for line in lines.lines() {
        let v: Value = serde_json::from_str(line).expect("one JSON difference per line");
        assert!(
            v["path"].is_string() && v.get("primary").is_some(),
            "{line}"
        );
    }
    // Reset forgets the report (not the Prometheus counters).
    let a = send(gw.http.post(format!("{}/shadow/reset", gw.admin))).await;
    assert_eq!(a.status, 200);
    let r = report(&gw).await;
    assert_eq!(r["paths"], serde_json::json!([]));
    assert_eq!(outcome(&r, "differ"), 0);
    let a = send(gw.http.get(format!("{}/shadow/reset", gw.admin))).await;
    assert_eq!(a.status, 405);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jitter_the_primary_shares_is_noise_not_a_difference() {
    let fault = threadgate::config::FaultConfig {
        jitter_updated_usec: true,
        ..Default::default()
    };
    let service = faulty_service(fault.clone()).await;
    let gw = shadowed(http(service.addr), |c| {
        c.fault = fault;
        c.shadow.noise_sample = 1.0;
    })
    .await;
    load(&gw, &EVERY_DIALECT[..4], 5).await;
    let r = settled(&gw).await;
    let got = differed(&r);
    assert!(
        got.iter()
            .any(|(p, n, v)| p == "messages[].updated_usec" && *n > 0 && v == "noise"),
        "{}",
        r["paths"]
    );
    assert!(got.iter().all(|(_, _, v)| v == "noise"), "{}", r["paths"]);
    // The same shadow against a primary that does not jitter: a difference.
    let steady = shadowed(http(service.addr), |c| c.shadow.noise_sample = 1.0).await;
    load(&steady, &EVERY_DIALECT[..4], 2).await;
    let r = settled(&steady).await;
    assert_eq!(
        differed(&r),
        [(
            "messages[].updated_usec".to_owned(),
            8,
            "difference".to_owned()
        )],
        "{}",
        r["paths"]
    );
}

/// What a gateway without a shadow answers to `cases`.
async fn reference(cases: &[Case]) -> Vec<String> {
    let gw = Gw::default().await;
    let mut out = Vec::new();
    for case in cases {
        out.push(get(&gw, case).await.body);
    }
    out
}

/// Asks `cases` `rounds` times: each answer as without shadow, each within `limit`.
async fn unchanged_and_on_time(
    gw: &Gw,
    cases: &[Case],
    want: &[String],
    rounds: usize,
    limit: Duration,
) {
    for _ in 0..rounds {
        for (case, want) in cases.iter().zip(want) {
            let started = Instant::now();
            let a = get(gw, case).await;
            let took = started.elapsed();
            assert_eq!(a.status, 200, "{}", case.0);
            assert_eq!(&a.body, want, "{}", case.0);
            assert!(took < limit, "{} took {took:?}", case.0);
        }
    }
}

/// A server that answers every request with a 200 whose body is not the protocol's.
async fn garbage_server() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut conn, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = conn.read(&mut buf).await;
                let body = "<html>not what you asked for";
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = conn.write_all(head.as_bytes()).await;
                let _ = conn.write_all(body.as_bytes()).await;
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shadow_down_slow_or_answering_garbage_never_touches_the_primary() {
    let cases = &CHANGED[..3];
    let want = reference(cases).await;
    let gone = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let slow = faulty_service(threadgate::config::FaultConfig {
        backend_delay_ms: 1500,
        ..Default::default()
    })
    .await;
    let garbage = garbage_server().await;
    for (name, addr, outcome_name) in [
        ("down", gone, "error"),
        ("slow", slow.addr, "timeout"),
        ("garbage", garbage, "error"),
    ] {
        let gw = shadowed(http(addr), |c| c.shadow.timeout_ms = 200).await;
        unchanged_and_on_time(&gw, cases, &want, 4, Duration::from_millis(1000)).await;
        let r = settled(&gw).await;
        // At least one shadow call per request (an endpoint's retry chain makes more).
        let failed = outcome(&r, outcome_name);
        assert!(failed >= 12, "{name}: {}", r["requests"]);
        assert_eq!(outcome(&r, "match") + outcome(&r, "differ"), 0, "{name}");
        let m = send(gw.http.get(format!("{}/metrics", gw.admin)))
            .await
            .body;
        let line =
            format!("threadgate_shadow_requests_total{{outcome=\"{outcome_name}\"}} {failed}");
        assert!(m.contains(&line), "{name}: {m}");
    }
    // A full queue: one worker busy with the slow shadow, one call waiting, the rest dropped.
    let gw = shadowed(http(slow.addr), |c| {
        c.shadow.queue = 1;
        c.shadow.workers = 1;
    })
    .await;
    unchanged_and_on_time(&gw, cases, &want, 4, Duration::from_millis(1000)).await;
    let r = report(&gw).await;
    let dropped = outcome(&r, "dropped");
    // At most three calls got through (one running, one held, one queued).
    assert!(dropped >= 9, "{}", r["requests"]);
    let m = send(gw.http.get(format!("{}/metrics", gw.admin)))
        .await
        .body;
    assert!(
        m.contains(&format!("threadgate_shadow_dropped_total {dropped}")),
        "{m}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_shadow_reads_with_the_callers_credential() {
    // The shadow is a Rocket.Chat server (another gateway over the demo store), reached with
    // the caller's own credential (`[shadow.backend.auth] mode = "passthrough"`).
    let upstream = format!("http://{}", common::demo_gateway());
    let gw = shadowed(
        BackendConfig::RocketChat(threadgate::config::RocketChatBackendConfig {
            url: upstream,
            max_calls_per_request: 100,
            ..Default::default()
        }),
        |_| {},
    )
    .await;
    load(&gw, &EVERY_DIALECT[..4], 3).await;
    let r = settled(&gw).await;
    assert_eq!(
        outcome(&r, "error") + outcome(&r, "timeout"),
        0,
        "{}",
        r["requests"]
    );
    // Read upstream as each caller: no shadow answer says who is asking is unknown.
    for sample in r["samples"].as_array().unwrap() {
        if sample["path"] == "error" {
            assert_ne!(sample["shadow"]["kind"], "unauthenticated", "{sample}");
        }
    }
    // The same messages with the same texts; what Rocket.Chat's answers do not carry
    // (microseconds, recipients, avatars, ...) is named path by path.
    let path = |name: &str| {
        r["paths"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["path"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name}: {}", r["paths"]))
    };
    for same in [
        "messages[missing]",
        "messages[added]",
        "messages[order]",
        "messages[].text",
    ] {
        let row = path(same);
        assert!(row["compared"].as_u64() > Some(0), "{row}");
        assert_eq!(row["differed"], 0, "{row}");
    }
    assert_eq!(path("messages[].created_usec")["verdict"], "difference");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_shadow_the_report_routes_say_so() {
    let gw = Gw::default().await;
    let a = send(gw.http.get(format!("{}/shadow/report", gw.admin))).await;
    assert_eq!(a.status, 404);
    assert!(a.body.contains("shadow comparison is off"));
}

mod browser;
