//! `threadgate check-config`: the real binary on good and bad config files.

use std::path::Path;
use std::process::{Command, Output};

fn check_config(path: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_threadgate"));
    cmd.arg("check-config").arg("--config").arg(path);
    cmd.env_remove("THREADGATE_CONFIG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run threadgate")
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn the_shipped_config_is_valid_and_printed() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/threadgate.toml");
    let out = check_config(&path, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("listen = \"127.0.0.1:8080\""), "{stdout}");
    assert!(stdout.contains("profile = \"6\""), "{stdout}");
    // Relative paths are resolved against the project root.
    let root = env!("CARGO_MANIFEST_DIR");
    assert!(
        stdout.contains(&format!("seed = \"{root}/config/demo\"")),
        "{stdout}"
    );
}

#[test]
fn an_unknown_key_names_the_file_and_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "tg.toml",
        "[server]\nlisten = \"127.0.0.1:0\"\nmax_conections = 5\n",
    );
    let out = check_config(&path, &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    assert!(stderr.contains("key `server.max_conections`"), "{stderr}");
    assert!(
        stderr.contains("unknown field `max_conections`"),
        "{stderr}"
    );
}

#[test]
fn a_bad_value_names_the_file_the_key_and_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "tg.toml",
        "[server]\nrequest_timeout_ms = \"ten seconds\"\n",
    );
    let out = check_config(&path, &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    assert!(
        stderr.contains("key `server.request_timeout_ms`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("invalid type: string \"ten seconds\""),
        "{stderr}"
    );

    let path = write(dir.path(), "tg2.toml", "[server]\nlisten = \"localhost\"\n");
    let out = check_config(&path, &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("key `server.listen`"), "{stderr}");
    assert!(stderr.contains("invalid socket address"), "{stderr}");

    let path = write(dir.path(), "tg3.toml", "[rocketchat]\nprofile = \"5\"\n");
    let out = check_config(&path, &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("key `rocketchat.profile`"), "{stderr}");
    assert!(stderr.contains("unknown profile \"5\""), "{stderr}");
}

#[test]
fn environment_overrides_apply_and_bad_ones_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "tg.toml", "");
    let out = check_config(&path, &[("THREADGATE_SERVER__LISTEN", "127.0.0.1:0")]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("listen = \"127.0.0.1:0\""));

    let out = check_config(&path, &[("THREADGATE_SERVER__SHUTDOWN_GRACE_MS", "-3")]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("THREADGATE_SERVER__SHUTDOWN_GRACE_MS"),
        "{stderr}"
    );
    assert!(stderr.contains("server.shutdown_grace_ms"), "{stderr}");
}

#[test]
fn a_missing_file_is_named() {
    let out = check_config(Path::new("/nonexistent/threadgate.toml"), &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("/nonexistent/threadgate.toml: cannot read"),
        "{stderr}"
    );
}

#[test]
fn a_syntax_error_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "tg.toml", "[server]\nlisten = 127.0.0.1:8080\n");
    let out = check_config(&path, &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    assert!(stderr.contains("line 2"), "{stderr}");
}

#[test]
fn rocketchat_backend_sections_are_checked_key_by_key() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "[backend]\nkind = \"rocketchat\"\nurl = \"ftp://chat.example.com\"\n",
            "key `backend.url`: must be an absolute http(s) URL",
        ),
        (
            "[backend]\nkind = \"rocketchat\"\nurl = \"http://u:p@chat.example.com\"\n",
            "key `backend.url`: must not carry credentials",
        ),
        (
            "[backend]\nkind = \"rocketchat\"\nurl = \"http://chat.example.com\"\npassthrough = true\n[backend.auth]\nmode = \"mapped\"\ncredentials = \"c.jsonl\"\n",
            "key `backend.passthrough`: needs backend.auth.mode = \"passthrough\"",
        ),
        (
            "[backend]\nkind = \"rocketchat\"\nurl = \"http://chat.example.com\"\nmax_calls_per_request = 0\n",
            "key `backend.max_calls_per_request`: must be between 1 and 1000",
        ),
        (
            "[backend]\nkind = \"rocketchat\"\nurl = \"http://chat.example.com\"\n[backend.auth]\nmode = \"mapped\"\n",
            "key `backend.auth.credentials`: is required in mode \"mapped\"",
        ),
        (
            "[backend]\nkind = \"rocketchat\"\nurl = \"http://chat.example.com\"\n[backend.auth]\nmode = \"mapped\"\ncredentials = \"c.jsonl\"\n",
            "key `auth.directory`: is required",
        ),
        (
            "[backend]\nkind = \"rocketchat\"\nurl = \"http://chat.example.com\"\n[backend.auth]\nmode = \"borrowed\"\n",
            "key `backend.auth.mode`: unknown variant `borrowed`",
        ),
        (
            "[backend]\nkind = \"rocketchat\"\nurl = \"http://chat.example.com\"\ntoken_file = \"x\"\n",
            "is a key of kind \"http\", not of kind \"rocketchat\"",
        ),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let path = write(dir.path(), &format!("rc{i}.toml"), text);
        let out = check_config(&path, &[]);
        assert_eq!(out.status.code(), Some(1), "{text}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&path.display().to_string()), "{stderr}");
        assert!(stderr.contains(want), "{text}: {stderr}");
    }
    let path = write(
        dir.path(),
        "ok.toml",
        "[backend]\nkind = \"rocketchat\"\nurl = \"http://chat.example.com\"\n[backend.auth]\nmode = \"mapped\"\ncredentials = \"secrets/upstream.jsonl\"\n[auth]\ndirectory = \"config/demo\"\n",
    );
    let out = check_config(&path, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("max_calls_per_request = 20"), "{stdout}");
}

