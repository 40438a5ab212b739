use super::*;

fn q(raw: &str) -> QueryParams {
    QueryParams::parse(raw)
}

fn s(v: &str) -> QsValue {
    QsValue::Str(v.to_owned())
}

fn arr(items: &[&str]) -> QsValue {
    QsValue::Array(items.iter().map(|s| (*s).to_owned()).collect())
}

#[test]
fn qs_plus_is_space_and_percent_is_utf8() {
    let p = q("a=b+c&b=%E2%9C%93%20ok&c=caf%C3%A9&d=a%2Bb");
    assert_eq!(p.get("a"), Some(&s("b c")));
    assert_eq!(p.get("b"), Some(&s("✓ ok")));
    assert_eq!(p.get("c"), Some(&s("café")));
    assert_eq!(p.get("d"), Some(&s("a+b")));
}

#[test]
fn qs_keeps_components_that_do_not_decode() {
    // decodeURIComponent throws; qs keeps the text, with `+` still replaced.
    assert_eq!(q("a=%ZZ+x").get("a"), Some(&s("%ZZ x")));
    assert_eq!(q("a=100%").get("a"), Some(&s("100%")));
    assert_eq!(q("a=%C3").get("a"), Some(&s("%C3")));
    assert_eq!(q("a=%C3%28+z").get("a"), Some(&s("%C3%28 z")));
    // UTF-8 encoded surrogates and overlong forms are invalid too.
    assert_eq!(q("a=%ED%A0%80").get("a"), Some(&s("%ED%A0%80")));
    assert_eq!(q("a=%C0%AF").get("a"), Some(&s("%C0%AF")));
    assert_eq!(qs_decode("%41%4a"), "AJ");
    assert_eq!(qs_decode("plain"), "plain");
}

#[test]
fn qs_repeated_keys_and_brackets_make_arrays() {
    assert_eq!(q("a=1&a=2&a=3").get("a"), Some(&arr(&["1", "2", "3"])));
    assert_eq!(q("a[]=1").get("a"), Some(&arr(&["1"])));
    assert_eq!(q("a[]=1&a[]=").get("a"), Some(&arr(&["1", ""])));
    assert_eq!(q("a%5B%5D=1&a%5b%5d=2").get("a"), Some(&arr(&["1", "2"])));
    assert_eq!(q("a[0]=x").get("a"), Some(&arr(&["x"])));
    assert_eq!(q("a=1&a[]=2").get("a"), Some(&arr(&["1", "2"])));
    assert_eq!(q("a[b]=x").get("a"), Some(&QsValue::Object));
    assert_eq!(q("a[25]=x").get("a"), Some(&QsValue::Object));
    assert_eq!(q("a[0][b]=x").get("a"), Some(&QsValue::Object));
    assert_eq!(q("a=1&a[b]=2").get("a"), Some(&QsValue::Object));
}

#[test]
fn qs_key_shapes() {
    // No `=`: empty string. Empty keys are dropped.
    let p = q("flag&=x&&b=");
    assert_eq!(p.get("flag"), Some(&s("")));
    assert_eq!(p.get("b"), Some(&s("")));
    assert_eq!(p.len(), 2);
    // Keys are decoded before brackets are read.
    assert_eq!(q("t%6Did=x").get("tmid"), Some(&s("x")));
    assert_eq!(q("[a]=1").get("a"), Some(&s("1")));
    assert_eq!(q("a[=1").get("a["), Some(&s("1")));
    assert_eq!(q("a]=1").get("a]"), Some(&s("1")));
    // qs splits at `]=` when there is one, and never keeps `__proto__`.
    assert_eq!(q("a=x%5D=y").get("a=x]"), Some(&s("y")));
    assert!(q("__proto__=x&__proto__[a]=1").is_empty());
    // Order of first appearance.
    let p = q("z=1&a=2&z=3");
    let keys: Vec<&str> = p.iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["z", "a"]);
    assert!(QueryParams::parse_opt(None).is_empty());
}

#[test]
fn qs_ignores_parts_beyond_the_parameter_limit() {
    let raw: Vec<String> = (0..1005).map(|i| format!("k{i}=v")).collect();
    let p = q(&raw.join("&"));
    assert_eq!(p.len(), 1000);
    assert!(p.get("k999").is_some());
    assert!(p.get("k1000").is_none());
}

#[test]
fn js_string_and_truthiness() {
    assert_eq!(arr(&["10", "20"]).js_string(), "10,20");
    assert_eq!(QsValue::Object.js_string(), "[object Object]");
    assert_eq!(s("x").js_string(), "x");
    assert!(!s("").is_truthy());
    assert!(arr(&[""]).is_truthy());
    assert!(QsValue::Object.is_truthy());
    assert_eq!(s("x").as_str(), Some("x"));
    assert_eq!(arr(&["x"]).as_str(), None);
}

#[test]
fn parse_int_like_javascript() {
    let cases: &[(&str, Option<f64>)] = &[
        (" 42", Some(42.0)),
        ("\u{a0}\t\n12", Some(12.0)),
        ("-7", Some(-7.0)),
        ("+5", Some(5.0)),
        ("0x1A", Some(26.0)),
        ("0X1a", Some(26.0)),
        ("-0x10", Some(-16.0)),
        ("0x", None),
        ("0xg", None),
        ("10abc", Some(10.0)),
        ("abc", None),
        ("", None),
        ("   ", None),
        ("-", None),
        ("2.9", Some(2.0)),
        ("1e3", Some(1.0)),
        (".5", None),
        ("Infinity", None),
        ("007", Some(7.0)),
        ("１２", None),
        ("99999999999999999999999", Some(1e23)),
        ("9007199254740993", Some(9_007_199_254_740_992.0)),
    ];
    for (input, want) in cases {
        assert_eq!(parse_int(input), *want, "parseInt({input:?})");
    }
    let huge_hex = format!("0x{}", "f".repeat(40));
    assert!(parse_int(&huge_hex).is_some_and(|v| v > 1e47));
    let neg_zero = parse_int("-0").unwrap_or(1.0);
    assert!(neg_zero == 0.0 && neg_zero.is_sign_negative());
}

