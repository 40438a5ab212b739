//! Rocket.Chat `GET /api/v1/dm.history` and `GET /api/v1/im.history` over real HTTP against
//! the demo data (spec: rocketchat.md §3–§7), and the error table of both Rocket.Chat
//! endpoints under every profile.
//!
//! Expected pages come from an oracle that reads `config/demo/messages.jsonl` directly and
//! applies the platform's rules (visible only; replies only when shown in the room or asked
//! for; `ts` compared in milliseconds; newest first, ties by id descending).

use crate::common;
use crate::matrix_rc;

use common::{golden, send, Answer, Gw};
use threadgate::canonical::time::parse_datetime;
use threadgate::config::RocketChatProfile;

const DM: &str = "/api/v1/dm.history";
const IM: &str = "/api/v1/im.history";
const THREAD: &str = "/api/v1/chat.getThreadMessages";
const ANA: (&str, &str) = (
    "vSt4xaDt4dQRTjJYe",
    "e2r9S9vbhzil4mJnQfKuuMq5UrbYi2IaDHUiuhIG6GC",
);
const CHLOE: (&str, &str) = (
    "2vs9gdu89HRJqmvaa",
    "hRK1VDlFFebEVhW5TgIVv1d04etirxoQpLcNoCXG42L",
);
const KENJI_ID: &str = "wnWPgRuQDB3TzxiZq";
const BUSY: &str = "vSt4xaDt4dQRTjJYewnWPgRuQDB3TzxiZq";
const HARDWARE: &str = "RTvWi3XPWmNPu3MpX";
/// Two messages of the busy room created at the same microsecond
/// (2026-01-16T12:10:55.356828Z).
const TIE: [&str; 2] = ["yhMA2GhQQx6p4orn9", "exktTi2f6g4qcTv8K"];
const TIE_MS: &str = "2026-01-16T12:10:55.356Z";
/// A reply of the first handover thread, also shown in the room.
const TSHOW_REPLY: &str = "e57tGyXKfMNsMd7Zc";

fn as_user(gw: &Gw, who: (&str, &str), path_and_query: &str) -> reqwest::RequestBuilder {
    gw.get(path_and_query)
        .header("X-User-Id", who.0)
        .header("X-Auth-Token", who.1)
}

async fn ana(gw: &Gw, query: &str) -> Answer {
    send(as_user(gw, ANA, &format!("{DM}?{query}"))).await
}

fn ids(a: &Answer) -> Vec<String> {
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()["messages"]
        .as_array()
        .expect("messages array")
        .iter()
        .map(|m| m["_id"].as_str().expect("_id").to_owned())
        .collect()
}

fn assert_rc_headers(a: &Answer) {
    assert_eq!(a.header("content-type"), Some("application/json"));
    assert_eq!(a.header("cache-control"), Some("no-store"));
    assert_eq!(a.header("pragma"), Some("no-cache"));
}

// ---- the oracle ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Row {
    id: String,
    room: String,
    reply: bool,
    tshow: bool,
    visible: bool,
    ms: i64,
    usec: i64,
}

fn demo_rows() -> Vec<Row> {
    let text = std::fs::read_to_string(common::root().join("config/demo/messages.jsonl"))
        .expect("demo messages");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json line");
            let usec = parse_datetime(v["created_at"].as_str().expect("created_at")).unwrap();
            Row {
                id: v["id"].as_str().unwrap().to_owned(),
                room: v["room_id"].as_str().unwrap().to_owned(),
                reply: v.get("parent_id").is_some_and(|p| !p.is_null()),
                tshow: v["show_in_room"].as_bool().unwrap_or(false),
                visible: v["status"].as_str() == Some("visible"),
                ms: usec.div_euclid(1000),
                usec,
            }
        })
        .collect()
}

fn ms_of(s: &str) -> i64 {
    parse_datetime(s).unwrap().div_euclid(1000)
}

