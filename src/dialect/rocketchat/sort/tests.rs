use super::*;

#[test]
fn sort_is_an_object_of_plus_minus_one() {
    let cases: &[(&str, Option<Order>)] = &[
        (r#"{"ts":-1}"#, Some(Order::Descending)),
        (r#"{"ts":1}"#, Some(Order::Ascending)),
        ("{}", Some(Order::Ascending)),
        (" { } ", Some(Order::Ascending)),
        (r#" { "_id" : 1 , "ts" : -1 } "#, Some(Order::Descending)),
        (r#"{"_id":-1}"#, Some(Order::Ascending)),
        (r#"{"ts":1.0}"#, Some(Order::Ascending)),
        (r#"{"ts":-1e0}"#, Some(Order::Descending)),
        (r#"{"ts":10E-1}"#, Some(Order::Ascending)),
        (r#"{"\u0074s":-1}"#, Some(Order::Descending)),
        (r#"{"ts":-1,"ts":1}"#, Some(Order::Ascending)),
        (r#"{"\ud800":1}"#, Some(Order::Ascending)),
        (r#"{"a\"b":1}"#, Some(Order::Ascending)),
        (r#"{"ts":2}"#, None),
        (r#"{"ts":0}"#, None),
        (r#"{"ts":-0}"#, None),
        (r#"{"ts":"1"}"#, None),
        (r#"{"ts":true}"#, None),
        (r#"{"ts":{"a":1}}"#, None),
        (r#"{"ts":01}"#, None),
        (r#"{"ts":1.}"#, None),
        (r#"{"ts":+1}"#, None),
        (r#"{"ts":1,}"#, None),
        (r#"{"ts":1}x"#, None),
        (r#"{"ts" 1}"#, None),
        ("{'ts':1}", None),
        ("{ts:1}", None),
        ("[1]", None),
        ("1", None),
        ("null", None),
        ("", None),
        ("{", None),
        ("{\"ts\":1", None),
        ("{\"t\ns\":1}", None),
        (r#"{"\x":1}"#, None),
        (r#"{"\u00":1}"#, None),
        ("\u{feff}{}", None),
    ];
    for (raw, want) in cases {
        assert_eq!(parse_sort(raw), *want, "sort {raw:?}");
    }
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn never_panics(raw in "\\PC{0,48}") {
            let _ = parse_sort(&raw);
        }

        #[test]
        fn objects_of_plus_minus_one_parse(
            keys in prop::collection::vec("[a-z_]{0,4}", 0..5),
            signs in prop::collection::vec(any::<bool>(), 5),
        ) {
            let body: Vec<String> = keys
                .iter()
                .zip(&signs)
                .map(|(k, neg)| format!("\"{k}\":{}", if *neg { -1 } else { 1 }))
                .collect();
            let want = keys
                .iter()
                .zip(&signs)
                .rfind(|(k, _)| k.as_str() == "ts")
                .map_or(Order::Ascending, |(_, neg)| {
                    if *neg { Order::Descending } else { Order::Ascending }
                });
            prop_assert_eq!(parse_sort(&format!("{{{}}}", body.join(","))), Some(want));
        }
    }
}
