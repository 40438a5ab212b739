//! The protocol's wire shape, pinned, and round trips of every type it carries.

mod docs;

use crate::canonical::strategies;

use super::*;
use crate::canonical::*;
use proptest::prelude::*;

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("UTF-8")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn queries_round_trip(q in strategies::query()) {
        prop_assert_eq!(decode_query(&encode_query(&q)).expect("decodes"), q);
    }

    #[test]
    fn credentials_round_trip(c in strategies::credential()) {
        prop_assert_eq!(decode_credential(&encode_credential(&c)).expect("decodes"), c);
    }

    #[test]
    fn principals_round_trip(p in strategies::principal()) {
        prop_assert_eq!(decode_principal(&encode_principal(&p)).expect("decodes"), p);
    }

    #[test]
    fn pages_round_trip(p in strategies::page()) {
        prop_assert_eq!(decode_page(&encode_page(&p)).expect("decodes"), p);
    }

    #[test]
    fn errors_round_trip(e in strategies::error()) {
        let status = error_status(&e).as_u16();
        let body = encode_error(&e);
        let v: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        prop_assert_eq!(v["error"]["kind"].as_str(), Some(e.kind()));
        prop_assert_eq!(decode_error(status, &body).expect("decodes"), Decoded::Canonical(e));
    }

    #[test]
    fn decode_error_never_panics(status in any::<u16>(), body in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = decode_error(status, &body);
    }

    #[test]
    fn decode_query_never_panics(body in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = decode_query(&body);
        let _ = decode_credential(&body);
        let _ = decode_page(&body);
    }
}

fn sample_query() -> ThreadQuery {
    let principal = Principal {
        user_id: "u1".into(),
        username: "alice".into(),
        admin_of: vec![],
    };
    ThreadQuery {
        filter: Filter {
            created_after: Some(TimeBound::exclusive(1_554_729_352_017_000)),
            include_replies: true,
            ..Filter::default()
        },
        order: Order::Descending,
        slice: Slice::Offset {
            offset: 0,
            limit: Some(50),
        },
        want_total: true,
        ..ThreadQuery::new(principal, Target::Room("GENERAL".into()))
    }
}

