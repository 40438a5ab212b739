//! SelfCommunity callers through a `quip` or `rocketchat` upstream that holds no hidden
//! messages (`[backend] hidden_messages = "none"`): gateway B, mapped against the demo
//! directory and with an id map of its own pinned from the demo seed (`[idmap] pins`), in
//! front of gateway A (the demo store). Each page B answers is compared with A's page of
//! the same conversation: A's page with the hidden messages left out (the count smaller by
//! exactly those), and with the fields the upstream does not carry as the encoder writes
//! them when absent. The published client pages through B in `selfcommunity_client`.

use crate::common::{demo_gateway, root, test_config, Answer, Gw};
use crate::quip_upstream::{bearer_credentials, Counter};
use crate::rocketchat_upstream::{ask, demo_credentials, is_refusal, QUIP_PRIYA, SC_ANA, SC_KENJI};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use threadgate::config::{
    BackendConfig, HiddenMessages, QuipBackendConfig, RocketChatBackendConfig, UpstreamAuthConfig,
    UpstreamAuthMode,
};
use threadgate::idmap::{IdMap, Kind, Sources};

/// Ana's direct room with Marcus: five messages, none hidden.
const ANA_MARCUS: &str = "KfiHYviXtTkwsttx3vSt4xaDt4dQRTjJYe";
/// Priya's direct room with Dana (thread 503): eleven messages, one of them hidden.
const PRIYA_DANA_HIDDEN: &str = "bDEQCtK7yvNwA6X6x";
/// Ana's busy room with Kenji (thread 501): its one hidden message.
const BUSY_HIDDEN: &str = "Rnx358rFkWNgtcBEz";
/// The hardware team's room (thread 502): its one hidden message.
const GROUP_ROOM_HIDDEN: &str = "zohTRJEshfsBdgjoP";
/// A message of the busy room, none of Ana and Marcus's.
const BUSY_MESSAGE: &str = "dodS5NHykZuGbMhy7";

/// Which upstream B reads, for what its pages lose.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Kind2 {
    Quip,
    RocketChat,
}

/// Gateway B with `backend`, mapped against the demo directory, with an id map of its own
/// started from the demo seed's pins (as `[idmap] pins = "config/demo"`).
pub(crate) async fn gateway_b(backend: BackendConfig) -> (Gw, Arc<IdMap>) {
    let mut config = test_config();
    config.backend = backend;
    config.auth.directory = root().join("config/demo").display().to_string();
    config.server.request_timeout_ms = 10_000;
    let built = threadgate::backend::build(&config.backend)
        .await
        .and_then(|built| threadgate::backend::with_directory(built, &config.auth))
        .expect("gateway B's backend builds");
    let sources = Sources {
        legacy_store: None,
        pins: Some(root().join("config/demo")),
    };
    let ids = Arc::new(IdMap::open_path(":memory:", &sources).expect("id map opens"));
    let parts = threadgate::server::Parts {
        backend: built.backend,
        auth: built.auth,
        ids: ids.clone(),
    };
    let running = threadgate::server::start_with(config, parts)
        .await
        .expect("gateway B starts");
    (Gw::around(running), ids)
}

/// `kind = "quip"` at `url`, mapped with the demo users' bearer tokens.
pub(crate) fn quip(url: String, hidden: HiddenMessages, dir: &std::path::Path) -> BackendConfig {
    BackendConfig::Quip(QuipBackendConfig {
        url,
        auth: UpstreamAuthConfig {
            mode: UpstreamAuthMode::Mapped,
            credentials: bearer_credentials(dir),
        },
        hidden_messages: hidden,
        // The busy room's first page counts its 2,285 messages in 24 calls.
        max_calls_per_request: 30,
        ..QuipBackendConfig::default()
    })
}

/// `kind = "rocketchat"` in front of gateway A, mapped with the demo users' own tokens.
fn rocketchat(hidden: HiddenMessages, dir: &std::path::Path) -> BackendConfig {
    BackendConfig::RocketChat(RocketChatBackendConfig {
        url: format!("http://{}", demo_gateway()),
        auth: UpstreamAuthConfig {
            mode: UpstreamAuthMode::Mapped,
            credentials: demo_credentials(dir),
        },
        hidden_messages: hidden,
        ..RocketChatBackendConfig::default()
    })
}

