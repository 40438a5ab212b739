//! The report page in a real headless browser: Chromium (installed with apt-get when missing;
//! the test fails, never skips, when it cannot be) renders `GET /shadow/`, its DOM has the
//! expected rows, and a screenshot is written to `target/shadow-report.png` for a person.

use super::*;
use std::process::Command;

/// The Chromium binary, installed from the system packages when there is none.
fn chromium() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let find = || {
            ["chromium", "chromium-browser", "google-chrome"]
                .iter()
                .find_map(|name| {
                    let out = Command::new("sh")
                        .args(["-c", &format!("command -v {name}")])
                        .output()
                        .ok()?;
                    let path = String::from_utf8_lossy(&out.stdout).trim().to_owned();
                    (out.status.success() && !path.is_empty()).then(|| PathBuf::from(path))
                })
        };
        if let Some(bin) = find() {
            return bin;
        }
        eprintln!("shadow report test: chromium is missing, installing it with apt-get");
        let sudo = if unsafe_is_root() { "" } else { "sudo " };
        let status = Command::new("sh")
            .args([
                "-c",
                &format!(
                    "{sudo}apt-get update -qq && DEBIAN_FRONTEND=noninteractive {sudo}apt-get install -y -qq chromium"
                ),
            ])
            .status()
            .expect("apt-get runs");
        assert!(status.success(), "apt-get install chromium failed ({status})");
        find().expect("chromium installed but not found on PATH")
    })
    .clone()
}

fn unsafe_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Runs headless Chromium on `url` with `args`; its stdout.
fn headless(url: &str, args: &[&str]) -> String {
    let profile = tempfile::tempdir().expect("profile dir");
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--no-first-run",
            &format!("--user-data-dir={}", profile.path().display()),
        ])
        .args(args)
        .arg(url)
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::root().join("target"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_page_renders_in_a_real_browser() {
    let gw = shadowed(http(changed_service()), |c| {
        c.shadow.ignore = vec!["messages[].extra".into()];
    })
    .await;
    load(&gw, CHANGED, 2).await;
    settled(&gw).await;
    let url = format!("{}/shadow/", gw.admin);
    let page = send(gw.http.get(&url)).await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    // No external assets: nothing is fetched from anywhere else.
    for outside in ["src=", "href=", "@import", "url("] {
        assert!(!page.body.contains(outside), "{outside}");
    }
    let dom = tokio::task::spawn_blocking({
        let url = url.clone();
        move || headless(&url, &["--dump-dom"])
    })
    .await
    .expect("chromium task");
    let rows: Vec<&str> = dom
        .split("<tr class=\"row-difference\" data-path=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap_or(""))
        .collect();
    // Sorted by difference rate: the rows that differ come before those that never did.
    let first_row = dom.split("<tr class=\"row-").nth(1).unwrap_or("");
    assert!(first_row.starts_with("difference"), "{dom}");
    let mut sorted = rows.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "messages[].reactions",
            "messages[].text",
            "messages[missing]",
            "total"
        ]
    );
    assert!(dom.contains("<table id=\"paths\">"));
    assert!(
        dom.contains("\"Yes, <mark>Wedn</mark>esday evening at the latest.\""),
        "{dom}"
    );
    assert!(dom.contains("<code>messages[].extra</code>"));
    let shot = target_dir().join("shadow-report.png");
    let _ = std::fs::remove_file(&shot);
    let arg = format!("--screenshot={}", shot.display());
    tokio::task::spawn_blocking(move || headless(&url, &[&arg, "--window-size=1280,1600"]))
        .await
        .expect("chromium task");
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{} bytes",
        png.len()
    );
    eprintln!("shadow report screenshot: {}", shot.display());
}
