//! `threadgate import --from selfcommunity` and `--from quip`, in process: gateway A (the demo
//! store) copied into a fresh store through each platform's client face, then a gateway on
//! the copy answers the platform's own pages as A does; a second run changes nothing.
//!
//! A platform exports no tokens: the copy's callers are checked against a directory of the
//! copy's own users (the demo users under the ids the platform gave them, with their demo
//! tokens).

use crate::common::{demo_gateway, root, test_config, Gw};
use crate::import_from::{assert_same_as_a, dump, fresh, gateway_on};
use crate::quip_upstream::bearer_credentials;
use crate::rocketchat_upstream::{QUIP_MARCUS, QUIP_PRIYA, SC_ANA, SC_CHLOE, SC_KENJI};
use std::path::Path;
use std::sync::Arc;
use threadgate::backend::embedded::EmbeddedBackend;
use threadgate::idmap::IdMap;
use threadgate::import::patience::Patience;
use threadgate::import::progress::CopyProgress;
use threadgate::import::source::SourceKind;
use threadgate::import::{self, Options, Summary};
use threadgate::server::Parts;

/// A directory of the demo users under the ids `rename` gives them, with their bearer
/// tokens; written under `dir`.
fn directory_as(
    dir: &Path,
    rename: impl Fn(&serde_json::Value) -> String,
) -> Arc<threadgate::auth::Directory> {
    let read =
        |name: &str| std::fs::read_to_string(root().join("config/demo").join(name)).expect(name);
    let mut ids = std::collections::HashMap::new();
    let mut users = String::new();
    for line in read("users.jsonl").lines().filter(|l| !l.trim().is_empty()) {
        let u: serde_json::Value = serde_json::from_str(line).expect("a user line");
        let id = rename(&u);
        ids.insert(u["id"].as_str().expect("an id").to_owned(), id.clone());
        users.push_str(&serde_json::json!({"id": id, "username": u["username"]}).to_string());
        users.push('\n');
    }
    let mut tokens = String::new();
    for line in read("tokens.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
    {
        let mut t: serde_json::Value = serde_json::from_str(line).expect("a token line");
        if t["scheme"] == "bearer" {
            let id = ids[t["user_id"].as_str().expect("a user id")].clone();
            t["user_id"] = serde_json::json!(id);
            tokens.push_str(&t.to_string());
            tokens.push('\n');
        }
    }
    let at = dir.join("directory");
    std::fs::create_dir_all(&at).expect("directory dir");
    std::fs::write(at.join("users.jsonl"), users).expect("users");
    std::fs::write(at.join("tokens.jsonl"), tokens).expect("tokens");
    Arc::new(threadgate::auth::Directory::open(&at).expect("the copy's directory"))
}

/// A gateway on the copy at `store`, callers checked against `directory`, ids from `ids`.
async fn gateway_with(
    store: &Path,
    directory: Arc<threadgate::auth::Directory>,
    ids: Arc<IdMap>,
) -> Gw {
    let opened =
        Arc::new(EmbeddedBackend::open(&store.display().to_string(), 2).expect("copy opens"));
    let parts = Parts {
        backend: opened,
        auth: directory,
        ids,
    };
    Gw::around(
        threadgate::server::start_with(test_config(), parts)
            .await
            .expect("gateway on the copy starts"),
    )
}

/// Copies from gateway A through `kind` into `store`, in process.
async fn copy(kind: SourceKind, store: &Path, creds: &str) -> Summary {
    let options = Options {
        from: kind,
        url: format!("http://{}", demo_gateway()),
        credentials: Some(creds.into()),
        page_size: None,
        patience: Patience::default(),
    };
    let opened = EmbeddedBackend::open(&store.display().to_string(), 1).expect("store opens");
    let mut progress = CopyProgress::lines(Box::new(std::io::sink()));
    import::run(Arc::new(opened), &options, &mut progress)
        .await
        .expect("the copy runs")
}

/// A second run into `store` adds and changes nothing.
async fn second_run_changes_nothing(kind: SourceKind, store: &Path, creds: &str) {
    let before = dump(store);
    let second = copy(kind, store, creds).await;
    let s = &second.stats;
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
        dump(store),
        before,
        "the second run left the store as it was"
    );
}

