use super::*;

#[test]
fn byte_forms_are_the_literal_keys() {
    assert_eq!(member!(author_id), b",\"author_id\":");
    assert_eq!(open!(rtml), b"{\"rtml\":");
    assert_eq!(
        member!(highlight_section_ids),
        b",\"highlight_section_ids\":"
    );
    assert!(is_message_key("like_user_ids"));
    assert!(!is_message_key("highlight_section_ids"));
}

#[test]
fn the_encoder_writes_verbatim_keys_after_the_table() {
    use crate::canonical::{Message, User};
    let author = User {
        id: "U1".into(),
        username: String::new(),
        name: None,
        avatar_url: None,
    };
    let mut m = Message::new("M1", "T1", author, 5);
    m.extra.insert(
        EXTRA.into(),
        serde_json::json!({"z": [1], "text": "skipped", "parts": [["system", "p"]]}),
    );
    let mut out = Vec::new();
    crate::dialect::quip::write_message(&mut out, &m);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        r#"{"id":"M1","author_id":"U1","created_usec":5,"updated_usec":5,"visible":true,"text":"","parts":[["system","p"]],"z":[1]}"#
    );
}
