//! Rocket.Chat's channel and group histories through the `selfcommunity` and `quip` upstream
//! kinds (gateway A behind, mapped credentials), compared with gateway A: the
//! `channels.history` and `groups.history` cells of `docs/upstreams.md`.

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
