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

/// The same paging loop through gateway B (`kind = "quip"`, `hidden_messages = "none"`) in
/// front of gateway A: every message A shows as visible in the busy room, once, in order;
/// the first page counts the conversation (100 messages a call), every later page (the
/// web UI's `before_message` at the oldest message of the page before) is one upstream call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_js_client_pages_through_a_quip_upstream_without_hidden_messages() {
    use crate::quip_upstream::Counter;
    use crate::selfcommunity_cross::{gateway_b, quip};
    use threadgate::config::HiddenMessages;
    if let Err(missing) = tool_version("node") {
        panic!("{missing}");
    }
    let modules = installed_modules().unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().expect("tempdir");
    let counter = Counter::start().await;
    let (b, ids) = gateway_b(quip(counter.url(), HiddenMessages::None, dir.path())).await;
    let base = b.base.clone();
    let result =
        tokio::task::spawn_blocking(move || run_client(&modules, &base, &[r#"{"thread":501}"#]))
            .await
            .expect("client task");

    // A's page shows 2,286 messages: one of them hidden, which the upstream does not hold.
    let shown = expected_ids(BUSY).await;
    let hidden = ids
        .int_of(Kind::Message, "Rnx358rFkWNgtcBEz")
        .expect("a pinned message");
    let visible: Vec<i64> = shown.iter().copied().filter(|&id| id != hidden).collect();
    assert_eq!((shown.len(), visible.len()), (2286, 2285));
    let thread = &result["threads"][0];
    let got: Vec<i64> = thread["ids"]
        .as_array()
        .expect("ids")
        .iter()
        .map(|v| v.as_i64().expect("integer id"))
        .collect();
    assert_eq!(got, visible, "every visible message once, in order");
    let pages = thread["requests"].as_u64().expect("requests");
    assert_eq!(pages, 229, "pages of 10");
    // The snippets listing: no Quip route lists a user's conversations.
    assert_eq!(result["snippets"]["status"], 501, "{result}");

    // B's histogram: the thread's pages and the refused listing; the first page 24 calls
    // (2,285 messages counted 100 a call, each call after the first repeating the message
    // its cursor ended on), every other query at most 1.
    let metrics = crate::common::send(b.http.get(format!("{}/metrics", b.admin)))
        .await
        .body;
    let label = format!("backend=\"quip:127.0.0.1:{}\"", counter.addr.port());
    let value = |name: &str| -> f64 {
        let prefix = format!("threadgate_upstream_calls_per_request_{name} ");
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{prefix} in\n{metrics}"))
    };
    let queries = value(&format!("count{{{label}}}"));
    assert_eq!(
        queries,
        (pages + 1) as f64,
        "one query a page, one for the listing"
    );
    assert_eq!(
        value(&format!("bucket{{{label},le=\"1\"}}")),
        queries - 1.0,
        "every query but the first page within 1 call"
    );
    assert_eq!(value(&format!("sum{{{label}}}")), counter.calls() as f64);
    assert_eq!(
        counter.calls(),
        24 + 228,
        "24 calls for the first page, 1 for each other"
    );
}
