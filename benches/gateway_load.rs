//! Load on the whole gateway over real HTTP on loopback: the request rate of a
//! `chat.getThreadMessages` page (stack, authentication, SQLite query, encoding) against the
//! baseline of the same server's cheapest answer, `GET /livez` on the admin listener (hyper
//! and loopback TCP only), measured in the same run with the same client.
//!
//! Run: `cargo bench --bench gateway_load` (a release build; about a minute). It prints
//! requests per second for each case and the ratio gateway / baseline.
//! Settings: `LOAD_SECONDS` (default 5 per case), `LOAD_CONNECTIONS` (default 16).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use threadgate::config::Config;

const ANA: (&str, &str) = (
    "vSt4xaDt4dQRTjJYe",
    "e2r9S9vbhzil4mJnQfKuuMq5UrbYi2IaDHUiuhIG6GC",
);

struct Case {
    name: &'static str,
    url: String,
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

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Drives `case` with `connections` keep-alive clients for `seconds`; returns requests/s and
/// the p50 and p99 latencies.
async fn drive(case: &Case, connections: u64, seconds: u64) -> (f64, Duration, Duration) {
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .build()
            .expect("client");
        let url = case.url.clone();
        let headers = case.headers;
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
                assert_eq!(resp.status(), 200);
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
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    let rate = done.load(Ordering::Relaxed) as f64 / seconds as f64;
    (rate, pct(0.50), pct(0.99))
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
        let mut config = Config::default();
        config.server.listen = "127.0.0.1:0".parse().expect("addr");
        config.server.admin_listen = "127.0.0.1:0".parse().expect("addr");
        let store = config.embedded_mut();
        store.path = ":memory:".into();
        store.seed = seed.display().to_string();
        let running = threadgate::server::start(config).await.expect("gateway");
        let api = running.addr;
        let admin = running.admin_addr;
        let cases = [
            Case {
                name: "baseline: GET /livez (admin listener)",
                url: format!("http://{admin}/livez"),
                headers: &[],
            },
            Case {
                name: "rocketchat chat.getThreadMessages, 50",
                url: format!("http://{api}/api/v1/chat.getThreadMessages?tmid=LscqGbTLCzXQhjg4m"),
                headers: RC_ANA,
            },
            Case {
                name: "rocketchat chat.getThreadMessages, 3",
                url: format!("http://{api}/api/v1/chat.getThreadMessages?tmid=hwid5RgAfuvaSBZbM"),
                headers: RC_ANA,
            },
            Case {
                name: "rocketchat dm.history, 50",
                url: format!("http://{api}/api/v1/dm.history?roomId=kenji.sato"),
                headers: RC_ANA,
            },
            Case {
                name: "selfcommunity pm, 20",
                url: format!("http://{api}/api/v2/pm/?user=102"),
                headers: BEARER_ANA,
            },
            Case {
                name: "quip admin messages, 25",
                url: format!("http://{api}/1/admin/messages/vCPRIcENZyp?company_id=northwind"),
                headers: BEARER_MARCUS,
            },
        ];
        println!(
            "{connections} connections, {seconds} s per case, {} cores",
            num_cpus()
        );
        let mut baseline = None;
        for case in &cases {
            let (rate, p50, p99) = drive(case, connections, seconds).await;
            let base = *baseline.get_or_insert(rate);
            println!(
                "{:<45} {:>9.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  ratio {:.3}",
                case.name,
                rate,
                p50.as_secs_f64() * 1e3,
                p99.as_secs_f64() * 1e3,
                rate / base
            );
        }
        running.shutdown();
        running.wait().await;
    });
}

fn num_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