/// The busy room as dm.history sees it: newest first.
fn oracle(latest: Option<i64>, oldest: Option<i64>, inclusive: bool, threads: bool) -> Vec<Row> {
    let mut rows: Vec<Row> = demo_rows()
        .into_iter()
        .filter(|r| r.room == BUSY && r.visible && (threads || !r.reply || r.tshow))
        .filter(|r| match latest {
            Some(l) if inclusive => r.ms <= l,
            Some(l) => r.ms < l,
            None => true,
        })
        .filter(|r| match oldest {
            Some(o) if inclusive => r.ms >= o,
            Some(o) => r.ms > o,
            None => true,
        })
        .collect();
    rows.sort_by(|a, b| (b.usec, &b.id).cmp(&(a.usec, &a.id)));
    rows
}

fn row_ids(rows: &[Row]) -> Vec<String> {
    rows.iter().map(|r| r.id.clone()).collect()
}

// ---- exact bodies -------------------------------------------------------------------------

async fn golden_first_page_of_the_busy_dm() {
    let gw = Gw::default().await;
    let a = ana(&gw, "roomId=kenji.sato&count=20").await;
    assert_eq!(a.status, 200);
    assert_rc_headers(&a);
    golden("rocketchat/dm_busy_page.json", &a.body);
    assert_eq!(ids(&a), row_ids(&oracle(None, None, false, false)[..20]));
}
matrix_rc!(golden_first_page_of_the_busy_dm);

async fn golden_unreads_with_oldest() {
    let gw = Gw::default().await;
    let a = ana(
        &gw,
        "roomId=kenji.sato&oldest=2026-02-20T00:00:00Z&count=3&unreads=true",
    )
    .await;
    assert_eq!(a.status, 200);
    golden("rocketchat/dm_unreads.json", &a.body);
}
matrix_rc!(golden_unreads_with_oldest);

// ---- roomId: user id, username, room id, alias --------------------------------------------

async fn user_id_username_room_id_and_alias_name_the_same_conversation() {
    let gw = Gw::default().await;
    let by_username = ana(&gw, "roomId=kenji.sato&count=30").await;
    let by_id = ana(&gw, &format!("roomId={KENJI_ID}&count=30")).await;
    let by_room = ana(&gw, &format!("roomId={BUSY}&count=30")).await;
    let alias = send(as_user(
        &gw,
        ANA,
        &format!("{IM}?roomId=kenji.sato&count=30"),
    ))
    .await;
    assert_eq!(by_username.status, 200);
    assert_eq!(ids(&by_username).len(), 30);
    assert_eq!(by_id.body, by_username.body);
    assert_eq!(by_room.body, by_username.body);
    assert_eq!(alias.status, 200);
    assert_rc_headers(&alias);
    assert_eq!(alias.body, by_username.body);
}
matrix_rc!(user_id_username_room_id_and_alias_name_the_same_conversation);

async fn a_peer_without_a_direct_room_is_an_empty_page() {
    let gw = Gw::default().await;
    let a = ana(&gw, "roomId=chloe.martin").await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body, r#"{"messages":[],"success":true}"#);
    let a = ana(&gw, &format!("roomId={}&unreads=true", CHLOE.0)).await;
    assert_eq!(
        a.body,
        r#"{"messages":[],"unreadNotLoaded":0,"success":true}"#
    );
}
matrix_rc!(a_peer_without_a_direct_room_is_an_empty_page);

// ---- time bounds --------------------------------------------------------------------------

