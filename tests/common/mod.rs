//! Shared helpers for whole-gateway tests: a real gateway on ephemeral loopback ports over
//! the demo data, a real HTTP client, golden files.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use threadgate::backend::embedded::EmbeddedBackend;
use threadgate::backend::Backend;
use threadgate::config::Config;
use threadgate::server::Running;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A config for tests: ephemeral ports, an in-memory store seeded from `config/demo`.
pub fn test_config() -> Config {
    let mut c = Config::default();
    c.server.listen = "127.0.0.1:0".parse().unwrap();
    c.server.admin_listen = "127.0.0.1:0".parse().unwrap();
    c.backend.path = ":memory:".into();
    c.backend.seed = root().join("config/demo").display().to_string();
    c.backend.read_connections = 2;
    c
}

/// One demo store per test binary (importing it once keeps the suite fast).
pub fn demo_store() -> Arc<dyn Backend> {
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

/// A gateway under test.
pub struct Gw {
    pub running: Running,
    pub base: String,
    pub admin: String,
    pub http: reqwest::Client,
}

impl Gw {
    /// Starts a gateway over the shared demo store with `tweak` applied to the test config.
    pub async fn start(tweak: impl FnOnce(&mut Config)) -> Gw {
        let mut config = test_config();
        tweak(&mut config);
        let backend = threadgate::server::wrap_backend(&config, demo_store());
        let running = threadgate::server::start_with_backend(config, backend)
            .await
            .expect("gateway starts");
        Gw::around(running)
    }

    /// A gateway in front of its own demo store, closed once the gateway has started: every
    /// backend call then fails as an unavailable upstream would.
    pub async fn unavailable(tweak: impl FnOnce(&mut Config)) -> Gw {
        let seed = root().join("config/demo");
        let store = Arc::new(
            EmbeddedBackend::open_and_seed(":memory:", 1, Some(&seed)).expect("demo store"),
        );
        let mut config = test_config();
        tweak(&mut config);
        let running = threadgate::server::start_with_backend(config, store.clone())
            .await
            .expect("gateway starts");
        store.close();
        Gw::around(running)
    }

    fn around(running: Running) -> Gw {
        Gw {
            base: format!("http://{}", running.addr),
            admin: format!("http://{}", running.admin_addr),
            running,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
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

/// The demo store with its id map (SelfCommunity tests: the integers of the seed's pins and
/// of the start-up assignment).
pub fn demo_store_with_idmap() -> (Arc<dyn Backend>, Arc<threadgate::idmap::IdMap>) {
    let store = demo_store();
    let ids = store
        .id_map()
        .expect("id map opens")
        .expect("the store keeps one");
    (store, ids)
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
