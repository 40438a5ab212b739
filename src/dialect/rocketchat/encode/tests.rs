use super::*;
use crate::canonical::time::parse_datetime;
use crate::canonical::{Reaction, ThreadSummary};

fn at(iso: &str) -> i64 {
    parse_datetime(iso).unwrap()
}

fn user(id: &str, username: &str, name: Option<&str>) -> User {
    User {
        id: id.to_owned(),
        username: username.to_owned(),
        name: name.map(str::to_owned),
        avatar_url: None,
    }
}

fn marc() -> User {
    user("p4a8YxvLQEHmiBKTS", "marc.dev", Some("Marc Dev"))
}

fn message(id: &str, text: &str, created: &str) -> Message {
    Message {
        text: text.to_owned(),
        ..Message::new(id, "GENERAL", marc(), at(created))
    }
}

/// The two messages of seed 002's example.
fn seed_root() -> Message {
    let mut m = message("gcGai9bRREqokjyPc", "Test", "2019-04-08T13:15:52.017Z");
    m.updated_usec = Some(at("2019-04-08T14:40:27.789Z"));
    m.thread = Some(ThreadSummary {
        reply_count: 5,
        last_reply_usec: Some(at("2019-04-08T14:40:27.724Z")),
        participants: vec!["p4a8YxvLQEHmiBKTS".to_owned()],
    });
    m
}

fn seed_reply() -> Message {
    let mut m = message(
        "GfhiiJjcjKFyYMuMY",
        "This is a test!",
        "2019-04-08T13:20:22.238Z",
    );
    m.parent_id = Some("gcGai9bRREqokjyPc".to_owned());
    m.updated_usec = Some(at("2019-04-08T13:20:22.265Z"));
    m
}

fn one(m: &Message) -> String {
    let mut out = Vec::new();
    write_message(&mut out, m);
    String::from_utf8(out).unwrap()
}

#[test]
fn reply() {
    assert_eq!(
        one(&seed_reply()),
        concat!(
            r#"{"_id":"GfhiiJjcjKFyYMuMY","rid":"GENERAL","tmid":"gcGai9bRREqokjyPc","#,
            r#""msg":"This is a test!","ts":"2019-04-08T13:20:22.238Z","#,
            r#""u":{"_id":"p4a8YxvLQEHmiBKTS","username":"marc.dev","name":"Marc Dev"},"#,
            r#""_updatedAt":"2019-04-08T13:20:22.265Z","mentions":[],"channels":[]}"#
        )
    );
}

#[test]
fn root_with_thread_summary() {
    assert_eq!(
        one(&seed_root()),
        concat!(
            r#"{"_id":"gcGai9bRREqokjyPc","rid":"GENERAL","msg":"Test","#,
            r#""ts":"2019-04-08T13:15:52.017Z","#,
            r#""u":{"_id":"p4a8YxvLQEHmiBKTS","username":"marc.dev","name":"Marc Dev"},"#,
            r#""_updatedAt":"2019-04-08T14:40:27.789Z","mentions":[],"channels":[],"#,
            r#""replies":["p4a8YxvLQEHmiBKTS"],"tcount":5,"tlm":"2019-04-08T14:40:27.724Z"}"#
        )
    );
}

