use super::*;
use crate::canonical::{Message, Unreads, User};
use crate::dialect::rocketchat::profile::{V6, V7, V8, V9};
use crate::dialect::rocketchat::render_error;
use http::{HeaderMap, Method};

const ALL: [&Profile; 4] = [&V6, &V7, &V8, &V9];

fn ok(raw: &str) -> DmParams {
    parse_params(Some(raw)).unwrap_or_else(|e| panic!("{raw:?}: {e:?}"))
}

fn err(raw: &str) -> Error {
    match parse_params(Some(raw)) {
        Ok(p) => panic!("{raw:?}: unexpectedly {p:?}"),
        Err(e) => e,
    }
}

fn base(room: &str) -> DmParams {
    DmParams {
        room_id: room.to_owned(),
        latest_ms: None,
        oldest_ms: None,
        inclusive: false,
        unreads: false,
        show_thread_messages: false,
        offset: 0,
        limit: Some(50),
    }
}

fn principal() -> Principal {
    Principal {
        user_id: "u1".to_owned(),
        username: "alice".to_owned(),
        admin_of: Vec::new(),
    }
}

#[test]
fn defaults_and_every_parameter() {
    assert_eq!(ok("roomId=bob"), base("bob"));
    let p = ok(
        "roomId=bob&latest=2026-01-16T12:10:55.357Z&oldest=2026-01-16&inclusive=true\
                &unreads=true&showThreadMessages=true&count=150&offset=3.9&sort=whatever",
    );
    assert_eq!(
        p,
        DmParams {
            latest_ms: Some(1_768_565_455_357),
            oldest_ms: Some(1_768_521_600_000),
            inclusive: true,
            unreads: true,
            show_thread_messages: true,
            offset: 3,
            limit: Some(100),
            ..base("bob")
        }
    );
    assert_eq!(ok("roomId=bob&count=0").limit, None);
    assert_eq!(ok("roomId=bob&count=%2050%20").limit, Some(50));
    assert_eq!(ok("roomId=bob&count=1e1").limit, Some(10));
    assert_eq!(ok("roomId=bob&offset=").offset, 0);
    assert_eq!(ok("roomId=bob&offset=-4").offset, 0);
    assert_eq!(ok("roomId=bob&count=-4").limit, Some(4));
}

#[test]
fn dates_with_offsets_without_millis_and_unparseable() {
    let ms = |q: &str| ok(&format!("roomId=x&latest={q}")).latest_ms;
    assert_eq!(ms("2026-01-16T12:10:55Z"), Some(1_768_565_455_000));
    assert_eq!(
        ms("2026-01-16T13:10:55.357%2B01:00"),
        Some(1_768_565_455_357)
    );
    assert_eq!(ms("2026-01-16T12:10:55.357999Z"), Some(1_768_565_455_357));
    assert_eq!(ms("2026-01-16T12:10"), Some(1_768_565_400_000));
    assert_eq!(ms("yesterday"), Some(0));
    assert_eq!(ms("2026-13-01"), Some(0));
    assert_eq!(
        ok("roomId=x&oldest=nope").oldest_ms,
        Some(0),
        "unparseable = epoch 0"
    );
}

#[test]
fn validation_errors_first_failure_only_in_schema_order() {
    let inv = |name: &str, value: &str, reason: &str| Error::invalid(name, value, reason);
    assert_eq!(err(""), Error::missing("roomId"));
    assert_eq!(err("count=abc"), Error::missing("roomId"));
    assert_eq!(
        err("roomId=x&query=%7B%7D"),
        Error::UnknownParameter {
            name: "query".to_owned()
        }
    );
    assert_eq!(
        err("roomId=x&fields=1"),
        Error::UnknownParameter {
            name: "fields".to_owned()
        }
    );
    assert_eq!(
        err("roomId="),
        inv("roomId", "", "must NOT have fewer than 1 characters")
    );
    assert_eq!(
        err("roomId=a&roomId=b"),
        inv("roomId", "a,b", "must be string")
    );
    assert_eq!(
        err("roomId=x&latest="),
        inv("latest", "", "must NOT have fewer than 1 characters")
    );
    assert_eq!(
        err("roomId=x&inclusive=True"),
        inv(
            "inclusive",
            "True",
            "must be equal to one of the allowed values"
        )
    );
    assert_eq!(
        err("roomId=x&unreads=1&showThreadMessages=yes"),
        inv(
            "showThreadMessages",
            "yes",
            "must be equal to one of the allowed values"
        )
    );
    assert_eq!(
        err("roomId=x&count=abc&offset=abc"),
        inv("count", "abc", "must be number")
    );
    assert_eq!(err("roomId=x&count="), inv("count", "", "must be number"));
    assert_eq!(
        err("roomId=x&offset=1x"),
        inv("offset", "1x", "must be number")
    );
    assert_eq!(
        err("roomId=x&count[]=1"),
        inv("count", "1", "must be number")
    );
}

