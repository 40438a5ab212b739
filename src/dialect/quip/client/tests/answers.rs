//! Answers: the golden arrays the server face writes, `users/current`, strictness and bounds.

use super::*;
use crate::canonical::KindFilter;
use crate::canonical::{Error, MessageKind, MessageStatus, TimeBound};

fn golden(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/golden/quip/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn ok(req: &Request, body: &[u8]) -> Vec<crate::canonical::Message> {
    decode_messages(req, &Answer::new(200, body, 0)).expect("messages")
}

fn admin_request(include_deleted: bool, edits: bool) -> Request {
    let mut q = admin_query(THREAD, "northwind");
    q.filter.include_deleted = include_deleted;
    q.filter.include_hidden = include_deleted;
    if edits {
        q.filter.kind = KindFilter::Edits;
    }
    messages(&q, None, 25).unwrap()
}

#[test]
fn admin_comments() {
    let got = ok(&admin_request(false, false), &golden("admin_comments"));
    assert_eq!(got.len(), 9);
    assert!(got.iter().all(|m| m.room_id == THREAD
        && m.kind == MessageKind::Regular
        && m.status == MessageStatus::Visible
        && m.author.username.is_empty()));
    let liked = &got[0];
    assert_eq!(liked.id, "yKLQD2FuePg");
    assert_eq!(liked.author.id, "vDstRKMvtHPAYJks4");
    assert_eq!(liked.author.name.as_deref(), Some("Priya Raman"));
    assert_eq!(liked.created_usec, 1_772_730_169_544_017);
    assert_eq!(liked.updated_usec, None);
    assert_eq!(liked.reactions.len(), 1);
    assert_eq!(liked.reactions[0].emoji, LIKE_EMOJI);
    let likers: Vec<&str> = liked.reactions[0]
        .users
        .iter()
        .map(|u| u.id.as_str())
        .collect();
    assert_eq!(likers, ["2vs9gdu89HRJqmvaa", "RbqpoNKKc4m2vhN52"]);
    let anchored = &got[1];
    let a = anchored.annotation.as_ref().unwrap();
    assert_eq!(
        (a.id.as_str(), a.section_ids.as_slice()),
        ("8DQTvwzrCGC", &["temp:C:gjk7i7ztlflC".to_owned()][..])
    );
    let system = &got[2];
    assert_eq!(
        system.extra["quip"]["parts"][0][0],
        serde_json::json!("system")
    );
    let filed = &got[3];
    assert_eq!(filed.attachments[0].id, "yYMYTr3I7SnhNtd0TtqrWf");
    assert_eq!(
        filed.attachments[0].name.as_deref(),
        Some("q3-bom-rev-c.xlsx")
    );
    assert!(got.iter().any(|m| !m.mentions.is_empty()));
    assert!(got.iter().all(|m| m.extra.keys().all(|k| k == "quip")));
}

#[test]
fn deleted_messages_and_updates() {
    let got = ok(
        &admin_request(true, false),
        &golden("admin_comments_include_deleted"),
    );
    let gone = got.iter().find(|m| m.id == "32KEDdHUD51").unwrap();
    assert_eq!(gone.status, MessageStatus::Deleted);
    assert_eq!(gone.updated_usec, Some(1_771_500_048_544_977));
    assert_eq!(got.len(), 10);
}

#[test]
fn edit_records() {
    let got = ok(&admin_request(false, true), &golden("admin_edits_asc"));
    assert_eq!(got.len(), 4);
    assert!(got
        .iter()
        .all(|m| m.kind == MessageKind::Edit && m.text.is_empty()));
    let d = &got[0].diff_groups[0].diffs[0];
    assert_eq!(d.diff_class, "insert_completely");
    assert_eq!(d.section_id, "temp:C:EOAjQZk3TSGE");
    assert_eq!(d.style, "text_h1_style");
    assert_eq!(d.list, None);
}

#[test]
fn ties_and_the_cursor() {
    let req = thread_request(THREAD);
    let got = ok(&req, &golden("tie_inclusive_desc"));
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].created_usec, got[1].created_usec);
    let s = step(None, got, 2).unwrap();
    let c = s.next.unwrap();
    assert_eq!(c.max_created_usec, 1_768_565_455_356_828);
    assert_eq!(c.seen.len(), 2);
    let mut q = query(THREAD);
    q.filter.created_before = Some(TimeBound::inclusive(i64::MAX));
    let next = messages(&q, Some(&c), 2).unwrap();
    assert_eq!(next.param("max_created_usec"), Some("1768565455356828"));
}

#[test]
fn verbatim_keys_and_apparent_users() {
    let body = br#"[{"id":"m","author_id":"u","created_usec":1,"updated_usec":2,"visible":true,"text":"t","parts":[["system","<p>x</p>"]],"apparent_user":{"user_id":"U9"},"seen_by":[1],"z":null},{"id":"n","author_id":"u","created_usec":1,"updated_usec":1,"visible":false,"apparent_user":{"user_id":"U9","name":"x"},"annotation":{"id":"a","highlighted_section_ids":["s"]}}]"#;
    let got = ok(&thread_request(THREAD), body);
    assert_eq!(
        serde_json::to_string(&got[0].extra).unwrap(),
        r#"{"quip":{"parts":[["system","<p>x</p>"]],"apparent_user":"U9","seen_by":[1],"z":null}}"#
    );
    assert_eq!(got[0].updated_usec, Some(2));
    assert_eq!(
        got[1].extra["quip"]["apparent_user"],
        serde_json::json!({"user_id":"U9","name":"x"})
    );
    assert_eq!(got[1].text, "");
    assert_eq!(got[1].annotation.as_ref().unwrap().section_ids, ["s"]);
    assert_eq!(ok(&thread_request(THREAD), b"[]"), Vec::new());
}