async fn latest_and_oldest_on_exact_timestamps() {
    let gw = Gw::default().await;
    let tie = ms_of(TIE_MS);
    let around = |q: &str| format!("roomId=kenji.sato&count=0&{q}");
    // latest = the tie's ts: excluded unless inclusive.
    let a = ana(&gw, &around(&format!("latest={TIE_MS}"))).await;
    let got = ids(&a);
    assert!(!got.iter().any(|id| TIE.contains(&id.as_str())));
    assert_eq!(got, row_ids(&oracle(Some(tie), None, false, false)));
    let a = ana(&gw, &around(&format!("latest={TIE_MS}&inclusive=true"))).await;
    let got = ids(&a);
    assert_eq!(&got[..2], ["yhMA2GhQQx6p4orn9", "exktTi2f6g4qcTv8K"]);
    assert_eq!(got, row_ids(&oracle(Some(tie), None, true, false)));
    // oldest = the tie's ts: excluded unless inclusive.
    let a = ana(&gw, &around(&format!("oldest={TIE_MS}"))).await;
    let got = ids(&a);
    assert!(!got.iter().any(|id| TIE.contains(&id.as_str())));
    assert_eq!(got, row_ids(&oracle(None, Some(tie), false, false)));
    let a = ana(&gw, &around(&format!("oldest={TIE_MS}&inclusive=true"))).await;
    let got = ids(&a);
    assert_eq!(
        &got[got.len() - 2..],
        ["yhMA2GhQQx6p4orn9", "exktTi2f6g4qcTv8K"]
    );
    assert_eq!(got, row_ids(&oracle(None, Some(tie), true, false)));
    // Both bounds on the same millisecond: only the tie, ids descending.
    let a = ana(
        &gw,
        &around(&format!("oldest={TIE_MS}&latest={TIE_MS}&inclusive=true")),
    )
    .await;
    assert_eq!(ids(&a), ["yhMA2GhQQx6p4orn9", "exktTi2f6g4qcTv8K"]);
    let a = ana(&gw, &around(&format!("oldest={TIE_MS}&latest={TIE_MS}"))).await;
    assert_eq!(a.body, r#"{"messages":[],"success":true}"#);
    // Other spellings of the same instant: without millis, with an offset.
    let a = ana(
        &gw,
        &around("oldest=2026-01-16T13:10:55%2B01:00&latest=2026-01-16T12:10:56Z"),
    )
    .await;
    assert_eq!(
        ids(&a),
        row_ids(&oracle(
            Some(ms_of("2026-01-16T12:10:56Z")),
            Some(ms_of("2026-01-16T12:10:55Z")),
            false,
            false
        ))
    );
    assert!(ids(&a).contains(&TIE[0].to_owned()));
}
matrix_rc!(latest_and_oldest_on_exact_timestamps);

async fn unparseable_dates_are_epoch_zero() {
    let gw = Gw::default().await;
    let a = ana(&gw, "roomId=kenji.sato&latest=yesterday").await;
    assert_eq!(a.body, r#"{"messages":[],"success":true}"#);
    let a = ana(&gw, "roomId=kenji.sato&oldest=someday&count=5").await;
    let b = ana(&gw, "roomId=kenji.sato&count=5").await;
    assert_eq!(a.body, b.body);
}
matrix_rc!(unparseable_dates_are_epoch_zero);

// ---- threads, paging ----------------------------------------------------------------------

async fn thread_replies_hidden_unless_asked_for_replies_shown_in_room_always() {
    let gw = Gw::default().await;
    let default = ids(&ana(&gw, "roomId=kenji.sato&count=0").await);
    let with = ids(&ana(&gw, "roomId=kenji.sato&count=0&showThreadMessages=true").await);
    assert_eq!(default.len(), 2264);
    assert_eq!(with.len(), 2285);
    assert_eq!(default, row_ids(&oracle(None, None, false, false)));
    assert_eq!(with, row_ids(&oracle(None, None, false, true)));
    assert!(default.contains(&TSHOW_REPLY.to_owned()));
    let thread_only = demo_rows()
        .into_iter()
        .find(|r| r.room == BUSY && r.reply && !r.tshow && r.visible)
        .unwrap();
    assert!(!default.contains(&thread_only.id));
    assert!(with.contains(&thread_only.id));
}
matrix_rc!(thread_replies_hidden_unless_asked_for_replies_shown_in_room_always);

async fn count_and_offset() {
    let gw = Gw::default().await;
    let all = row_ids(&oracle(None, None, false, false));
    assert_eq!(ids(&ana(&gw, "roomId=kenji.sato").await), all[..50]);
    assert_eq!(
        ids(&ana(&gw, "roomId=kenji.sato&count=150").await),
        all[..100]
    );
    assert_eq!(
        ids(&ana(&gw, "roomId=kenji.sato&count=%2010%20").await),
        all[..10]
    );
    assert_eq!(
        ids(&ana(&gw, "roomId=kenji.sato&count=7&offset=2260").await),
        all[2260..]
    );
    assert_eq!(ids(&ana(&gw, "roomId=kenji.sato&count=0").await), all);
    assert_eq!(
        ids(&ana(
            &gw,
            "roomId=kenji.sato&count=3.9&offset=1.5&sort=%7B%22ts%22%3A1%7D"
        )
        .await),
        all[1..4]
    );
    let capped = Gw::start(|c| c.rocketchat.max_count_all = 120).await;
    assert_eq!(
        ids(&ana(&capped, "roomId=kenji.sato&count=0").await),
        all[..120]
    );
}
matrix_rc!(count_and_offset);

// ---- unreads ------------------------------------------------------------------------------

async fn unreads_with_and_without_oldest() {
    let gw = Gw::default().await;
    let a = ana(&gw, "roomId=kenji.sato&count=2&unreads=true").await;
    let j = a.json();
    assert_eq!(j["unreadNotLoaded"], 0);
    assert!(j.get("firstUnread").is_none());
    let keys: Vec<&str> = j.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["messages", "unreadNotLoaded", "success"]);

    let oldest = "2026-02-20T00:00:00Z";
    let a = ana(
        &gw,
        &format!("roomId=kenji.sato&oldest={oldest}&count=3&unreads=true"),
    )
    .await;
    let j = a.json();
    let keys: Vec<&str> = j.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["messages", "firstUnread", "unreadNotLoaded", "success"]
    );
    let rows = oracle(None, Some(ms_of(oldest)), false, false);
    let page = &rows[..3];
    let oldest_returned = &page[2];
    let between: Vec<&Row> = rows.iter().filter(|r| r.ms < oldest_returned.ms).collect();
    assert_eq!(j["unreadNotLoaded"], between.len() as u64);
    assert_eq!(
        j["firstUnread"]["_id"].as_str(),
        between.last().map(|r| r.id.as_str())
    );
    // Everything loaded: nothing unread, no firstUnread.
    let a = ana(
        &gw,
        &format!("roomId=kenji.sato&oldest={oldest}&count=0&unreads=true"),
    )
    .await;
    let j = a.json();
    assert_eq!(j["unreadNotLoaded"], 0);
    assert!(j.get("firstUnread").is_none());
    assert_eq!(j["messages"].as_array().unwrap().len(), rows.len());
}
matrix_rc!(unreads_with_and_without_oldest);