#[test]
fn coerce_number_accepts_decimal_literals_only() {
    let cases: &[(&str, Option<f64>)] = &[
        ("50", Some(50.0)),
        ("2.9", Some(2.9)),
        ("1e2", Some(100.0)),
        ("1E+2", Some(100.0)),
        ("25e-1", Some(2.5)),
        (" 7 ", Some(7.0)),
        ("\t7\n", Some(7.0)),
        ("-3", Some(-3.0)),
        ("+1", Some(1.0)),
        (".5", Some(0.5)),
        ("5.", Some(5.0)),
        ("0.5", Some(0.5)),
        ("Infinity", Some(f64::INFINITY)),
        ("-Infinity", Some(f64::NEG_INFINITY)),
        ("", None),
        ("  ", None),
        ("abc", None),
        ("10abc", None),
        ("0x1A", None),
        ("1e", None),
        ("e5", None),
        (".", None),
        ("NaN", None),
        ("inf", None),
        ("infinity", None),
        ("1_000", None),
        ("1 2", None),
        ("--1", None),
    ];
    for (input, want) in cases {
        assert_eq!(coerce_number(input), *want, "coerce({input:?})");
    }
}

static TEST_SCHEMA: Schema = Schema {
    props: &[
        Prop {
            name: "roomId",
            kind: Kind::Str { min_len: 1 },
            nullable: false,
        },
        Prop {
            name: "inclusive",
            kind: Kind::Enum(&["true", "false"]),
            nullable: false,
        },
        Prop {
            name: "count",
            kind: Kind::Number,
            nullable: false,
        },
        Prop {
            name: "offset",
            kind: Kind::Number,
            nullable: true,
        },
    ],
    required: &["roomId"],
};

fn reason(raw: &str) -> String {
    match TEST_SCHEMA.validate(&q(raw)) {
        Err(Error::InvalidParameter { reason, .. }) => reason,
        Err(Error::MissingParameter { name }) => format!("missing {name}"),
        Err(Error::UnknownParameter { name }) => format!("unknown {name}"),
        other => format!("{other:?}"),
    }
}

#[test]
fn schema_reports_the_first_error_in_ajv_order() {
    assert_eq!(reason("count=x&foo=1"), "missing roomId");
    assert_eq!(reason("roomId=&foo=1&count=x"), "unknown foo");
    assert_eq!(
        reason("count=x&roomId="),
        "must NOT have fewer than 1 characters"
    );
    assert_eq!(reason("roomId=a&roomId=b"), "must be string");
    assert_eq!(reason("roomId[x]=a"), "must be string");
    assert_eq!(
        reason("roomId=r&inclusive=True"),
        "must be equal to one of the allowed values"
    );
    assert_eq!(reason("roomId=r&inclusive[]=true"), "must be string");
    assert_eq!(reason("roomId=r&count=abc"), "must be number");
    assert_eq!(reason("roomId=r&count="), "must be number");
    assert_eq!(reason("roomId=r&count[]=1"), "must be number");
    assert_eq!(reason("roomId=r&offset=1&offset=2"), "must be number");
}

#[test]
fn schema_coerces_values() {
    let params = q("roomId=r&inclusive=true&count=2.5&offset=");
    let v = TEST_SCHEMA.validate(&params).unwrap();
    assert_eq!(v.get("roomId"), Coerced::Str("r"));
    assert_eq!(v.get("inclusive"), Coerced::Str("true"));
    assert_eq!(v.get("count"), Coerced::Num(2.5));
    assert_eq!(v.get("offset"), Coerced::Null);
    assert_eq!(v.get("nope"), Coerced::Absent);
    let params = q("roomId=r");
    let v = TEST_SCHEMA.validate(&params).unwrap();
    assert_eq!(v.get("count"), Coerced::Absent);
}

#[test]
fn schema_invalid_value_carries_the_js_string() {
    match TEST_SCHEMA.validate(&q("roomId=r&count=1&count=x")) {
        Err(Error::InvalidParameter { name, value, .. }) => {
            assert_eq!(name, "count");
            assert_eq!(value, "1,x");
        }
        other => panic!("{other:?}"),
    }
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn decoders_never_panic(raw in "\\PC{0,48}") {
            let p = QueryParams::parse(&raw);
            for (_, v) in p.iter() {
                let _ = v.js_string();
            }
            let _ = parse_int(&raw);
            let _ = coerce_number(&raw);
            let _ = TEST_SCHEMA.validate(&p);
        }

        #[test]
        fn qs_round_trips_encoded_values(value in "\\PC{0,24}") {
            let encoded: String = value
                .bytes()
                .map(|b| format!("%{b:02X}"))
                .collect();
            let p = QueryParams::parse(&format!("k={encoded}"));
            prop_assert_eq!(p.get("k"), Some(&QsValue::Str(value)));
        }

        #[test]
        fn coerce_number_agrees_with_rust_on_plain_decimals(n in -1.0e12f64..1.0e12) {
            prop_assert_eq!(coerce_number(&n.to_string()), Some(n));
            prop_assert_eq!(parse_int(&format!("{}", n.trunc() as i64)), Some(n.trunc()));
        }
    }
}
