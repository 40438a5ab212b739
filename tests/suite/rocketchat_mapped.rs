//! Mapped callers of every dialect through gateway B (`[backend] kind = "rocketchat"`,
//! mapped identity) in front of gateway A: for each case, what B answers compared with A.
//! These cases are the `rocketchat` column of `docs/upstreams.md`.

use crate::common::{demo_gateway, Gw};
use crate::rocketchat_upstream::{
    ask, demo_credentials, gateway_b, is_refusal, message_ids, QUIP_MARCUS, QUIP_PRIYA, RC_ANA,
    SC_ANA, SC_CHLOE, SC_KENJI,
};

/// What gateway B answers for a case, compared with gateway A.
enum Through {
    /// A's answer, byte for byte.
    Exact,
    /// A's answer with every `*_usec` time cut to the millisecond (Rocket.Chat keeps
    /// milliseconds): Quip callers.
    Milliseconds,
    /// As `Milliseconds`, and `like_user_ids` one empty id whatever the reactors
    /// (Rocket.Chat names reactors by username, not id, so the ids come back empty and the
    /// list of distinct ids has one): Quip callers in rooms with reactions.
    MillisecondsNoReactorIds,
    /// The same status and body as A (an error A answers, passed on).
    SameError,
    /// 501 naming what the upstream cannot select.
    Refused(&'static str),
    /// Another status (the upstream does not know the room).
    Status(u16),
    /// A's 200, byte for byte, with no message list: the caller's principal (from the
    /// directory), answered without an upstream call.
    Principal,
}

/// A path, the caller's headers, and what B answers.
type Case = (
    &'static str,
    &'static [(&'static str, &'static str)],
    Through,
);

const HIDDEN: &str = "edits, deleted or hidden messages";

/// Every case; `docs/upstreams.md` names them by their query.
const CASES: &[Case] = &[
    ("/api/v2/user/me/", &SC_ANA, Through::Principal),
    ("/1/users/current", &QUIP_PRIYA, Through::Principal),
    ("/api/v2/pm/?user=102", &SC_ANA, Through::Refused(HIDDEN)),
    (
        "/api/v2/pm/?user=102&limit=5&offset=3",
        &SC_ANA,
        Through::Refused(HIDDEN),
    ),
    ("/api/v2/pm/?thread=501", &SC_ANA, Through::Refused(HIDDEN)),
    (
        "/api/v2/pm/?thread=502",
        &SC_KENJI,
        Through::Refused(HIDDEN),
    ),
    ("/api/v2/pm/?thread=503", &SC_ANA, Through::SameError),
    (
        "/api/v2/pm/?group=1&limit=20",
        &SC_CHLOE,
        Through::Refused("a group's conversation"),
    ),
    (
        "/api/v2/pm/",
        &SC_ANA,
        Through::Refused("a conversation list"),
    ),
    (
        "/1/admin/messages/GENERAL?company_id=northwind",
        &QUIP_MARCUS,
        Through::Refused("company-admin access"),
    ),
    (
        "/1/admin/messages/vCPRIcENZyp?company_id=northwind",
        &QUIP_MARCUS,
        Through::Status(404),
    ),
    (
        "/1/messages/AJ2tqXDhYkEoaXoBcvDstRKMvtHPAYJks4?message_type=edit",
        &QUIP_PRIYA,
        Through::Refused("edits"),
    ),
    (
        "/1/messages/AJ2tqXDhYkEoaXoBcvDstRKMvtHPAYJks4",
        &QUIP_PRIYA,
        Through::Milliseconds,
    ),
    (
        "/1/messages/AJ2tqXDhYkEoaXoBcvDstRKMvtHPAYJks4?count=3&sorted_by=ASC",
        &QUIP_PRIYA,
        Through::Milliseconds,
    ),
    (
        "/1/messages/RTvWi3XPWmNPu3MpX",
        &QUIP_PRIYA,
        Through::MillisecondsNoReactorIds,
    ),
    (
        "/1/messages/GENERAL",
        &QUIP_PRIYA,
        Through::MillisecondsNoReactorIds,
    ),
    // A Quip document is no Rocket.Chat room: rooms.info does not find it.
    ("/1/messages/vCPRIcENZyp", &QUIP_PRIYA, Through::Status(404)),
    (
        "/api/v1/dm.history?roomId=wnWPgRuQDB3TzxiZq&count=20",
        &RC_ANA,
        Through::Exact,
    ),
    (
        "/api/v1/chat.getThreadMessages?tmid=hwid5RgAfuvaSBZbM",
        &RC_ANA,
        Through::Exact,
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mapped_callers_get_the_same_messages_or_a_clear_refusal() {
    // Gateway A serves rooms.info, so rooms named by id have a kind; A's Rocket.Chat face
    // serves dm.history, channels.history and groups.history, so rooms of every Rocket.Chat
    // kind are read by id. SelfCommunity pages include hidden messages, which no
    // Rocket.Chat route selects: refused.
    let dir = tempfile::tempdir().expect("tempdir");
    let b = gateway_b(
        format!("http://{}", demo_gateway()),
        Some(demo_credentials(dir.path())),
        |_| {},
    )
    .await;
    let a = Gw::default().await;
    for (path, headers, through) in CASES {
        let want = ask(&a, path, headers).await;
        let got = ask(&b, path, headers).await;
        match through {
            Through::Exact => {
                assert_eq!(
                    (got.status, want.status),
                    (200, 200),
                    "{path}: {}",
                    got.body
                );
                assert_eq!(message_ids(&got), message_ids(&want), "{path}");
                assert_eq!(got.body, want.body, "{path}");
            }
            Through::Milliseconds | Through::MillisecondsNoReactorIds => {
                assert_eq!(
                    (got.status, want.status),
                    (200, 200),
                    "{path}: {}",
                    got.body
                );
                let mut want = want.json();
                let mut reactions = 0;
                for m in want.as_array_mut().expect("an array") {
                    for key in ["created_usec", "updated_usec"] {
                        let usec = m[key].as_i64().expect("a time");
                        m[key] = serde_json::json!(usec - usec.rem_euclid(1000));
                    }
                    if let Some(ids) = m.get_mut("like_user_ids").and_then(|v| v.as_array_mut()) {
                        if matches!(through, Through::MillisecondsNoReactorIds) {
                            reactions += ids.len();
                            *ids = vec![serde_json::json!("")];
                        }
                    }
                }
                if matches!(through, Through::MillisecondsNoReactorIds) {
                    assert!(reactions > 0, "{path}: a case with reactions");
                }
                assert_eq!(got.json(), want, "{path}");
            }
            Through::SameError => {
                assert_ne!(want.status, 200, "{path}");
                assert_eq!((got.status, &got.body), (want.status, &want.body), "{path}");
            }
            Through::Refused(what) => {
                assert!(
                    is_refusal(&got) && got.body.contains(what),
                    "{path}: {}",
                    got.body
                );
            }
            Through::Status(status) => assert_eq!(got.status, *status, "{path}: {}", got.body),
            Through::Principal => {
                assert_eq!(want.status, 200, "{path}: {}", want.body);
                assert_eq!((got.status, &got.body), (200, &want.body), "{path}");
            }
        }
    }
}
