//! The primary's request rate with shadow comparison on, as a ratio to the same gateway with
//! it off, in the same run, over real HTTP on loopback (`docs/performance.md`).
//!
//! Two gateways on the embedded topology, each with its own `:memory:` copy of `config/demo`:
//! **off** has no `[shadow]`; **on** has `[shadow] sample = 1.0` (every query shadowed, the
//! issue's setting) and a `[shadow.backend]` that is a third embedded copy of the demo data,
//! with the default queue (1024), workers (4) and noise share (0.05). Each case is measured
//! off, on, off, on (`LOAD_SECONDS` each, `LOAD_CONNECTIONS` client connections); the table
//! keeps the better run of each side, and says how many shadow calls were compared, how many
//! were dropped because the queue was full, and that none differed (same data on both sides).
//!
//! Run: `cargo bench --bench shadow_load` (a release build, about `16 × LOAD_SECONDS`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use threadgate::config::{BackendConfig, Config, EmbeddedConfig, ShadowConfig};

const RC_ANA: &[(&str, &str)] = &[
    ("X-User-Id", "vSt4xaDt4dQRTjJYe"),
    (
        "X-Auth-Token",
        "e2r9S9vbhzil4mJnQfKuuMq5UrbYi2IaDHUiuhIG6GC",
    ),
];
const BEARER_ANA: &[(&str, &str)] = &[(
    "Authorization",
    "Bearer tg_bearer_ana.lima_l3jtt175u58vgxn0",
)];
const BEARER_MARCUS: &[(&str, &str)] = &[(
    "Authorization",
    "Bearer tg_bearer_marcus.wei_j5lb0aw0hrwvuk9q",
)];

type Case = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const CASES: &[Case] = &[
    (
        "rocketchat chat.getThreadMessages, 50",
        "/api/v1/chat.getThreadMessages?tmid=LscqGbTLCzXQhjg4m",
        RC_ANA,
    ),
    (
        "rocketchat dm.history, 50",
        "/api/v1/dm.history?roomId=vSt4xaDt4dQRTjJYewnWPgRuQDB3TzxiZq",
        RC_ANA,
    ),
    ("selfcommunity pm, 20", "/api/v2/pm/?user=102", BEARER_ANA),
    (
        "quip admin messages, 25",
        "/1/admin/messages/vCPRIcENZyp?company_id=northwind",
        BEARER_MARCUS,
    ),
];

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Requests per second of `connections` clients asking `url` for `seconds`.
async fn drive(
    url: &str,
    headers: &'static [(&'static str, &'static str)],
    connections: u64,
    seconds: u64,
) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .build()
            .expect("client");
        let (url, done) = (url.to_owned(), done.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let mut req = client.get(&url);
                for (name, value) in headers {
                    req = req.header(*name, *value);
                }
                let resp = req.send().await.expect("answer");
                assert_eq!(resp.status(), 200, "{url}");
                let _ = resp.bytes().await.expect("body");
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        t.await.expect("client task");
    }
    done.load(Ordering::Relaxed) as f64 / seconds as f64
}

fn demo(seed: &str) -> BackendConfig {
    BackendConfig::Embedded(EmbeddedConfig {
        path: ":memory:".into(),
        seed: seed.to_owned(),
        read_connections: 4,
    })
}

fn gateway_config(seed: &str, shadow: bool) -> Config {
    let mut config = Config::default();
    config.server.listen = "127.0.0.1:0".parse().expect("addr");
    config.server.admin_listen = "127.0.0.1:0".parse().expect("addr");
    config.backend = demo(seed);
    if shadow {
        config.shadow = ShadowConfig {
            sample: 1.0,
            backend: Some(demo(seed)),
            ..ShadowConfig::default()
        };
    }
    config
}

fn main() {
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
        let off = threadgate::server::start(gateway_config(&seed, false))
            .await
            .expect("gateway without shadow");
        let on = threadgate::server::start(gateway_config(&seed, true))
            .await
            .expect("gateway with shadow");
        let state = on.state.shadow.clone().expect("shadow state");
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        println!("{connections} connections, {seconds} s per run, {cores} cores, shadow sample 1.0\n");
        println!("| case | off (req/s) | on (req/s) | on / off | shadow calls compared | dropped (queue full) | differed |");
        println!("|---|---|---|---|---|---|---|");
        let mut ratios = Vec::new();
        for (name, path, headers) in CASES {
            state.reset();
            let (mut best_off, mut best_on) = (0f64, 0f64);
            for _ in 0..2 {
                eprintln!("measuring {name}");
                let url = format!("http://{}{path}", off.addr);
                best_off = best_off.max(drive(&url, headers, connections, seconds).await);
                let url = format!("http://{}{path}", on.addr);
                best_on = best_on.max(drive(&url, headers, connections, seconds).await);
            }
            // Let the queue drain before reading the report.
            while state.report().pending > 0 {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let r = state.report();
            let count = |k: &str| r.requests.get(k).copied().unwrap_or(0);
            let ratio = best_on / best_off;
            ratios.push(ratio);
            println!(
                "| {name} | {best_off:.0} | {best_on:.0} | {ratio:.2} | {} | {} | {} |",
                count("match") + count("differ"),
                count("dropped"),
                count("differ"),
            );
            assert_eq!(count("differ"), 0, "the same data on both sides differs");
        }
        let mean = ratios.iter().sum::<f64>() / ratios.len() as f64;
        println!("\nmean on / off: {mean:.2} (goal >= 0.9)");
    });
}