use crate::import_from::Ask;

/// SelfCommunity pages of a direct conversation (by thread and by peer), a group
/// conversation, and the callers' conversation lists.
const SELFCOMMUNITY_PAGES: &[Ask] = &[
    ("/api/v2/pm/?thread=501", &SC_ANA),
    ("/api/v2/pm/?thread=501&limit=100&offset=20", &SC_ANA),
    ("/api/v2/pm/?user=102&limit=5&offset=3", &SC_ANA),
    ("/api/v2/pm/", &SC_ANA),
    ("/api/v2/pm/?limit=100", &SC_KENJI),
    ("/api/v2/pm/?thread=502&limit=20", &SC_CHLOE),
    ("/api/v2/pm/?thread=502&limit=100&offset=40", &SC_CHLOE),
    ("/api/v2/pm/?limit=100", &SC_CHLOE),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn selfcommunity_copy_answers_selfcommunity_pages_byte_for_byte_and_a_second_run_changes_nothing(
) {
    let f = fresh();
    let creds = bearer_credentials(f.dir.path());
    let first = copy(SourceKind::SelfCommunity, &f.store, &creds).await;
    assert!(first.skipped.is_empty(), "{:?}", first.skipped);
    assert!(first.rooms > 0 && first.stats.messages_added > 0, "{first}");
    eprintln!("selfcommunity copy: {first}");
    // The copy names everything by A's SelfCommunity integers, which its gateway shows as
    // they are: the bodies are A's, byte for byte.
    let ids = IdMap::in_memory()
        .and_then(IdMap::with_upstream_integers)
        .expect("id map");
    let directory = directory_as(f.dir.path(), |u| u["int_id"].to_string());
    let on_copy = gateway_with(&f.store, directory, Arc::new(ids)).await;
    assert_same_as_a(&on_copy, SELFCOMMUNITY_PAGES).await;
    second_run_changes_nothing(SourceKind::SelfCommunity, &f.store, &creds).await;
}

/// Quip pages of a document (messages and edit records), a direct conversation, a channel,
/// and the callers' thread lists.
const QUIP_PAGES: &[Ask] = &[
    ("/1/messages/vCPRIcENZyp", &QUIP_PRIYA),
    ("/1/messages/vCPRIcENZyp?message_type=edit", &QUIP_PRIYA),
    (
        "/1/messages/vCPRIcENZyp?message_type=edit&count=3",
        &QUIP_PRIYA,
    ),
    (
        "/1/messages/AJ2tqXDhYkEoaXoBcvDstRKMvtHPAYJks4?count=50",
        &QUIP_PRIYA,
    ),
    ("/1/messages/GENERAL?count=100", &QUIP_PRIYA),
    (
        "/1/messages/GENERAL?count=100&sorted_by=ASC&updated_since_usec=1",
        &QUIP_MARCUS,
    ),
    ("/1/threads/recent", &QUIP_PRIYA),
    ("/1/threads/recent", &QUIP_MARCUS),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quip_copy_answers_quip_pages_byte_for_byte_and_a_second_run_changes_nothing() {
    let f = fresh();
    let creds = bearer_credentials(f.dir.path());
    let first = copy(SourceKind::Quip, &f.store, &creds).await;
    assert!(first.skipped.is_empty(), "{:?}", first.skipped);
    assert!(first.rooms > 0 && first.stats.messages_added > 0, "{first}");
    eprintln!("quip copy: {first}");
    // Quip names everything by the canonical ids: the demo directory checks the callers.
    let on_copy = gateway_on(&f.store).await;
    assert_same_as_a(&on_copy, QUIP_PAGES).await;
    second_run_changes_nothing(SourceKind::Quip, &f.store, &creds).await;
}
