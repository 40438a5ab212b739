//! Load on the whole gateway over real HTTP on loopback, in two topologies, against the
//! baseline of the same server's cheapest answer, `GET /livez` on the admin listener (hyper
//! and loopback TCP only), all measured in the same run with the same client:
//!
//! - **embedded**: client → gateway → embedded SQLite store (in process);
//! - **http**: client → gateway → `threadgate backend` (the canonical protocol over HTTP,
//!   `docs/canonical-api.md`) → its own embedded store. Every process boundary is a loopback
//!   socket; gateway, service and client share one runtime (and the machine's cores).
//!
//! Both stores are `:memory:` copies of `config/demo`; the http gateway takes its
//! SelfCommunity integers from the same pins, and before timing the bench asserts that both
//! topologies answer every case with the same bytes.
//!
//! Run: `cargo bench --bench gateway_load` (a release build; eleven measurements of
//! `LOAD_SECONDS`, about a minute with the defaults). It prints two tables. The first:
//! requests per second of each case in each topology, the ratio http / embedded, and each
//! topology's ratio to the baseline. The second: p50 / p99 latencies, the process's CPU time
//! per request (client, gateways and service together, from `/proc/self/stat`; Linux only)
//! with the cores kept busy, and the protocol calls the http gateway made per request
//! (authenticate + query, read from the service's metrics).
//! Settings: `LOAD_SECONDS` (default 5 per case and topology), `LOAD_CONNECTIONS` (default 16).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use threadgate::config::{BackendConfig, Config, HttpBackendConfig};

const ANA: (&str, &str) = (
    "vSt4xaDt4dQRTjJYe",
    "e2r9S9vbhzil4mJnQfKuuMq5UrbYi2IaDHUiuhIG6GC",
);

/// One page, asked of either topology's API listener (`path` includes the query string).
struct Case {
    name: &'static str,
    path: &'static str,
    headers: &'static [(&'static str, &'static str)],
}

const RC_ANA: &[(&str, &str)] = &[("X-User-Id", ANA.0), ("X-Auth-Token", ANA.1)];
const BEARER_ANA: &[(&str, &str)] = &[(
    "Authorization",
    "Bearer tg_bearer_ana.lima_l3jtt175u58vgxn0",
)];
const BEARER_MARCUS: &[(&str, &str)] = &[(
    "Authorization",
    "Bearer tg_bearer_marcus.wei_j5lb0aw0hrwvuk9q",
)];

const CASES: &[Case] = &[
    Case {
        name: "rocketchat chat.getThreadMessages, 50",
        path: "/api/v1/chat.getThreadMessages?tmid=LscqGbTLCzXQhjg4m",
        headers: RC_ANA,
    },
    Case {
        name: "rocketchat chat.getThreadMessages, 3",
        path: "/api/v1/chat.getThreadMessages?tmid=hwid5RgAfuvaSBZbM",
        headers: RC_ANA,
    },
    Case {
        name: "rocketchat dm.history, 50",
        path: "/api/v1/dm.history?roomId=kenji.sato",
        headers: RC_ANA,
    },
    Case {
        name: "selfcommunity pm, 20",
        path: "/api/v2/pm/?user=102",
        headers: BEARER_ANA,
    },
    Case {
        name: "quip admin messages, 25",
        path: "/1/admin/messages/vCPRIcENZyp?company_id=northwind",
        headers: BEARER_MARCUS,
    },
];

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What one drive measured.
struct Measured {
    rate: f64,
    requests: u64,
    p50: Duration,
    p99: Duration,
    /// The whole process's CPU time over the drive, when the OS tells.
    cpu: Option<Duration>,
    seconds: u64,
}

impl Measured {
    /// `p50 / p99` in milliseconds.
    fn latencies(&self) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        format!("{:.2} / {:.2}", ms(self.p50), ms(self.p99))
    }

    /// CPU µs per request and the cores kept busy, e.g. `312 µs (1.93)`.
    fn cpu(&self) -> String {
        match self.cpu {
            Some(cpu) => format!(
                "{:.0} µs ({:.2})",
                cpu.as_secs_f64() * 1e6 / self.requests.max(1) as f64,
                cpu.as_secs_f64() / self.seconds as f64
            ),
            None => "-".into(),
        }
    }
}

