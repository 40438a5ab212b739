//! `threadgate import --from`, in process: gateway A (the demo store) copied into a fresh
//! store through each kind, then a gateway on the copy answers as A does; a second run
//! changes nothing, or copies what is new; a source's rate limit is waited out. The command
//! itself (killed and resumed, its refusals): `import_from_cli`.

use crate::common::{demo_gateway, demo_ids, demo_service, root, send, test_config, Answer, Gw};
use crate::rocketchat_upstream::{demo_credentials, QUIP_PRIYA, RC_ANA, SC_ANA, SC_CHLOE};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use threadgate::backend::embedded::EmbeddedBackend;
use threadgate::import::patience::Patience;
use threadgate::import::progress::CopyProgress;
use threadgate::import::source::SourceKind;
use threadgate::import::{self, Options, Summary};
use threadgate::server::Parts;

/// A fresh store file and a config naming it.
pub(crate) struct Fresh {
    pub dir: tempfile::TempDir,
    pub store: PathBuf,
    #[allow(dead_code)]
    pub config: PathBuf,
}

pub(crate) fn fresh() -> Fresh {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = dir.path().join("copy.sqlite");
    let config = dir.path().join("threadgate.toml");
    std::fs::write(
        &config,
        format!(
            "[backend]\nkind = \"embedded\"\npath = {:?}\nseed = \"\"\n[log]\nlevel = \"warn\"\n",
            store.display().to_string()
        ),
    )
    .expect("write config");
    Fresh { dir, store, config }
}

#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Copies from `url` with the demo users' Rocket.Chat credentials into `store`, in process.
async fn copy(kind: SourceKind, url: &str, store: &Path, creds: &Path) -> (Summary, String) {
    let options = Options {
        from: kind,
        url: url.to_owned(),
        credentials: Some(creds.to_path_buf()),
        page_size: None,
        patience: Patience::default(),
    };
    let opened = EmbeddedBackend::open(&store.display().to_string(), 1).expect("store opens");
    let sink = Sink::default();
    let mut progress = CopyProgress::lines(Box::new(sink.clone()));
    let summary = import::run(Arc::new(opened), &options, &mut progress)
        .await
        .expect("the copy runs");
    let log = String::from_utf8(sink.0.lock().unwrap().clone()).expect("utf-8");
    (summary, log)
}