// ---- the error table: both endpoints × every profile --------------------------------------

const R: &str = r#"{"status":"error","message":"You must be logged in to do this."}"#;
const M: &str = r#"{"success":false,"error":"You must be logged in to do this.","status":"error","message":"You must be logged in to do this."}"#;
const S: &str = r#"{"success":false,"error":"You must be logged in to do this."}"#;
const METHOD: &str = r#"{"status":"error","message":"API endpoint does not exist"}"#;
const INVALID_CHANNEL: &str =
    r#"{"success":false,"error":"[invalid-channel]","errorType":"invalid-channel"}"#;
const INVALID_MESSAGE: &str = r#"{"success":false,"error":"Invalid Message [error-invalid-message]","errorType":"error-invalid-message"}"#;
const NOT_ALLOWED: &str = r#"{"success":false,"error":"Not Allowed [error-not-allowed]","errorType":"error-not-allowed"}"#;
const TMID_MISSING_6: &str = r#"{"success":false,"error":"The required \"tmid\" query param is missing. [error-invalid-params]","errorType":"error-invalid-params"}"#;
const TIMEOUT: &str = r#"{"success":false,"error":"Upstream timed out [error-upstream-timeout]","errorType":"error-upstream-timeout"}"#;

fn schema(profile: &str, text: &str) -> String {
    if profile == "9" {
        format!(r#"{{"success":false,"errorType":"error-invalid-params","error":"{text}"}}"#)
    } else {
        format!(
            r#"{{"success":false,"error":"{text} [invalid-params]","errorType":"invalid-params"}}"#
        )
    }
}

#[derive(Clone, Copy)]
enum Who {
    Nobody,
    Ana,
    Chloe,
}

/// One row: the request, and what each profile answers.
struct Case {
    name: &'static str,
    method: &'static str,
    who: Who,
    path_and_query: String,
    /// (status, body) per profile name.
    expect: fn(&str) -> (u16, String),
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "dm 401",
            method: "GET",
            who: Who::Nobody,
            path_and_query: format!("{DM}?roomId=kenji.sato"),
            expect: |p| {
                (
                    401,
                    match p {
                        "8" => M,
                        "9" => S,
                        _ => R,
                    }
                    .to_owned(),
                )
            },
        },
        Case {
            name: "thread 401",
            method: "GET",
            who: Who::Nobody,
            path_and_query: format!("{THREAD}?tmid=x"),
            expect: |p| {
                (
                    401,
                    match p {
                        "8" => M,
                        "9" => S,
                        _ => R,
                    }
                    .to_owned(),
                )
            },
        },
        Case {
            name: "dm 405",
            method: "POST",
            who: Who::Ana,
            path_and_query: format!("{DM}?roomId=kenji.sato"),
            expect: |_| (405, METHOD.to_owned()),
        },
        Case {
            name: "im 405",
            method: "DELETE",
            who: Who::Nobody,
            path_and_query: IM.to_owned(),
            expect: |_| (405, METHOD.to_owned()),
        },
        Case {
            name: "thread 405",
            method: "PUT",
            who: Who::Nobody,
            path_and_query: THREAD.to_owned(),
            expect: |_| (405, METHOD.to_owned()),
        },
        Case {
            name: "dm roomId missing",
            method: "GET",
            who: Who::Ana,
            path_and_query: format!("{DM}?count=5"),
            expect: |p| (400, schema(p, "must have required property 'roomId'")),
        },
        Case {
            name: "im roomId empty",
            method: "GET",
            who: Who::Ana,
            path_and_query: format!("{IM}?roomId="),
            expect: |p| (400, schema(p, "must NOT have fewer than 1 characters")),
        },
        Case {
            name: "dm repeated roomId",
            method: "GET",
            who: Who::Ana,
            path_and_query: format!("{DM}?roomId=a&roomId=b"),
            expect: |p| (400, schema(p, "must be string")),
        },
        Case {
            name: "dm query key",
            method: "GET",
            who: Who::Ana,
            path_and_query: format!("{DM}?roomId=kenji.sato&query=%7B%7D"),
            expect: |p| (400, schema(p, "must NOT have additional properties")),
        },
        Case {
            name: "dm fields key",
            method: "GET",
            who: Who::Ana,
            path_and_query: format!("{DM}?roomId=kenji.sato&fields=%7B%7D"),
            expect: |p| (400, schema(p, "must NOT have additional properties")),
        },
        Case {
            name: "dm True",
            method: "GET",
            who: Who::Ana,
            path_and_query: format!("{DM}?roomId=kenji.sato&inclusive=True"),
            expect: |p| (400, schema(p, "must be equal to one of the allowed values")),
        },
        Case {
            name: "dm count=abc",
            method: "GET",
            who: Who::Ana,
            path_and_query: format!("{DM}?roomId=kenji.sato&count=abc"),
            expect: |p| (400, schema(p, "must be number")),
        },
        Case {
            name: "dm count empty",
            method: "GET",
            who: Who::Ana,
            path_and_query: format!("{DM}?roomId=kenji.sato&count="),
            expect: |p| (400, schema(p, "must be number")),
        },
        Case {
            name: "dm latest empty",
            method: "GET",
            who: Who::Ana,
            path_and_query: format!("{DM}?roomId=kenji.sato&latest="),
            expect: |p| (400, schema(p, "must NOT have fewer than 1 characters")),
        },
        Case {
            name: "dm unknown room",
            method: "GET",
            who: Who::Ana,
            path_and_query: format!("{DM}?roomId=doesNotExist"),
            expect: |_| (400, INVALID_CHANNEL.to_owned()),
        },
        Case {
            name: "dm channel is not a dm",
            method: "GET",
            who: Who::Ana,
            path_and_query: format!("{DM}?roomId=GENERAL"),
            expect: |_| (400, INVALID_CHANNEL.to_owned()),
        },
        Case {
            name: "im group is not a dm",
            method: "GET",
            who: Who::Chloe,
            path_and_query: format!("{IM}?roomId={HARDWARE}"),
            expect: |_| (400, INVALID_CHANNEL.to_owned()),
        },
        Case {
            name: "dm not a member",
            method: "GET",
            who: Who::Chloe,
            path_and_query: format!("{DM}?roomId={BUSY}"),
            expect: |p| {
                (
                    403,
                    format!(
                        r#"{{"success":false,"error":"{}"}}"#,
                        if p == "9" {
                            "forbidden"
                        } else {
                            "unauthorized"
                        }
                    ),
                )
            },
        },
        Case {
            name: "thread tmid missing",
            method: "GET",
            who: Who::Ana,
            path_and_query: format!("{THREAD}?count=5"),
            expect: |p| {
                if p == "6" {
                    (400, TMID_MISSING_6.to_owned())
                } else {
                    (400, schema(p, "must have required property 'tmid'"))
                }
            },
        },
        Case {
            name: "thread query key",
            method: "GET",
            who: Who::Ana,
            path_and_query: format!("{THREAD}?tmid=doesNotExist&query=%7B%7D"),
            expect: |p| {
                if p == "6" {
                    (400, INVALID_MESSAGE.to_owned())
                } else {
                    (400, schema(p, "must NOT have additional properties"))
                }
            },
        },
        Case {
            name: "thread count=abc",
            method: "GET",
            who: Who::Ana,
            path_and_query: format!("{THREAD}?tmid=doesNotExist&count=abc"),
            expect: |p| {
                if p == "6" {
                    (400, INVALID_MESSAGE.to_owned())
                } else {
                    (400, schema(p, "must be number"))
                }
            },
        },
        Case {
            name: "thread bad sort",
            method: "GET",
            who: Who::Ana,
            path_and_query: format!("{THREAD}?tmid=hwid5RgAfuvaSBZbM&sort=ts"),
            expect: |_| {
                (
                    400,
                    r#"{"success":false,"error":"Invalid sort parameter provided: \"ts\" [error-invalid-sort]","errorType":"error-invalid-sort","details":{"helperMethod":"parseJsonQuery"}}"#.to_owned(),
                )
            },
        },
        Case {
            name: "thread unknown tmid",
            method: "GET",
            who: Who::Ana,
            path_and_query: format!("{THREAD}?tmid=doesNotExist"),
            expect: |_| (400, INVALID_MESSAGE.to_owned()),
        },
        Case {
            name: "thread not readable",
            method: "GET",
            who: Who::Chloe,
            path_and_query: format!("{THREAD}?tmid=kCZrXaKSknhA5hkiJ"),
            expect: |_| (400, NOT_ALLOWED.to_owned()),
        },
    ]
}