/// User + system CPU time of this process so far (Linux; `None` elsewhere).
fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses: state is field 3, utime 14,
    // stime 15, in clock ticks (USER_HZ, 100 on Linux).
    let mut fields = stat.get(stat.rfind(')')? + 1..)?.split_whitespace();
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

/// Drives `url` with `connections` keep-alive clients for `seconds`; every answer must be
/// a 200.
async fn drive(
    url: &str,
    headers: &'static [(&'static str, &'static str)],
    connections: u64,
    seconds: u64,
) -> Measured {
    let done = Arc::new(AtomicU64::new(0));
    let cpu_before = process_cpu();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .build()
            .expect("client");
        let url = url.to_owned();
        let done = done.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let mut req = client.get(&url);
                for (name, value) in headers {
                    req = req.header(*name, *value);
                }
                let started = Instant::now();
                let resp = req.send().await.expect("answer");
                assert_eq!(resp.status(), 200, "{url}");
                let _ = resp.bytes().await.expect("body");
                latencies.push(started.elapsed());
                done.fetch_add(1, Ordering::Relaxed);
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("client task"));
    }
    let cpu = process_cpu()
        .zip(cpu_before)
        .map(|(after, before)| after.saturating_sub(before));
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    let requests = done.load(Ordering::Relaxed);
    Measured {
        rate: requests as f64 / seconds as f64,
        requests,
        p50: pct(0.50),
        p99: pct(0.99),
        cpu,
        seconds,
    }
}

/// One answer's body, which must be a 200.
async fn fetch_body(url: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut req = reqwest::Client::new().get(url);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let resp = req.send().await.expect("answer");
    assert_eq!(resp.status(), 200, "{url}");
    resp.bytes().await.expect("body").to_vec()
}

/// Asserts that both topologies answer `case` with the same body, once each gateway's own
/// address (in SelfCommunity's absolute `next` and `previous` links) is set aside.
async fn check_same_answer(case: &Case, embedded: SocketAddr, http: SocketAddr) {
    let body = |addr: SocketAddr| async move {
        let bytes = fetch_body(&format!("http://{addr}{}", case.path), case.headers).await;
        String::from_utf8(bytes)
            .expect("UTF-8 body")
            .replace(&addr.to_string(), "{gateway}")
    };
    let (a, b) = (body(embedded).await, body(http).await);
    if let Some(at) = a.bytes().zip(b.bytes()).position(|(x, y)| x != y) {
        let around = |s: &str| {
            String::from_utf8_lossy(&s.as_bytes()[at.saturating_sub(60)..(at + 60).min(s.len())])
                .into_owned()
        };
        panic!(
            "{}: the topologies answer differently at byte {at}:\n{}\n{}",
            case.name,
            around(&a),
            around(&b)
        );
    }
    assert_eq!(
        a.len(),
        b.len(),
        "{}: the topologies answer differently",
        case.name
    );
}

/// Protocol calls the service has answered so far: (authenticate, query), any status.
fn service_calls(service: &threadgate::service::Running) -> (u64, u64) {
    let text = service.state.metrics.render();
    let text = String::from_utf8_lossy(&text);
    let (mut auth, mut query) = (0, 0);
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("threadgate_requests_total{") else {
            continue;
        };
        let count = rest
            .rsplit(' ')
            .next()
            .and_then(|n| n.parse::<f64>().ok())
            .unwrap_or(0.0) as u64;
        if rest.contains("route=\"authenticate\"") {
            auth += count;
        } else if rest.contains("route=\"query\"") {
            query += count;
        }
    }
    (auth, query)
}

