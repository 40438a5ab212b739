//! Success answers: the seed example, verbatim extra fields, strictness, `me`, `rooms.info`.

use super::*;
use crate::canonical::time::parse_datetime;
use crate::canonical::{Error, MessageKind, RoomKind, User};
use serde_json::json;

fn at(iso: &str) -> i64 {
    parse_datetime(iso).unwrap()
}

fn ok(req: &Request, body: &str) -> UpstreamPage {
    decode_page(req, &Answer::new(200, body.as_bytes(), 0))
        .unwrap_or_else(|e| panic!("{body}: {e:?}"))
}

fn bad(req: &Request, body: &str) -> String {
    match decode_page(req, &Answer::new(200, body.as_bytes(), 0)) {
        Err(Error::BadBackendAnswer(why)) => why,
        other => panic!("{body}: {other:?}"),
    }
}

/// Seed 002's example answer.
const SEED: &str = concat!(
    r#"{"messages":[{"_id":"gcGai9bRREqokjyPc","rid":"GENERAL","msg":"Test","#,
    r#""ts":"2019-04-08T13:15:52.017Z","#,
    r#""u":{"_id":"p4a8YxvLQEHmiBKTS","username":"marc.dev","name":"Marc Dev"},"#,
    r#""_updatedAt":"2019-04-08T14:40:27.789Z","mentions":[],"channels":[],"#,
    r#""replies":["p4a8YxvLQEHmiBKTS"],"tcount":5,"tlm":"2019-04-08T14:40:27.724Z"},"#,
    r#"{"_id":"GfhiiJjcjKFyYMuMY","rid":"GENERAL","tmid":"gcGai9bRREqokjyPc","#,
    r#""msg":"This is a test!","ts":"2019-04-08T13:20:22.238Z","#,
    r#""u":{"_id":"p4a8YxvLQEHmiBKTS","username":"marc.dev","name":"Marc Dev"},"#,
    r#""_updatedAt":"2019-04-08T13:20:22.265Z","mentions":[],"channels":[]}],"#,
    r#""count":2,"offset":0,"total":2,"success":true}"#
);

#[test]
fn seed_thread_page() {
    let p = ok(&thread_request("gcGai9bRREqokjyPc"), SEED);
    assert_eq!(
        (p.count, p.offset, p.page.total),
        (Some(2), Some(0), Some(2))
    );
    let [root, reply] = &p.page.messages[..] else {
        panic!("{p:?}")
    };
    assert_eq!(root.id, "gcGai9bRREqokjyPc");
    assert_eq!(root.created_usec, at("2019-04-08T13:15:52.017Z"));
    assert_eq!(root.updated_usec, Some(at("2019-04-08T14:40:27.789Z")));
    assert_eq!(
        root.author,
        User {
            id: "p4a8YxvLQEHmiBKTS".to_owned(),
            username: "marc.dev".to_owned(),
            name: Some("Marc Dev".to_owned()),
            avatar_url: None,
        }
    );
    let thread = root.thread.as_ref().unwrap();
    assert_eq!(thread.reply_count, 5);
    assert_eq!(thread.participants, ["p4a8YxvLQEHmiBKTS"]);
    assert_eq!(thread.last_reply_usec, Some(at("2019-04-08T14:40:27.724Z")));
    assert_eq!(reply.parent_id.as_deref(), Some("gcGai9bRREqokjyPc"));
    assert!(reply.extra.is_empty() && root.extra.is_empty());
}

#[test]
fn golden_dm_page_with_unreads() {
    let body = include_str!("../../../../../tests/golden/rocketchat/dm_unreads.json");
    let p = ok(&dm_request("x", true), body.trim_end());
    let unreads = p.page.unreads.unwrap();
    assert_eq!(unreads.not_loaded, 406);
    assert_eq!(unreads.first.unwrap().id, "YBcXEr9p4M33e6RKu");
    assert_eq!(p.page.messages.len(), 3);
    // The same body read without unreads asked for: the page alone.
    assert_eq!(
        ok(&dm_request("x", false), body.trim_end()).page.unreads,
        None
    );
}

#[test]
fn every_golden_success_body_decodes() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/rocketchat");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let body = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let req = if name.starts_with("thread") {
            thread_request("t")
        } else {
            dm_request("d", name.contains("unreads"))
        };
        let page = decode_page(&req, &Answer::new(200, &body, 0))
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            page.page.messages.len(),
            v["messages"].as_array().unwrap().len(),
            "{name}"
        );
    }
}

#[test]
fn unknown_keys_are_kept_verbatim_in_order() {
    let body = json!({"messages": [{
        "_id": "m1", "rid": "R", "msg": "hi", "ts": "2020-01-01T00:00:00.000Z",
        "md": [{"type": "PARAGRAPH", "value": [{"type": "PLAIN_TEXT", "value": "hi"}]}],
        "u": {"_id": "u1", "username": "a", "type": "ignored"},
        "_updatedAt": "2020-01-01T00:00:00.000Z",
        "groupable": false,
        "channels": [{"_id": "c1", "name": "general"}],
        "tshow": true,
        "urls": [],
        "attachments": [{"title": "x.png", "title_link": "/file-upload/f1/x.png"}],
        "reactions": {":+1:": {"usernames": ["b", "c"], "names": ["B", "C"]}},
        "file": {"_id": "f1", "name": "x.png", "type": "image/png", "size": 10.0}
    }], "success": true});
    let p = ok(&dm_request("R", false), &body.to_string());
    let m = &p.page.messages[0];
    assert_eq!(m.updated_usec, None);
    assert_eq!(m.kind, MessageKind::Regular);
    assert!(!m.show_in_room);
    assert_eq!(m.attachments[0].size, Some(10));
    assert_eq!(m.reactions[0].users[1].name.as_deref(), Some("C"));
    assert_eq!(m.reactions[0].users[1].id, "");
    let extra = m.extra_for("rocketchat").unwrap();
    let keys: Vec<&str> = extra.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "md",
            "groupable",
            "channels",
            "tshow",
            "urls",
            "attachments"
        ]
    );
    assert_eq!(extra["md"], body["messages"][0]["md"]);
}

