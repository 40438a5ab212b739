use super::*;
use crate::canonical::time::iso_millis;
use proptest::prelude::*;

#[test]
fn byte_forms_are_the_literal_keys() {
    assert_eq!(member!(tmid), b",\"tmid\":");
    assert_eq!(member!(tshow, "true"), b",\"tshow\":true");
    assert_eq!(member!(updated_at), b",\"_updatedAt\":");
    assert_eq!(open!(id), b"{\"_id\":");
    assert_eq!(field!(id), b"\"_id\":");
}

#[test]
fn bits_are_positions_in_the_table() {
    for (i, key) in MESSAGE_KEYS.iter().enumerate() {
        assert_eq!(bit(key), 1 << i, "{key}");
        assert!(is_message_key(key));
    }
    assert!(!is_message_key("md"));
}

#[test]
fn reads_dates_as_written() {
    for (iso, usec) in [
        ("1970-01-01T00:00:00.000Z", 0),
        ("1969-12-31T23:59:59.999Z", -1000),
        ("2019-04-08T13:15:52.017Z", 1_554_729_352_017_000),
        ("2020-02-29T23:59:59.999Z", 1_583_020_799_999_000),
        ("+010000-01-01T00:00:00.000Z", 253_402_300_800_000_000),
        ("-000001-12-31T23:59:59.999Z", -62_167_219_200_001_000),
    ] {
        assert_eq!(parse_date(iso), Some(usec), "{iso}");
        assert_eq!(iso_millis(usec), iso);
    }
    // Other ISO forms a server may send.
    assert_eq!(
        parse_date("2019-04-08T13:15:52.01Z"),
        Some(1_554_729_352_010_000)
    );
    assert_eq!(
        parse_date("2019-04-08T13:15:52Z"),
        Some(1_554_729_352_000_000)
    );
    assert_eq!(
        parse_date("2019-04-08T15:15:52.017+02:00"),
        Some(1_554_729_352_017_000)
    );
    for bad in [
        "",
        "Z",
        "2019-02-29T00:00:00.000Z",
        "2019-04-08T24:00:00.000Z",
        "+2019-04-08T13:15:52.017Z",
        "+999999-12-31T23:59:59.999Z",
        "-999999-01-01T00:00:00.000Z",
        "2019-04-08T13:15:52.017Zx",
        "２０１９-04-08T13:15:52.017Z",
    ] {
        assert_eq!(parse_date(bad), None, "{bad:?}");
    }
}

proptest! {
    #[test]
    fn every_instant_reads_back_to_its_millisecond(usec in any::<i64>()) {
        let mut out = Vec::new();
        write_date(&mut out, usec);
        let text = String::from_utf8(out).unwrap();
        prop_assert_eq!(parse_date(&text), date_precision(usec), "{}", text);
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,40}", t in "[-+0-9:.TZ]{0,30}") {
        let _ = parse_date(&s);
        let _ = parse_date(&t);
    }
}
