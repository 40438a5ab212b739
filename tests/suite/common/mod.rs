//! Shared helpers for whole-gateway tests: a real gateway on ephemeral loopback ports over
//! the demo data, a real HTTP client, golden files.
#![allow(dead_code)]

mod topology;

pub use topology::*;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use threadgate::backend::embedded::EmbeddedBackend;
use threadgate::backend::{Backend, QueryContext};
use threadgate::canonical::{Credential, Error, Page, Principal, ThreadQuery};
use threadgate::config::Config;
use threadgate::idmap::IdMap;
use threadgate::server::{Parts, Running};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A config for tests: ephemeral ports, an in-memory store seeded from `config/demo`.
pub fn test_config() -> Config {
    let mut c = Config::default();
    c.server.listen = "127.0.0.1:0".parse().unwrap();
    c.server.admin_listen = "127.0.0.1:0".parse().unwrap();
    let e = c.embedded_mut();
    e.path = ":memory:".into();
    e.seed = root().join("config/demo").display().to_string();
    e.read_connections = 2;
    c
}

/// One demo store per test binary (importing it once keeps the suite fast).
pub fn demo_store() -> Arc<EmbeddedBackend> {
    static STORE: OnceLock<Arc<EmbeddedBackend>> = OnceLock::new();
    STORE
        .get_or_init(|| {
            let seed = root().join("config/demo");
            Arc::new(
                EmbeddedBackend::open_and_seed(":memory:", 2, Some(&seed))
                    .expect("demo data imports"),
            )
        })
        .clone()
}

/// One id map per test binary, started from the demo seed's pins, as a gateway's own map.
pub fn demo_ids() -> Arc<IdMap> {
    static IDS: OnceLock<Arc<IdMap>> = OnceLock::new();
    IDS.get_or_init(|| {
        let sources = threadgate::idmap::Sources {
            legacy_store: None,
            pins: Some(root().join("config/demo")),
        };
        Arc::new(IdMap::open_path(":memory:", &sources).expect("id map opens"))
    })
    .clone()
}

/// Asks the demo store a query directly (no dialect, no gateway).
pub async fn store_query(query: &ThreadQuery) -> Result<Page, Error> {
    demo_store().query(query, &QueryContext::default()).await
}

/// Checks a credential against the demo store's tokens directly.
pub async fn store_authenticate(credential: Credential) -> Result<Principal, Error> {
    demo_store()
        .authenticator()
        .authenticate(&credential, &QueryContext::default())
        .await
}

/// The parts of a gateway over the shared demo store and id map.
pub fn demo_parts() -> Parts {
    let store = demo_store();
    Parts {
        auth: store.authenticator(),
        backend: store,
        ids: demo_ids(),
    }
}

/// A gateway under test.
pub struct Gw {
    pub running: Running,
    pub base: String,
    pub admin: String,
    pub http: reqwest::Client,
    /// The `threadgate backend` this gateway alone uses, stopped with it.
    pub service: Option<threadgate::service::Running>,
}

impl Gw {
    /// Starts a gateway over the shared demo store with `tweak` applied to the test config.
    pub async fn start(tweak: impl FnOnce(&mut Config)) -> Gw {
        let mut config = test_config();
        tweak(&mut config);
        let parts = parts_for(&mut config).await;
        let running = threadgate::server::start_with(config, parts)
            .await
            .expect("gateway starts");
        Gw::around(running)
    }

