//! Answers: the golden pages the server face writes, `user/me`, strictness and bounds.

use super::*;
use crate::canonical::{Error, MessageStatus, UserRef};

fn golden(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/golden/selfcommunity/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn ok(req: &Request, body: &[u8]) -> UpstreamPage {
    decode_page(req, &Answer::new(200, body)).expect("a page")
}

#[test]
fn a_group_thread() {
    let page = ok(&thread_request("502"), &golden("thread_502"));
    assert_eq!((page.count, page.page.total), (16, Some(16)));
    assert_eq!((page.next, page.previous), (None, None));
    let first = &page.page.messages[0];
    assert_eq!((first.id.as_str(), first.room_id.as_str()), ("1002", "502"));
    assert_eq!(first.group_id.as_deref(), Some("1"));
    assert_eq!(first.recipient, None);
    assert_eq!(first.created_usec, 1_771_317_624_147_519);
    // What the canonical model has no field for: the sender's rest and the group's name.
    let sc = first.extra_for("selfcommunity").expect("remainders");
    assert_eq!(sc.keys().collect::<Vec<_>>(), ["sender", "group"], "{sc:?}");
    assert_eq!(sc["sender"]["ext_id"], "2vs9gdu89HRJqmvaa");
    assert_eq!(sc["group"], serde_json::json!({"name": "hardware-team"}));
    assert!(page.page.messages.iter().any(|m| !m.attachments.is_empty()));
    assert!(page
        .page
        .messages
        .iter()
        .any(|m| m.status == MessageStatus::Hidden));
}

#[test]
fn a_direct_conversation_with_links() {
    let q = query(Target::Direct {
        peer: UserRef::Id("105".into()),
    });
    let req = pm(
        &q,
        Window {
            offset: 2,
            limit: 4,
        },
    )
    .unwrap();
    let page = ok(&req, &golden("user_dana_offset_2"));
    assert_eq!(page.count, 11);
    let next = follow(&req, page.next.as_deref().unwrap()).unwrap();
    assert_eq!(
        next.path_and_query(),
        "/api/v2/pm/?limit=4&offset=6&user=105"
    );
    let m = &page.page.messages[0];
    assert_eq!(m.author.id, "108");
    assert_eq!(m.author.name.as_deref(), Some("Priya Raman"));
    assert_eq!(m.recipient.as_ref().map(|u| u.id.as_str()), Some("105"));
    // 10:02:16.956081 at +02:00.
    assert_eq!(m.created_usec, 1_771_056_136_956_081);
    let escaped = &page.page.messages[2];
    assert_eq!(
        escaped.text,
        "Thursday's demo was great, the team loved the aisle-4 run."
    );
    assert_eq!(escaped.html, None);
}

#[test]
fn html_messages_and_verbatim_keys() {
    let body = br#"{"count":1,"next":null,"previous":null,"results":[{"id":3,"message":"<p>a &amp; b</p>","sender":{"id":9,"username":"u","real_name":"","avatar":null,"ext_id":null},"receiver":null,"created_at":"2021-05-28T09:34:00Z","status":"deleted","thread_id":4,"flagged":true,"file":{"uuid":"f","filename":null,"filesize":12,"mimetype":"text/plain","duration":null,"url":"https://x/f","thumbnail":null},"group":null,"seen":[1]}]}"#;
    let m = &ok(&thread_request("4"), body).page.messages[0];
    assert_eq!(
        (m.text.as_str(), m.html.as_deref()),
        ("a & b", Some("<p>a &amp; b</p>"))
    );
    assert_eq!(m.status, MessageStatus::Deleted);
    assert_eq!(m.author.name, None);
    assert_eq!(m.attachments[0].size, Some(12));
    assert_eq!(
        serde_json::to_string(&m.extra).unwrap(),
        r#"{"selfcommunity":{"flagged":true,"seen":[1],"sender":{"ext_id":null}}}"#
    );
}

#[test]
fn me_is_the_principal() {
    let body = br#"{"id":105,"username":"dana.reyes","real_name":"Dana Reyes","ext_id":null}"#;
    assert_eq!(
        decode_me(&me(), &Answer::new(200, body)),
        Ok(crate::canonical::Principal {
            user_id: "105".into(),
            username: "dana.reyes".into(),
            admin_of: Vec::new(),
        })
    );
    for bad in [
        &br#"{"id":"105","username":"d"}"#[..],
        br#"{"id":5}"#,
        b"[]",
    ] {
        assert!(matches!(
            decode_me(&me(), &Answer::new(200, bad)),
            Err(Error::BadBackendAnswer(_))
        ));
    }
}

#[test]
fn malformed_pages_name_the_path() {
    let req = thread_request("4");
    let item = |patch: &str| {
        format!(
            r#"{{"count":1,"next":null,"previous":null,"results":[{{"id":3,"message":"m","sender":{{"id":9,"username":"u"}},"created_at":"2021-05-28T09:34:00Z","status":"created","thread_id":4{patch}}}]}}"#
        )
    };
    let why = |body: &str| match decode_page(&req, &Answer::new(200, body.as_bytes())) {
        Err(Error::BadBackendAnswer(why)) => why,
        other => panic!("{body}: {other:?}"),
    };
    assert!(ok(&req, item("").as_bytes()).page.messages.len() == 1);
    for (patch, path) in [
        (
            r#","id":-3"#,
            "results[0].id: expected a non-negative integer",
        ),
        (
            r#","id":3.5"#,
            "results[0].id: expected a non-negative integer",
        ),
        (r#","status":"gone""#, "results[0].status: expected created"),
        (
            r#","created_at":"yesterday""#,
            "results[0].created_at: expected a datetime",
        ),
        (
            r#","sender":{"id":9}"#,
            "results[0].sender.username: expected a string",
        ),
        (
            r#","file":{"uuid":1}"#,
            "results[0].file.uuid: expected a string",
        ),
        (
            r#","group":{"id":"1"}"#,
            "results[0].group.id: expected a non-negative integer",
        ),
        (
            r#","receiver":[]"#,
            "results[0].receiver: expected an object",
        ),
    ] {
        let why = why(&item(patch));
        assert!(why.contains(path), "{patch}: {why}");
        assert!(why.starts_with("selfcommunity /api/v2/pm/: "), "{why}");
    }
    for (body, path) in [
        (
            r#"{"count":"1","next":null,"previous":null,"results":[]}"#,
            "count",
        ),
        (
            r#"{"count":1,"next":3,"previous":null,"results":[]}"#,
            "next",
        ),
        (r#"{"count":1,"next":null,"results":[]}"#, "previous"),
        (r#"{"count":1,"next":null,"previous":null}"#, "results"),
        (r#"[1]"#, "not a JSON object"),
        (r#"{"#, "not JSON"),
    ] {
        assert!(why(body).contains(path), "{body}");
    }
}

#[test]
fn bounds() {
    let req = thread_request("4");
    let big = vec![b' '; MAX_ANSWER_BYTES + 1];
    assert!(matches!(
        decode_page(&req, &Answer::new(200, &big)),
        Err(Error::BadBackendAnswer(_))
    ));
    let item = r#"{"id":3,"message":"m","sender":{"id":9,"username":"u"},"created_at":"2021-05-28T09:34:00Z","status":"created","thread_id":4}"#;
    let many = vec![item; MAX_MESSAGES + 1].join(",");
    let body = format!(r#"{{"count":1,"next":null,"previous":null,"results":[{many}]}}"#);
    let Err(Error::BadBackendAnswer(why)) = decode_page(&req, &Answer::new(200, body.as_bytes()))
    else {
        panic!("over the bound")
    };
    assert!(why.contains("over the bound"), "{why}");
}

#[test]
fn snippets_are_each_conversations_latest_message() {
    let req = snippets(Window {
        offset: 0,
        limit: 20,
    })
    .unwrap();
    assert_eq!(req.path_and_query(), "/api/v2/pm/?limit=20&offset=0");
    let page = decode_snippets(&req, &Answer::new(200, &golden("snippets_priya"))).unwrap();
    assert_eq!(page.count, 2);
    assert_eq!(page.page.messages.len(), 2);
    assert_eq!(page.page.conversations.len(), 2);
    let m = &page.page.messages[0];
    assert_eq!((m.id.as_str(), m.room_id.as_str()), ("", "502"));
    assert!(m.text.starts_with("Reminder: 2.4.2"), "{}", m.text);
    assert_eq!(page.page.conversations[0].first_usec, 1_771_317_624_147_519);
    assert!(!page.page.conversations[0].unread);
    let bad = br#"{"count":1,"next":null,"previous":null,"results":[{"id":1,"headline":"h","sender":{"id":1,"username":"u"},"receiver":null,"created_at":"2021-05-28T09:34:00Z","last_message_at":"2021-05-28T09:34:00Z","thread_status":"maybe"}]}"#;
    let err = decode_snippets(&req, &Answer::new(200, bad)).unwrap_err();
    assert!(
        matches!(&err, Error::BadBackendAnswer(w) if w.contains("results[0].thread_status")),
        "{err:?}"
    );
}
