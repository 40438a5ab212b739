use super::*;
use proptest::prelude::*;

#[test]
fn byte_forms_are_the_literal_keys() {
    assert_eq!(member!(sender), b",\"sender\":");
    assert_eq!(open!(id), b"{\"id\":");
    assert!(is_message_key("thread_id"));
    assert!(!is_message_key("ext_id"));
}

#[test]
fn ids_are_canonical_decimals() {
    for (s, n) in [("0", Some(0)), ("7", Some(7)), ("2616", Some(2616))] {
        assert_eq!(parse_id(s), n, "{s}");
    }
    assert_eq!(parse_id("18446744073709551615"), Some(u64::MAX));
    for bad in [
        "",
        "07",
        "+7",
        "-7",
        " 7",
        "7 ",
        "1_0",
        "7.0",
        "18446744073709551616",
        "x",
    ] {
        assert_eq!(parse_id(bad), None, "{bad:?}");
    }
}

#[test]
fn statuses_both_ways() {
    for s in [
        MessageStatus::Visible,
        MessageStatus::Hidden,
        MessageStatus::Deleted,
    ] {
        assert_eq!(parse_status(status_str(s)), Some(s));
    }
    assert_eq!(parse_status("seen"), None);
}

#[test]
fn html_text_of_markup() {
    assert_eq!(html_text("<p>a &amp; <b>b</b></p>"), "a & b");
    assert!(is_escaped_text("Thursday&#x27;s &amp; co"));
    assert!(!is_escaped_text("<p>x</p>"));
    assert!(!is_escaped_text("&nbsp;"));
    assert_eq!(html_unescape("&amp;lt; &x &"), "&lt; &x &");
}

proptest! {
    #[test]
    fn ids_round_trip(n in any::<u64>()) {
        prop_assert_eq!(parse_id(&id_string(n)), Some(n));
    }

    #[test]
    fn escaping_round_trips(s in "\\PC{0,30}|[&<>\"'a;#x27]{0,30}") {
        prop_assert_eq!(html_unescape(&html_escape(&s)), s.clone());
        prop_assert!(is_escaped_text(&html_escape(&s)));
    }

    #[test]
    fn parsed_ids_print_back(s in "[0-9]{0,22}") {
        if let Some(n) = parse_id(&s) {
            prop_assert_eq!(id_string(n), s);
        }
    }
}
