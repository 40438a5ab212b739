//! `GET /api/v1/rooms.info?roomId=` on the Rocket.Chat face: a room's id and kind, to its
//! members (and anyone for a public channel), in every topology, gateway in front of a
//! gateway included. Bodies are exact.

use crate::common::{send, Answer, Gw};
use crate::matrix_rc;

type Who = (&'static str, &'static str);

const ANA: Who = (
    "vSt4xaDt4dQRTjJYe",
    "e2r9S9vbhzil4mJnQfKuuMq5UrbYi2IaDHUiuhIG6GC",
);
const KENJI: Who = (
    "wnWPgRuQDB3TzxiZq",
    "XwWPSR7LmZYrTt4JkUdd61LkJZfpSHnvqcqvui1mtnf",
);
const PRIYA: Who = (
    "vDstRKMvtHPAYJks4",
    "6mef11gCCJ0eFuLo3m8gU0xjxZm4fpJfxfAqwTgqs7a",
);

const NOT_ALLOWED: &str = r#"{"success":false,"error":"not-allowed","errorType":"Not Allowed"}"#;
const NOT_FOUND: &str = r#"{"success":false,"error":"The required \"roomId\" or \"roomName\" param provided does not match any channel [error-room-not-found]","errorType":"error-room-not-found"}"#;

async fn info(gw: &Gw, who: Option<Who>, query: &str) -> Answer {
    let mut req = gw.get(&format!("/api/v1/rooms.info{query}"));
    if let Some((id, token)) = who {
        req = req.header("X-User-Id", id).header("X-Auth-Token", token);
    }
    send(req).await
}

async fn rooms_info_names_the_kind_of_each_room_a_caller_may_read() {
    let gw = Gw::default().await;
    for (who, rid, t) in [
        (ANA, "GENERAL", "c"),
        (KENJI, "RTvWi3XPWmNPu3MpX", "p"),
        (ANA, "vSt4xaDt4dQRTjJYewnWPgRuQDB3TzxiZq", "d"),
        (PRIYA, "AJ2tqXDhYkEoaXoBcvDstRKMvtHPAYJks4", "d"),
    ] {
        let a = info(&gw, Some(who), &format!("?roomId={rid}")).await;
        assert_eq!(a.status, 200, "{rid}: {}", a.body);
        assert_eq!(
            a.body,
            format!(r#"{{"room":{{"_id":"{rid}","t":"{t}"}},"success":true}}"#)
        );
        assert_eq!(a.header("content-type"), Some("application/json"));
        assert_eq!(a.header("cache-control"), Some("no-store"));
    }
}
matrix_rc!(rooms_info_names_the_kind_of_each_room_a_caller_may_read);

async fn rooms_info_refuses_as_the_server_does() {
    let gw = Gw::default().await;
    for (who, query, status, body) in [
        // Not a member of the private group, nor of the direct room.
        (ANA, "?roomId=RTvWi3XPWmNPu3MpX", 400, NOT_ALLOWED),
        (
            ANA,
            "?roomId=AJ2tqXDhYkEoaXoBcvDstRKMvtHPAYJks4",
            400,
            NOT_ALLOWED,
        ),
        // Unknown, and a Quip document (no Rocket.Chat room).
        (ANA, "?roomId=nope", 400, NOT_FOUND),
        (PRIYA, "?roomId=vCPRIcENZyp", 400, NOT_FOUND),
        (
            ANA,
            "",
            400,
            r#"{"success":false,"error":"The parameter \"roomId\" or \"roomName\" is required [error-roomid-param-not-provided]","errorType":"error-roomid-param-not-provided"}"#,
        ),
        (
            ANA,
            "?roomId=",
            400,
            r#"{"success":false,"error":"The parameter \"roomId\" or \"roomName\" is required [error-roomid-param-not-provided]","errorType":"error-roomid-param-not-provided"}"#,
        ),
    ] {
        let a = info(&gw, Some(who), query).await;
        assert_eq!((a.status, a.body.as_str()), (status, body), "{query}");
    }
    let a = info(&gw, None, "?roomId=GENERAL").await;
    assert_eq!(
        (a.status, a.body.as_str()),
        (
            401,
            r#"{"status":"error","message":"You must be logged in to do this."}"#
        )
    );
}
matrix_rc!(rooms_info_refuses_as_the_server_does);
