//! The official SelfCommunity JS client (`@selfcommunity/api-services`, from npm) against the
//! gateway: `getAThread` for a `user` and a `thread` with `limit: 10`, paged backwards the way
//! the official web UI does, must collect exactly the conversation's messages, in order; the
//! snippets listing is called too. Needs Node and npm (the package is installed under
//! `target/` on first run).

use crate::common;
use crate::matrix_sc;

use common::{demo_ids, root, store_query, Gw};
use std::path::{Path, PathBuf};
use std::process::Command;
use threadgate::canonical::{Order, Principal, Slice, Target, ThreadQuery};
use threadgate::idmap::Kind;

/// The package version the test runs against (`npm view @selfcommunity/api-services version`
/// when this test was written).
const PACKAGE: &str = "@selfcommunity/api-services@0.7.0-alpha.13";
/// Required by the package's CommonJS build but not declared in its dependencies.
const TSLIB: &str = "tslib@2.8.1";
const ANA_TOKEN: &str = "tg_bearer_ana.lima_l3jtt175u58vgxn0";
const ANA_ID: &str = "vSt4xaDt4dQRTjJYe";
/// The busy room of ana.lima and kenji.sato (thread 501, user 102).
const BUSY: &str = "vSt4xaDt4dQRTjJYewnWPgRuQDB3TzxiZq";

fn tool_version(tool: &str) -> Result<String, String> {
    match Command::new(tool).arg("--version").output() {
        Ok(out) if out.status.success() => {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
        }
        Ok(out) => Err(format!(
            "`{tool} --version` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )),
        Err(e) => Err(format!(
            "`{tool}` is not available ({e}); this test needs Node.js 18+ and npm on PATH"
        )),
    }
}

/// `target/node-selfcommunity/node_modules`, installing the package there when missing. A
/// concurrent run installs into its own folder and renames it into place; whichever rename
/// lands first wins and the other uses it.
fn installed_modules() -> Result<PathBuf, String> {
    // Both topologies' tests run at once in this process, and the staging directory is named
    // by the process id: one installation at a time.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = root().join("target/node-selfcommunity");
    let modules = dir.join("node_modules");
    let package = modules.join("@selfcommunity/api-services/package.json");
    let tslib = modules.join("tslib/package.json");
    if package.exists() && tslib.exists() {
        return Ok(modules);
    }
    tool_version("npm")?;
    let staging = root().join(format!("target/node-selfcommunity.{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).map_err(|e| format!("cannot create {staging:?}: {e}"))?;
    let out = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(&staging)
        .args([PACKAGE, TSLIB])
        .output()
        .map_err(|e| format!("cannot run npm ({e}); this test needs npm on PATH"))?;
    if !out.status.success() {
        return Err(format!(
            "`npm install {PACKAGE}` failed (network or registry unavailable?):\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    if !tslib.exists() {
        // An earlier install without tslib: replace it.
        let _ = std::fs::remove_dir_all(&dir);
    }
    if std::fs::rename(&staging, &dir).is_err() {
        // Another run installed it first.
        let _ = std::fs::remove_dir_all(&staging);
    }
    if package.exists() && tslib.exists() {
        Ok(modules)
    } else {
        Err(format!("{PACKAGE} is not in {modules:?} after npm install"))
    }
}

fn run_client(modules: &Path, base: &str, targets: &[&str]) -> serde_json::Value {
    let script = root().join("tests/clients/selfcommunity/page_thread.cjs");
    let out = Command::new("node")
        .arg(&script)
        .arg(modules)
        .arg(base)
        .arg(ANA_TOKEN)
        .args(targets)
        .output()
        .unwrap_or_else(|e| panic!("cannot run node: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the JS client failed:\nstdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("RESULT "))
        .unwrap_or_else(|| panic!("no RESULT line from the client:\n{stdout}"));
    serde_json::from_str(line).unwrap_or_else(|e| panic!("bad RESULT ({e}): {line}"))
}

/// The conversation's messages as SelfCommunity shows them (deleted excluded, hidden and
/// replies included), oldest first, as integers.
async fn expected_ids(room: &str) -> Vec<i64> {
    let ids = demo_ids();
    let principal = Principal {
        user_id: ANA_ID.to_owned(),
        username: "ana.lima".to_owned(),
        admin_of: Vec::new(),
    };
    let mut q = ThreadQuery::new(principal, Target::Room(room.to_owned()));
    q.filter.include_hidden = true;
    q.filter.include_replies = true;
    q.order = Order::Ascending;
    q.slice = Slice::Offset {
        offset: 0,
        limit: None,
    };
    let page = store_query(&q).await.expect("store answers");
    page.messages
        .iter()
        .map(|m| ids.int_of(Kind::Message, &m.id).expect("id map"))
        .collect()
}

async fn official_js_client_pages_threads_like_the_web_ui() {
    if let Err(missing) = tool_version("node") {
        panic!("{missing}");
    }
    let modules = installed_modules().unwrap_or_else(|e| panic!("{e}"));
    let gw = Gw::start(|_| {}).await;
    let base = gw.base.clone();
    let result = tokio::task::spawn_blocking(move || {
        run_client(&modules, &base, &[r#"{"user":102}"#, r#"{"thread":501}"#])
    })
    .await
    .expect("client task");

    let expected = expected_ids(BUSY).await;
    assert_eq!(
        expected.len(),
        2286,
        "the busy room as SelfCommunity sees it"
    );
    let threads = result["threads"].as_array().expect("threads");
    assert_eq!(threads.len(), 2);
    for t in threads {
        let got: Vec<i64> = t["ids"]
            .as_array()
            .expect("ids")
            .iter()
            .map(|v| v.as_i64().expect("integer id"))
            .collect();
        let mut unique = got.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), got.len(), "{}: a message twice", t["target"]);
        assert_eq!(
            got.len(),
            expected.len(),
            "{}: messages missing",
            t["target"]
        );
        assert_eq!(got, expected, "{}: not the thread in order", t["target"]);
        assert_eq!(t["requests"].as_u64(), Some(229), "{}", t["target"]);
    }
    // ana.lima's conversations: the busy room and her DM with marcus.wei.
    assert_eq!(result["snippets"]["status"], 200, "{result}");
    assert_eq!(result["snippets"]["count"], 2, "{result}");
    assert_eq!(result["snippets"]["results"], 2, "{result}");
}
matrix_sc!(official_js_client_pages_threads_like_the_web_ui);
