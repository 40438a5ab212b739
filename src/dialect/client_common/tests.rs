//! The shared helpers on their own; each client face's tests cover them through its
//! decoders too.

use super::*;
use serde_json::json;

#[test]
fn paths_name_the_key_under_its_parent_or_alone_at_the_top() {
    let v = json!({"a": {"b": 1, "c": null, "d": "x"}});
    let a = object(&v, "").unwrap().get("a").unwrap();
    let a = object(a, "a").unwrap();
    assert_eq!(string(a, "b", "a").unwrap_err(), "a.b: expected a string");
    assert_eq!(string(a, "c", "a").unwrap_err(), "a.c: expected a string");
    assert_eq!(string(a, "d", "a").unwrap(), "x");
    assert_eq!(opt_string(a, "c", "a").unwrap(), None);
    assert_eq!(opt_string(a, "e", "a").unwrap(), None);
    assert_eq!(string(a, "e", "").unwrap_err(), "e: expected a string");
    assert_eq!(
        object(&json!(1), "[2]").unwrap_err(),
        "[2]: expected an object"
    );
    assert!(get(a, "c").is_none() && get(a, "b").is_some());
}

#[test]
fn success_bodies_are_bounded_first_then_refused_then_parsed() {
    let bad = |what: &dyn Display| format!("bad: {what}");
    let refused = || "refused".to_owned();
    assert_eq!(
        success_json(500, b"[1, 2]", 5, bad, refused).unwrap_err(),
        "bad: answer of 6 bytes is over the bound"
    );
    assert_eq!(
        success_json(500, b"[1]", 5, bad, refused).unwrap_err(),
        "refused"
    );
    assert!(success_json(200, b"[1", 5, bad, refused)
        .unwrap_err()
        .starts_with("bad: not JSON ("));
    assert_eq!(
        success_json(200, b"[1]", 5, bad, refused).unwrap(),
        json!([1])
    );
    assert_eq!(
        success_object(200, b"[1]", 5, bad, refused).unwrap_err(),
        "bad: not a JSON object"
    );
    assert_eq!(
        success_object(200, b"{}", 5, bad, refused).unwrap(),
        Map::new()
    );
}

#[test]
fn waits_prefer_the_first_known_and_stay_under_a_day() {
    let mut headers = HeaderMap::new();
    headers.insert("retry-after", " 7 ".parse().unwrap());
    headers.insert("x-bad", "seven".parse().unwrap());
    assert_eq!(header(&headers, "retry-after"), Some("7"));
    assert_eq!(header_number::<u64>(&headers, "retry-after"), Some(7));
    assert_eq!(header_number::<u64>(&headers, "x-bad"), None);
    assert_eq!(header_number::<u64>(&headers, "x-absent"), None);
    assert_eq!(secs_to_ms(7), 7_000);
    assert_eq!(secs_to_ms(u64::MAX), u64::MAX);
    assert_eq!(believed_wait(-5), None);
    assert_eq!(believed_wait(0), None);
    assert_eq!(believed_wait(1), Some(1));
    assert_eq!(believed_wait(MAX_RETRY_MS as i64), Some(MAX_RETRY_MS));
    assert_eq!(believed_wait(MAX_RETRY_MS as i64 + 1), None);
    assert_eq!(retry_wait([None, Some(3), Some(4)], 60), 3);
    assert_eq!(retry_wait([None, None], 60), 60);
    assert_eq!(retry_wait([Some(u64::MAX)], 60), MAX_RETRY_MS);
}

#[test]
fn windows_cover_the_limit_in_calls_of_at_most_per_call() {
    assert_eq!(split_windows(10, 0, 100, 3), Some(vec![]));
    assert_eq!(
        split_windows(10, 250, 100, 3),
        Some(vec![(10, 100), (110, 100), (210, 50)])
    );
    assert_eq!(split_windows(0, 301, 100, 3), None);
    // `per_call` 0 counts as 1; offsets saturate.
    assert_eq!(
        split_windows(u64::MAX, 2, 0, 5),
        Some(vec![(u64::MAX, 1), (u64::MAX, 1)])
    );
}

#[test]
fn requests_encode_their_pairs_in_order_and_take_bearer_tokens() {
    let none: [(&str, String); 0] = [];
    assert_eq!(path_and_query("/a", &none), "/a");
    assert_eq!(
        path_and_query("/a", &[("q", "x y&z".to_owned()), ("n", "1".to_owned())]),
        "/a?q=x+y%26z&n=1"
    );
    test_support::assert_bearer_auth_header(bearer_auth_header);
}
