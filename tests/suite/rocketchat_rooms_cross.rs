//! Rocket.Chat's channel and group histories through the `selfcommunity` and `quip` upstream
//! kinds, and the room lists (`rooms.get`, `/1/threads/recent`) through every upstream kind
//! (gateway A behind, mapped credentials), compared with gateway A: those cells of
//! `docs/upstreams.md`.

use crate::common::{demo_gateway, Gw};
use crate::rocketchat_upstream::{ask, message_ids, RC_ANA};

async fn behind_a() -> (Gw, Gw, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("http://{}", demo_gateway());
    let sc = crate::selfcommunity_upstream::gateway_b(
        url.clone(),
        Some(crate::selfcommunity_upstream::bearer_credentials(
            dir.path(),
        )),
        |_| {},
    )
    .await;
    let quip = crate::quip_upstream::quip_b(
        url,
        Some(crate::quip_upstream::bearer_credentials(dir.path())),
        |_| {},
    )
    .await;
    (sc, quip, dir)
}

/// Kenji, a member of the hardware-team group (Ana is not).
const RC_KENJI: [(&str, &str); 2] = [
    ("X-User-Id", "wnWPgRuQDB3TzxiZq"),
    (
        "X-Auth-Token",
        "XwWPSR7LmZYrTt4JkUdd61LkJZfpSHnvqcqvui1mtnf",
    ),
];

const NOT_FOUND: &str = r#"{"success":false,"error":"Resource not found"}"#;
const NO_REPLIES: &str = r#"{"success":false,"error":"Not answerable through this gateway's upstream: a conversation without its thread replies (a Quip message names no parent) [error-unsupported-by-upstream]","errorType":"error-unsupported-by-upstream"}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_and_group_histories_over_selfcommunity_and_quip() {
    let (sc, quip, _dir) = behind_a().await;
    let a = Gw::default().await;
    // SelfCommunity conversations are direct or group conversations named by integers: a
    // Rocket.Chat channel or group id names none of them, so the room is not found, as a
    // Rocket.Chat server answers for a room it does not have.
    for path in [
        "/api/v1/channels.history?roomId=GENERAL&count=3",
        "/api/v1/groups.history?roomId=RTvWi3XPWmNPu3MpX&count=3",
        "/api/v1/channels.history?roomId=501&count=3",
    ] {
        let got = ask(&sc, path, &RC_ANA).await;
        assert_eq!((got.status, got.body.as_str()), (404, NOT_FOUND), "{path}");
    }
    // Quip reads the thread by id; replies cannot be told apart, so only
    // showThreadMessages=true is answered: the same messages in the same order as A.
    for path in [
        "/api/v1/channels.history?roomId=GENERAL&count=3&showThreadMessages=true",
        "/api/v1/groups.history?roomId=RTvWi3XPWmNPu3MpX&count=5&offset=2&showThreadMessages=true",
    ] {
        let want = ask(&a, path, &RC_KENJI).await;
        let got = ask(&quip, path, &RC_KENJI).await;
        assert_eq!(
            (got.status, want.status),
            (200, 200),
            "{path}: {}",
            got.body
        );
        assert_eq!(message_ids(&got), message_ids(&want), "{path}");
        assert!(!message_ids(&got).is_empty(), "{path}");
    }
    for path in [
        "/api/v1/channels.history?roomId=GENERAL&count=3",
        "/api/v1/groups.history?roomId=RTvWi3XPWmNPu3MpX&count=3",
    ] {
        let got = ask(&quip, path, &RC_ANA).await;
        assert_eq!((got.status, got.body.as_str()), (501, NO_REPLIES), "{path}");
    }
}

fn keys_of(
    body: &str,
    f: impl Fn(&serde_json::Value) -> Vec<(String, serde_json::Value)>,
) -> Vec<(String, serde_json::Value)> {
    f(&serde_json::from_str(body).expect("a JSON body"))
}

/// `rooms.get`'s `(_id, room)` pairs.
fn rooms(v: &serde_json::Value) -> Vec<(String, serde_json::Value)> {
    v["update"]
        .as_array()
        .expect("update")
        .iter()
        .map(|r| (r["_id"].as_str().expect("_id").to_owned(), r.clone()))
        .collect()
}

/// `/1/threads/recent`'s `(thread id, entry)` pairs.
fn threads(v: &serde_json::Value) -> Vec<(String, serde_json::Value)> {
    v.as_object()
        .expect("an object")
        .iter()
        .map(|(k, t)| (k.clone(), t.clone()))
        .collect()
}

fn is_integer(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
}

/// The room lists of Rocket.Chat (`rooms.get`) and Quip (`/1/threads/recent`) through each
/// other upstream kind, compared with gateway A: the lists cells of `docs/upstreams.md`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn room_lists_through_every_upstream_kind() {
    let (sc, quip, dir) = behind_a().await;
    let rc = crate::rocketchat_upstream::gateway_b(
        format!("http://{}", demo_gateway()),
        Some(crate::rocketchat_upstream::demo_credentials(dir.path())),
        |_| {},
    )
    .await;
    let a = Gw::default().await;
    let priya = [(
        "Authorization",
        "Bearer tg_bearer_priya.raman_aa4qlgr6ch27ga94",
    )];
    let a_rooms = keys_of(&ask(&a, "/api/v1/rooms.get", &RC_ANA).await.body, rooms);
    let a_threads = keys_of(&ask(&a, "/1/threads/recent", &priya).await.body, threads);
    assert!(!a_rooms.is_empty() && !a_threads.is_empty());

    // Through quip: the same rooms; a chat's kind and the members' usernames are not told.
    let got = ask(&quip, "/api/v1/rooms.get", &RC_ANA).await;
    assert_eq!(got.status, 200, "{}", got.body);
    let ids =
        |l: &[(String, serde_json::Value)]| l.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&keys_of(&got.body, rooms)), ids(&a_rooms));

    // Through rocketchat: A's Quip list without its documents (no Rocket.Chat room is one).
    let got = ask(&rc, "/1/threads/recent", &priya).await;
    assert_eq!(got.status, 200, "{}", got.body);
    let mut want: Vec<String> = a_threads
        .iter()
        .filter(|(_, t)| t["thread"]["type"] != "document")
        .map(|(k, _)| k.clone())
        .collect();
    let mut have = ids(&keys_of(&got.body, threads));
    want.sort();
    have.sort();
    assert_eq!(have, want);

    // Through selfcommunity: the caller's direct and group conversations, by the
    // upstream's integers, in both lists.
    for (path, who, list) in [
        (
            "/api/v1/rooms.get",
            &RC_ANA[..],
            rooms as fn(&serde_json::Value) -> _,
        ),
        ("/1/threads/recent", &priya[..], threads),
    ] {
        let got = ask(&sc, path, who).await;
        assert_eq!(got.status, 200, "{path}: {}", got.body);
        let listed = ids(&keys_of(&got.body, list));
        assert!(
            !listed.is_empty() && listed.iter().all(|id| is_integer(id)),
            "{path}: {listed:?}"
        );
    }
}
