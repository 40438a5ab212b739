//! The Rocket.Chat face's `rooms.get`, `channels.history` and `groups.history` (what a copy
//! of this gateway's conversations reads of it), on gateway A: goldens of the answers and of
//! the errors (the room lists and errors in `rocketchat_rooms/`, which holds no pages).

use crate::common::{demo_gateway, golden, send, Answer};
use crate::rocketchat_upstream::RC_ANA;

const RC_CHLOE: [(&str, &str); 2] = [
    ("X-User-Id", "2vs9gdu89HRJqmvaa"),
    (
        "X-Auth-Token",
        "hRK1VDlFFebEVhW5TgIVv1d04etirxoQpLcNoCXG42L",
    ),
];

/// A path, the caller's headers, the status and the golden file of the body.
type Case = (
    &'static str,
    &'static [(&'static str, &'static str)],
    u16,
    &'static str,
);

async fn on_a(path: &str, headers: &[(&str, &str)]) -> Answer {
    let http = reqwest::Client::new();
    let req = headers.iter().fold(
        http.get(format!("http://{}{path}", demo_gateway())),
        |r, (k, v)| r.header(*k, *v),
    );
    send(req).await
}

#[tokio::test]
async fn goldens_of_the_room_list_and_the_channel_and_group_histories() {
    let cases: &[Case] = &[
        (
            "/api/v1/rooms.get",
            &RC_ANA,
            200,
            "rocketchat_rooms/rooms_get_ana.json",
        ),
        (
            "/api/v1/rooms.get",
            &RC_CHLOE,
            200,
            "rocketchat_rooms/rooms_get_chloe.json",
        ),
        (
            "/api/v1/rooms.get",
            &[],
            401,
            "rocketchat_rooms/rooms_get_401.json",
        ),
        (
            "/api/v1/channels.history?roomId=GENERAL&count=3",
            &RC_ANA,
            200,
            "rocketchat/channels_history_general.json",
        ),
        (
            "/api/v1/groups.history?roomId=RTvWi3XPWmNPu3MpX&count=3&offset=2",
            &RC_CHLOE,
            200,
            "rocketchat/groups_history_hardware.json",
        ),
        (
            "/api/v1/groups.history?roomId=RTvWi3XPWmNPu3MpX&count=3",
            &RC_ANA,
            403,
            "rocketchat_rooms/groups_history_not_a_member.json",
        ),
        (
            "/api/v1/channels.history?roomId=RTvWi3XPWmNPu3MpX",
            &RC_CHLOE,
            404,
            "rocketchat_rooms/channels_history_of_a_group.json",
        ),
        (
            "/api/v1/channels.history?count=3",
            &RC_ANA,
            400,
            "rocketchat_rooms/channels_history_no_room.json",
        ),
    ];
    for (path, headers, status, file) in cases {
        let a = on_a(path, headers).await;
        assert_eq!(a.status, *status, "{path}: {}", a.body);
        assert_eq!(a.header("content-type"), Some("application/json"), "{path}");
        golden(file, &a.body);
    }
}

#[tokio::test]
async fn a_channel_history_pages_as_the_direct_history_does() {
    // Newest first, offset and count, replies only with showThreadMessages.
    let all = on_a(
        "/api/v1/channels.history?roomId=GENERAL&count=0&showThreadMessages=true",
        &RC_ANA,
    )
    .await;
    let ids = |a: &Answer| -> Vec<String> {
        a.json()["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .map(|m| m["_id"].as_str().expect("an id").to_owned())
            .collect()
    };
    let all_ids = ids(&all);
    assert!(all_ids.len() > 20, "{}", all.body);
    let page = on_a(
        "/api/v1/channels.history?roomId=GENERAL&count=10&offset=10&showThreadMessages=true",
        &RC_ANA,
    )
    .await;
    assert_eq!(ids(&page), all_ids[10..20].to_vec());
    let top = on_a("/api/v1/channels.history?roomId=GENERAL&count=0", &RC_ANA).await;
    assert!(
        ids(&top).len() < all_ids.len(),
        "replies left out by default"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_room_list_and_the_histories_are_the_same_over_every_backend_kind() {
    // Over the canonical protocol (a gateway in front of `threadgate backend`) and over a
    // Rocket.Chat upstream (gateway B in front of A, passthrough credentials).
    let mut config = crate::common::test_config();
    crate::common::use_service(&mut config, crate::common::demo_service());
    let parts = crate::common::http_parts(&config).await;
    let over_http = crate::common::Gw::around(
        threadgate::server::start_with(config, parts)
            .await
            .expect("gateway starts"),
    );
    let over_rc =
        crate::rocketchat_upstream::gateway_b(format!("http://{}", demo_gateway()), None, |_| {})
            .await;
    let asks: &[(&str, &[(&str, &str)])] = &[
        ("/api/v1/rooms.get", &RC_ANA),
        ("/api/v1/rooms.get", &RC_CHLOE),
        ("/api/v1/channels.history?roomId=GENERAL&count=3", &RC_ANA),
        (
            "/api/v1/channels.history?roomId=GENERAL&count=20&offset=40&showThreadMessages=true",
            &RC_ANA,
        ),
        (
            "/api/v1/groups.history?roomId=RTvWi3XPWmNPu3MpX&count=3&offset=2",
            &RC_CHLOE,
        ),
        ("/api/v1/groups.history?roomId=RTvWi3XPWmNPu3MpX", &RC_ANA),
    ];
    for (path, headers) in asks {
        let want = on_a(path, headers).await;
        for gw in [&over_http, &over_rc] {
            let http = reqwest::Client::new();
            let req = headers
                .iter()
                .fold(http.get(gw.url(path)), |r, (k, v)| r.header(*k, *v));
            let got = send(req).await;
            assert_eq!(
                (got.status, &got.body),
                (want.status, &want.body),
                "{path} through {}",
                gw.base
            );
        }
    }
}
