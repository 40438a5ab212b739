//! Topologies: every whole-gateway test of the dialects runs as gateway → embedded store and as
//! gateway → `threadgate backend` → embedded store (the canonical protocol over real HTTP),
//! with identical bodies. A test body is written once; [`matrix!`](crate::matrix) runs it in
//! both, and [`super::Gw`] builds its gateway for the topology of the running test.

use super::{demo_ids, demo_store, root, test_config};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use threadgate::backend::embedded::EmbeddedBackend;
use threadgate::backend::Built;
use threadgate::config::SelfCommunityBackendConfig;
use threadgate::config::{BackendConfig, Config, HttpBackendConfig, RocketChatBackendConfig};
use threadgate::server::Parts;

/// Where a gateway under test finds its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topology {
    /// The demo store inside the gateway.
    Embedded,
    /// The demo store behind `threadgate backend`, reached over the canonical protocol.
    Http,
    /// The demo store in gateway A; the gateway under test has `[backend] kind =
    /// "rocketchat"` with A as its upstream, and passes the caller's credential through.
    RocketChat,
    /// The demo store in gateway A; the gateway under test has `[backend] kind =
    /// "selfcommunity"` with A as its upstream, and passes the caller's bearer token through.
    SelfCommunity,
}

tokio::task_local! {
    static CURRENT: Topology;
}

impl Topology {
    /// Runs a test body with this topology for every gateway it starts.
    pub async fn run<F: Future<Output = ()>>(self, body: F) {
        CURRENT.scope(self, body).await
    }

    /// The topology of the running test (embedded outside [`Topology::run`]).
    pub fn current() -> Topology {
        CURRENT.try_with(|t| *t).unwrap_or(Topology::Embedded)
    }
}

/// Runs the async test function `$name` once per topology, as `$name::embedded` and
/// `$name::http` (a module and a function may share a name); with `, $extra => $topology`
/// also through a gateway whose upstream is another gateway, as `$name::$extra`.
#[macro_export]
macro_rules! matrix {
    ($name:ident $(, $extra:ident => $topology:ident)?) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn embedded() {
                $crate::common::Topology::Embedded.run(super::$name()).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn http() {
                $crate::common::Topology::Http.run(super::$name()).await
            }
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $extra() {
                    $crate::common::Topology::$topology.run(super::$name()).await
                }
            )?
        }
    };
}

/// [`matrix!`] plus `$name::rocketchat`: through a gateway whose upstream is a Rocket.Chat
/// server (another gateway).
#[macro_export]
macro_rules! matrix_rc {
    ($name:ident) => {
        $crate::matrix!($name, rocketchat => RocketChat);
    };
}

/// [`matrix!`] plus `$name::selfcommunity`: through a gateway whose upstream is a
/// SelfCommunity server (another gateway).
#[macro_export]
macro_rules! matrix_sc {
    ($name:ident) => {
        $crate::matrix!($name, selfcommunity => SelfCommunity);
    };
}

/// Gateway A: the demo store behind a whole gateway (default config), on a runtime of its
/// own for the whole test binary; returns its API address.
pub fn demo_gateway() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("gateway A runtime");
            runtime.block_on(async move {
                let running = threadgate::server::start_with(test_config(), super::demo_parts())
                    .await
                    .expect("gateway A starts");
                tx.send(running.addr).expect("address sent");
                std::future::pending::<()>().await;
            });
        });
        rx.recv().expect("gateway A address")
    })
}

/// Points `config` at the Rocket.Chat server at `url` (passthrough credentials). The call
/// budget is raised so that `count=0` over the busiest demo room (about 2,300 messages, 24
/// calls of 100) is answered; the default budget's refusal has a test of its own.
pub fn use_rocketchat(config: &mut Config, url: &str) {
    config.backend = BackendConfig::RocketChat(RocketChatBackendConfig {
        url: url.to_owned(),
        max_calls_per_request: 100,
        ..RocketChatBackendConfig::default()
    });
}

/// Points `config` at the SelfCommunity server at `url` (passthrough credentials), with an
/// id map of its own in memory (the upstream's integers are the ids).
pub fn use_selfcommunity(config: &mut Config, url: &str) {
    config.backend = BackendConfig::SelfCommunity(SelfCommunityBackendConfig {
        url: url.to_owned(),
        ..SelfCommunityBackendConfig::default()
    });
    config.idmap.path = Some(":memory:".into());
}

/// The parts a gateway builds for a `selfcommunity` `[backend]` and `[auth]`: its own id map
/// (the upstream's integers), as `threadgate serve` opens it.
pub async fn selfcommunity_parts(config: &Config) -> Parts {
    let built = threadgate::backend::build(&config.backend)
        .await
        .and_then(|built| threadgate::backend::with_directory(built, &config.auth))
        .expect("selfcommunity backend builds");
    Parts {
        backend: built.backend,
        auth: built.auth,
        ids: threadgate::server::open_idmap(config)
            .await
            .expect("id map opens"),
    }
}

/// The shared demo store served by one `threadgate backend` for the whole test binary, on a
/// runtime of its own (a test's runtime ends with the test).
pub fn demo_service() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| {
        let store = demo_store();
        serve_forever(Built {
            auth: store.authenticator(),
            backend: store,
        })
    })
}

/// Serves `built` over the protocol on a thread and runtime of its own, for the rest of the
/// process; returns its address.
pub fn serve_forever(built: Built) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("service runtime");
        runtime.block_on(async move {
            let running = threadgate::service::start_with(&test_config(), built, any_port())
                .await
                .expect("backend service starts");
            tx.send(running.addr).expect("address sent");
            std::future::pending::<()>().await;
        });
    });
    rx.recv().expect("backend service address")
}

/// Ephemeral loopback ports for both listeners.
pub fn any_port() -> threadgate::service::Addresses {
    threadgate::service::Addresses {
        listen: "127.0.0.1:0".parse().expect("addr"),
        admin_listen: "127.0.0.1:0".parse().expect("addr"),
    }
}

/// Points `config` at the service at `addr`.
pub fn use_service(config: &mut Config, addr: SocketAddr) {
    config.backend = BackendConfig::Http(HttpBackendConfig {
        url: format!("http://{addr}"),
        ..HttpBackendConfig::default()
    });
}

/// The parts of a gateway for `config` in the running test's topology.
pub async fn parts_for(config: &mut Config) -> Parts {
    match Topology::current() {
        Topology::Embedded => super::demo_parts(),
        Topology::Http => {
            use_service(config, demo_service());
            http_parts(config).await
        }
        Topology::RocketChat => {
            use_rocketchat(config, &format!("http://{}", demo_gateway()));
            http_parts(config).await
        }
        Topology::SelfCommunity => {
            use_selfcommunity(config, &format!("http://{}", demo_gateway()));
            selfcommunity_parts(config).await
        }
    }
}

/// The parts a gateway builds for its remote `[backend]` (`http`, `rocketchat`) and
/// `[auth]`, with the shared id map.
pub async fn http_parts(config: &Config) -> Parts {
    let built = threadgate::backend::build(&config.backend)
        .await
        .and_then(|built| threadgate::backend::with_directory(built, &config.auth))
        .expect("remote backend builds");
    Parts {
        backend: built.backend,
        auth: built.auth,
        ids: demo_ids(),
    }
}

/// A store of the demo data of its own, for a test that closes or breaks it.
pub fn private_store() -> Arc<EmbeddedBackend> {
    let seed = root().join("config/demo");
    Arc::new(EmbeddedBackend::open_and_seed(":memory:", 1, Some(&seed)).expect("demo store"))
}
