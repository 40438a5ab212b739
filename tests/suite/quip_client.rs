//! Quip's official Python client (PyPI `quipclient`, a packaging of quip/quip-api
//! `python/quip.py`) against a real gateway: the export loop of Quip's backup sample on a
//! document and on the 2,000-message busy room, the admin endpoint through the client's JSON
//! fetch helper, `QuipError` texts (spec: quip.md), and the export loop through a gateway
//! whose upstream is Rocket.Chat (a cross-dialect cell of `docs/upstreams.md`).
//!
//! The client is installed on first run into `target/pyenv-quip` (a virtualenv made with
//! `python3 -m venv`, then `pip install quipclient==0.1`). Without Python 3 or network access
//! the test fails with a message saying which is missing.

use crate::common;
use crate::matrix;

use common::Gw;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The pinned client (the only version on PyPI when this was written).
const QUIPCLIENT: &str = "quipclient==0.1";
/// Written into a virtualenv once the client is installed in it.
const MARKER: &str = ".threadgate-quipclient-0.1";

const MARCUS: &str = "tg_bearer_marcus.wei_j5lb0aw0hrwvuk9q";
const PRIYA: &str = "tg_bearer_priya.raman_aa4qlgr6ch27ga94";
const ANA: &str = "tg_bearer_ana.lima_l3jtt175u58vgxn0";
const PLAN: &str = "vCPRIcENZyp";
const RENO: &str = "0tJCEAP50Oj";
const BUSY: &str = "vSt4xaDt4dQRTjJYewnWPgRuQDB3TzxiZq";

fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| common::root().join("target"))
}

fn run(cmd: &mut Command, what: &str) -> Result<std::process::Output, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("{what}: cannot run {:?}: {e}", cmd.get_program()))?;
    if out.status.success() {
        Ok(out)
    } else {
        Err(format!(
            "{what} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Creates the virtualenv with the client in a private folder, then renames it into place,
/// so that concurrent test processes never see a half-made one (the loser of the rename
/// removes its copy and uses the winner's).
fn install(venv: &Path) -> Result<(), String> {
    run(
        Command::new("python3").arg("--version"),
        "python3 --version",
    )
    .map_err(|e| format!("Python 3 is required for the Quip client test and was not found: {e}"))?;
    if venv.exists() && !venv.join(MARKER).exists() {
        // An older or broken environment.
        let _ = std::fs::remove_dir_all(venv);
    }
    let staging = venv.with_extension(format!("tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    run(
        Command::new("python3").args(["-m", "venv"]).arg(&staging),
        "python3 -m venv",
    )
    .map_err(|e| format!("cannot create a virtualenv (is python3-venv installed?): {e}"))?;
    run(
        Command::new(staging.join("bin/python")).args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--quiet",
            QUIPCLIENT,
        ]),
        "pip install",
    )
    .map_err(|e| {
        format!(
            "cannot install {QUIPCLIENT} from PyPI (network access is needed on first run): {e}"
        )
    })?;
    std::fs::write(staging.join(MARKER), QUIPCLIENT).map_err(|e| e.to_string())?;
    if std::fs::rename(&staging, venv).is_err() {
        let _ = std::fs::remove_dir_all(&staging);
        if !venv.join(MARKER).exists() {
            return Err(format!(
                "cannot move the virtualenv into {}",
                venv.display()
            ));
        }
    }
    Ok(())
}

/// The virtualenv's python, installing the client on first use (once per test binary).
fn python() -> PathBuf {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let result = PYTHON.get_or_init(|| {
        let venv = target_dir().join("pyenv-quip");
        if !venv.join(MARKER).exists() {
            install(&venv)?;
        }
        Ok(venv.join("bin/python"))
    });
    match result {
        Ok(p) => p.clone(),
        Err(e) => panic!("Quip client test cannot run: {e}"),
    }
}

/// Runs `tests/clients/quip/export.py` with `args`, off the runtime's threads; its JSON.
async fn script(args: Vec<String>) -> Value {
    let python = tokio::task::spawn_blocking(python)
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
    let script = common::root().join("tests/clients/quip/export.py");
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new(python);
        cmd.arg(script).args(&args);
        // The gateway is on loopback: never through a proxy.
        for var in ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"] {
            cmd.env_remove(var);
        }
        cmd.env("PYTHONIOENCODING", "utf-8");
        run(&mut cmd, "export.py")
    })
    .await
    .expect("script task");
    let out = out.unwrap_or_else(|e| panic!("{e}"));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "export.py printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// `(id, created_usec)` of the thread's messages in the demo data, newest first (ties by id
/// descending), read from `config/demo/messages.jsonl` itself, not through the gateway.
fn store_messages(room: &str, include_deleted: bool) -> Vec<(String, i64)> {
    let text = std::fs::read_to_string(common::root().join("config/demo/messages.jsonl"))
        .expect("demo messages");
    let mut out: Vec<(String, i64)> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Value>(l).expect("JSON line"))
        .filter(|m| m["room_id"] == room && m["kind"] != "edit")
        .filter(|m| include_deleted || m["status"] == "visible")
        .map(|m| {
            let created = m["created_at"].as_str().expect("created_at");
            (
                m["id"].as_str().expect("id").to_owned(),
                threadgate::canonical::time::parse_datetime(created).expect("a date"),
            )
        })
        .collect();
    out.sort_by(|a, b| (b.1, &b.0).cmp(&(a.1, &a.0)));
    out
}

