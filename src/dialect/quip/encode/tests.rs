//! Message objects: key order, omitted keys (spec §5).

use super::*;
use crate::canonical::{
    Annotation, Attachment, DiffGroup, MessageKind, MessageStatus, Reaction, User,
};

fn user(id: &str, name: Option<&str>) -> User {
    User {
        id: id.to_owned(),
        username: id.to_lowercase(),
        name: name.map(str::to_owned),
        avatar_url: None,
    }
}

fn base() -> Message {
    Message {
        text: "see attached".into(),
        updated_usec: Some(1_588_922_400_706_385),
        ..Message::new(
            "WabADAipzzM",
            "r",
            user("VOQAEArheMG", Some("Heller Stern")),
            1_588_922_400_693_783,
        )
    }
}

fn encode(m: &Message) -> String {
    let mut out = Vec::new();
    write_message(&mut out, m);
    String::from_utf8(out).unwrap()
}

#[test]
fn the_spec_example() {
    let mut m = base();
    m.attachments.push(Attachment {
        id: "sVhMwHaxsgiwmfMi4au1Zg".into(),
        name: Some("document1.pdf".into()),
        mime_type: Some("application/pdf".into()),
        size: Some(1),
        url: None,
        thumbnail_url: None,
        duration_secs: None,
    });
    assert_eq!(
        encode(&m),
        r#"{"id":"WabADAipzzM","author_id":"VOQAEArheMG","created_usec":1588922400693783,"updated_usec":1588922400706385,"visible":true,"author_name":"Heller Stern","text":"see attached","files":[{"hash":"sVhMwHaxsgiwmfMi4au1Zg","name":"document1.pdf"}]}"#
    );
}

#[test]
fn minimal_message_omits_optional_keys() {
    let mut m = base();
    m.author = user("U1", None);
    m.updated_usec = None;
    m.text = String::new();
    m.status = MessageStatus::Deleted;
    assert_eq!(
        encode(&m),
        r#"{"id":"WabADAipzzM","author_id":"U1","created_usec":1588922400693783,"updated_usec":1588922400693783,"visible":false,"text":""}"#
    );
}

#[test]
fn every_key_in_order() {
    let mut m = base();
    m.attachments.push(Attachment {
        id: "h1".into(),
        name: None,
        mime_type: None,
        size: None,
        url: None,
        thumbnail_url: None,
        duration_secs: None,
    });
    m.annotation = Some(Annotation {
        id: "a1".into(),
        section_ids: vec!["s1".into(), "s2".into()],
    });
    m.extra.insert(
        "quip".into(),
        serde_json::json!({"parts": [["system", "<p>x</p>"]], "apparent_user": "U9"}),
    );
    m.reactions = vec![
        Reaction {
            emoji: ":+1:".into(),
            users: vec![user("U2", None), user("U3", None)],
        },
        Reaction {
            emoji: ":heart:".into(),
            users: vec![user("U2", None), user("U4", None)],
        },
    ];
    m.mentions = vec![user("U5", None), user("U5", None)];
    let out = encode(&m);
    assert_eq!(
        out,
        r#"{"id":"WabADAipzzM","author_id":"VOQAEArheMG","created_usec":1588922400693783,"updated_usec":1588922400706385,"visible":true,"author_name":"Heller Stern","text":"see attached","files":[{"hash":"h1"}],"annotation":{"id":"a1","highlight_section_ids":["s1","s2"]},"parts":[["system","<p>x</p>"]],"apparent_user":{"user_id":"U9"},"like_user_ids":["U2","U3","U4"],"mention_user_ids":["U5"]}"#
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    let order: Vec<usize> = keys
        .iter()
        .map(|k| MESSAGE_KEYS.iter().position(|x| x == k).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
}

#[test]
fn annotation_without_sections_and_apparent_user_object() {
    let mut m = base();
    m.annotation = Some(Annotation {
        id: "a1".into(),
        section_ids: Vec::new(),
    });
    m.extra.insert(
        "quip".into(),
        serde_json::json!({"apparent_user": {"user_id": "U9"}, "parts": null}),
    );
    let out = encode(&m);
    assert!(out.contains(r#""annotation":{"id":"a1"}"#), "{out}");
    assert!(out.contains(r#""apparent_user":{"user_id":"U9"}"#), "{out}");
    assert!(!out.contains("parts") && !out.contains("null"), "{out}");
}

#[test]
fn edit_record_has_diff_groups_and_no_text() {
    let mut m = base();
    m.kind = MessageKind::Edit;
    m.text = String::new();
    m.diff_groups = vec![DiffGroup {
        diffs: vec![
            Diff {
                rtml: "<p id='s1'><ins>x</ins></p>".into(),
                diff_class: "insert_completely".into(),
                section_id: "s1".into(),
                style: "text_plain_style".into(),
                list: None,
            },
            Diff {
                rtml: "<li>y</li>".into(),
                diff_class: "track_changes".into(),
                section_id: "s2".into(),
                style: "text_plain_style".into(),
                list: Some("l1".into()),
            },
        ],
    }];
    assert_eq!(
        encode(&m),
        r#"{"id":"WabADAipzzM","author_id":"VOQAEArheMG","created_usec":1588922400693783,"updated_usec":1588922400706385,"visible":true,"author_name":"Heller Stern","diff_groups":[{"diffs":[{"rtml":"<p id='s1'><ins>x</ins></p>","diff_class":"insert_completely","section_id":"s1","style":"text_plain_style"},{"rtml":"<li>y</li>","diff_class":"track_changes","section_id":"s2","style":"text_plain_style","list":"l1"}]}]}"#
    );
}

#[test]
fn arrays() {
    let a = base();
    let mut b = base();
    b.id = "B".into();
    let mut out = Vec::new();
    write_messages(&mut out, [].iter());
    assert_eq!(out, b"[]");
    out.clear();
    write_messages(&mut out, [a, b].iter().rev());
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v[0]["id"], "B");
    assert_eq!(v[1]["id"], "WabADAipzzM");
}
