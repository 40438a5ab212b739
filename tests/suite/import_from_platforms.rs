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
    eprintln!("{kind:?} second run: {second}");
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

/// `Backend::rooms` of a `selfcommunity` backend on A, as `user`'s bearer token reads.
async fn selfcommunity_rooms(token: &str) -> Vec<threadgate::canonical::RoomInfo> {
    let cfg = threadgate::config::SelfCommunityBackendConfig {
        url: format!("http://{}", demo_gateway()),
        ..threadgate::config::SelfCommunityBackendConfig::default()
    };
    let built = threadgate::backend::selfcommunity::build(&cfg).expect("backend builds");
    let mut ctx = threadgate::backend::QueryContext::new(None, None);
    ctx.credential = Some(threadgate::canonical::Credential::Bearer {
        token: token.to_owned(),
    });
    let who = built
        .auth
        .authenticate(ctx.credential.as_ref().expect("a credential"), &ctx)
        .await
        .expect("the token is known");
    built
        .backend
        .rooms(&who, &ctx)
        .await
        .expect("the rooms list")
}

#[tokio::test]
async fn selfcommunity_rooms_are_the_callers_conversations_with_what_snippets_tell() {
    use threadgate::canonical::RoomKind;
    let token = |h: &[(&str, &str)]| h[0].1.trim_start_matches("Bearer ").to_owned();
    let ana = selfcommunity_rooms(&token(&SC_ANA)).await;
    let dm = ana
        .iter()
        .find(|r| r.id == "501")
        .expect("ana's direct room with kenji");
    assert_eq!(dm.kind, RoomKind::Direct);
    let members: Vec<&str> = dm.members.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(members, ["101", "102"]);
    assert!(ana.iter().all(|r| r.kind == RoomKind::Direct), "{ana:?}");
    assert!(ana
        .windows(2)
        .all(|w| w[0].created_usec <= w[1].created_usec));
    let chloe = selfcommunity_rooms(&token(&SC_CHLOE)).await;
    let group = chloe
        .iter()
        .find(|r| r.id == "502")
        .expect("the hardware team's room");
    assert_eq!(group.kind, RoomKind::Group);
    assert_eq!(group.name.as_deref(), Some("hardware-team"));
    assert!(group.group_id.is_some());
    let members: Vec<&str> = group.members.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(
        members,
        ["103"],
        "SelfCommunity names no group members: the caller"
    );
}

/// Copies through `kind` from a counting proxy in front of A: the upstream requests, and
/// the copy's summary.
async fn counted_copy(kind: SourceKind) -> (usize, Summary) {
    let counter = crate::quip_upstream::Counter::start().await;
    let f = fresh();
    let creds = bearer_credentials(f.dir.path());
    let options = Options {
        from: kind,
        url: counter.url(),
        credentials: Some(creds.into()),
        page_size: None,
        patience: Patience::default(),
    };
    let opened = EmbeddedBackend::open(&f.store.display().to_string(), 1).expect("store opens");
    let mut progress = CopyProgress::lines(Box::new(std::io::sink()));
    let summary = import::run(Arc::new(opened), &options, &mut progress)
        .await
        .expect("the copy runs");
    (counter.requests(), summary)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_page_of_a_copy_costs_at_most_two_upstream_calls() {
    for kind in [SourceKind::SelfCommunity, SourceKind::Quip] {
        let (requests, summary) = counted_copy(kind).await;
        eprintln!("{kind:?}: {requests} upstream requests for {summary}");
        // Each call of the copy (a credential, a room list, a page) is at most two upstream
        // requests: SelfCommunity's kind check and window, Quip's walk from a remembered
        // cursor.
        assert!(
            requests <= 2 * summary.tries.calls as usize,
            "{kind:?}: {requests} requests for {} calls",
            summary.tries.calls
        );
    }
}