#[test]
fn root_without_last_reply_time_has_no_tlm() {
    let mut m = message("r", "", "2020-01-01T00:00:00Z");
    m.thread = Some(ThreadSummary::default());
    assert!(one(&m).ends_with(r#""mentions":[],"channels":[],"replies":[],"tcount":0}"#));
}

#[test]
fn system_message() {
    let mut m = message("sys1", "", "2021-02-03T04:05:06.789Z");
    m.kind = MessageKind::System {
        system_type: "uj".to_owned(),
    };
    m.author = user("u1", "alice", None);
    // Mentions never show on system messages.
    m.mentions = vec![user("u2", "bob", None)];
    assert_eq!(
        one(&m),
        concat!(
            r#"{"_id":"sys1","t":"uj","rid":"GENERAL","msg":"","#,
            r#""ts":"2021-02-03T04:05:06.789Z","u":{"_id":"u1","username":"alice"},"#,
            r#""groupable":false,"_updatedAt":"2021-02-03T04:05:06.789Z"}"#
        )
    );
}

fn rich() -> Message {
    let mut m = message("m2", "hi @bob \"quoted\"\n", "2022-05-06T07:08:09.123456Z");
    m.parent_id = Some("root1".to_owned());
    m.show_in_room = true;
    m.updated_usec = Some(at("2022-05-06T07:10:00.5Z"));
    m.edited_usec = Some(at("2022-05-06T07:10:00.4Z"));
    m.edited_by = Some(user("p4a8YxvLQEHmiBKTS", "marc.dev", Some("Marc Dev")));
    m.mentions = vec![user("u2", "bob", Some("Bob B")), user("u3", "carol", None)];
    m.reactions = vec![
        Reaction {
            emoji: ":+1:".to_owned(),
            users: vec![user("u2", "bob", None), user("u3", "carol", None)],
        },
        Reaction {
            emoji: ":tada:".to_owned(),
            users: vec![user("u3", "carol", None)],
        },
    ];
    m.attachments = vec![
        Attachment {
            id: "f1".to_owned(),
            name: Some("plan.pdf".to_owned()),
            mime_type: Some("application/pdf".to_owned()),
            size: Some(1234),
            url: Some("/file-upload/f1/plan.pdf".to_owned()),
            thumbnail_url: None,
            duration_secs: None,
        },
        Attachment {
            id: "f2".to_owned(),
            name: None,
            mime_type: None,
            size: None,
            url: None,
            thumbnail_url: None,
            duration_secs: Some(3),
        },
    ];
    let extra = serde_json::json!({
        "md": [{"type": "PARAGRAPH"}],
        "msg": "must not repeat",
        "t": "kept: not written for a regular message",
        "_updatedAt": "must not repeat",
        "urls": []
    });
    m.extra.insert("rocketchat".to_owned(), extra);
    m.extra
        .insert("quip".to_owned(), serde_json::json!({"ignored": true}));
    m
}

#[test]
fn edited_message_with_mentions_reactions_files_and_extra() {
    assert_eq!(
        one(&rich()),
        concat!(
            r#"{"_id":"m2","rid":"GENERAL","tmid":"root1","tshow":true,"#,
            r#""msg":"hi @bob \"quoted\"\n","ts":"2022-05-06T07:08:09.123Z","#,
            r#""u":{"_id":"p4a8YxvLQEHmiBKTS","username":"marc.dev","name":"Marc Dev"},"#,
            r#""_updatedAt":"2022-05-06T07:10:00.500Z","editedAt":"2022-05-06T07:10:00.400Z","#,
            r#""editedBy":{"_id":"p4a8YxvLQEHmiBKTS","username":"marc.dev"},"#,
            r#""mentions":[{"_id":"u2","username":"bob","name":"Bob B","type":"user"},"#,
            r#"{"_id":"u3","username":"carol","type":"user"}],"channels":[],"#,
            r#""file":{"_id":"f1","name":"plan.pdf","type":"application/pdf","size":1234},"#,
            r#""files":[{"_id":"f1","name":"plan.pdf","type":"application/pdf","size":1234},"#,
            r#"{"_id":"f2"}],"#,
            r#""reactions":{":+1:":{"usernames":["bob","carol"]},":tada:":{"usernames":["carol"]}},"#,
            r#""md":[{"type":"PARAGRAPH"}],"t":"kept: not written for a regular message","#,
            r#""urls":[]}"#
        )
    );
}

#[test]
fn show_in_room_without_a_parent_is_not_tshow() {
    let mut m = message("m", "x", "2020-01-01T00:00:00Z");
    m.show_in_room = true;
    assert!(!one(&m).contains("tshow"));
}

#[test]
fn editor_without_edit_time_is_not_written() {
    let mut m = message("m", "x", "2020-01-01T00:00:00Z");
    m.edited_by = Some(marc());
    assert!(!one(&m).contains("edited"));
}

#[test]
fn output_is_valid_json_and_escapes_like_serde() {
    let mut m = rich();
    m.text = "ctl \u{1} \u{7f} \u{2028} é 🎉 \\ /".to_owned();
    let text = one(&m);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["msg"], m.text);
    assert_eq!(v["reactions"][":+1:"]["usernames"][1], "carol");
    assert!(text.contains(r#""msg":"ctl \u0001 "#));
}

#[test]
fn thread_page_matches_the_seed_example() {
    let mut out = Vec::new();
    encode_thread_page(&mut out, &[seed_root(), seed_reply()], 0, 2);
    let seed = concat!(
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
    assert_eq!(String::from_utf8(out).unwrap(), seed);
}

#[test]
fn empty_page() {
    let mut out = Vec::new();
    encode_thread_page(&mut out, &[], 40, 7);
    assert_eq!(
        out,
        br#"{"messages":[],"count":0,"offset":40,"total":7,"success":true}"#
    );
}

#[test]
fn message_keys_are_the_spec_order() {
    assert_eq!(
        MESSAGE_KEYS.join(","),
        "_id,t,rid,tmid,tshow,msg,ts,u,groupable,_updatedAt,editedAt,editedBy,mentions,\
         channels,file,files,reactions,replies,tcount,tlm"
    );
}

#[test]
fn repeated_timestamps_are_copied_exactly_even_for_expanded_years() {
    for created in [
        at("2020-02-29T23:59:59.999Z"),
        253_402_300_800_000_000,
        -62_198_755_200_000_000,
    ] {
        let mut m = message("m", "x", "2020-01-01T00:00:00Z");
        m.created_usec = created;
        m.edited_usec = Some(created);
        let v: serde_json::Value = serde_json::from_str(&one(&m)).unwrap();
        let iso = crate::canonical::time::iso_millis(created);
        assert_eq!(v["ts"], iso);
        assert_eq!(v["_updatedAt"], iso);
        assert_eq!(v["editedAt"], iso);
    }
    let mut m = message("m", "x", "2020-01-01T00:00:00Z");
    m.updated_usec = Some(at("2020-01-02T00:00:00Z"));
    m.edited_usec = Some(at("2020-01-02T00:00:00Z"));
    assert!(one(&m).contains(
        r#""ts":"2020-01-01T00:00:00.000Z","u":{"_id":"p4a8YxvLQEHmiBKTS","username":"marc.dev","name":"Marc Dev"},"_updatedAt":"2020-01-02T00:00:00.000Z","editedAt":"2020-01-02T00:00:00.000Z""#
    ));
}

#[test]
fn reserve_estimate_covers_large_pages() {
    let msgs: Vec<Message> = (0..50).map(|_| rich()).collect();
    let mut out = Vec::new();
    encode_thread_page(&mut out, &msgs, 0, 50);
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["count"], 50);
    // One allocation of the estimate, never outgrown.
    let hint = 80 + msgs.iter().map(size_hint).sum::<usize>();
    assert!(out.len() <= hint, "{} > {hint}", out.len());
    assert_eq!(out.capacity(), hint);
}