/// Every row of every table, tables by name, rows sorted: two stores with the same dump
/// hold the same data.
pub(crate) fn dump(store: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(store).expect("open store");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut out = Vec::new();
    for t in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM {t}")).unwrap();
        let n = stmt.column_count();
        let mut rows: Vec<String> = stmt
            .query_map([], |r| {
                let cells: Vec<String> = (0..n)
                    .map(|i| format!("{:?}", r.get_ref(i).map(|v| v.to_owned())))
                    .collect();
                Ok(format!("{t}: {}", cells.join(" | ")))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        rows.sort();
        out.extend(rows);
    }
    out
}

/// A gateway on the copy at `store`: callers checked against the demo directory (tokens are
/// never copied), the shared id map (the demo pins).
pub(crate) async fn gateway_on(store: &Path) -> Gw {
    let opened =
        Arc::new(EmbeddedBackend::open(&store.display().to_string(), 2).expect("copy opens"));
    let directory =
        threadgate::auth::Directory::open(&root().join("config/demo")).expect("demo directory");
    let parts = Parts {
        backend: opened,
        auth: Arc::new(directory),
        ids: demo_ids(),
    };
    Gw::around(
        threadgate::server::start_with(test_config(), parts)
            .await
            .expect("gateway on the copy starts"),
    )
}

pub(crate) type Ask = (&'static str, &'static [(&'static str, &'static str)]);

/// Pages of every dialect, over every kind of room.
pub(crate) const EVERY_DIALECT: &[Ask] = &[
    (
        "/api/v1/dm.history?roomId=wnWPgRuQDB3TzxiZq&count=20",
        &RC_ANA,
    ),
    (
        "/api/v1/dm.history?roomId=wnWPgRuQDB3TzxiZq&count=0&showThreadMessages=true",
        &RC_ANA,
    ),
    (
        "/api/v1/chat.getThreadMessages?tmid=hwid5RgAfuvaSBZbM",
        &RC_ANA,
    ),
    ("/api/v1/rooms.info?roomId=GENERAL", &RC_ANA),
    ("/api/v2/pm/?thread=501", &SC_ANA),
    ("/api/v2/pm/?user=102&limit=5&offset=3", &SC_ANA),
    ("/api/v2/pm/", &SC_ANA),
    ("/api/v2/pm/?thread=502&limit=20", &SC_CHLOE),
    ("/1/messages/vCPRIcENZyp", &QUIP_PRIYA),
    ("/1/messages/vCPRIcENZyp?message_type=edit", &QUIP_PRIYA),
    (
        "/1/messages/AJ2tqXDhYkEoaXoBcvDstRKMvtHPAYJks4?count=50",
        &QUIP_PRIYA,
    ),
];

async fn ask(base: &str, path: &str, headers: &[(&str, &str)]) -> Answer {
    let http = reqwest::Client::new();
    let req = headers
        .iter()
        .fold(http.get(format!("{base}{path}")), |r, (k, v)| {
            r.header(*k, *v)
        });
    send(req).await
}

/// Each request answered by the copy exactly as by A: status, content type, body.
pub(crate) async fn assert_same_as_a(copy: &Gw, asks: &[Ask]) {
    let a = format!("http://{}", demo_gateway());
    for (path, headers) in asks {
        let want = ask(&a, path, headers).await;
        let got = ask(&copy.base, path, headers).await;
        assert_eq!(want.status, 200, "{path} on A: {}", want.body);
        assert_eq!(
            (got.status, got.header("content-type")),
            (want.status, want.header("content-type")),
            "{path}: {}",
            got.body
        );
        // SelfCommunity's paging links name the gateway that answers.
        let want_body = want.body.replace(&a, &copy.base);
        if want_body != got.body {
            let at = want_body
                .bytes()
                .zip(got.body.bytes())
                .position(|(x, y)| x != y)
                .unwrap_or(want_body.len().min(got.body.len()));
            let from = at.saturating_sub(200);
            panic!(
                "{path}: bodies differ at byte {at}\nA:    …{}\ncopy: …{}",
                want_body
                    .get(from..(at + 200).min(want_body.len()))
                    .unwrap_or(""),
                got.body
                    .get(from..(at + 200).min(got.body.len()))
                    .unwrap_or("")
            );
        }
    }
}

#[tokio::test]
async fn http_copy_answers_every_dialect_byte_for_byte_and_a_second_run_changes_nothing() {
    let f = fresh();
    let creds = demo_credentials(f.dir.path());
    let url = format!("http://{}", demo_service());
    let (first, log) = copy(SourceKind::Http, &url, &f.store, Path::new(&creds)).await;
    assert!(first.skipped.is_empty(), "{:?}", first.skipped);
    assert_eq!(first.rooms, 8, "{first}");
    assert_eq!(first.stats.rooms_added, 8, "{first}");
    assert_eq!(first.stats.users_added, 8, "{first}");
    let demo_messages = std::fs::read_to_string(root().join("config/demo/messages.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count() as u64;
    assert_eq!(first.stats.messages_added, demo_messages, "{first}");
    assert!(
        log.contains("listed 8 conversations") && log.contains("page: room "),
        "{log}"
    );
    assert!(
        !log.contains(&creds_token()),
        "no token in the progress lines"
    );

    let copy_gw = gateway_on(&f.store).await;
    assert_same_as_a(&copy_gw, EVERY_DIALECT).await;

    let before = dump(&f.store);
    let (second, _) = copy(SourceKind::Http, &url, &f.store, Path::new(&creds)).await;
    let s = second.stats;
    assert_eq!(
        (
            s.users_added,
            s.users_updated,
            s.rooms_added,
            s.rooms_updated
        ),
        (0, 0, 0, 0),
        "{second}"
    );
    assert_eq!((s.messages_added, s.messages_updated), (0, 0), "{second}");
    assert_eq!(
        dump(&f.store),
        before,
        "the second run left the store as it was"
    );
}

/// One of the demo tokens, to check it is printed nowhere.
pub(crate) fn creds_token() -> String {
    RC_ANA[1].1.to_owned()
}

/// Rocket.Chat pages over every kind of room Rocket.Chat has, and the room list.
const ROCKETCHAT_PAGES: &[Ask] = &[
    (
        "/api/v1/dm.history?roomId=wnWPgRuQDB3TzxiZq&count=20",
        &RC_ANA,
    ),
    (
        "/api/v1/dm.history?roomId=wnWPgRuQDB3TzxiZq&count=0&showThreadMessages=true",
        &RC_ANA,
    ),
    (
        "/api/v1/dm.history?roomId=KfiHYviXtTkwsttx3vSt4xaDt4dQRTjJYe&count=50&offset=5",
        &RC_ANA,
    ),
    ("/api/v1/channels.history?roomId=GENERAL&count=100", &RC_ANA),
    (
        "/api/v1/channels.history?roomId=GENERAL&count=0&showThreadMessages=true",
        &RC_ANA,
    ),
    (
        "/api/v1/chat.getThreadMessages?tmid=hwid5RgAfuvaSBZbM",
        &RC_ANA,
    ),
    ("/api/v1/rooms.info?roomId=GENERAL", &RC_ANA),
    ("/api/v1/rooms.get", &RC_ANA),
];

const RC_CHLOE: [(&str, &str); 2] = [
    ("X-User-Id", "2vs9gdu89HRJqmvaa"),
    (
        "X-Auth-Token",
        "hRK1VDlFFebEVhW5TgIVv1d04etirxoQpLcNoCXG42L",
    ),
];

/// Rocket.Chat pages of the private group, as a member of it.
const ROCKETCHAT_GROUP_PAGES: &[Ask] = &[
    (
        "/api/v1/groups.history?roomId=RTvWi3XPWmNPu3MpX&count=0&showThreadMessages=true",
        &RC_CHLOE,
    ),
    ("/api/v1/rooms.get", &RC_CHLOE),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rocketchat_copy_answers_rocketchat_pages_byte_for_byte_and_a_second_run_changes_nothing() {
    let f = fresh();
    let creds = demo_credentials(f.dir.path());
    let url = format!("http://{}", demo_gateway());
    let (first, _) = copy(SourceKind::RocketChat, &url, &f.store, Path::new(&creds)).await;
    assert!(first.skipped.is_empty(), "{:?}", first.skipped);
    // Rocket.Chat has no documents: two channels or groups and four direct rooms.
    assert_eq!(first.rooms, 6, "{first}");
    assert!(first.stats.messages_added > 2000, "{first}");
    let copy_gw = gateway_on(&f.store).await;
    assert_same_as_a(&copy_gw, ROCKETCHAT_PAGES).await;
    assert_same_as_a(&copy_gw, ROCKETCHAT_GROUP_PAGES).await;

    let before = dump(&f.store);
    let (second, _) = copy(SourceKind::RocketChat, &url, &f.store, Path::new(&creds)).await;
    let s = second.stats;
    assert_eq!(
        (
            s.users_added,
            s.users_updated,
            s.rooms_added,
            s.rooms_updated
        ),
        (0, 0, 0, 0),
        "{second}"
    );
    assert_eq!((s.messages_added, s.messages_updated), (0, 0), "{second}");
    assert_eq!(
        dump(&f.store),
        before,
        "the second run left the store as it was"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_source_is_waited_out_and_the_copy_is_whole() {
    // A gateway A of its own whose Rocket.Chat histories allow 20 calls a second.
    let limited = Gw::start(|c| {
        c.rocketchat.rate_limit = Some(threadgate::config::RocketChatRateLimit {
            calls: 20,
            window_ms: 1_000,
            exempt_users: Vec::new(),
        });
    })
    .await;
    let (slow, quick) = (fresh(), fresh());
    let creds = demo_credentials(slow.dir.path());
    let (waited, _) = copy(
        SourceKind::RocketChat,
        &limited.base,
        &slow.store,
        Path::new(&creds),
    )
    .await;
    assert!(waited.skipped.is_empty(), "{:?}", waited.skipped);
    assert!(waited.tries.waits > 0, "the copy met the limit: {waited}");
    assert_eq!(
        waited.tries.retries, 0,
        "a rate limit is no failure: {waited}"
    );
    let url = format!("http://{}", demo_gateway());
    let (unlimited, _) = copy(
        SourceKind::RocketChat,
        &url,
        &quick.store,
        Path::new(&creds),
    )
    .await;
    assert_eq!(unlimited.tries.waits, 0, "{unlimited}");
    // The same data; only the resume records name another source.
    let data = |store: &Path| -> Vec<String> {
        dump(store)
            .into_iter()
            .filter(|row| !row.starts_with("import_resume:"))
            .collect()
    };
    assert_eq!(data(&slow.store), data(&quick.store));
}

/// A thread root of GENERAL with three replies, and a caller who reads GENERAL.
const ROOT: &str = "hwid5RgAfuvaSBZbM";

/// Adds to `store` a top-level message and a reply to [`ROOT`], both newer than anything in
/// GENERAL (the seed import gives the root its new thread summary).
fn add_late_messages(store: &EmbeddedBackend) {
    let dir = tempfile::tempdir().unwrap();
    let line = |id: &str, parent: Option<&str>| {
        let mut m = serde_json::json!({"id": id, "room_id": "GENERAL",
            "author_id": "vSt4xaDt4dQRTjJYe", "text": format!("late {id}"),
            "created_at": "2026-06-01T10:00:00.000Z", "kind": "regular", "status": "visible"});
        if let Some(p) = parent {
            m["parent_id"] = serde_json::json!(p);
        }
        m.to_string()
    };
    std::fs::write(
        dir.path().join("messages.jsonl"),
        format!(
            "{}\n{}\n",
            line("late-top", None),
            line("late-reply", Some(ROOT))
        ),
    )
    .unwrap();
    store.import_dir(dir.path()).expect("late messages import");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_copies_new_replies_and_the_thread_summaries_they_change() {
    let source = crate::common::private_store();
    let service = threadgate::service::start_with(
        &test_config(),
        threadgate::backend::Built {
            auth: source.authenticator(),
            backend: source.clone(),
        },
        crate::common::any_port(),
    )
    .await
    .expect("backend service starts");
    let on_source = Gw::around(
        threadgate::server::start_with(
            test_config(),
            Parts {
                backend: source.clone(),
                auth: source.authenticator(),
                ids: demo_ids(),
            },
        )
        .await
        .expect("gateway on the source starts"),
    );
    let sources = [
        (SourceKind::Http, format!("http://{}", service.addr)),
        (SourceKind::RocketChat, on_source.base.clone()),
    ];
    let copies = [fresh(), fresh()];
    let creds = demo_credentials(copies[0].dir.path());
    for ((kind, url), f) in sources.iter().zip(&copies) {
        copy(*kind, url, &f.store, Path::new(&creds)).await;
    }
    add_late_messages(&source);
    let pages: &[Ask] = &[
        (
            "/api/v1/channels.history?roomId=GENERAL&count=0&showThreadMessages=true",
            &RC_ANA,
        ),
        (
            "/api/v1/chat.getThreadMessages?tmid=hwid5RgAfuvaSBZbM",
            &RC_ANA,
        ),
    ];
    for ((kind, url), f) in sources.iter().zip(&copies) {
        let (second, _) = copy(*kind, url, &f.store, Path::new(&creds)).await;
        assert_eq!(second.stats.messages_added, 2, "{kind:?}: {second}");
        assert_eq!(
            second.stats.messages_updated, 1,
            "{kind:?}: the root: {second}"
        );
        let on_copy = gateway_on(&f.store).await;
        for (path, headers) in pages {
            let want = ask(&on_source.base, path, headers).await;
            let got = ask(&on_copy.base, path, headers).await;
            assert_eq!(want.status, 200, "{path}: {}", want.body);
            assert!(want.body.contains("late-reply"), "{path}");
            assert!(
                got.body == want.body,
                "{kind:?} {path}: the copy differs from its source"
            );
        }
    }
    service.shutdown();
}