#[test]
fn query_maps_bounds_to_what_clients_see_in_milliseconds() {
    let now = 1_700_000_000_123_456;
    let q = dm_query(principal(), base("bob"), now, 10_000);
    assert_eq!(
        q.target,
        Target::Direct {
            peer: UserRef::Id("bob".to_owned())
        }
    );
    assert_eq!(
        q.filter.created_before,
        Some(TimeBound::exclusive(1_700_000_000_123_000))
    );
    assert_eq!(q.filter.created_after, None);
    assert_eq!(q.order, Order::Descending);
    assert!(!q.filter.include_replies && q.unreads.is_none() && !q.want_total);

    let p = DmParams {
        latest_ms: Some(2_000),
        oldest_ms: Some(1_000),
        ..base("bob")
    };
    let q = dm_query(principal(), p.clone(), now, 10_000);
    assert_eq!(
        q.filter.created_before,
        Some(TimeBound::exclusive(2_000_000))
    );
    assert_eq!(
        q.filter.created_after,
        Some(TimeBound::inclusive(1_001_000))
    );
    let q = dm_query(
        principal(),
        DmParams {
            inclusive: true,
            show_thread_messages: true,
            unreads: true,
            limit: None,
            offset: 7,
            ..p
        },
        now,
        10_000,
    );
    assert_eq!(
        q.filter.created_before,
        Some(TimeBound::exclusive(2_001_000))
    );
    assert_eq!(
        q.filter.created_after,
        Some(TimeBound::inclusive(1_000_000))
    );
    assert!(q.filter.include_replies && q.unreads.is_some());
    assert_eq!(
        q.slice,
        Slice::Offset {
            offset: 7,
            limit: Some(10_000)
        }
    );
}

#[test]
fn retry_walks_user_id_username_then_direct_room() {
    let ep = DmHistory::new(&V6, ROUTE, 10_000, None);
    let q = dm_query(principal(), base("bob"), 0, 10_000);
    let no_user = Error::NotFound(Resource::User("bob".to_owned()));
    let second = ep.retry(&q, &no_user).expect("username next");
    assert_eq!(
        second.target,
        Target::Direct {
            peer: UserRef::Username("bob".to_owned())
        }
    );
    let third = ep.retry(&second, &no_user).expect("room id last");
    assert_eq!(third.target, Target::Room("bob".to_owned()));
    assert_eq!(third.require_kind, Some(RoomKind::Direct));
    assert_eq!(third.filter, q.filter);
    let no_room = Error::NotFound(Resource::Room("bob".to_owned()));
    assert_eq!(ep.retry(&third, &no_room), None);
    assert_eq!(ep.retry(&third, &no_user), None);
    let forbidden = Error::Forbidden(Resource::Room("bob".to_owned()));
    assert_eq!(ep.retry(&q, &forbidden), None);
}

fn msg(id: &str, usec: i64) -> Message {
    let author = User {
        id: "u1".to_owned(),
        username: "alice".to_owned(),
        name: None,
        avatar_url: None,
    };
    Message {
        text: "hi".to_owned(),
        ..Message::new(id, "r", author, usec)
    }
}