fn request(gw: &Gw, case: &Case) -> reqwest::RequestBuilder {
    let method = reqwest::Method::from_bytes(case.method.as_bytes()).unwrap();
    let req = gw.http.request(method, gw.url(&case.path_and_query));
    match case.who {
        Who::Nobody => req,
        Who::Ana => req.header("X-User-Id", ANA.0).header("X-Auth-Token", ANA.1),
        Who::Chloe => req
            .header("X-User-Id", CHLOE.0)
            .header("X-Auth-Token", CHLOE.1),
    }
}

const PROFILES: [(RocketChatProfile, &str); 4] = [
    (RocketChatProfile::V6, "6"),
    (RocketChatProfile::V7, "7"),
    (RocketChatProfile::V8, "8"),
    (RocketChatProfile::V9, "9"),
];

async fn error_table_for_both_endpoints_under_every_profile() {
    for (profile, name) in PROFILES {
        let gw = Gw::start(|c| c.rocketchat.profile = profile).await;
        for case in cases() {
            let a = send(request(&gw, &case)).await;
            let (status, body) = (case.expect)(name);
            let label = format!("profile {name}, {}", case.name);
            assert_eq!(a.status, status, "{label}: {}", a.body);
            assert_eq!(a.body, body, "{label}");
            assert_rc_headers(&a);
            assert_eq!(a.header("www-authenticate"), None, "{label}");
            assert_eq!(
                a.header("allow"),
                (status == 405).then_some("GET, HEAD"),
                "{label}"
            );
            assert_eq!(a.header("x-ratelimit-limit"), None, "{label}");
        }
    }
}
matrix_rc!(error_table_for_both_endpoints_under_every_profile);

