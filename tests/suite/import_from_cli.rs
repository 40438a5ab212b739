//! `threadgate import --from` through the real binary: a copy killed with SIGKILL half-way
//! and started again ends with the store of one clean run (both ways of reading); the
//! command's refusals.

use crate::common::{test_config, Gw};
use crate::import_from::{creds_token, dump, fresh, Fresh};
use crate::quip_upstream::bearer_credentials;
use crate::rocketchat_upstream::demo_credentials;

/// A `threadgate backend` of its own over the demo store, each query delayed by `delay_ms`
/// (so that a copy of small pages is still under way when it is killed).
async fn slow_service(delay_ms: u64) -> threadgate::service::Running {
    let mut config = test_config();
    config.fault.backend_delay_ms = delay_ms;
    let store = crate::common::demo_store();
    threadgate::service::start_with(
        &config,
        threadgate::backend::Built {
            auth: store.authenticator(),
            backend: store,
        },
        crate::common::any_port(),
    )
    .await
    .expect("backend service starts")
}

/// `threadgate --config <config> import --from <kind> --url <url> --credentials <file>
/// --page-size <n>`, its standard error piped.
fn command(f: &Fresh, kind: &str, url: &str, creds: &str, page: u32) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_threadgate"));
    cmd.arg("--config")
        .arg(&f.config)
        .args([
            "import",
            "--from",
            kind,
            "--url",
            url,
            "--credentials",
            creds,
        ])
        .args(["--page-size", &page.to_string()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    cmd
}

/// Runs the command to its end: its exit status and both outputs.
fn finish(mut cmd: std::process::Command) -> (std::process::ExitStatus, String, String) {
    let out = cmd.output().expect("threadgate runs");
    (
        out.status,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Starts the command and kills it (SIGKILL) once its progress lines show `pages` pages
/// written; returns what it printed. The run must not have ended by then.
fn kill_after_pages(mut cmd: std::process::Command, pages: usize) -> String {
    use std::io::BufRead;
    let mut child = cmd.spawn().expect("threadgate starts");
    let stderr = child.stderr.take().expect("stderr piped");
    let mut seen = Vec::new();
    for line in std::io::BufReader::new(stderr).lines() {
        let line = line.expect("a line");
        let page = line.starts_with("page: ");
        seen.push(line);
        if page && seen.iter().filter(|l| l.starts_with("page: ")).count() >= pages {
            break;
        }
    }
    child.kill().expect("SIGKILL sent");
    let status = child.wait().expect("the killed run ends");
    assert!(
        !status.success(),
        "the run was killed, not finished: {seen:?}"
    );
    seen.join("\n")
}

/// Copies from `url` through `kind` with the real binary in pages of 10, killed once 40
/// pages are written, and started again in pages of 100 (where a copy stands does not
/// depend on the page size); then a clean copy into another store. Returns the dumps:
/// killed half-way, resumed, clean.
async fn killed_and_resumed(
    kind: &'static str,
    url: String,
) -> (Vec<String>, Vec<String>, Vec<String>) {
    let (killed, clean) = (fresh(), fresh());
    // SelfCommunity and Quip take bearer tokens, Rocket.Chat its user id and token pairs.
    let creds = match kind {
        "selfcommunity" | "quip" => bearer_credentials(killed.dir.path()),
        _ => demo_credentials(killed.dir.path()),
    };
    tokio::task::spawn_blocking(move || {
        let log = kill_after_pages(command(&killed, kind, &url, &creds, 10), 40);
        assert!(!log.contains(&creds_token()), "no token printed: {log}");
        let half = dump(&killed.store);
        let (status, out, err) = finish(command(&killed, kind, &url, &creds, 100));
        assert!(status.success(), "{err}");
        assert!(out.starts_with("copied "), "{out}");
        assert!(!out.contains(&creds_token()) && !err.contains(&creds_token()));
        let (status, out, err) = finish(command(&clean, kind, &url, &creds, 100));
        assert!(status.success(), "{err}");
        assert!(
            out.contains(" 0 updated 0 unchanged"),
            "a clean run only adds: {out}"
        );
        (half, dump(&killed.store), dump(&clean.store))
    })
    .await
    .expect("the runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_killed_half_way_and_started_again_ends_as_one_clean_run() {
    let service = slow_service(3).await;
    let (half, resumed, clean) =
        killed_and_resumed("http", format!("http://{}", service.addr)).await;
    assert!(half.len() < clean.len(), "the first run stopped half-way");
    assert_eq!(resumed, clean, "the resumed copy is the clean copy");
    service.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rocketchat_copy_killed_half_way_and_started_again_ends_as_one_clean_run() {
    // Newest first by offset: the resume record is the offset of the read under way.
    let slow = Gw::start(|c| c.fault.backend_delay_ms = 3).await;
    let (half, resumed, clean) = killed_and_resumed("rocketchat", slow.base.clone()).await;
    assert!(half.len() < clean.len(), "the first run stopped half-way");
    assert_eq!(resumed, clean, "the resumed copy is the clean copy");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_selfcommunity_copy_killed_half_way_and_started_again_ends_as_one_clean_run() {
    let slow = Gw::start(|c| c.fault.backend_delay_ms = 3).await;
    let (half, resumed, clean) = killed_and_resumed("selfcommunity", slow.base.clone()).await;
    assert!(half.len() < clean.len(), "the first run stopped half-way");
    assert_eq!(resumed, clean, "the resumed copy is the clean copy");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quip_copy_killed_half_way_and_started_again_ends_as_one_clean_run() {
    // Newest first through the walked cursors, documents' edit records in a lane of their own.
    let slow = Gw::start(|c| c.fault.backend_delay_ms = 3).await;
    let (half, resumed, clean) = killed_and_resumed("quip", slow.base.clone()).await;
    assert!(half.len() < clean.len(), "the first run stopped half-way");
    assert_eq!(resumed, clean, "the resumed copy is the clean copy");
}

#[test]
fn the_command_refuses_clearly_what_it_cannot_do() {
    let f = fresh();
    let creds = demo_credentials(f.dir.path());
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_threadgate"))
            .arg("--config")
            .arg(&f.config)
            .arg("import")
            .args(args)
            .output()
            .expect("threadgate runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // Every kind reads; a source that does not answer stops the copy, naming what failed.
    let bearer = bearer_credentials(f.dir.path());
    for kind in ["selfcommunity", "quip"] {
        let (code, err) = run(&[
            "--from",
            kind,
            "--url",
            "http://127.0.0.1:9",
            "--credentials",
            &bearer,
        ]);
        assert_eq!(code, Some(1), "{err}");
        assert!(!err.contains("not yet available"), "{err}");
        assert!(err.contains("credential of"), "{err}");
        assert!(!err.contains("tg_bearer_"), "no token printed: {err}");
    }
    let (code, err) = run(&["--from", "http", "--url", "http://127.0.0.1:9"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("--from http needs --credentials FILE"),
        "{err}"
    );
    let (code, err) = run(&[
        "--from",
        "rocketchat",
        "--url",
        "http://u:secret@127.0.0.1:9",
        "--credentials",
        &creds,
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("credentials belong in --credentials") && !err.contains("secret"),
        "{err}"
    );
    let (code, err) = run(&["--from", "slack", "--url", "http://127.0.0.1:9"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("slack"), "{err}");
    // A credentials file that does not read is named with its line, never its token.
    let bad = f.dir.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        "{\"user_id\":\"a\",\"scheme\":\"rocketchat\",\"token\":\"t\"}\n",
    )
    .unwrap();
    let (code, err) = run(&[
        "--from",
        "http",
        "--url",
        "http://127.0.0.1:9",
        "--credentials",
        &bad.display().to_string(),
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("--credentials") && err.contains("line 1"),
        "{err}"
    );
    assert!(!err.contains("\"t\""), "{err}");
}