fn local(config: &mut Config) {
    config.server.listen = "127.0.0.1:0".parse().expect("addr");
    config.server.admin_listen = "127.0.0.1:0".parse().expect("addr");
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing useful either.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let seconds = env_num("LOAD_SECONDS", 5);
    let connections = env_num("LOAD_CONNECTIONS", 16);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let seed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/demo");
        let seed = seed.display().to_string();

        // Embedded topology: the gateway opens the store itself.
        let mut config = Config::default();
        local(&mut config);
        let store = config.embedded_mut();
        store.path = ":memory:".into();
        store.seed = seed.clone();
        let service_config = config.clone();
        let embedded = threadgate::server::start(config)
            .await
            .expect("embedded gateway");

        // Http topology: `threadgate backend` over its own copy of the store, and a gateway
        // whose backend is that service.
        let built = threadgate::backend::build(&service_config.backend)
            .await
            .expect("service store");
        let service = threadgate::service::start_with(
            &service_config,
            built,
            threadgate::service::Addresses {
                listen: "127.0.0.1:0".parse().expect("addr"),
                admin_listen: "127.0.0.1:0".parse().expect("addr"),
            },
        )
        .await
        .expect("backend service");
        let mut config = Config::default();
        local(&mut config);
        config.backend = BackendConfig::Http(HttpBackendConfig {
            url: format!("http://{}", service.addr),
            ..Default::default()
        });
        // The same SelfCommunity integers as the embedded gateway; the map in memory (the
        // default for a non-embedded backend is a file under data/).
        config.idmap.pins = Some(seed.clone());
        config.idmap.path = Some(":memory:".into());
        let http = threadgate::server::start(config)
            .await
            .expect("http gateway");

        for case in CASES {
            check_same_answer(case, embedded.addr, http.addr).await;
        }

        println!(
            "{connections} connections, {seconds} s per case and topology, {} cores",
            num_cpus()
        );
        eprintln!("measuring baseline");
        let base = drive(
            &format!("http://{}/livez", embedded.admin_addr),
            &[],
            connections,
            seconds,
        )
        .await;
        let mut rows = Vec::new();
        for case in CASES {
            eprintln!("measuring {}", case.name);
            let emb = drive(
                &format!("http://{}{}", embedded.addr, case.path),
                case.headers,
                connections,
                seconds,
            )
            .await;
            let before = service_calls(&service);
            let htp = drive(
                &format!("http://{}{}", http.addr, case.path),
                case.headers,
                connections,
                seconds,
            )
            .await;
            let after = service_calls(&service);
            let per = |n: u64| n as f64 / htp.requests.max(1) as f64;
            let calls = format!(
                "{:.2} + {:.2}",
                per(after.0 - before.0),
                per(after.1 - before.1)
            );
            rows.push((case.name, emb, htp, calls));
        }

        println!();
        println!(
            "{:<40} | {:>9} | {:>9} | {:>9} | {:>9} | {:>10}",
            "req/s", "embedded", "http", "http/emb", "emb/livez", "http/livez"
        );
        println!("{}", "-".repeat(101));
        println!(
            "{:<40} | {:>9.0} | {:>9} | {:>9} | {:>9.3} |",
            "baseline: GET /livez (admin listener)", base.rate, "", "", 1.0
        );
        for (name, emb, htp, _) in &rows {
            println!(
                "{:<40} | {:>9.0} | {:>9.0} | {:>9.3} | {:>9.3} | {:>10.3}",
                name,
                emb.rate,
                htp.rate,
                htp.rate / emb.rate,
                emb.rate / base.rate,
                htp.rate / base.rate,
            );
        }

        println!();
        println!(
            "{:<40} | {:>13} | {:>13} | {:>15} | {:>15} | {:>11}",
            "p50 / p99 ms, CPU per request (cores)",
            "embedded",
            "http",
            "embedded CPU",
            "http CPU",
            "auth+query"
        );
        println!("{}", "-".repeat(124));
        println!(
            "{:<40} | {:>13} | {:>13} | {:>15} | {:>15} |",
            "baseline: GET /livez (admin listener)",
            base.latencies(),
            "",
            base.cpu(),
            ""
        );
        for (name, emb, htp, calls) in &rows {
            println!(
                "{:<40} | {:>13} | {:>13} | {:>15} | {:>15} | {:>11}",
                name,
                emb.latencies(),
                htp.latencies(),
                emb.cpu(),
                htp.cpu(),
                calls
            );
        }
        println!(
            "(CPU: the whole process, load generator included; auth+query: protocol calls per \
             request of the http gateway)"
        );

        for running in [embedded, http] {
            running.shutdown();
            running.wait().await;
        }
        service.shutdown();
        service.wait().await;
    });
}

fn num_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
