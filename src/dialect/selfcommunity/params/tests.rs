//! Parameter decoding (spec §3): Python `int()`, DRF `IntegerField`, fallbacks.

use super::*;
use crate::dialect::selfcommunity::tests::qp;

#[test]
fn python_int_and_drf_integer_field() {
    for (s, v) in [
        ("5", Some(5)),
        (" 5 ", Some(5)),
        ("+5", Some(5)),
        ("-5", Some(-5)),
        ("1_0", Some(10)),
        ("1__0", None),
        ("_1", None),
        ("1_", None),
        ("5.0", None),
        ("", None),
        ("0x10", None),
        ("1e3", None),
        ("- 5", None),
    ] {
        assert_eq!(py_int(s), v, "py_int({s:?})");
    }
    for (s, v) in [
        ("5.0", Some(5)),
        ("5.", Some(5)),
        ("5.000  ", Some(5)),
        ("5.01", None),
        ("5.0.0", None),
        (" 7 ", Some(7)),
        ("abc", None),
    ] {
        assert_eq!(drf_integer(s), v, "drf_integer({s:?})");
    }
    assert_eq!(drf_integer(&"1".repeat(1001)), None);
}

#[test]
fn limit_and_offset_fall_back_never_fail() {
    let lim = |q: &str| limit(&qp(Some(q)), 20, 100);
    let off = |q: &str| offset(&qp(Some(q)));
    assert_eq!(lim(""), 20);
    assert_eq!(lim("limit=5"), 5);
    assert_eq!(lim("limit=5.0"), 20);
    assert_eq!(lim("limit=0"), 20);
    assert_eq!(lim("limit=-3"), 20);
    assert_eq!(lim("limit=undefined"), 20);
    assert_eq!(lim("limit=1000"), 100);
    assert_eq!(lim("limit=99999999999999999999999"), 100);
    assert_eq!(lim("limit=3&limit=7"), 7);
    assert_eq!(lim("limit=+1_0"), 10);
    assert_eq!(off("offset=abc"), 0);
    assert_eq!(off("offset=-1"), 0);
    assert_eq!(off("offset=15"), 15);
    assert_eq!(off("offset=2.0"), 0);
}

#[test]
fn absent_values_and_last_wins() {
    let p = qp(Some("thread=undefined&user=&group=4&group=5&x"));
    assert_eq!(present(&p, "thread"), None);
    assert_eq!(present(&p, "user"), None);
    assert_eq!(present(&p, "group"), Some("5"));
    assert_eq!(present(&p, "x"), None);
    assert_eq!(present(&p, "missing"), None);
}

#[test]
fn every_invalid_id_is_reported_in_order() {
    let p = qp(Some("from_message=x&user=y&thread=3&before_message=4.5"));
    assert_eq!(ids(&p), Err(vec!["user", "before_message", "from_message"]));
    let p = qp(Some("thread=3.0&user=undefined&before_message=+9"));
    assert_eq!(ids(&p), Ok([Some(3), None, None, Some(9), None]));
}