#[test]
fn query_shape_is_pinned() {
    assert_eq!(
        text(&encode_query(&sample_query())),
        concat!(
            r#"{"principal":{"user_id":"u1","username":"alice"},"access":"member","#,
            r#""target":{"room":"GENERAL"},"filter":{"created_after":{"usec":1554729352017000,"#,
            r#""inclusive":false},"kind":"messages","include_deleted":false,"#,
            r#""include_hidden":false,"include_replies":true},"order":"descending","#,
            r#""slice":{"offset":{"offset":0,"limit":50}},"want_total":true}"#
        )
    );
    let q = ThreadQuery {
        access: Access::CompanyAdmin("c1".into()),
        target: Target::Direct {
            peer: UserRef::Username("bob".into()),
        },
        slice: Slice::Cursor {
            after: None,
            limit: 10,
        },
        unreads: Some(UnreadsWindow {
            after: None,
            resolution_usec: 1000,
        }),
        ..sample_query()
    };
    let v: serde_json::Value = serde_json::from_slice(&encode_query(&q)).expect("JSON");
    assert_eq!(v["access"].to_string(), r#"{"company_admin":"c1"}"#);
    assert_eq!(
        v["target"].to_string(),
        r#"{"direct":{"peer":{"username":"bob"}}}"#
    );
    assert_eq!(v["slice"].to_string(), r#"{"cursor":{"limit":10}}"#);
    assert_eq!(v["unreads"].to_string(), r#"{"resolution_usec":1000}"#);
    let conv = ThreadQuery::new(q.principal.clone(), Target::Conversations);
    let v: serde_json::Value = serde_json::from_slice(&encode_query(&conv)).expect("JSON");
    assert_eq!(v["target"], "conversations");
}

#[test]
fn a_minimal_query_takes_the_defaults() {
    let body = br#"{"principal":{"user_id":"u1","username":"alice"},"target":{"replies":"m1"}}"#;
    let q = decode_query(body).expect("decodes");
    let principal = Principal {
        user_id: "u1".into(),
        username: "alice".into(),
        admin_of: vec![],
    };
    assert_eq!(q, ThreadQuery::new(principal, Target::Replies("m1".into())));
}

#[test]
fn queries_are_strict() {
    let good = text(&encode_query(&sample_query())).to_owned();
    let cases = [
        good.replacen("\"want_total\"", "\"want_totals\"", 1),
        good.replacen("\"order\":\"descending\"", "\"order\":\"sideways\"", 1),
        good.replacen("\"limit\":50", "\"limit\":50,\"page\":2", 1),
        good.replacen("\"inclusive\":false", "\"inclusive\":false,\"tz\":1", 1),
        good.replacen(
            "\"username\":\"alice\"",
            "\"username\":\"alice\",\"x\":1",
            1,
        ),
        format!("{good} {{}}"),
        good.replacen("\"usec\":1554729352017000", "\"usec\":\"soon\"", 1),
    ];
    for body in cases {
        match decode_query(body.as_bytes()) {
            Err(ProtocolError::BadRequest(m)) => assert!(m.len() < 400, "{m}"),
            other => panic!("{body}: {other:?}"),
        }
    }
    let e = decode_query(
        &good
            .replacen("\"want_total\"", "\"want_totals\"", 1)
            .into_bytes(),
    );
    let Err(ProtocolError::BadRequest(m)) = e else {
        panic!("{e:?}")
    };
    assert!(m.contains("want_totals"), "{m}");
}

#[test]
fn credentials_carry_their_secret_but_debug_does_not() {
    let c = Credential::UserToken {
        user_id: "u1".into(),
        token: "s3cret".into(),
    };
    assert_eq!(
        text(&encode_credential(&c)),
        r#"{"user_token":{"user_id":"u1","token":"s3cret"}}"#
    );
    assert!(!format!("{c:?}").contains("s3cret"));
    let b = Credential::Bearer { token: "t".into() };
    assert_eq!(text(&encode_credential(&b)), r#"{"bearer":{"token":"t"}}"#);
    for bad in [
        &br#"{"bearer":"s3cret"}"#[..],
        br#"{"bearer":{"token":"s3cret","scope":"all"}}"#,
        br#"{"cookie":{"token":"s3cret"}}"#,
    ] {
        let Err(ProtocolError::BadRequest(m)) = decode_credential(bad) else {
            panic!("{bad:?}")
        };
        assert!(!m.contains("s3cret"), "{m}");
    }
}

#[test]
fn page_shape_is_pinned() {
    let author = User {
        id: "u1".into(),
        username: "alice".into(),
        name: None,
        avatar_url: None,
    };
    let mut extra = serde_json::Map::new();
    extra.insert(
        "rocketchat".into(),
        serde_json::json!({"z": 1, "a": [true, null]}),
    );
    let m = Message {
        text: "hi".into(),
        kind: MessageKind::System {
            system_type: "uj".into(),
        },
        extra,
        ..Message::new("m1", "GENERAL", author, 1_554_729_352_017_000)
    };
    let page = Page {
        messages: vec![m],
        total: Some(1),
        unreads: None,
        conversations: vec![],
    };
    assert_eq!(
        text(&encode_page(&page)),
        concat!(
            r#"{"messages":[{"id":"m1","room_id":"GENERAL","author":{"id":"u1","username":"alice"},"#,
            r#""text":"hi","created_usec":1554729352017000,"kind":{"system":{"system_type":"uj"}},"#,
            r#""status":"visible","show_in_room":false,"extra":{"rocketchat":{"z":1,"a":[true,null]}}}],"#,
            r#""total":1}"#
        )
    );
    assert!(decode_page(br#"{"messages":[],"next":"x"}"#).is_err());
    assert_eq!(decode_page(br#"{"messages":[]}"#), Ok(Page::default()));
}

#[test]
fn error_shapes_are_pinned() {
    let cases = [
        (
            Error::NotFound(Resource::Room("X".into())),
            404,
            r#"{"error":{"kind":"not_found","resource":{"room":"X"}}}"#,
        ),
        (
            Error::invalid("count", "x", "must be a number"),
            400,
            r#"{"error":{"kind":"invalid_parameter","name":"count","value":"x","reason":"must be a number"}}"#,
        ),
        (
            Error::RateLimited {
                retry_after_ms: 1500,
            },
            429,
            r#"{"error":{"kind":"rate_limited","retry_after_ms":1500}}"#,
        ),
        (
            Error::Unauthenticated(AuthFailure::Invalid),
            401,
            r#"{"error":{"kind":"unauthenticated","failure":"invalid"}}"#,
        ),
        (
            Error::BackendTimeout,
            504,
            r#"{"error":{"kind":"backend_timeout"}}"#,
        ),
        (
            Error::BackendUnavailable("db down".into()),
            502,
            r#"{"error":{"kind":"backend_unavailable","message":"db down"}}"#,
        ),
    ];
    for (e, status, body) in cases {
        assert_eq!(error_status(&e).as_u16(), status, "{e:?}");
        assert_eq!(text(&encode_error(&e)), body);
    }
}

#[test]
fn protocol_errors_are_told_apart() {
    let p = ProtocolError::Unauthorized("the shared secret does not match".into());
    let body = encode_protocol_error(&p);
    assert_eq!(
        text(&body),
        r#"{"error":{"kind":"unauthorized","message":"the shared secret does not match"}}"#
    );
    assert_eq!(decode_error(401, &body), Ok(Decoded::Protocol(p)));
    let canonical = encode_error(&Error::Unauthenticated(AuthFailure::Missing));
    assert!(matches!(
        decode_error(401, &canonical),
        Ok(Decoded::Canonical(_))
    ));
    let bad = ProtocolError::BadRequest("no".into());
    assert_eq!(
        decode_error(400, &encode_protocol_error(&bad)),
        Ok(Decoded::Protocol(bad))
    );
}

#[test]
fn decode_error_refuses_what_is_not_an_error_body() {
    let not_found = encode_error(&Error::NotFound(Resource::Room("X".into())));
    assert!(matches!(
        decode_error(500, &not_found),
        Err(WireError::StatusMismatch {
            kind: "not_found",
            status: 500,
            expected: 404
        })
    ));
    for body in [
        &b""[..],
        b"<html>Bad Gateway</html>",
        br#"{"error":{"kind":"teapot"}}"#,
        br#"{"error":{"kind":"backend_timeout","extra":1}}"#,
        br#"{"error":{"kind":"route_not_found","why":"?"}}"#,
        br#"{"error":{"kind":"not_found"}}"#,
        br#"{"error":{"kind":"not_found","resource":{"room":"X"}},"more":1}"#,
        br#"{"kind":"not_found","resource":{"room":"X"}}"#,
        b"\xff\xfe\x00",
    ] {
        assert!(
            matches!(decode_error(404, body), Err(WireError::Malformed { .. })),
            "{body:?}"
        );
    }
}

#[test]
fn wire_errors_stay_short() {
    let huge = vec![b'x'; MAX_ERROR_BODY + 1];
    assert!(matches!(
        decode_error(500, &huge),
        Err(WireError::TooLarge { .. })
    ));
    let long = format!(
        r#"{{"error":{{"kind":"{}"}}}}"#,
        "é".repeat(MAX_ERROR_BODY / 4)
    );
    let e = decode_error(500, long.as_bytes()).expect_err("refused");
    assert!(e.to_string().len() < 700, "{}", e.to_string().len());
    let page = format!(r#"{{"messages":[],"{}":1}}"#, "k".repeat(100_000));
    let e = decode_page(page.as_bytes()).expect_err("refused");
    assert!(e.to_string().len() < 700, "{}", e.to_string().len());
    let query = format!(r#"{{"{}":1}}"#, "k".repeat(100_000));
    let e = decode_query(query.as_bytes()).expect_err("refused");
    assert!(e.to_string().len() < 700, "{}", e.to_string().len());
}

#[test]
fn headers() {
    assert_eq!(VERSION.to_string(), VERSION_VALUE);
    assert!(QUERY_PATH.starts_with(&format!("/v{VERSION}/")));
    assert_eq!(check_answer_version(Some(b"1")), Ok(()));
    assert!(check_answer_version(Some(b"2")).is_err());
    assert!(check_answer_version(None).is_err());
    assert_eq!(check_request_version(None), Ok(()));
    assert!(check_request_version(Some(b"2")).is_err());
    assert_eq!(check_secret(Some(b"Bearer s"), "s"), Ok(()));
    for sent in [None, Some(&b"Bearer x"[..]), Some(b"s"), Some(b"Bearer ")] {
        let e = check_secret(sent, "s").expect_err("refused");
        assert_eq!(e.status(), http::StatusCode::UNAUTHORIZED);
    }
    assert_eq!(authorization_value("s"), "Bearer s");
    assert_eq!(parse_deadline(None), Ok(None));
    assert_eq!(
        parse_deadline(Some(b"1500")),
        Ok(Some(std::time::Duration::from_millis(1500)))
    );
    for bad in [&b""[..], b"-1", b"1.5", b"soon", b"99999999999999999999999"] {
        assert!(parse_deadline(Some(bad)).is_err(), "{bad:?}");
    }
    let left = std::time::Duration::from_micros(1_500_900);
    assert_eq!(deadline_value(left), "1500");
}

#[test]
fn readiness() {
    let ready = Readiness {
        ready: true,
        message: None,
    };
    assert_eq!(text(&encode_readiness(&ready)), r#"{"ready":true}"#);
    assert_eq!(decode_readiness(200, br#"{"ready":true}"#), Ok(ready));
    assert!(decode_readiness(200, br#"{"ready":false}"#).is_err());
    assert!(decode_readiness(503, br#"{"ready":false,"message":"store"}"#).is_ok());
}

#[test]
fn room_lists_round_trip_and_rooms_requests_are_strict() {
    let list = RoomList {
        rooms: vec![RoomInfo {
            id: "r1".into(),
            kind: RoomKind::Group,
            name: Some("Team".into()),
            members: vec![User {
                id: "u1".into(),
                username: "alice".into(),
                name: None,
                avatar_url: Some("https://a/1.png".into()),
            }],
            group_id: Some("g1".into()),
            company_id: Some("c1".into()),
            created_usec: -5,
        }],
    };
    assert_eq!(decode_room_list(&encode_room_list(&list)), Ok(list));
    let request = RoomsRequest {
        principal: Principal {
            user_id: "u1".into(),
            username: "alice".into(),
            admin_of: vec![],
        },
    };
    assert_eq!(
        decode_rooms_request(&encode_rooms_request(&request)),
        Ok(request)
    );
    let err = decode_rooms_request(br#"{"principal":{"user_id":"u1","username":"a"},"all":true}"#)
        .expect_err("an unknown field is refused");
    assert!(err.to_string().contains("all"), "{err}");
    assert!(ROOMS_PATH.starts_with(&format!("/v{VERSION}/")));
}

#[test]
fn data_generations_are_read_exactly_or_refused() {
    use crate::backend::DataVersion;
    let g = Generation::new(
        "ab12",
        DataVersion {
            local: 3,
            external: 18_446_744_073_709_551_615,
        },
    );
    assert_eq!(g.value(), "ab12.3.18446744073709551615");
    assert_eq!(Generation::parse(g.value().as_bytes()), Some(g.clone()));
    assert_eq!(parse_if_data_version(None), Ok(None));
    assert_eq!(
        parse_if_data_version(Some(g.value().as_bytes())),
        Ok(Some(g.clone()))
    );
    assert_eq!(parse_data_version(None), Ok(None));
    assert_eq!(
        parse_data_version(Some(g.value().as_bytes())),
        Ok(Some(g.clone()))
    );
    // A stale generation is a generation like any other: it parses, and is simply not equal.
    let stale = Generation::parse(b"ab12.2.18446744073709551615").expect("parses");
    assert_ne!(stale, g);
    let other_instance = Generation::parse(b"cd34.3.18446744073709551615").expect("parses");
    assert_ne!(other_instance, g);
    let fresh = Generation::new_instance();
    assert_eq!(fresh.len(), 32);
    assert!(Generation::parse(format!("{fresh}.0.0").as_bytes()).is_some());
    let long = format!("{}.1.1", "a".repeat(65));
    for bad in [
        &b""[..],
        b"1.2",
        b"ab.1.2.3",
        b".1.2",
        b"ab..2",
        b"ab.1.",
        b"ab.-1.2",
        b"ab.+1.2",
        b"ab.1.2 ",
        b" ab.1.2",
        b"a-b.1.2",
        b"ab.1.18446744073709551616",
        b"ab.0x1.2",
        b"\xffab.1.2",
        long.as_bytes(),
    ] {
        assert_eq!(Generation::parse(bad), None, "{bad:?}");
        let e = parse_if_data_version(Some(bad)).expect_err("refused");
        assert_eq!(e.status(), http::StatusCode::BAD_REQUEST, "{bad:?}");
        assert!(e.to_string().contains(IF_DATA_VERSION_HEADER), "{e}");
        assert!(e.to_string().len() < 400, "{e}");
        let e = parse_data_version(Some(bad)).expect_err("refused");
        assert!(matches!(e, WireError::Header { .. }), "{e}");
    }
}