#[test]
fn encode_with_and_without_unreads() {
    let page = Page {
        messages: vec![msg("b", 2_000)],
        total: None,
        unreads: Some(Unreads {
            first: Some(msg("a", 1_000)),
            not_loaded: 3,
        }),
        conversations: Vec::new(),
    };
    let mut out = Vec::new();
    encode_dm_page(&mut out, &page, false);
    let m = |id: &str, ts: &str| {
        format!(
            r#"{{"_id":"{id}","rid":"r","msg":"hi","ts":"{ts}","u":{{"_id":"u1","username":"alice"}},"_updatedAt":"{ts}","mentions":[],"channels":[]}}"#
        )
    };
    let b = m("b", "1970-01-01T00:00:00.002Z");
    let a = m("a", "1970-01-01T00:00:00.001Z");
    assert_eq!(
        String::from_utf8(out).unwrap(),
        format!(r#"{{"messages":[{b}],"success":true}}"#)
    );
    let mut out = Vec::new();
    encode_dm_page(&mut out, &page, true);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        format!(r#"{{"messages":[{b}],"firstUnread":{a},"unreadNotLoaded":3,"success":true}}"#)
    );
    let mut out = Vec::new();
    encode_dm_page(&mut out, &Page::default(), true);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        r#"{"messages":[],"unreadNotLoaded":0,"success":true}"#
    );
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn query() -> impl Strategy<Value = String> {
        let key = prop_oneof![
            Just("roomId".to_owned()),
            Just("latest".to_owned()),
            Just("oldest".to_owned()),
            Just("inclusive".to_owned()),
            Just("unreads".to_owned()),
            Just("showThreadMessages".to_owned()),
            Just("count".to_owned()),
            Just("offset".to_owned()),
            Just("sort".to_owned()),
            Just("roomId[]".to_owned()),
            Just("fields".to_owned()),
            "[a-zA-Z%\\[\\]0-9]{0,6}",
        ];
        let value = prop_oneof![
            "[0-9a-fx.e+-]{0,6}",
            "(true|false|True|1|)",
            "[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9:.]{0,12}(Z|%2B01:00)?)?",
            "(%[0-9A-Fa-f]{0,2}|[+ &=])*",
            "\\PC{0,8}",
        ];
        prop::collection::vec((key, value), 0..7).prop_map(|pairs| {
            pairs
                .into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&")
        })
    }

    /// Decodes with the endpoint; a rejection must render as a 4xx JSON error body of the
    /// profile's envelope.
    fn check(query: &str) -> Result<(), TestCaseError> {
        for p in ALL {
            for (path, route) in [(PATH, ROUTE), (ALIAS_PATH, ALIAS_ROUTE)] {
                let ep = DmHistory::new(p, route, 10_000, None);
                let headers = HeaderMap::new();
                let method = Method::GET;
                let req = RequestView {
                    method: &method,
                    path,
                    query: Some(query),
                    headers: &headers,
                    peer: None,
                    now_usec: 1_700_000_000_000_000,
                    pairs: &crate::dialect::QueryPairs::new(),
                };
                let Err(e) = ep.decode(&req, principal()) else {
                    continue;
                };
                prop_assert!(
                    matches!(
                        e,
                        Error::MissingParameter { .. }
                            | Error::UnknownParameter { .. }
                            | Error::InvalidParameter { .. }
                    ),
                    "{e:?}"
                );
                let reply = render_error(p, &req, &e);
                prop_assert_eq!(reply.status().as_u16(), 400);
                let body = String::from_utf8(reply.body().to_vec())
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                let v: serde_json::Value = serde_json::from_str(&body)
                    .map_err(|e| TestCaseError::fail(format!("{e}: {body}")))?;
                let obj = v
                    .as_object()
                    .ok_or_else(|| TestCaseError::fail(body.clone()))?;
                let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
                let error = v["error"].as_str().unwrap_or_default();
                if p.name == "9" {
                    prop_assert_eq!(keys, ["success", "errorType", "error"]);
                    prop_assert_eq!(&v["errorType"], "error-invalid-params");
                    prop_assert!(!error.ends_with("[invalid-params]"), "{}", body);
                } else {
                    prop_assert_eq!(keys, ["success", "error", "errorType"]);
                    prop_assert_eq!(&v["errorType"], "invalid-params");
                    prop_assert!(error.ends_with(" [invalid-params]"), "{}", body);
                }
                prop_assert_eq!(&v["success"], false);
            }
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn decode_never_panics_and_errors_are_profile_bodies(q in query()) {
            check(&q)?;
        }

        #[test]
        fn arbitrary_text_never_panics(q in "\\PC{0,64}") {
            check(&q)?;
        }
    }
}
