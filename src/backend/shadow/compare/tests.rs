use super::*;
use serde_json::json;

fn page(messages: Vec<Value>, total: Option<u64>) -> Value {
    let mut p = json!({ "messages": messages });
    if let Some(t) = total {
        p["total"] = json!(t);
    }
    p
}

fn msg(id: &str, text: &str) -> Value {
    json!({"id": id, "room_id": "r", "author": {"id": "u", "username": "ana"}, "text": text,
           "created_usec": 1, "kind": "regular", "status": "visible"})
}

fn paths(c: &Comparison) -> Vec<(&str, &str)> {
    c.differences
        .iter()
        .map(|d| (d.path.as_str(), d.at.as_str()))
        .collect()
}

#[test]
fn identical_pages_have_no_difference_and_name_what_was_compared() {
    let a = page(vec![msg("1", "a"), msg("2", "b")], Some(2));
    let c = compare(&a, &a.clone(), &Ignore::default());
    assert!(c.differences.is_empty());
    for p in [
        "total",
        "messages[].text",
        "messages[].author.username",
        MISSING,
        ADDED,
        ORDER,
    ] {
        assert!(c.compared.contains(p), "{p}: {:?}", c.compared);
    }
}

#[test]
fn a_missing_message_is_one_difference_not_every_later_index() {
    let a = page(vec![msg("1", "a"), msg("2", "b"), msg("3", "c")], None);
    let b = page(vec![msg("1", "a"), msg("3", "c"), msg("4", "d")], None);
    let c = compare(&a, &b, &Ignore::default());
    assert_eq!(
        paths(&c),
        [(MISSING, "messages[id=2]"), (ADDED, "messages[id=4]")]
    );
    assert_eq!(c.differences[0].other, Value::Null);
}

#[test]
fn field_differences_are_aggregated_without_index_and_placed_with_it() {
    let a = page(vec![msg("1", "a"), msg("2", "b")], Some(9));
    let mut b = page(vec![msg("1", "a"), msg("2", "B")], Some(8));
    b["messages"][0]["reactions"] = json!([{"emoji": ":+1:", "users": []}]);
    b["messages"][1]["author"]["name"] = json!("Ana");
    let c = compare(&a, &b, &Ignore::default());
    assert_eq!(
        paths(&c),
        [
            ("messages[].reactions", "messages[0].reactions"),
            ("messages[].author.name", "messages[1].author.name"),
            ("messages[].text", "messages[1].text"),
            ("total", "total"),
        ]
    );
}

#[test]
fn order_and_errors_and_ignored_paths() {
    let a = page(vec![msg("1", "a"), msg("2", "b")], None);
    let b = page(vec![msg("2", "b"), msg("1", "a")], None);
    let c = compare(&a, &b, &Ignore::default());
    assert_eq!(paths(&c), [(ORDER, "messages")]);
    assert_eq!(c.differences[0].primary, json!(["1", "2"]));
    assert_eq!(c.differences[0].other, json!(["2", "1"]));

    let e = answer_value(&Err(Error::BackendTimeout));
    let c = compare(&a, &e, &Ignore::default());
    assert_eq!(paths(&c), [(ERROR, ERROR)]);
    assert_eq!(c.compared.len(), 1);

    let mut x = msg("1", "a");
    x["extra"] = json!({"rocketchat": {"u": 1}});
    x["updated_usec"] = json!(5);
    let ignore = Ignore::new(&["messages[].extra".into(), "messages[].updated_usec".into()]);
    let c = compare(
        &page(vec![msg("1", "a")], None),
        &page(vec![x], None),
        &ignore,
    );
    assert!(c.differences.is_empty(), "{:?}", c.differences);
    assert!(!c.compared.contains("messages[].extra"));
    assert!(ignore.covers("messages[].extra.rocketchat"));
    assert!(!ignore.covers("messages[].extras"));
}
