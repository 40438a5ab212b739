//! Graceful shutdown of the real binary: SIGTERM while a slow request is in flight.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const ANA: (&str, &str) = (
    "vSt4xaDt4dQRTjJYe",
    "e2r9S9vbhzil4mJnQfKuuMq5UrbYi2IaDHUiuhIG6GC",
);

struct Process {
    child: Child,
    lines: mpsc::Receiver<serde_json::Value>,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Process {
    /// Waits (bounded) for a JSON log line whose `message` is `message`, satisfying `pred`.
    fn wait_for(
        &self,
        message: &str,
        pred: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|_| panic!("no log line {message:?} within 30 s"));
            if line["message"] == message && pred(&line) {
                return line;
            }
        }
    }
}

fn start(config: &str) -> (Process, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("threadgate.toml");
    std::fs::write(&path, config).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_threadgate"))
        .arg("serve")
        .arg("--config")
        .arg(&path)
        .env_remove("THREADGATE_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start threadgate");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) {
                if tx.send(v).is_err() {
                    break;
                }
            }
        }
    });
    (Process { child, lines: rx }, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_in_flight_requests_and_readyz_turns_503() {
    let seed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/demo");
    let config = format!(
        r#"
[server]
listen = "127.0.0.1:0"
admin_listen = "127.0.0.1:0"
shutdown_grace_ms = 20000
[log]
format = "json"
level = "info"
[backend]
path = ":memory:"
seed = "{}"
[fault]
backend_delay_ms = 1500
"#,
        seed.display()
    );
    let (mut proc, _dir) = start(&config);
    let addr_of = |which: &str| {
        let line = proc.wait_for("listening", |l| l["listener"] == which);
        line["addr"].as_str().unwrap().to_owned()
    };
    let api = addr_of("api");
    let admin = addr_of("admin");
    let http = reqwest::Client::new();
    let ready = http
        .get(format!("http://{admin}/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);

    // A request that takes 1.5 s in the backend.
    let slow = tokio::spawn({
        let http = http.clone();
        let api = api.clone();
        async move {
            let resp = http
                .get(format!(
                    "http://{api}/api/v1/chat.getThreadMessages?tmid=hwid5RgAfuvaSBZbM"
                ))
                .header("X-User-Id", ANA.0)
                .header("X-Auth-Token", ANA.1)
                .send()
                .await
                .expect("the in-flight request is answered");
            (resp.status().as_u16(), resp.text().await.unwrap())
        }
    });
    // Wait until the gateway counts it in flight (observed, not guessed).
    let in_flight = async {
        loop {
            let m = http
                .get(format!("http://{admin}/metrics"))
                .send()
                .await
                .unwrap();
            if m.text()
                .await
                .unwrap()
                .contains("threadgate_in_flight_requests 1")
            {
                break;
            }
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), in_flight)
        .await
        .expect("the slow request shows in flight within 30 s");

    let pid = proc.child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    proc.wait_for("shutting down: draining requests in flight", |_| true);

    let ready = http
        .get(format!("http://{admin}/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503, "readyz during drain");
    assert!(
        !slow.is_finished(),
        "the slow request is still in flight while readyz says 503"
    );
    // New connections are refused once the listener is closed.
    assert!(tokio::net::TcpStream::connect(&api).await.is_err());

    let (status, body) = slow.await.unwrap();
    assert_eq!(status, 200);
    assert!(
        body.ends_with(r#""count":3,"offset":0,"total":3,"success":true}"#),
        "{body}"
    );

    proc.wait_for("stopped", |_| true);
    let code = tokio::task::spawn_blocking(move || proc.child.wait().unwrap())
        .await
        .unwrap();
    assert_eq!(code.code(), Some(0));
}
