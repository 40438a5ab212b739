//! `https://` upstreams over real TLS on loopback: a CA and a server certificate for
//! `localhost` made here, and a TLS-terminating listener that forwards each connection's
//! bytes to a real server on plain HTTP (`threadgate backend` for `kind = "http"`, gateway A
//! for `kind = "rocketchat"`).
//!
//! With `[backend] ca_file` naming the CA, a gateway answers exactly as over plain HTTP
//! (golden bodies, and passthrough of an untranslated route). Without it the certificate is
//! refused: the caller gets the dialect's "upstream unavailable" answer and the log names
//! the certificate problem (a real `threadgate serve` process, whose log is read).

use crate::common::{demo_gateway, demo_service, golden, http_parts, send, test_config, Gw};
use crate::rocketchat_upstream::RC_ANA;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use threadgate::config::{BackendConfig, Config, HttpBackendConfig, RocketChatBackendConfig};

const THREAD: &str = "/api/v1/chat.getThreadMessages?tmid=hwid5RgAfuvaSBZbM";
const UNAVAILABLE: &str = r#"{"success":false,"error":"Upstream unavailable [error-upstream-unavailable]","errorType":"error-upstream-unavailable"}"#;

/// A CA (its certificate as PEM) and the server configuration of a certificate for
/// `localhost` that it signed.
fn certificates() -> (String, Arc<rustls::ServerConfig>) {
    let ca_key = rcgen::KeyPair::generate().expect("CA key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "threadgate test CA");
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    let ca = ca_params.self_signed(&ca_key).expect("CA certificate");
    let key = rcgen::KeyPair::generate().expect("server key");
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .expect("server params")
        .signed_by(&key, &ca, &ca_key)
        .expect("server certificate");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(cert.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .expect("server config");
    (ca.pem(), Arc::new(config))
}

/// An HTTPS listener on loopback that forwards every connection's bytes to `target` (plain
/// HTTP), on the running test's runtime; returns its address.
async fn tls_in_front_of(target: SocketAddr, config: Arc<rustls::ServerConfig>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A refused handshake ends here: the client saw why.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut plain) = tokio::net::TcpStream::connect(target).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    addr
}

/// The CA's PEM in a file of `dir`; its path.
fn ca_file(dir: &Path, pem: &str) -> String {
    let path = dir.join("ca.pem");
    std::fs::write(&path, pem).expect("CA file written");
    path.display().to_string()
}

async fn gateway(backend: BackendConfig) -> Gw {
    let mut config: Config = test_config();
    config.server.request_timeout_ms = 5_000;
    config.backend = backend;
    let parts = http_parts(&config).await;
    Gw::around(
        threadgate::server::start_with(config, parts)
            .await
            .expect("gateway starts"),
    )
}

/// Ana's Rocket.Chat request of `path` to the gateway at `base`.
async fn ana(base: &str, path: &str) -> crate::common::Answer {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let req = client.get(format!("{base}{path}"));
    send(RC_ANA.iter().fold(req, |r, (k, v)| r.header(*k, *v))).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_http_backend_with_its_ca_answers_exactly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (ca, server) = certificates();
    let addr = tls_in_front_of(demo_service(), server).await;
    let gw = gateway(BackendConfig::Http(HttpBackendConfig {
        url: format!("https://localhost:{}", addr.port()),
        ca_file: ca_file(dir.path(), &ca),
        ..HttpBackendConfig::default()
    }))
    .await;
    let a = ana(&gw.base, THREAD).await;
    assert_eq!(a.status, 200, "{}", a.body);
    golden("rocketchat/thread_lunch.json", &a.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_rocketchat_upstream_with_its_ca_answers_and_passes_through() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (ca, server) = certificates();
    let addr = tls_in_front_of(demo_gateway(), server).await;
    let gw = gateway(BackendConfig::RocketChat(RocketChatBackendConfig {
        url: format!("https://localhost:{}", addr.port()),
        ca_file: ca_file(dir.path(), &ca),
        passthrough: true,
        max_calls_per_request: 100,
        ..RocketChatBackendConfig::default()
    }))
    .await;
    let a = ana(&gw.base, THREAD).await;
    assert_eq!(a.status, 200, "{}", a.body);
    golden("rocketchat/thread_lunch.json", &a.body);

    // An untranslated route goes through the passthrough proxy, over TLS too: the answer is
    // gateway A's own (its 404 for a route it does not serve either), counted as passed
    // through, not as an unknown route of B.
    let route = "/api/v1/channels.list?count=2";
    let through = ana(&gw.base, route).await;
    let direct = ana(&format!("http://{}", demo_gateway()), route).await;
    assert_eq!(
        (through.status, &through.body),
        (direct.status, &direct.body)
    );
    let metrics = send(gw.http.get(format!("{}/metrics", gw.admin)))
        .await
        .body;
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("threadgate_requests_total")
                && l.contains(r#"route="passthrough""#)
                && l.contains(&format!(r#"status="{}""#, direct.status))),
        "{metrics}"
    );
}

/// A `threadgate serve` process, killed when dropped; its JSON log lines arrive on `lines`.
struct ServeProcess {
    child: Child,
    lines: tokio::sync::mpsc::UnboundedReceiver<serde_json::Value>,
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ServeProcess {
    fn spawn(config: &Path) -> ServeProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_threadgate"))
            .arg("serve")
            .arg("--config")
            .arg(config)
            .env_remove("THREADGATE_CONFIG")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start threadgate serve");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = tokio::sync::mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let v = serde_json::from_str::<serde_json::Value>(&line)
                    .unwrap_or_else(|_| serde_json::json!({ "raw": line }));
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        ServeProcess { child, lines }
    }

    /// Waits (bounded) for the line `want` accepts; every line read on the way is in `seen`.
    async fn line(
        &mut self,
        seen: &mut Vec<serde_json::Value>,
        want: impl Fn(&serde_json::Value) -> bool,
    ) -> Option<serde_json::Value> {
        let wait = async {
            while let Some(line) = self.lines.recv().await {
                seen.push(line.clone());
                if want(&line) {
                    return Some(line);
                }
            }
            None
        };
        tokio::time::timeout(Duration::from_secs(20), wait)
            .await
            .ok()
            .flatten()
    }
}

/// A gateway process whose `[backend]` (TOML lines) is an https upstream without its CA:
/// the caller gets Rocket.Chat's "upstream unavailable" and the log names the refused
/// certificate.
async fn without_the_ca(backend: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("gateway.toml");
    let toml = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\nadmin_listen = \"127.0.0.1:0\"\n\n[backend]\n{backend}\n[idmap]\npath = \":memory:\"\n\n[log]\nformat = \"json\"\nlevel = \"info\"\n"
    );
    std::fs::write(&config, toml).expect("config written");
    let mut gw = ServeProcess::spawn(&config);
    let mut seen = Vec::new();
    let listening = gw
        .line(&mut seen, |l| {
            l["message"] == "listening" && l["listener"] == "api"
        })
        .await
        .unwrap_or_else(|| panic!("threadgate serve did not listen: {seen:#?}"));
    let addr: SocketAddr = listening["addr"]
        .as_str()
        .and_then(|a| a.parse().ok())
        .expect("an address");
    let a = ana(&format!("http://{addr}"), THREAD).await;
    assert_eq!((a.status, a.body.as_str()), (502, UNAVAILABLE));
    let named = gw
        .line(&mut seen, |l| {
            l.to_string().contains("invalid peer certificate")
        })
        .await;
    let named = named.unwrap_or_else(|| panic!("no log line names the certificate: {seen:#?}"));
    assert!(named.to_string().contains("UnknownIssuer"), "{named}");
    assert!(
        !seen.iter().any(|l| l.to_string().contains("panicked")),
        "{seen:#?}"
    );
    assert!(
        gw.child.try_wait().expect("status").is_none(),
        "threadgate serve exited"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_http_backend_without_its_ca_is_unavailable_and_logged() {
    let (_, server) = certificates();
    let addr = tls_in_front_of(demo_service(), server).await;
    without_the_ca(&format!(
        "kind = \"http\"\nurl = \"https://localhost:{}\"\n",
        addr.port()
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_rocketchat_upstream_without_its_ca_is_unavailable_and_logged() {
    let (_, server) = certificates();
    let addr = tls_in_front_of(demo_gateway(), server).await;
    without_the_ca(&format!(
        "kind = \"rocketchat\"\nurl = \"https://localhost:{}\"\npassthrough = true\n",
        addr.port()
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_ca_file_stops_the_start_naming_the_key_and_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("missing.pem").display().to_string();
    let no_cert = dir.path().join("key.pem");
    std::fs::write(
        &no_cert,
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .expect("written");
    let no_cert = no_cert.display().to_string();
    for (file, why) in [
        (&missing, "cannot read"),
        (&no_cert, "holds no certificate"),
    ] {
        for backend in [
            BackendConfig::Http(HttpBackendConfig {
                url: "https://localhost:1".into(),
                ca_file: file.clone(),
                ..HttpBackendConfig::default()
            }),
            BackendConfig::RocketChat(RocketChatBackendConfig {
                url: "https://localhost:1".into(),
                ca_file: file.clone(),
                passthrough: true,
                ..RocketChatBackendConfig::default()
            }),
        ] {
            let mut config = test_config();
            config.backend = backend;
            let err = match threadgate::server::build_parts(&config).await {
                Ok(_) => panic!("{file}: started"),
                Err(e) => e.to_string(),
            };
            assert!(err.contains("backend.ca_file"), "{err}");
            assert!(err.contains(file.as_str()), "{err}");
            assert!(err.contains(why), "{err}");
        }
    }
}