async fn rate_limited_and_timeout_rows_under_every_profile() {
    for (profile, name) in PROFILES {
        // calls = 0: the first call of every window is already over the limit.
        let limited = Gw::start(|c| {
            c.rocketchat.profile = profile;
            c.rocketchat.rate_limit = Some(threadgate::config::RocketChatRateLimit {
                calls: 0,
                window_ms: 60_000,
                exempt_users: Vec::new(),
            });
        })
        .await;
        for path in [
            format!("{DM}?roomId=kenji.sato"),
            format!("{IM}?roomId=kenji.sato"),
            format!("{THREAD}?tmid=hwid5RgAfuvaSBZbM"),
        ] {
            let a = send(as_user(&limited, ANA, &path)).await;
            let label = format!("profile {name}, {path}");
            common::rc_too_many_wait(&a, &label);
            assert_rc_headers(&a);
            assert_eq!(a.header("x-ratelimit-limit"), Some("0"), "{label}");
            assert_eq!(a.header("x-ratelimit-remaining"), Some("0"), "{label}");
            assert!(a.header("x-ratelimit-reset").is_some(), "{label}");
        }
        let slow = Gw::start(|c| {
            c.rocketchat.profile = profile;
            c.fault.backend_delay_ms = 2_000;
            c.server.request_timeout_ms = 150;
        })
        .await;
        let a = send(as_user(&slow, ANA, &format!("{DM}?roomId=kenji.sato"))).await;
        assert_eq!(
            (a.status, a.body.as_str()),
            (504, TIMEOUT),
            "profile {name}"
        );
        assert_rc_headers(&a);
    }
}
matrix_rc!(rate_limited_and_timeout_rows_under_every_profile);

