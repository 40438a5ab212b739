//! Rocket.Chat `GET /api/v1/chat.getThreadMessages` over real HTTP against the demo data,
//! default profile 6 unless a test says otherwise (spec: rocketchat.md).

use crate::common;
use crate::matrix_rc;

use common::{golden, send, Answer, Gw};
use threadgate::config::RocketChatProfile;

const PATH: &str = "/api/v1/chat.getThreadMessages";
/// ana.lima: member of GENERAL and of the busy direct room.
const ANA: (&str, &str) = (
    "vSt4xaDt4dQRTjJYe",
    "e2r9S9vbhzil4mJnQfKuuMq5UrbYi2IaDHUiuhIG6GC",
);
/// chloe.martin: not a member of the busy direct room (ana, kenji).
const CHLOE: (&str, &str) = (
    "2vs9gdu89HRJqmvaa",
    "hRK1VDlFFebEVhW5TgIVv1d04etirxoQpLcNoCXG42L",
);

/// Lunch & learn thread: a reply with an upload, an edit and extra fields; a mention; reactions.
const LUNCH: &str = "hwid5RgAfuvaSBZbM";
/// Demo thread: a deleted reply and a reply also shown in the room.
const DEMO: &str = "Jh32wnGHwxzaR22RR";
/// Incident thread: 137 replies.
const INCIDENT: &str = "LscqGbTLCzXQhjg4m";
/// A thread root in the busy direct room of ana and kenji.
const PRIVATE: &str = "kCZrXaKSknhA5hkiJ";

fn as_user(gw: &Gw, who: (&str, &str), query: &str) -> reqwest::RequestBuilder {
    gw.get(&format!("{PATH}?{query}"))
        .header("X-User-Id", who.0)
        .header("X-Auth-Token", who.1)
}

async fn ana(gw: &Gw, query: &str) -> Answer {
    send(as_user(gw, ANA, query)).await
}

fn assert_rc_headers(a: &Answer) {
    assert_eq!(
        a.header("content-type"),
        Some("application/json"),
        "{}",
        a.body
    );
    assert_eq!(a.header("cache-control"), Some("no-store"));
    assert_eq!(a.header("pragma"), Some("no-cache"));
    assert_eq!(a.header("www-authenticate"), None);
}

fn ids(a: &Answer) -> Vec<String> {
    a.json()["messages"]
        .as_array()
        .expect("messages array")
        .iter()
        .map(|m| m["_id"].as_str().unwrap().to_owned())
        .collect()
}

fn envelope(a: &Answer) -> (u64, u64, u64) {
    let j = a.json();
    (
        j["count"].as_u64().unwrap(),
        j["offset"].as_u64().unwrap(),
        j["total"].as_u64().unwrap(),
    )
}

// ---- exact bodies -------------------------------------------------------------------------

async fn golden_thread_with_upload_edit_mentions_reactions_and_extra_fields() {
    let gw = Gw::default().await;
    let a = ana(&gw, &format!("tmid={LUNCH}")).await;
    assert_eq!(a.status, 200);
    assert_rc_headers(&a);
    golden("rocketchat/thread_lunch.json", &a.body);
}
matrix_rc!(golden_thread_with_upload_edit_mentions_reactions_and_extra_fields);

async fn golden_thread_without_its_deleted_reply_and_with_tshow() {
    let gw = Gw::default().await;
    let a = ana(&gw, &format!("tmid={DEMO}")).await;
    assert_eq!(a.status, 200);
    golden("rocketchat/thread_demo.json", &a.body);
    assert!(
        !a.body.contains("VPN invite"),
        "deleted reply must not appear"
    );
    assert_eq!(a.body.matches("\"tshow\":true").count(), 1);
}
matrix_rc!(golden_thread_without_its_deleted_reply_and_with_tshow);

async fn golden_descending_page_of_a_long_thread() {
    let gw = Gw::default().await;
    let a = ana(
        &gw,
        &format!("tmid={INCIDENT}&sort=%7B%22ts%22%3A-1%7D&count=3&offset=2"),
    )
    .await;
    assert_eq!(a.status, 200);
    golden("rocketchat/thread_incident_desc.json", &a.body);
    assert_eq!(envelope(&a), (3, 2, 137));
}
matrix_rc!(golden_descending_page_of_a_long_thread);