#[test]
fn current_user_is_the_principal() {
    let body = br#"{"name":"Heller Stern","id":"VOQAEArheMG","is_robot":false,"affinity":0.0,"emails":["h@example.com"],"desktop_folder_id":"f"}"#;
    assert_eq!(
        decode_current_user(&current_user(), &Answer::new(200, body, 0)),
        Ok(principal())
    );
    for (bad, path) in [
        (&br#"{"id":5,"name":"x"}"#[..], "id: expected a string"),
        (br#"{"id":"5"}"#, "name: expected a string"),
        (b"[]", "expected an object"),
        (b"<html>", "not JSON"),
    ] {
        match decode_current_user(&current_user(), &Answer::new(200, bad, 0)) {
            Err(Error::BadBackendAnswer(why)) => {
                assert!(why.contains(path), "{why}");
                assert!(why.starts_with("quip /1/users/current: "), "{why}");
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(
        decode_current_user(
            &current_user(),
            &Answer::new(401, &golden("error_unauthorized_invalid"), 0)
        ),
        Err(Error::Unauthenticated(
            crate::canonical::AuthFailure::Invalid
        ))
    );
}

#[test]
fn malformed_answers_name_the_path() {
    let req = thread_request(THREAD);
    let item = |patch: &str| {
        format!(
            r#"[{{"id":"m","author_id":"u","created_usec":1,"updated_usec":1,"visible":true,"text":"t"}},{{"id":"m2","author_id":"u","created_usec":1,"updated_usec":1,"visible":true{patch}}}]"#
        )
    };
    let why = |body: &str| match decode_messages(&req, &Answer::new(200, body.as_bytes(), 0)) {
        Err(Error::BadBackendAnswer(why)) => why,
        other => panic!("{body}: {other:?}"),
    };
    assert_eq!(ok(&req, item("").as_bytes()).len(), 2);
    for (patch, path) in [
        (r#","id":3"#, "[1].id: expected a string"),
        (r#","author_id":null"#, "[1].author_id: expected a string"),
        (
            r#","created_usec":1.5"#,
            "[1].created_usec: expected an integer",
        ),
        (
            r#","updated_usec":18446744073709551615"#,
            "[1].updated_usec: expected an integer",
        ),
        (
            r#","created_usec":"1""#,
            "[1].created_usec: expected an integer",
        ),
        (r#","visible":"true""#, "[1].visible: expected a boolean"),
        (r#","author_name":7"#, "[1].author_name: expected a string"),
        (r#","text":[]"#, "[1].text: expected a string"),
        (r#","files":{}"#, "[1].files: expected an array"),
        (
            r#","files":[{"name":"n"}]"#,
            "[1].files[0].hash: expected a string",
        ),
        (r#","files":[3]"#, "[1].files[0]: expected an object"),
        (r#","annotation":[]"#, "[1].annotation: expected an object"),
        (
            r#","annotation":{"id":"a","highlight_section_ids":[1]}"#,
            "[1].annotation.highlight_section_ids[0]: expected a string",
        ),
        (
            r#","parts":[["system",1]]"#,
            "[1].parts: expected an array of arrays of strings",
        ),
        (
            r#","apparent_user":"U9""#,
            "[1].apparent_user: expected an object",
        ),
        (
            r#","apparent_user":{"id":"U9"}"#,
            "[1].apparent_user.user_id: expected a string",
        ),
        (
            r#","diff_groups":[{"diffs":[{"rtml":"r","diff_class":"c","section_id":"s"}]}]"#,
            "[1].diff_groups[0].diffs[0].style: expected a string",
        ),
        (
            r#","diff_groups":[{"diffs":[{"rtml":"r","diff_class":"c","section_id":"s","style":"y","list":1}]}]"#,
            "[1].diff_groups[0].diffs[0].list: expected a string",
        ),
        (
            r#","like_user_ids":"u""#,
            "[1].like_user_ids: expected an array",
        ),
        (
            r#","mention_user_ids":[null]"#,
            "[1].mention_user_ids[0]: expected a string",
        ),
    ] {
        let why = why(&item(patch));
        assert!(why.contains(path), "{patch}: {why}");
        assert!(why.starts_with("quip /1/messages/vCPRIcENZyp: "), "{why}");
    }
    for (body, what) in [
        ("{}", "not a JSON array"),
        ("[1]", "[0]: expected an object"),
        ("[", "not JSON"),
        ("", "not JSON"),
    ] {
        assert!(why(body).contains(what), "{body}");
    }
}

#[test]
fn bounds() {
    let req = thread_request(THREAD);
    let big = vec![b' '; MAX_ANSWER_BYTES + 1];
    let Err(Error::BadBackendAnswer(why)) = decode_messages(&req, &Answer::new(200, &big, 0))
    else {
        panic!("over the byte bound")
    };
    assert!(why.contains("over the bound"), "{why}");
    // The byte bound holds for error answers too.
    assert!(matches!(
        decode_messages(&req, &Answer::new(500, &big, 0)),
        Err(Error::BadBackendAnswer(_))
    ));
    let item = r#"{"id":"m","author_id":"u","created_usec":1,"updated_usec":1,"visible":true}"#;
    let body = format!("[{}]", vec![item; MAX_MESSAGES + 1].join(","));
    let Err(Error::BadBackendAnswer(why)) =
        decode_messages(&req, &Answer::new(200, body.as_bytes(), 0))
    else {
        panic!("over the message bound")
    };
    assert!(why.contains("over the bound"), "{why}");
    let body = format!("[{}]", vec![item; MAX_MESSAGES].join(","));
    assert_eq!(ok(&req, body.as_bytes()).len(), MAX_MESSAGES);
}