/// What B's pages are compared with: A's pages, through `kind`.
struct Pair<'a> {
    a: &'a Gw,
    b: &'a Gw,
    kind: Kind2,
    ids: &'a IdMap,
    /// The plain text of each demo message that also has rich text, by id.
    plain: HashMap<String, String>,
}

impl<'a> Pair<'a> {
    fn new(a: &'a Gw, b: &'a Gw, kind: Kind2, ids: &'a IdMap) -> Pair<'a> {
        let lines = std::fs::read_to_string(root().join("config/demo/messages.jsonl"))
            .expect("demo messages");
        let plain = lines
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str::<Value>(l).expect("a message line"))
            .filter(|m| m.get("html").is_some())
            .map(|m| {
                (
                    m["id"].as_str().unwrap_or("").to_owned(),
                    m["text"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        Pair {
            a,
            b,
            kind,
            ids,
            plain,
        }
    }

    /// A's page as B answers it: the messages `hidden` left out, the count smaller by
    /// `fewer`, the links on B's base, and in each message what the upstream does not carry
    /// as the encoder writes it absent: rich text (the plain text, escaped, as for a message
    /// without), the sender's `avatar` (neither carries it) and `username` (Quip names
    /// authors by id and name only), the `receiver` (no message of either names one), the
    /// file's details (Quip: its hash and name only; Rocket.Chat: no URL or duration), the
    /// `group` (a Quip thread belongs to none; a Rocket.Chat group names no SelfCommunity
    /// group), and through Rocket.Chat `created_at` cut to the millisecond.
    fn as_through(&self, want: &Answer, hidden: &[i64], fewer: u64) -> Value {
        let mut v = want.json();
        let count = v["count"].as_u64().expect("a count");
        v["count"] = Value::from(count - fewer);
        for link in ["next", "previous"] {
            if let Some(url) = v[link].as_str() {
                v[link] = Value::from(url.replace(&self.a.base, &self.b.base));
            }
        }
        let results = v["results"].as_array_mut().expect("results");
        results.retain(|m| !hidden.contains(&m["id"].as_i64().expect("an id")));
        for m in results.iter_mut() {
            self.lose(m);
        }
        v
    }

    /// One message of A's as B writes it (see [`Pair::as_through`]).
    fn lose(&self, m: &mut Value) {
        let n = m["id"].as_i64().expect("an id");
        let id = self
            .ids
            .id_of(Kind::Message, n)
            .expect("id map")
            .expect("a pinned id");
        if let Some(text) = self.plain.get(&id) {
            m["message"] = Value::from(django_escape(text));
        }
        m["sender"]["avatar"] = Value::Null;
        m["receiver"] = Value::Null;
        m["group"] = Value::Null;
        if self.kind == Kind2::Quip {
            m["sender"]["username"] = Value::from("");
        }
        let file = m["file"].as_object_mut();
        match self.kind {
            Kind2::Quip => {
                for (key, value) in file.into_iter().flatten() {
                    if key != "uuid" && key != "filename" {
                        *value = Value::Null;
                    }
                }
            }
            Kind2::RocketChat => {
                if let Some(file) = file {
                    file["url"] = Value::Null;
                    file["duration"] = Value::Null;
                }
                let at = m["created_at"].as_str().expect("a time").to_owned();
                // `…T10:05:49.361081Z` → `…T10:05:49.361000Z`
                let (head, _) = at.split_at(at.len() - 4);
                m["created_at"] = Value::from(format!("{head}000Z"));
            }
        }
    }

    /// B's answer for `path` against A's as [`Pair::as_through`] says; returns B's answer.
    async fn check(&self, path: &str, who: &[(&str, &str)], hidden: &[i64], fewer: u64) -> Answer {
        let want = ask(self.a, path, who).await;
        let got = ask(self.b, path, who).await;
        assert_eq!(
            (want.status, got.status),
            (200, 200),
            "{path}: {}",
            got.body
        );
        assert_eq!(
            got.header("content-type"),
            want.header("content-type"),
            "{path}"
        );
        assert_eq!(got.json(), self.as_through(&want, hidden, fewer), "{path}");
        got
    }
}

/// Django's `escape`, as the encoder writes plain text.
fn django_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
}

/// The integers of the message ids of a page, in order.
fn page_ids(a: &Answer) -> Vec<i64> {
    a.json()["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|m| m["id"].as_i64().expect("an id"))
        .collect()
}

/// Pages `thread` as the SelfCommunity web UI does (`limit`, then `next` with
/// `before_message` set to the page's oldest message and `offset` removed), comparing each
/// page with A's same request; returns the upstream calls of each page when `counter`
/// counts them.
async fn follow_pages(
    pair: &Pair<'_>,
    thread: i64,
    limit: u32,
    counter: Option<&Counter>,
) -> (Vec<i64>, Vec<usize>) {
    let mut path = format!("/api/v2/pm/?thread={thread}&limit={limit}");
    let (mut seen, mut calls) = (Vec::new(), Vec::new());
    loop {
        let before = counter.map_or(0, Counter::calls);
        let got = pair.check(&path, &SC_ANA, &[], 0).await;
        calls.push(counter.map_or(0, Counter::calls) - before);
        let ids = page_ids(&got);
        seen.splice(0..0, ids.iter().copied());
        if got.json()["next"].is_null() {
            break;
        }
        path = format!(
            "/api/v2/pm/?before_message={}&limit={limit}&thread={thread}",
            ids[0]
        );
    }
    (seen, calls)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quip_pages_are_as_a_but_for_the_fields_quip_does_not_carry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let counter = Counter::start().await;
    let (b, ids) = gateway_b(quip(counter.url(), HiddenMessages::None, dir.path())).await;
    let a = Gw::default().await;
    let pair = Pair::new(&a, &b, Kind2::Quip, &ids);
    let n = ids.int_of(Kind::Room, ANA_MARCUS).expect("a pinned room");
    for query in [
        "",
        "&limit=2",
        "&limit=2&offset=2",
        "&limit=2&offset=4",
        "&offset=10",
    ] {
        let path = format!("/api/v2/pm/?thread={n}{query}");
        pair.check(&path, &SC_ANA, &[], 0).await;
    }
    // Paged as the web UI pages: every message once, in order; one call a page after the
    // first (the cursor the page before ended on), whose total walk is one call too.
    let (seen, calls) = follow_pages(&pair, n, 2, Some(&counter)).await;
    assert_eq!(seen.len(), 5, "{seen:?}");
    assert_eq!(calls, [1, 1, 1], "calls per page");
    // A bound at no page's end (the newest message): found by walking the conversation.
    let first = pair
        .check(&format!("/api/v2/pm/?thread={n}&limit=1"), &SC_ANA, &[], 0)
        .await;
    let path = format!(
        "/api/v2/pm/?thread={n}&before_message={}",
        page_ids(&first)[0]
    );
    let got = pair.check(&path, &SC_ANA, &[], 0).await;
    assert_eq!(got.json()["count"], 4, "{path}");
    // A bound naming no message of the conversation: an empty page of none, as A's.
    let other = ids
        .int_of(Kind::Message, BUSY_MESSAGE)
        .expect("a pinned message");
    for bound in [other, 999_999_999] {
        let path = format!("/api/v2/pm/?thread={n}&before_message={bound}");
        let got = pair.check(&path, &SC_ANA, &[], 0).await;
        assert_eq!(got.json()["count"], 0, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quip_pages_leave_out_exactly_the_hidden_messages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let counter = Counter::start().await;
    let (b, ids) = gateway_b(quip(counter.url(), HiddenMessages::None, dir.path())).await;
    let a = Gw::default().await;
    let pair = Pair::new(&a, &b, Kind2::Quip, &ids);
    let hidden = ids
        .int_of(Kind::Message, PRIYA_DANA_HIDDEN)
        .expect("a pinned message");
    let want = ask(&a, "/api/v2/pm/?thread=503", &QUIP_PRIYA).await;
    assert!(
        page_ids(&want).contains(&hidden),
        "A shows it: {}",
        want.body
    );
    let got = pair
        .check("/api/v2/pm/?thread=503", &QUIP_PRIYA, &[hidden], 1)
        .await;
    let missing: Vec<i64> = page_ids(&want)
        .into_iter()
        .filter(|id| !page_ids(&got).contains(id))
        .collect();
    assert_eq!(missing, [hidden], "only the hidden message is missing");
    assert_eq!(
        want.json()["count"].as_u64().map(|c| c - 1),
        got.json()["count"].as_u64(),
        "the count differs by the hidden message"
    );
    // A group's room by thread id (Kenji's hardware team): its hidden message left out.
    let room_hidden = ids
        .int_of(Kind::Message, GROUP_ROOM_HIDDEN)
        .expect("a pinned message");
    pair.check("/api/v2/pm/?thread=502", &SC_KENJI, &[room_hidden], 1)
        .await;
    // A direct conversation by peer: Quip names conversations by thread id only.
    let got = ask(&b, "/api/v2/pm/?user=107", &SC_ANA).await;
    assert!(
        is_refusal(&got) && got.body.contains("a direct conversation by peer"),
        "{}",
        got.body
    );
    // The busy room: its count is A's without its hidden message (its deleted one neither
    // shows); the first page holds no hidden message, so it is A's.
    let busy_hidden = ids.int_of(Kind::Message, BUSY_HIDDEN).expect("pinned");
    let path = "/api/v2/pm/?thread=501&limit=20";
    let got = pair.check(path, &SC_ANA, &[busy_hidden], 1).await;
    assert_eq!(got.json()["count"], 2285, "{path}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rocketchat_pages_of_a_small_conversation_are_as_a_but_for_what_it_does_not_carry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (b, ids) = gateway_b(rocketchat(HiddenMessages::None, dir.path())).await;
    let a = Gw::default().await;
    let pair = Pair::new(&a, &b, Kind2::RocketChat, &ids);
    let n = ids.int_of(Kind::Room, ANA_MARCUS).expect("a pinned room");
    let marcus = ids.int_of(Kind::User, "KfiHYviXtTkwsttx3").expect("pinned");
    for path in [
        format!("/api/v2/pm/?thread={n}"),
        format!("/api/v2/pm/?thread={n}&limit=2&offset=2"),
        format!("/api/v2/pm/?user={marcus}&limit=3"),
    ] {
        pair.check(&path, &SC_ANA, &[], 0).await;
    }
    let (seen, _) = follow_pages(&pair, n, 2, None).await;
    assert_eq!(seen.len(), 5, "{seen:?}");
    // Thread 503: its hidden message left out, the count one smaller.
    let hidden = ids
        .int_of(Kind::Message, PRIYA_DANA_HIDDEN)
        .expect("a pinned message");
    let path = "/api/v2/pm/?thread=503";
    pair.check(path, &QUIP_PRIYA, &[hidden], 1).await;
    // A group's room by thread id, read through groups.history: its hidden message left
    // out, the count one smaller.
    let room_hidden = ids
        .int_of(Kind::Message, GROUP_ROOM_HIDDEN)
        .expect("a pinned message");
    pair.check("/api/v2/pm/?thread=502", &SC_KENJI, &[room_hidden], 1)
        .await;
    // The busy room's count walks 23 windows of 100: past the default budget of 20 calls.
    let got = ask(&b, "/api/v2/pm/?thread=501", &SC_ANA).await;
    assert!(
        is_refusal(&got) && got.body.contains("more than 20 upstream calls"),
        "{}",
        got.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_default_a_page_with_hidden_messages_stays_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let counter = Counter::start().await;
    let (q, ids) = gateway_b(quip(counter.url(), HiddenMessages::Refuse, dir.path())).await;
    let (rc, _) = gateway_b(rocketchat(HiddenMessages::Refuse, dir.path())).await;
    let n = ids.int_of(Kind::Room, ANA_MARCUS).expect("a pinned room");
    let path = format!("/api/v2/pm/?thread={n}");
    for (gw, what) in [
        (&q, "hidden without deleted"),
        (&rc, "edits, deleted or hidden messages"),
    ] {
        let got = ask(gw, &path, &SC_ANA).await;
        assert!(is_refusal(&got) && got.body.contains(what), "{}", got.body);
    }
    assert_eq!(counter.calls(), 0, "refused before any call");
}
