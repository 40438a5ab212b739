//! Datetimes and JSON strings as DRF writes them (spec §5).

use super::*;

fn dt(usec: i64, offset: i64) -> String {
    let mut out = Vec::new();
    write_datetime(&mut out, usec, offset);
    String::from_utf8(out).unwrap()
}

#[test]
fn datetimes_as_drf_writes_them() {
    // 2021-05-28T09:34:00Z
    let t = 1_622_194_440_000_000;
    assert_eq!(dt(t, 0), "2021-05-28T09:34:00Z");
    assert_eq!(dt(t + 772_383, 7200), "2021-05-28T11:34:00.772383+02:00");
    assert_eq!(
        dt(t + 5, -5 * 3600 - 1800),
        "2021-05-28T04:04:00.000005-05:30"
    );
    assert_eq!(parse_offset("+02:00"), 7200);
    assert_eq!(parse_offset("-05:30"), -19800);
    assert_eq!(parse_offset("-00:00"), 0);
}

#[test]
fn json_strings_escape_line_separators_only() {
    let mut out = Vec::new();
    write_drf_str(&mut out, "a/b é \u{2028}\u{2029} \"q\"");
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "\"a/b é \\u2028\\u2029 \\\"q\\\"\""
    );
    assert_eq!(
        html_escape("<a href='x'>&\"</a>"),
        "&lt;a href=&#x27;x&#x27;&gt;&amp;&quot;&lt;/a&gt;"
    );
}