#[test]
fn quip_backend_sections_are_checked_key_by_key() {
    let dir = tempfile::tempdir().unwrap();
    let head = "[backend]\nkind = \"quip\"\nurl = \"https://platform.quip.example.com\"\n";
    let cases = [
        (
            "[backend]\nkind = \"quip\"\nurl = \"platform.quip.example.com\"\n".to_owned(),
            "key `backend.url`: must be an absolute http(s) URL",
        ),
        (
            format!("{head}max_calls_per_request = 5000\n"),
            "key `backend.max_calls_per_request`: must be between 1 and 1000",
        ),
        (
            format!("{head}cursor_cache_entries = 0\n"),
            "key `backend.cursor_cache_entries`: must be between 1 and 1000000",
        ),
        (
            format!("{head}[backend.quip]\napi = \"admin\"\n"),
            "key `backend.quip.company_id`: is required when backend.quip.api is \"admin\"",
        ),
        (
            format!("{head}[backend.quip]\ncompany_id = \"northwind\"\n"),
            "key `backend.quip.company_id`: is read with backend.quip.api = \"admin\" only",
        ),
        (
            format!("{head}[backend.quip]\napi = \"superuser\"\n"),
            "key `backend.quip.api`: unknown variant `superuser`",
        ),
        (
            format!("{head}[backend.quip]\napi = \"admin\"\ncompany = \"northwind\"\n"),
            "key `backend.quip.company`: unknown field `company`",
        ),
        (
            format!("{head}[backend.auth]\nmode = \"mapped\"\ncredentials = \"c.jsonl\"\n"),
            "key `auth.directory`: is required",
        ),
        (
            format!("{head}passthrough = true\n[backend.auth]\nmode = \"mapped\"\ncredentials = \"c.jsonl\"\n"),
            "key `backend.passthrough`: needs backend.auth.mode = \"passthrough\"",
        ),
        (
            format!("{head}token_file = \"x\"\n"),
            "is a key of kind \"http\", not of kind \"quip\"",
        ),
        (
            "[backend]\nkind = \"rocketchat\"\nurl = \"http://chat.example.com\"\ncursor_cache_entries = 5\n".to_owned(),
            "is a key of kind \"quip\", not of kind \"rocketchat\"",
        ),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let path = write(dir.path(), &format!("quip{i}.toml"), text);
        let out = check_config(&path, &[]);
        assert_eq!(out.status.code(), Some(1), "{text}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&path.display().to_string()), "{stderr}");
        assert!(stderr.contains(want), "{text}: {stderr}");
    }
    let path = write(
        dir.path(),
        "ok.toml",
        &format!("{head}[backend.quip]\napi = \"admin\"\ncompany_id = \"northwind\"\n[backend.auth]\nmode = \"mapped\"\ncredentials = \"secrets/quip.jsonl\"\n[auth]\ndirectory = \"config/demo\"\n"),
    );
    let out = check_config(&path, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    for line in [
        "cursor_cache_entries = 10000",
        "max_calls_per_request = 20",
        "api = \"admin\"",
        "company_id = \"northwind\"",
    ] {
        assert!(stdout.contains(line), "{line} in {stdout}");
    }
}

#[test]
fn selfcommunity_backend_sections_are_checked_key_by_key() {
    let dir = tempfile::tempdir().unwrap();
    let sc = "[backend]\nkind = \"selfcommunity\"\n";
    let url = "url = \"http://community.example.com\"\n";
    let cases = [
        (
            format!("{sc}url = \"ftp://community.example.com\"\n"),
            "key `backend.url`: must be an absolute http(s) URL",
        ),
        (
            format!("{sc}url = \"http://u:p@community.example.com\"\n"),
            "key `backend.url`: must not carry credentials",
        ),
        (
            format!("{sc}{url}timeout_ms = 0\n"),
            "key `backend.timeout_ms`: timeout_ms and connect_timeout_ms must be at least 1",
        ),
        (
            format!("{sc}{url}max_calls_per_request = 1001\n"),
            "key `backend.max_calls_per_request`: must be between 1 and 1000",
        ),
        (
            format!("{sc}{url}passthrough = true\n[backend.auth]\nmode = \"mapped\"\ncredentials = \"c.jsonl\"\n"),
            "key `backend.passthrough`: needs backend.auth.mode = \"passthrough\"",
        ),
        (
            format!("{sc}{url}[backend.auth]\nmode = \"mapped\"\n"),
            "key `backend.auth.credentials`: is required in mode \"mapped\"",
        ),
        (
            format!("{sc}{url}[backend.auth]\ncredentials = \"c.jsonl\"\n"),
            "key `backend.auth.credentials`: is read in mode \"mapped\" only",
        ),
        (
            format!("{sc}{url}[backend.auth]\nmode = \"mapped\"\ncredentials = \"c.jsonl\"\n"),
            "key `auth.directory`: is required",
        ),
        (
            format!("{sc}{url}max_answer_bytes = 5000\n"),
            "key `backend.max_answer_bytes`: is a key of kind \"http\", not of kind \"selfcommunity\"",
        ),
        (
            format!("{sc}{url}seed = \"config/demo\"\n"),
            "key `backend.seed`: is a key of kind \"embedded\", not of kind \"selfcommunity\"",
        ),
        // The upstream's integers are the ids: no pins.
        (
            format!("{sc}{url}[idmap]\npins = \"config/demo\"\n"),
            "key `idmap.pins`: must be unset with backend kind \"selfcommunity\"",
        ),
        (
            "[backend]\nkind = \"mattermost\"\n".to_owned(),
            "key `backend.kind`: unknown backend kind \"mattermost\", expected one of \"embedded\", \"http\", \"rocketchat\", \"quip\", \"selfcommunity\"",
        ),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let path = write(dir.path(), &format!("sc{i}.toml"), text);
        let out = check_config(&path, &[]);
        assert_eq!(out.status.code(), Some(1), "{text}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&path.display().to_string()), "{stderr}");
        assert!(stderr.contains(want), "{text}: {stderr}");
    }
    let path = write(
        dir.path(),
        "ok.toml",
        &format!("{sc}{url}passthrough = true\n[idmap]\npath = \"data/sc-idmap.sqlite\"\n"),
    );
    let out = check_config(&path, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("kind = \"selfcommunity\""), "{stdout}");
    assert!(stdout.contains("max_calls_per_request = 20"), "{stdout}");
    assert!(stdout.contains("passthrough = true"), "{stdout}");
}

#[test]
fn hidden_messages_is_checked_by_name_and_belongs_to_rocketchat_and_quip() {
    let dir = tempfile::tempdir().unwrap();
    let rc = "[backend]\nkind = \"rocketchat\"\nurl = \"http://chat.example.com\"\n";
    let quip = "[backend]\nkind = \"quip\"\nurl = \"https://platform.quip.example.com\"\n";
    let sc = "[backend]\nkind = \"selfcommunity\"\nurl = \"http://community.example.com\"\n";
    let cases = [
        (
            format!("{rc}hidden_messages = \"hide\"\n"),
            "key `backend.hidden_messages`: unknown variant `hide`, expected `refuse` or `none`",
        ),
        (
            format!("{quip}hidden_messages = true\n"),
            "key `backend.hidden_messages`: invalid type",
        ),
        (
            format!("{sc}hidden_messages = \"none\"\n"),
            "key `backend.hidden_messages`: is a key of kind \"rocketchat\", not of kind \"selfcommunity\"",
        ),
        (
            "[backend]\nkind = \"embedded\"\nhidden_messages = \"none\"\n".to_owned(),
            "key `backend.hidden_messages`: is a key of kind \"rocketchat\", not of kind \"embedded\"",
        ),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let path = write(dir.path(), &format!("hidden{i}.toml"), text);
        let out = check_config(&path, &[]);
        assert_eq!(out.status.code(), Some(1), "{text}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&path.display().to_string()), "{stderr}");
        assert!(stderr.contains(want), "{text}: {stderr}");
    }
    // The default is printed; "none" is read and printed back, for both kinds.
    for (head, value, line) in [
        (rc, "", "hidden_messages = \"refuse\""),
        (
            rc,
            "hidden_messages = \"none\"\n",
            "hidden_messages = \"none\"",
        ),
        (
            quip,
            "hidden_messages = \"none\"\n",
            "hidden_messages = \"none\"",
        ),
    ] {
        let path = write(dir.path(), "ok.toml", &format!("{head}{value}"));
        let out = check_config(&path, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{head}{value}: {stderr}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains(line), "{line} in {stdout}");
    }
}
