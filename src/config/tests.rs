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

#[test]
fn backend_is_tagged_by_kind_and_refuses_another_kinds_keys_by_name() {
    let c = Config::parse(
        "[backend]\nkind = \"http\"\nurl = \"http://127.0.0.1:7070\"\ntimeout_ms = 250\n",
        "t.toml",
        env(&[]),
    )
    .unwrap();
    match &c.backend {
        BackendConfig::Http(h) => {
            assert_eq!(h.url, "http://127.0.0.1:7070");
            assert_eq!(h.timeout_ms, 250);
            assert_eq!(h.max_answer_bytes, 16 * 1024 * 1024);
        }
        other => panic!("{other:?}"),
    }
    let err = Config::parse(
        "[backend]\nkind = \"http\"\nurl = \"http://h\"\npath = \"x.sqlite\"\n",
        "conf/t.toml",
        env(&[]),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        "conf/t.toml: key `backend.path`: is a key of kind \"embedded\", not of kind \"http\""
    );
    let err = Config::parse("[backend]\nurl = \"http://h\"\n", "t.toml", env(&[]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("key `backend.url`: is a key of kind \"http\""),
        "{err}"
    );
    let err = Config::parse("[backend]\nkind = \"nosql\"\n", "t.toml", env(&[]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("key `backend.kind`: unknown backend kind \"nosql\""),
        "{err}"
    );
    let err = Config::parse(
        "[backend]\nkind = \"http\"\npathh = 1\n",
        "t.toml",
        env(&[]),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("key `backend.pathh`: unknown field `pathh`"),
        "{err}"
    );
    let err = Config::parse(
        "[backend]\nkind = \"embedded\"\nread_connections = \"many\"\n",
        "t.toml",
        env(&[]),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("key `backend.read_connections`"), "{err}");
}

#[test]
fn http_backend_keys_are_validated_and_never_carry_credentials() {
    let bad = |text: &str| {
        Config::parse(text, "t.toml", env(&[]))
            .unwrap_err()
            .to_string()
    };
    let err = bad("[backend]\nkind = \"http\"\n");
    assert!(
        err.contains("key `backend.url`: must be an absolute http(s) URL"),
        "{err}"
    );
    let err = bad("[backend]\nkind = \"http\"\nurl = \"ftp://h\"\n");
    assert!(
        err.contains("key `backend.url`: must be an absolute http(s) URL"),
        "{err}"
    );
    let c = Config::parse(
        "[backend]\nkind = \"http\"\nurl = \"https://h:7443\"\nca_file = \"/etc/tg/ca.pem\"\n",
        "t.toml",
        env(&[]),
    )
    .expect("https with a CA file");
    match &c.backend {
        BackendConfig::Http(h) => assert_eq!(h.ca_file, "/etc/tg/ca.pem"),
        other => panic!("{other:?}"),
    }
    let err = bad("[backend]\nkind = \"http\"\nurl = \"http://user:pw@h:1\"\n");
    assert!(err.contains("must not carry credentials"), "{err}");
    assert!(!err.contains("pw"), "{err}");
    let err = bad("[backend]\nkind = \"http\"\nurl = \"http://h\"\ntimeout_ms = 0\n");
    assert!(err.contains("key `backend.timeout_ms`"), "{err}");
    // Switching the kind from the environment.
    let c = Config::parse(
        "",
        "t.toml",
        env(&[
            ("THREADGATE_BACKEND__KIND", "http"),
            ("THREADGATE_BACKEND__URL", "http://127.0.0.1:7070"),
        ]),
    )
    .unwrap();
    assert_eq!(c.backend.kind(), "http");
}

#[test]
fn idmap_location_follows_the_store() {
    let c = Config::parse("[backend]\npath = \":memory:\"\n", "t.toml", env(&[])).unwrap();
    assert_eq!(c.idmap_path(), ":memory:");
    assert_eq!(c.idmap_pins().unwrap().display().to_string(), "config/demo");
    let c = Config::parse("[idmap]\npins = \"\"\n", "t.toml", env(&[])).unwrap();
    assert_eq!(c.idmap_path(), DEFAULT_IDMAP_PATH);
    assert_eq!(c.idmap_pins(), None);
    let c = Config::parse(
        "[backend]\nkind = \"http\"\nurl = \"http://h\"\n",
        "t.toml",
        env(&[]),
    )
    .unwrap();
    assert_eq!(c.idmap_pins(), None);
    assert_eq!(c.idmap_path(), DEFAULT_IDMAP_PATH);
}

#[test]
fn idmap_cache_entries_default_and_bounds() {
    let c = Config::parse("", "t.toml", env(&[])).unwrap();
    assert_eq!(c.idmap.cache_entries, 100_000);
    let c = Config::parse("[idmap]\ncache_entries = 10\n", "t.toml", env(&[])).unwrap();
    assert_eq!(c.idmap.cache_entries, 10);
    let err = Config::parse("[idmap]\ncache_entries = 0\n", "t.toml", env(&[]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("idmap.cache_entries"), "{err}");
}

#[test]
fn shadow_reads_its_backend_like_backend_and_names_its_keys() {
    let c = Config::parse(
        "[shadow]\nsample = 0.5\nignore = [\"messages[].extra\"]\n[shadow.backend]\nkind = \"http\"\nurl = \"http://127.0.0.1:7070\"\n",
        "t.toml",
        env(&[]),
    )
    .unwrap();
    assert_eq!(c.shadow.sample, 0.5);
    assert_eq!(c.shadow.ignore, ["messages[].extra"]);
    assert!(
        matches!(&c.shadow.backend, Some(BackendConfig::Http(h)) if h.url == "http://127.0.0.1:7070")
    );
    assert_eq!(Config::default().shadow.backend, None);
    let err = |text: &str| {
        Config::parse(text, "t.toml", env(&[]))
            .unwrap_err()
            .to_string()
    };
    let e = err("[shadow.backend]\nkind = \"http\"\nurl = \"nope\"\n");
    assert!(e.contains("key `shadow.backend.url`"), "{e}");
    let e = err("[shadow.backend]\nkind = \"http\"\npath = \"x\"\n");
    assert!(e.contains("key `shadow.backend.path`"), "{e}");
    let e = err("[shadow]\nsample = 0.5\n");
    assert!(e.contains("key `shadow.backend`"), "{e}");
    let e = err("[shadow]\nsample = 2.0\n[shadow.backend]\nkind = \"embedded\"\n");
    assert!(e.contains("key `shadow.sample`"), "{e}");
    // The env overrides reach the nested section too.
    let c = Config::parse(
        "[shadow.backend]\nkind = \"http\"\nurl = \"http://127.0.0.1:1\"\n",
        "t.toml",
        env(&[("THREADGATE_SHADOW__BACKEND__URL", "http://127.0.0.1:2")]),
    )
    .unwrap();
    assert!(
        matches!(&c.shadow.backend, Some(BackendConfig::Http(h)) if h.url == "http://127.0.0.1:2")
    );
    // check-config renders the nested section.
    assert!(c.to_toml().contains("[shadow.backend]"), "{}", c.to_toml());
}

#[test]
fn page_cache_bytes_is_a_key_of_kind_http_only() {
    let read = |text: &str| Config::parse(text, "t.toml", env(&[]));
    let bytes = |text: &str| match read(text).unwrap().backend {
        BackendConfig::Http(h) => h.page_cache_bytes,
        other => panic!("{other:?}"),
    };
    let http = "[backend]\nkind = \"http\"\nurl = \"http://127.0.0.1:7070\"\n";
    assert_eq!(bytes(http), 16 << 20);
    assert_eq!(bytes(&format!("{http}page_cache_bytes = 0\n")), 0);
    assert_eq!(bytes(&format!("{http}page_cache_bytes = 9000\n")), 9000);
    let err = read("[backend]\npage_cache_bytes = 10\n")
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "t.toml: key `backend.page_cache_bytes`: is a key of kind \"http\", not of kind \"embedded\""
    );
    let err = read(&format!("{http}page_cache_bytes = -1\n"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("backend.page_cache_bytes"), "{err}");
}