fn collected(v: &Value) -> Vec<(String, i64)> {
    v["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| {
            (
                m["id"].as_str().expect("id").to_owned(),
                m["created_usec"].as_i64().expect("created_usec"),
            )
        })
        .collect()
}

fn assert_same(got: &[(String, i64)], want: &[(String, i64)], what: &str) {
    let mut seen = std::collections::HashSet::new();
    let doubled: Vec<&String> = got
        .iter()
        .filter(|(id, _)| !seen.insert(id))
        .map(|(id, _)| id)
        .collect();
    assert!(doubled.is_empty(), "{what}: doubled {doubled:?}");
    let got_ids: std::collections::HashSet<&String> = got.iter().map(|(id, _)| id).collect();
    let missing: Vec<&String> = want
        .iter()
        .map(|(id, _)| id)
        .filter(|id| !got_ids.contains(id))
        .collect();
    assert!(missing.is_empty(), "{what}: missing {missing:?}");
    assert_eq!(got.len(), want.len(), "{what}: extra messages");
    assert!(got == want, "{what}: same messages in another order");
}

async fn backup_export_loop_reads_every_message_once() {
    let gw = Gw::default().await;
    // A document, as a member.
    let v = script(vec![gw.base.clone(), PRIYA.into(), PLAN.into()]).await;
    let want = store_messages(PLAN, false);
    assert_eq!(want.len(), 9);
    assert_same(&collected(&v), &want, "Q3 Launch Plan");
    assert_eq!(v["calls"], 2, "one full page, then an empty one");
    // The busy room, 100 at a time.
    let v = script(vec![gw.base.clone(), ANA.into(), BUSY.into()]).await;
    let want = store_messages(BUSY, false);
    assert!(want.len() > 2_000, "{}", want.len());
    assert_same(&collected(&v), &want, "busy room");
    let calls = v["calls"].as_u64().expect("calls");
    assert_eq!(
        calls,
        want.len() as u64 / 100 + 1 + u64::from(want.len() % 100 != 0)
    );
    // Every object carries the spec's fixed keys.
    for m in v["messages"].as_array().expect("messages") {
        for key in [
            "id",
            "author_id",
            "created_usec",
            "updated_usec",
            "visible",
            "text",
        ] {
            assert!(m.get(key).is_some(), "{key} missing in {m}");
        }
        assert_eq!(m["visible"], true);
    }
}
matrix!(backup_export_loop_reads_every_message_once);

async fn admin_export_through_the_json_helper() {
    let gw = Gw::default().await;
    let v = script(vec![
        gw.base.clone(),
        MARCUS.into(),
        PLAN.into(),
        "northwind".into(),
    ])
    .await;
    assert_same(&collected(&v), &store_messages(PLAN, false), "admin export");
}
matrix!(admin_export_through_the_json_helper);

async fn quip_error_carries_the_error_description() {
    let gw = Gw::default().await;
    let v = script(vec![
        "errors".into(),
        gw.base.clone(),
        "not-a-token".into(),
        MARCUS.into(),
        PLAN.into(),
        RENO.into(),
        "northwind".into(),
    ])
    .await;
    let expect = |case: &str, code: u64, text: &str| {
        assert_eq!(v[case]["code"].as_u64(), Some(code), "{case}: {v}");
        assert_eq!(
            v[case]["message"].as_str(),
            Some(format!("{code}: {text}").as_str()),
            "{case}: {v}"
        );
    };
    expect("bad_token", 401, "Invalid access token");
    expect("missing_company_id", 400, "Missing company_id");
    expect(
        "other_company_thread",
        403,
        &format!("Not authorized: {RENO}"),
    );
}
matrix!(quip_error_carries_the_error_description);

/// The backup loop through a gateway whose upstream is Rocket.Chat (gateway A's Rocket.Chat
/// face, mapped credentials): a cross-dialect cell. The busy direct room comes back whole,
/// once and in order, with every time cut to the millisecond (Rocket.Chat keeps
/// milliseconds; `docs/upstreams.md`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_export_loop_through_a_rocketchat_upstream() {
    let dir = tempfile::tempdir().expect("tempdir");
    let b = crate::rocketchat_upstream::gateway_b(
        format!("http://{}", common::demo_gateway()),
        Some(crate::rocketchat_upstream::demo_credentials(dir.path())),
        |_| {},
    )
    .await;
    let v = script(vec![b.base.clone(), ANA.into(), BUSY.into()]).await;
    let want: Vec<(String, i64)> = store_messages(BUSY, false)
        .into_iter()
        .map(|(id, usec)| (id, usec - usec.rem_euclid(1000)))
        .collect();
    assert!(want.len() > 2_000, "{}", want.len());
    assert_same(
        &collected(&v),
        &want,
        "busy room through a Rocket.Chat upstream",
    );
}