    /// A gateway in front of its own demo store, closed once the gateway has started: every
    /// backend call then fails as an unavailable upstream would.
    pub async fn unavailable(tweak: impl FnOnce(&mut Config)) -> Gw {
        let store = private_store();
        let mut config = test_config();
        tweak(&mut config);
        let parts = match Topology::current() {
            Topology::Embedded => Parts {
                auth: store.authenticator(),
                backend: store.clone(),
                ids: demo_ids(),
            },
            Topology::Http => {
                let service = threadgate::service::start_with(
                    &test_config(),
                    threadgate::backend::Built {
                        auth: store.authenticator(),
                        backend: store.clone(),
                    },
                    any_port(),
                )
                .await
                .expect("backend service starts");
                use_service(&mut config, service.addr);
                let parts = http_parts(&config).await;
                let running = threadgate::server::start_with(config, parts)
                    .await
                    .expect("gateway starts");
                store.close();
                let mut gw = Gw::around(running);
                gw.service = Some(service);
                return gw;
            }
            Topology::RocketChat => {
                // An upstream that is gone: nothing listens on the port any more.
                let gone = std::net::TcpListener::bind("127.0.0.1:0")
                    .and_then(|l| l.local_addr())
                    .expect("a free port");
                use_rocketchat(&mut config, &format!("http://{gone}"));
                let parts = http_parts(&config).await;
                let running = threadgate::server::start_with(config, parts)
                    .await
                    .expect("gateway starts");
                return Gw::around(running);
            }
            Topology::SelfCommunity => {
                let gone = std::net::TcpListener::bind("127.0.0.1:0")
                    .and_then(|l| l.local_addr())
                    .expect("a free port");
                use_selfcommunity(&mut config, &format!("http://{gone}"));
                let parts = selfcommunity_parts(&config).await;
                let running = threadgate::server::start_with(config, parts)
                    .await
                    .expect("gateway starts");
                return Gw::around(running);
            }
        };
        let running = threadgate::server::start_with(config, parts)
            .await
            .expect("gateway starts");
        store.close();
        Gw::around(running)
    }

    pub fn around(running: Running) -> Gw {
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

    pub async fn default() -> Gw {
        Gw::start(|_| {}).await
    }

    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{}", self.base, path_and_query)
    }

    pub fn get(&self, path_and_query: &str) -> reqwest::RequestBuilder {
        self.http.get(self.url(path_and_query))
    }
}

/// A response read whole.
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Answer {
    pub async fn of(resp: reqwest::Response) -> Answer {
        Answer {
            status: resp.status().as_u16(),
            headers: resp.headers().clone(),
            body: resp.text().await.expect("body"),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

pub async fn send(req: reqwest::RequestBuilder) -> Answer {
    Answer::of(req.send().await.expect("request sent")).await
}

/// Compares `actual` with `tests/golden/<name>` byte for byte. With `UPDATE_GOLDEN=1` the
/// file is (re)written instead; review the diff before committing it.
pub fn golden(name: &str, actual: &str) {
    let path = root().join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "golden file {} ({e}); run with UPDATE_GOLDEN=1",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "body differs from {}\nexpected: {expected}\nactual:   {actual}",
        path.display()
    );
}

/// Checks Rocket.Chat's exact 429 body, all but the number of seconds to wait (1 to 60 in a
/// 60 s window), and returns that number.
pub fn rc_too_many_wait(a: &Answer, label: &str) -> u64 {
    assert_eq!(a.status, 429, "{label}: {}", a.body);
    let n: u64 = a
        .body
        .split("You must wait ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{label}: {}", a.body));
    assert!((1..=60).contains(&n), "{label}: {n}");
    assert_eq!(
        a.body,
        format!(
            r#"{{"success":false,"error":"Error, too many requests. Please slow down. You must wait {n} seconds before trying this endpoint again. [error-too-many-requests]"}}"#
        ),
        "{label}"
    );
    n
}

/// A mapped credentials file made from the demo tokens: each user's own token of `scheme`
/// (`"rocketchat"`: the user's Rocket.Chat token, their own id upstream; `"bearer"`: their
/// SelfCommunity and Quip token), written into `dir`; returns its path.
pub fn credentials_file(dir: &std::path::Path, scheme: &str) -> String {
    let tokens =
        std::fs::read_to_string(root().join("config/demo/tokens.jsonl")).expect("demo tokens");
    let mut out = String::new();
    for line in tokens.lines().filter(|l| !l.trim().is_empty()) {
        let t: serde_json::Value = serde_json::from_str(line).expect("a token line");
        if t["scheme"] != scheme {
            continue;
        }
        let mut entry = serde_json::json!({
            "user_id": t["user_id"],
            "scheme": scheme,
            "token": t["token"],
        });
        if scheme == "rocketchat" {
            entry["upstream_user_id"] = t["user_id"].clone();
        }
        out.push_str(&entry.to_string());
        out.push('\n');
    }
    let path = dir.join(format!("{scheme}-upstream.jsonl"));
    std::fs::write(&path, out).expect("write credentials");
    path.display().to_string()
}