#[test]
fn system_messages_and_edits() {
    let body = json!({"messages": [{
        "_id": "s", "t": "uj", "rid": "R", "msg": "", "ts": {"$date": 1_600_000_000_123i64},
        "u": {"_id": "u1", "username": "a"}, "groupable": false,
        "_updatedAt": "2020-09-13T12:26:41.000Z",
        "editedAt": "2020-09-13T12:26:41.000Z", "editedBy": {"_id": "u2", "username": "b"},
        "tmid": null
    }], "success": true});
    let m = &ok(&dm_request("R", false), &body.to_string()).page.messages[0];
    assert_eq!(
        m.kind,
        MessageKind::System {
            system_type: "uj".to_owned()
        }
    );
    assert_eq!(m.created_usec, 1_600_000_000_123_000);
    assert_eq!(m.edited_by.as_ref().unwrap().username, "b");
    assert_eq!(m.parent_id, None);
    assert!(m.extra.is_empty());
}

#[test]
fn strict_about_types_and_required_keys() {
    let req = dm_request("R", false);
    let msg = |extra: &str| {
        format!(
            r#"{{"messages":[{{"_id":"m","rid":"R","msg":"x","ts":"2020-01-01T00:00:00.000Z","u":{{"_id":"u","username":"a"}}{extra}}}],"success":true}}"#
        )
    };
    ok(&req, &msg(""));
    for (extra, path) in [
        (r#","tcount":-1"#, "messages[0].tcount"),
        (r#","tcount":1.5"#, "messages[0].tcount"),
        (r#","ts":"yesterday""#, "messages[0].ts"),
        (r#","u":{"_id":1,"username":"a"}"#, "messages[0].u._id"),
        (
            r#","mentions":[{"_id":"x"}]"#,
            "messages[0].mentions[0].username",
        ),
        (
            r#","reactions":{":a:":{"usernames":[1]}}"#,
            "messages[0].reactions.:a:.usernames",
        ),
        (r#","files":{}"#, "messages[0].files"),
        (r#","replies":"u""#, "messages[0].replies"),
        (r#","msg":null"#, "messages[0].msg"),
    ] {
        let why = bad(&req, &msg(extra));
        assert!(why.contains(path), "{extra}: {why}");
        assert!(why.starts_with("rocketchat /api/v1/dm.history: "), "{why}");
    }
    for body in [
        "",
        "[]",
        "{\"messages\":[]}",
        "{\"messages\":{},\"success\":true}",
        "{\"messages\":[],\"success\":\"true\"}",
        "{\"messages\":[1],\"success\":true}",
        "{\"messages\":[],\"total\":-2,\"success\":true}",
    ] {
        bad(&req, body);
    }
}

#[test]
fn bounded() {
    let req = dm_request("R", false);
    let big = vec![b' '; MAX_ANSWER_BYTES + 1];
    assert!(matches!(
        decode_page(&req, &Answer::new(200, &big, 0)),
        Err(Error::BadBackendAnswer(_))
    ));
    let one = r#"{"_id":"m","rid":"R","msg":"","ts":"2020-01-01T00:00:00.000Z","u":{"_id":"u","username":"a"}}"#;
    let many = format!(
        r#"{{"messages":[{}],"success":true}}"#,
        vec![one; MAX_MESSAGES + 1].join(",")
    );
    assert!(bad(&req, &many).contains("over the bound"));
}

#[test]
fn me_is_the_principal() {
    let body = br#"{"_id":"aobEdbYhXfu5hkeqG","name":"Example User","emails":[],"status":"offline","username":"example","active":true,"roles":["user"],"success":true}"#;
    let p = decode_me(&me(), &Answer::new(200, body, 0)).unwrap();
    assert_eq!(p.user_id, "aobEdbYhXfu5hkeqG");
    assert_eq!(p.username, "example");
    assert!(p.admin_of.is_empty());
    assert!(matches!(
        decode_me(
            &me(),
            &Answer::new(200, br#"{"_id":"x","success":true}"#, 0)
        ),
        Err(Error::BadBackendAnswer(_))
    ));
    let r = crate::dialect::rocketchat::profile::UNAUTHORIZED_RESTIVUS;
    assert_eq!(
        decode_me(&me(), &Answer::new(401, r, 0)),
        Err(Error::Unauthenticated(
            crate::canonical::AuthFailure::Invalid
        ))
    );
}

#[test]
fn rooms_info_is_the_kind() {
    let req = rooms_info("R1");
    let kind = |t: &str| {
        let body = format!(r#"{{"room":{{"_id":"R1","t":"{t}","name":"x"}},"success":true}}"#);
        decode_room_kind(&req, &Answer::new(200, body.as_bytes(), 0))
    };
    assert_eq!(kind("c"), Ok(RoomKind::Channel));
    assert_eq!(kind("p"), Ok(RoomKind::Group));
    assert_eq!(kind("d"), Ok(RoomKind::Direct));
    assert_eq!(
        kind("l"),
        Err(Error::NotFound(crate::canonical::Resource::Room(
            "R1".to_owned()
        )))
    );
    assert!(matches!(
        decode_room_kind(&req, &Answer::new(200, br#"{"room":[],"success":true}"#, 0)),
        Err(Error::BadBackendAnswer(_))
    ));
}
