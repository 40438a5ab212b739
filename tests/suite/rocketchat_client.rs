//! The real Rocket.Chat Python client (`rocketchat_API` from PyPI) against threadgate.
//!
//! On first run the test creates a virtual environment under `target/pyenv-rocketchat` and
//! installs the pinned client into it (this needs `python3` with `venv` and network access to
//! PyPI); later runs reuse it. It then runs `tests/clients/rocketchat/collect.py`, which
//! pages through the busy direct room with `dm_history` and through the 137-reply incident
//! thread with `chat_get_thread_messages`, and provokes two API errors. What the client
//! collected must equal what the embedded store holds, in the platform's order. Without
//! Python or network the test fails and says what is missing; it never passes silently.

use crate::common;
use crate::matrix_rc;

use common::Gw;
use std::path::{Path, PathBuf};
use std::process::Command;
use threadgate::canonical::{Credential, Order, Slice, Target, ThreadQuery};

/// The client version the test pins.
const CLIENT: &str = "rocketchat_API==3.7.1";
const ANA: (&str, &str) = (
    "vSt4xaDt4dQRTjJYe",
    "e2r9S9vbhzil4mJnQfKuuMq5UrbYi2IaDHUiuhIG6GC",
);
const BUSY: &str = "vSt4xaDt4dQRTjJYewnWPgRuQDB3TzxiZq";
const INCIDENT: &str = "LscqGbTLCzXQhjg4m";

fn venv_dir() -> PathBuf {
    common::root().join("target/pyenv-rocketchat")
}

fn venv_python(dir: &Path) -> PathBuf {
    if cfg!(windows) {
        dir.join("Scripts").join("python.exe")
    } else {
        dir.join("bin").join("python")
    }
}

pub(crate) fn run(cmd: &mut Command, what: &str) -> Result<String, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("{what}: cannot run {cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "{what} failed ({}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Whether `python` has the pinned client.
fn has_client(python: &Path) -> bool {
    let version = CLIENT.split("==").nth(1).unwrap_or_default();
    Command::new(python)
        .args([
            "-c",
            &format!(
                "import importlib.metadata as m, rocketchat_API; \
                 assert m.version('rocketchat_API') == '{version}'"
            ),
        ])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The virtual environment's python, created and provisioned on first use. A fresh
/// environment is built under a temporary name and renamed into place, so an interrupted or
/// concurrent run never leaves a half-installed environment behind.
pub(crate) fn provision() -> Result<PathBuf, String> {
    // Both topologies' tests run at once in this process, and the staging directory is named
    // by the process id: one provisioning at a time.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = venv_dir();
    let python = venv_python(&dir);
    if python.exists() && has_client(&python) {
        return Ok(python);
    }
    run(
        Command::new("python3").arg("--version"),
        "python3 is required for this test (install Python 3.9+ with the venv module)",
    )?;
    let tmp = dir.with_file_name(format!("pyenv-rocketchat.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    run(
        Command::new("python3").args(["-m", "venv"]).arg(&tmp),
        "creating a virtual environment with `python3 -m venv` (on Debian/Ubuntu: apt-get install python3-venv)",
    )?;
    let tmp_python = venv_python(&tmp);
    run(
        Command::new(&tmp_python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                CLIENT,
            ])
            .env("PIP_NO_INPUT", "1"),
        &format!("installing {CLIENT} from PyPI with pip (needs network access to pypi.org)"),
    )?;
    if !has_client(&tmp_python) {
        return Err(format!("{CLIENT} installed but cannot be imported"));
    }
    if std::fs::rename(&tmp, &dir).is_err() {
        if python.exists() && has_client(&python) {
            // Another run won the race.
            let _ = std::fs::remove_dir_all(&tmp);
        } else {
            // An old, broken environment is in the way: replace it.
            let _ = std::fs::remove_dir_all(&dir);
            if let Err(e) = std::fs::rename(&tmp, &dir) {
                let _ = std::fs::remove_dir_all(&tmp);
                return Err(format!(
                    "cannot put the virtual environment at {} ({e}); remove it and run again",
                    dir.display()
                ));
            }
        }
    }
    Ok(python)
}

async fn the_python_client_pages_to_the_end_and_sees_the_errors() {
    let python = tokio::task::spawn_blocking(provision)
        .await
        .expect("provisioning task")
        .unwrap_or_else(|e| panic!("the Rocket.Chat client test cannot run: {e}"));

    let gw = Gw::default().await;
    let script = common::root().join("tests/clients/rocketchat/collect.py");
    let base = gw.base.clone();
    let out = tokio::task::spawn_blocking(move || {
        run(
            Command::new(&python)
                .arg(&script)
                .args([base.as_str(), ANA.0, ANA.1, BUSY, INCIDENT]),
            "running tests/clients/rocketchat/collect.py",
        )
    })
    .await
    .expect("client task")
    .unwrap_or_else(|e| panic!("{e}"));
    let seen: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("client output ({e}): {out}"));
    let ids = |key: &str| -> Vec<String> {
        seen[key]
            .as_array()
            .unwrap_or_else(|| panic!("{key} in {out}"))
            .iter()
            .map(|v| v.as_str().unwrap_or_default().to_owned())
            .collect()
    };

    // What the store holds, asked through the Backend trait (no dialect involved).
    let me = common::store_authenticate(Credential::UserToken {
        user_id: ANA.0.to_owned(),
        token: ANA.1.to_owned(),
    })
    .await
    .expect("demo credentials");
    let mut dm = ThreadQuery::new(me.clone(), Target::Room(BUSY.to_owned()));
    dm.order = Order::Descending;
    dm.slice = Slice::default();
    let dm: Vec<String> = common::store_query(&dm)
        .await
        .expect("busy room")
        .messages
        .into_iter()
        .map(|m| m.id)
        .collect();
    let thread = ThreadQuery::new(me, Target::Replies(INCIDENT.to_owned()));
    let thread: Vec<String> = common::store_query(&thread)
        .await
        .expect("incident thread")
        .messages
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(dm.len(), 2264);
    assert_eq!(thread.len(), 137);
    assert_eq!(ids("dm"), dm, "dm_history, newest first");
    assert_eq!(
        ids("thread"),
        thread,
        "chat_get_thread_messages, oldest first"
    );

    let err = &seen["errors"];
    assert_eq!(
        err["unknown_thread"],
        serde_json::json!({
            "exception": "RocketApiException",
            "status": 400,
            "error": "Invalid Message [error-invalid-message]",
            "errorType": "error-invalid-message",
        })
    );
    assert_eq!(
        err["unknown_room"],
        serde_json::json!({
            "exception": "RocketApiException",
            "status": 400,
            "error": "[invalid-channel]",
            "errorType": "invalid-channel",
        })
    );
}
matrix_rc!(the_python_client_pages_to_the_end_and_sees_the_errors);