// ---- paging -------------------------------------------------------------------------------

async fn default_paging_is_fifty_oldest_first() {
    let gw = Gw::default().await;
    let a = ana(&gw, &format!("tmid={INCIDENT}")).await;
    assert_eq!(envelope(&a), (50, 0, 137));
    let j = a.json();
    let ts: Vec<&str> = j["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["ts"].as_str().unwrap())
        .collect();
    let mut sorted = ts.clone();
    sorted.sort();
    assert_eq!(ts, sorted, "ascending by ts");
    assert!(j["messages"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["tmid"] == INCIDENT));
    assert!(
        !ids(&a).contains(&INCIDENT.to_owned()),
        "the root is never returned"
    );
}
matrix_rc!(default_paging_is_fifty_oldest_first);

async fn explicit_pages_concatenate_to_the_whole_thread() {
    let gw = Gw::default().await;
    let all = ana(&gw, &format!("tmid={INCIDENT}&count=0")).await;
    assert_eq!(envelope(&all), (137, 0, 137));
    let mut paged = Vec::new();
    for offset in (0..137).step_by(40) {
        let page = ana(&gw, &format!("tmid={INCIDENT}&count=40&offset={offset}")).await;
        let (count, off, total) = envelope(&page);
        assert_eq!((off, total), (offset, 137));
        assert_eq!(count, 40.min(137 - offset));
        paged.extend(ids(&page));
    }
    assert_eq!(paged, ids(&all));
}
matrix_rc!(explicit_pages_concatenate_to_the_whole_thread);

async fn offset_past_the_end_is_an_empty_page() {
    let gw = Gw::default().await;
    let a = ana(&gw, &format!("tmid={INCIDENT}&offset=500")).await;
    assert_eq!(a.status, 200);
    assert_eq!(
        a.body,
        r#"{"messages":[],"count":0,"offset":500,"total":137,"success":true}"#
    );
}
matrix_rc!(offset_past_the_end_is_an_empty_page);

async fn count_zero_means_all_and_over_one_hundred_means_one_hundred() {
    let gw = Gw::default().await;
    assert_eq!(
        envelope(&ana(&gw, &format!("tmid={INCIDENT}&count=0")).await),
        (137, 0, 137)
    );
    assert_eq!(
        envelope(&ana(&gw, &format!("tmid={INCIDENT}&count=150")).await),
        (100, 0, 137)
    );
    assert_eq!(
        envelope(&ana(&gw, &format!("tmid={INCIDENT}&count=100000")).await),
        (100, 0, 137)
    );
}
matrix_rc!(count_zero_means_all_and_over_one_hundred_means_one_hundred);

async fn numbers_follow_parse_int() {
    let gw = Gw::default().await;
    let cases = [
        ("count=2.9", (2, 0)),
        ("count=10abc", (10, 0)),
        ("count=abc", (50, 0)),
        ("count=", (50, 0)),
        ("count=-3", (3, 0)),
        ("count=0x0A", (10, 0)),
        ("count=%2012", (12, 0)),
        ("count=0.5", (137, 0)),
        ("offset=-5&count=1", (1, 0)),
        ("offset=3.7&count=1", (1, 3)),
        ("offset=xyz&count=1", (1, 0)),
    ];
    for (query, (count, offset)) in cases {
        let a = ana(&gw, &format!("tmid={INCIDENT}&{query}")).await;
        assert_eq!(a.status, 200, "{query}: {}", a.body);
        let (c, o, _) = envelope(&a);
        assert_eq!((c, o), (count, offset), "{query}");
    }
}
matrix_rc!(numbers_follow_parse_int);

// ---- sort ---------------------------------------------------------------------------------

async fn sort_ascending_descending_and_ignored_keys() {
    let gw = Gw::default().await;
    let default = ids(&ana(&gw, &format!("tmid={LUNCH}")).await);
    let asc = ids(&ana(&gw, &format!("tmid={LUNCH}&sort=%7B%22ts%22%3A1%7D")).await);
    let desc = ids(&ana(&gw, &format!("tmid={LUNCH}&sort=%7B%22ts%22%3A-1%7D")).await);
    let other_key = ids(&ana(&gw, &format!("tmid={LUNCH}&sort=%7B%22_id%22%3A-1%7D")).await);
    let empty = ids(&ana(&gw, &format!("tmid={LUNCH}&sort=%7B%7D")).await);
    assert_eq!(default.len(), 3);
    assert_eq!(asc, default);
    assert_eq!(other_key, default);
    assert_eq!(empty, default);
    let mut reversed = default.clone();
    reversed.reverse();
    assert_eq!(desc, reversed);
}
matrix_rc!(sort_ascending_descending_and_ignored_keys);

async fn invalid_sort_is_rejected_with_the_raw_value() {
    let gw = Gw::default().await;
    let a = ana(&gw, &format!("tmid={LUNCH}&sort=ts")).await;
    assert_eq!(a.status, 400);
    assert_rc_headers(&a);
    assert_eq!(
        a.body,
        r#"{"success":false,"error":"Invalid sort parameter provided: \"ts\" [error-invalid-sort]","errorType":"error-invalid-sort","details":{"helperMethod":"parseJsonQuery"}}"#
    );
    let a = ana(&gw, &format!("tmid={LUNCH}&sort=%7B%22ts%22%3A2%7D")).await;
    assert_eq!(a.status, 400);
    assert_eq!(
        a.body,
        r#"{"success":false,"error":"Invalid sort parameter provided: \"{\"ts\":2}\" [error-invalid-sort]","errorType":"error-invalid-sort","details":{"helperMethod":"parseJsonQuery"}}"#
    );
    // Profile 6 parses `sort` before it looks for `tmid`.
    let a = ana(&gw, "sort=nope").await;
    assert_eq!(a.status, 400);
    assert!(a.body.contains("error-invalid-sort"), "{}", a.body);
}
matrix_rc!(invalid_sort_is_rejected_with_the_raw_value);

// ---- the error table (spec §6) ------------------------------------------------------------

const UNAUTHORIZED_R: &str = r#"{"status":"error","message":"You must be logged in to do this."}"#;

async fn not_logged_in_is_401_whatever_is_wrong() {
    let gw = Gw::default().await;
    let url = format!("{PATH}?tmid={LUNCH}");
    let attempts = [
        gw.get(&url),
        gw.get(&url).header("X-User-Id", ANA.0),
        gw.get(&url).header("X-Auth-Token", ANA.1),
        gw.get(&url)
            .header("X-User-Id", ANA.0)
            .header("X-Auth-Token", "wrong"),
        gw.get(&url)
            .header("X-User-Id", CHLOE.0)
            .header("X-Auth-Token", ANA.1),
        gw.get(&url)
            .header("X-User-Id", "")
            .header("X-Auth-Token", ""),
        gw.get(&url)
            .header("Authorization", format!("Bearer {}", ANA.1)),
        gw.get(&url)
            .header("Cookie", format!("rc_uid={}; rc_token={}", ANA.0, ANA.1)),
    ];
    for req in attempts {
        let a = send(req).await;
        assert_eq!(a.status, 401);
        assert_rc_headers(&a);
        assert_eq!(a.body, UNAUTHORIZED_R);
    }
}
matrix_rc!(not_logged_in_is_401_whatever_is_wrong);

async fn method_other_than_get_or_head_is_405_before_authentication() {
    let gw = Gw::default().await;
    for req in [
        gw.http.post(gw.url(&format!("{PATH}?tmid={LUNCH}"))),
        gw.http
            .delete(gw.url(&format!("{PATH}?tmid={LUNCH}")))
            .header("X-User-Id", ANA.0)
            .header("X-Auth-Token", ANA.1),
    ] {
        let a = send(req).await;
        assert_eq!(a.status, 405);
        assert_rc_headers(&a);
        assert_eq!(a.header("allow"), Some("GET, HEAD"));
        assert_eq!(
            a.body,
            r#"{"status":"error","message":"API endpoint does not exist"}"#
        );
    }
}
matrix_rc!(method_other_than_get_or_head_is_405_before_authentication);

async fn head_is_get_without_a_body() {
    let gw = Gw::default().await;
    let get = ana(&gw, &format!("tmid={LUNCH}")).await;
    let head = send(
        gw.http
            .head(gw.url(&format!("{PATH}?tmid={LUNCH}")))
            .header("X-User-Id", ANA.0)
            .header("X-Auth-Token", ANA.1),
    )
    .await;
    assert_eq!(head.status, 200);
    assert_rc_headers(&head);
    assert_eq!(head.body, "");
    assert_eq!(
        head.header("content-length"),
        Some(get.body.len().to_string().as_str())
    );
}
matrix_rc!(head_is_get_without_a_body);

async fn missing_or_empty_tmid() {
    let gw = Gw::default().await;
    let expected = r#"{"success":false,"error":"The required \"tmid\" query param is missing. [error-invalid-params]","errorType":"error-invalid-params"}"#;
    for query in ["", "tmid=", "count=5", "tmid&count=5"] {
        let a = ana(&gw, query).await;
        assert_eq!(a.status, 400, "{query}");
        assert_rc_headers(&a);
        assert_eq!(a.body, expected, "{query}");
    }
}
matrix_rc!(missing_or_empty_tmid);

async fn unknown_or_repeated_tmid_is_an_invalid_message() {
    let gw = Gw::default().await;
    let expected = r#"{"success":false,"error":"Invalid Message [error-invalid-message]","errorType":"error-invalid-message"}"#;
    for query in [
        "tmid=doesNotExist12345".to_owned(),
        format!("tmid={LUNCH}&tmid={DEMO}"),
    ] {
        let a = ana(&gw, &query).await;
        assert_eq!(a.status, 400, "{query}");
        assert_rc_headers(&a);
        assert_eq!(a.body, expected, "{query}");
    }
}
matrix_rc!(unknown_or_repeated_tmid_is_an_invalid_message);

async fn a_message_that_is_not_a_root_has_no_replies() {
    let gw = Gw::default().await;
    // The deleted-reply thread's first visible reply.
    let first_reply = ids(&ana(&gw, &format!("tmid={DEMO}&count=1")).await).remove(0);
    let a = ana(&gw, &format!("tmid={first_reply}")).await;
    assert_eq!(a.status, 200);
    assert_eq!(
        a.body,
        r#"{"messages":[],"count":0,"offset":0,"total":0,"success":true}"#
    );
}
matrix_rc!(a_message_that_is_not_a_root_has_no_replies);

async fn a_non_member_cannot_read_a_private_thread() {
    let gw = Gw::default().await;
    let member = ana(&gw, &format!("tmid={PRIVATE}")).await;
    assert_eq!(member.status, 200);
    assert!(envelope(&member).2 > 0);
    let a = send(as_user(&gw, CHLOE, &format!("tmid={PRIVATE}"))).await;
    assert_eq!(a.status, 400);
    assert_rc_headers(&a);
    assert_eq!(
        a.body,
        r#"{"success":false,"error":"Not Allowed [error-not-allowed]","errorType":"error-not-allowed"}"#
    );
    // A public channel's thread is readable by anyone logged in.
    let a = send(as_user(&gw, CHLOE, &format!("tmid={LUNCH}"))).await;
    assert_eq!(a.status, 200);
}
matrix_rc!(a_non_member_cannot_read_a_private_thread);

async fn backend_timeout_is_504_in_the_dialect() {
    let gw = Gw::start(|c| {
        c.fault.backend_delay_ms = 2_000;
        c.server.request_timeout_ms = 150;
    })
    .await;
    let a = ana(&gw, &format!("tmid={LUNCH}")).await;
    assert_eq!(a.status, 504);
    assert_rc_headers(&a);
    assert_eq!(
        a.body,
        r#"{"success":false,"error":"Upstream timed out [error-upstream-timeout]","errorType":"error-upstream-timeout"}"#
    );
    assert!(a.header("x-request-id").is_some());
}
matrix_rc!(backend_timeout_is_504_in_the_dialect);

async fn an_unavailable_backend_is_502_in_the_dialect() {
    let gw = Gw::unavailable(|_| {}).await;
    let a = ana(&gw, &format!("tmid={LUNCH}")).await;
    assert_eq!(a.status, 502);
    assert_rc_headers(&a);
    assert_eq!(
        a.body,
        r#"{"success":false,"error":"Upstream unavailable [error-upstream-unavailable]","errorType":"error-upstream-unavailable"}"#
    );
}
matrix_rc!(an_unavailable_backend_is_502_in_the_dialect);

// ---- request id ---------------------------------------------------------------------------

async fn request_id_is_echoed_or_generated() {
    let gw = Gw::default().await;
    let a =
        send(as_user(&gw, ANA, &format!("tmid={LUNCH}")).header("x-request-id", "trace-abc-123"))
            .await;
    assert_eq!(a.header("x-request-id"), Some("trace-abc-123"));
    let a = send(
        gw.get(&format!("{PATH}?tmid={LUNCH}"))
            .header("x-request-id", "on-401"),
    )
    .await;
    assert_eq!(a.status, 401);
    assert_eq!(a.header("x-request-id"), Some("on-401"));
    let a = ana(&gw, &format!("tmid={LUNCH}")).await;
    let generated = a.header("x-request-id").expect("generated id");
    assert!(uuid::Uuid::parse_str(generated).is_ok(), "{generated}");
    let b = ana(&gw, &format!("tmid={LUNCH}")).await;
    assert_ne!(b.header("x-request-id"), Some(generated));
}
matrix_rc!(request_id_is_echoed_or_generated);

// ---- later profiles (spec §7) -------------------------------------------------------------

async fn profiles_change_the_401_body_and_validation() {
    let gw7 = Gw::start(|c| c.rocketchat.profile = RocketChatProfile::V7).await;
    let a = ana(&gw7, "").await;
    assert_eq!(a.status, 400);
    assert_eq!(
        a.body,
        r#"{"success":false,"error":"must have required property 'tmid' [invalid-params]","errorType":"invalid-params"}"#
    );
    let a = ana(&gw7, &format!("tmid={LUNCH}&query=%7B%7D")).await;
    assert_eq!(
        a.body,
        r#"{"success":false,"error":"must NOT have additional properties [invalid-params]","errorType":"invalid-params"}"#
    );
    let a = ana(&gw7, &format!("tmid={LUNCH}&count=abc")).await;
    assert_eq!(
        a.body,
        r#"{"success":false,"error":"must be number [invalid-params]","errorType":"invalid-params"}"#
    );
    let a = ana(&gw7, &format!("tmid={LUNCH}&count=1e1")).await;
    assert_eq!(a.status, 200);
    assert_eq!(envelope(&a).0, 3);

    let gw8 = Gw::start(|c| c.rocketchat.profile = RocketChatProfile::V8).await;
    let a = send(gw8.get(&format!("{PATH}?tmid={LUNCH}"))).await;
    assert_eq!(a.status, 401);
    assert_eq!(
        a.body,
        r#"{"success":false,"error":"You must be logged in to do this.","status":"error","message":"You must be logged in to do this."}"#
    );

    let gw9 = Gw::start(|c| c.rocketchat.profile = RocketChatProfile::V9).await;
    let a = send(gw9.get(&format!("{PATH}?tmid={LUNCH}"))).await;
    assert_eq!(a.status, 401);
    assert_eq!(
        a.body,
        r#"{"success":false,"error":"You must be logged in to do this."}"#
    );
    let a = ana(&gw9, "tmid=").await;
    assert_eq!(a.status, 400);
    assert_eq!(
        a.body,
        r#"{"success":false,"errorType":"error-invalid-params","error":"must NOT have fewer than 1 characters"}"#
    );
}
matrix_rc!(profiles_change_the_401_body_and_validation);
