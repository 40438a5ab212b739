use super::*;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn defaults_fill_an_empty_file() {
    let c = Config::parse("", "t.toml", env(&[])).unwrap();
    assert_eq!(c, Config::default());
}

#[test]
fn unknown_key_names_file_and_key() {
    let err = Config::parse("[server]\nlisen = \"x\"\n", "conf/t.toml", env(&[]))
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("conf/t.toml: key `server.lisen`"), "{err}");
    assert!(err.contains("unknown field `lisen`"), "{err}");
}

#[test]
fn bad_value_names_key() {
    let err = Config::parse(
        "[server]\nrequest_timeout_ms = \"soon\"\n",
        "t.toml",
        env(&[]),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("key `server.request_timeout_ms`"), "{err}");
    let err = Config::parse("[rocketchat]\nprofile = \"5\"\n", "t.toml", env(&[]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("key `rocketchat.profile`"), "{err}");
}

#[test]
fn env_overrides_apply_and_are_named_in_errors() {
    let c = Config::parse(
        "",
        "t.toml",
        env(&[
            ("THREADGATE_SERVER__LISTEN", "127.0.0.1:0"),
            ("THREADGATE_SERVER__REQUEST_TIMEOUT_MS", "250"),
            ("THREADGATE_ROCKETCHAT__PROFILE", "7"),
            ("THREADGATE_CONFIG", "ignored.toml"),
        ]),
    )
    .unwrap();
    assert_eq!(c.server.listen.port(), 0);
    assert_eq!(c.server.request_timeout_ms, 250);
    assert_eq!(c.rocketchat.profile, RocketChatProfile::V7);
    let err = Config::parse(
        "",
        "t.toml",
        env(&[("THREADGATE_SERVER__LISTEN", "nowhere")]),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("THREADGATE_SERVER__LISTEN"), "{err}");
    assert!(err.contains("server.listen"), "{err}");
    let err = Config::parse("", "t.toml", env(&[("THREADGATE_SERVER__NOPE", "1")]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("server.nope"), "{err}");
}

#[test]
fn syntax_errors_name_the_line() {
    let err = Config::parse("[server]\nlisten = \n", "t.toml", env(&[]))
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("t.toml:"), "{err}");
    assert!(err.contains("line 2"), "{err}");
}