async fn upstream_unavailable_row_under_every_profile() {
    let unavailable = r#"{"success":false,"error":"Upstream unavailable [error-upstream-unavailable]","errorType":"error-upstream-unavailable"}"#;
    for (profile, name) in PROFILES {
        let gw = Gw::unavailable(|c| c.rocketchat.profile = profile).await;
        for path in [DM, IM] {
            let a = send(
                gw.get(&format!("{path}?roomId=kenji.sato"))
                    .header("X-User-Id", ANA.0)
                    .header("X-Auth-Token", ANA.1),
            )
            .await;
            assert_eq!(
                (a.status, a.body.as_str()),
                (502, unavailable),
                "profile {name}"
            );
            assert_rc_headers(&a);
        }
    }
}
matrix_rc!(upstream_unavailable_row_under_every_profile);

async fn head_is_get_without_a_body() {
    let gw = Gw::default().await;
    let get = ana(&gw, "roomId=kenji.sato&count=3").await;
    let head = send(
        gw.http
            .head(gw.url(&format!("{IM}?roomId=kenji.sato&count=3")))
            .header("X-User-Id", ANA.0)
            .header("X-Auth-Token", ANA.1),
    )
    .await;
    assert_eq!(head.status, 200);
    assert_eq!(head.body, "");
    assert_eq!(
        head.header("content-length"),
        Some(get.body.len().to_string().as_str())
    );
}
matrix_rc!(head_is_get_without_a_body);
