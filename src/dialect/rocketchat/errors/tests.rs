//! `render_error`: every row of spec §6, the §7 differences, and a property test of
//! decoding errors rendered in each profile's envelope.

use super::*;
use crate::canonical::{AuthFailure, Principal};
use crate::dialect::rocketchat::profile::{V6, V7, V8, V9};
use crate::dialect::rocketchat::GetThreadMessages;
use crate::dialect::Endpoint;
use http::{HeaderMap, Method};

const DM: &str = "/api/v1/dm.history";
const ALL: [&Profile; 4] = [&V6, &V7, &V8, &V9];

fn render_at(profile: &Profile, path: &str, err: &Error) -> Reply {
    let headers = HeaderMap::new();
    let method = Method::GET;
    let req = RequestView {
        method: &method,
        path,
        query: None,
        headers: &headers,
        peer: None,
        now_usec: 0,
        pairs: &crate::dialect::QueryPairs::new(),
    };
    render_error(profile, &req, err)
}

/// Status and body; asserts the headers every reply carries.
fn render(profile: &Profile, path: &str, err: &Error) -> (u16, String) {
    let reply = render_at(profile, path, err);
    let h = reply.headers();
    assert_eq!(h["content-type"], "application/json");
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(h["pragma"], "no-cache");
    assert!(h.get("www-authenticate").is_none());
    let status = reply.status().as_u16();
    if status != 405 {
        assert!(h.get("allow").is_none());
    }
    let body = String::from_utf8(reply.body().to_vec()).unwrap();
    (status, body)
}

fn thread(profile: &Profile, err: &Error) -> (u16, String) {
    render(profile, thread::PATH, err)
}

/// The reply for a query string that fails to decode.
fn answer(profile: &'static Profile, query: &str) -> (u16, String) {
    let ep = GetThreadMessages::new(profile);
    let headers = HeaderMap::new();
    let method = Method::GET;
    let req = RequestView {
        method: &method,
        path: thread::PATH,
        query: Some(query),
        headers: &headers,
        peer: None,
        now_usec: 0,
        pairs: &crate::dialect::QueryPairs::new(),
    };
    let principal = Principal {
        user_id: "u1".to_owned(),
        username: "alice".to_owned(),
        admin_of: Vec::new(),
    };
    match ep.decode(&req, principal) {
        Ok(q) => panic!("{query:?} decoded to {q:?}"),
        Err(e) => {
            let reply = ep.render_error(&req, &e);
            (
                reply.status().as_u16(),
                String::from_utf8(reply.body().to_vec()).unwrap(),
            )
        }
    }
}

const R: &str = r#"{"status":"error","message":"You must be logged in to do this."}"#;
const M: &str = r#"{"success":false,"error":"You must be logged in to do this.","status":"error","message":"You must be logged in to do this."}"#;
const S: &str = r#"{"success":false,"error":"You must be logged in to do this."}"#;

fn v(text: &str) -> String {
    format!(r#"{{"success":false,"error":"{text} [invalid-params]","errorType":"invalid-params"}}"#)
}

fn t(text: &str) -> String {
    format!(r#"{{"success":false,"errorType":"error-invalid-params","error":"{text}"}}"#)
}

const TMID_MISSING_6: &str = r#"{"success":false,"error":"The required \"tmid\" query param is missing. [error-invalid-params]","errorType":"error-invalid-params"}"#;
const INVALID_MESSAGE: &str = r#"{"success":false,"error":"Invalid Message [error-invalid-message]","errorType":"error-invalid-message"}"#;
const NOT_ALLOWED: &str = r#"{"success":false,"error":"Not Allowed [error-not-allowed]","errorType":"error-not-allowed"}"#;

#[test]
fn unauthenticated_body_per_profile() {
    for (p, body) in [(&V6, R), (&V7, R), (&V8, M), (&V9, S)] {
        for why in [AuthFailure::Missing, AuthFailure::Invalid] {
            for path in [thread::PATH, DM, "/api/v1/nope"] {
                assert_eq!(
                    render(p, path, &Error::Unauthenticated(why)),
                    (401, body.to_owned()),
                    "profile {}",
                    p.name
                );
            }
        }
    }
}

#[test]
fn method_not_allowed_with_allow_header() {
    for p in ALL {
        let err = Error::MethodNotAllowed {
            method: "POST".to_owned(),
        };
        let reply = render_at(p, thread::PATH, &err);
        assert_eq!(reply.status().as_u16(), 405);
        assert_eq!(reply.headers()["allow"], "GET, HEAD");
        assert_eq!(
            reply.body().as_ref(),
            br#"{"status":"error","message":"API endpoint does not exist"}"#
        );
        assert_eq!(render(p, thread::PATH, &err).0, 405);
    }
}

#[test]
fn tmid_missing_per_profile() {
    let err = Error::missing("tmid");
    let required = "must have required property 'tmid'";
    assert_eq!(thread(&V6, &err), (400, TMID_MISSING_6.to_owned()));
    assert_eq!(thread(&V7, &err), (400, v(required)));
    assert_eq!(thread(&V8, &err), (400, v(required)));
    assert_eq!(thread(&V9, &err), (400, t(required)));
    // Through decode.
    assert_eq!(answer(&V6, "count=5"), (400, TMID_MISSING_6.to_owned()));
    assert_eq!(answer(&V6, "tmid="), (400, TMID_MISSING_6.to_owned()));
    assert_eq!(answer(&V7, "count=5"), (400, v(required)));
    assert_eq!(answer(&V8, ""), (400, v(required)));
    assert_eq!(answer(&V9, "count=5"), (400, t(required)));
}

#[test]
fn schema_errors_per_profile() {
    let cases = [
        ("tmid=", "must NOT have fewer than 1 characters"),
        ("tmid=a&tmid=b", "must be string"),
        ("tmid=t&count=abc", "must be number"),
        ("tmid=t&offset=1x", "must be number"),
        ("tmid=t&sort[]=x", "must be string"),
        ("tmid=t&query=%7B%7D", "must NOT have additional properties"),
        (
            "tmid=t&fields=%7B%7D",
            "must NOT have additional properties",
        ),
        (
            "tmid=t&roomId=GENERAL",
            "must NOT have additional properties",
        ),
    ];
    for (query, text) in cases {
        assert_eq!(answer(&V7, query), (400, v(text)), "{query}");
        assert_eq!(answer(&V8, query), (400, v(text)), "{query}");
        assert_eq!(answer(&V9, query), (400, t(text)), "{query}");
    }
    // Profile 6 has no schema: the same queries are fine or fail differently.
    assert_eq!(
        answer(&V6, "tmid=a&tmid=b"),
        (400, INVALID_MESSAGE.to_owned())
    );
}

#[test]
fn bad_sort_in_every_profile() {
    let body = r#"{"success":false,"error":"Invalid sort parameter provided: \"{\"ts\":2}\" [error-invalid-sort]","errorType":"error-invalid-sort","details":{"helperMethod":"parseJsonQuery"}}"#;
    for p in ALL {
        assert_eq!(
            answer(p, "tmid=t&sort=%7B%22ts%22%3A2%7D"),
            (400, body.to_owned())
        );
    }
    // Profile 6 parses sort before it looks at tmid.
    assert_eq!(
        answer(&V6, "sort=%7B%22ts%22%3A2%7D"),
        (400, body.to_owned())
    );
    let control = r#"{"success":false,"error":"Invalid sort parameter provided: \"a\nb\\\" [error-invalid-sort]","errorType":"error-invalid-sort","details":{"helperMethod":"parseJsonQuery"}}"#;
    assert_eq!(
        answer(&V9, "tmid=t&sort=a%0Ab%5C"),
        (400, control.to_owned())
    );
}

#[test]
fn unknown_tmid_and_unreadable_room() {
    for p in ALL {
        let not_found = Error::NotFound(Resource::Message("x".to_owned()));
        assert_eq!(thread(p, &not_found), (400, INVALID_MESSAGE.to_owned()));
        for res in [
            Resource::Room("r".to_owned()),
            Resource::Message("x".to_owned()),
        ] {
            assert_eq!(
                thread(p, &Error::Forbidden(res)),
                (400, NOT_ALLOWED.to_owned())
            );
        }
        let gone = Error::NotFound(Resource::Room("r".to_owned()));
        assert_eq!(thread(p, &gone), (400, NOT_ALLOWED.to_owned()));
    }
}

#[test]
fn dm_history_rows() {
    let invalid_channel =
        r#"{"success":false,"error":"[invalid-channel]","errorType":"invalid-channel"}"#;
    for p in ALL {
        for path in [DM, "/api/v1/im.history"] {
            let err = Error::NotFound(Resource::Room("x".to_owned()));
            assert_eq!(render(p, path, &err), (400, invalid_channel.to_owned()));
            assert_eq!(
                render(p, path, &Error::missing("roomId")).1,
                if p.name == "9" {
                    t("must have required property 'roomId'")
                } else {
                    v("must have required property 'roomId'")
                }
            );
        }
    }
    for (p, text) in [
        (&V6, "unauthorized"),
        (&V7, "unauthorized"),
        (&V8, "unauthorized"),
        (&V9, "forbidden"),
    ] {
        let err = Error::Forbidden(Resource::Room("d".to_owned()));
        assert_eq!(
            render(p, DM, &err),
            (403, format!(r#"{{"success":false,"error":"{text}"}}"#))
        );
    }
}

#[test]
fn rate_limited_rounds_seconds_up() {
    for (ms, n) in [
        (1, 1),
        (999, 1),
        (1000, 1),
        (1001, 2),
        (1500, 2),
        (60_000, 60),
    ] {
        let body = format!(
            r#"{{"success":false,"error":"Error, too many requests. Please slow down. You must wait {n} seconds before trying this endpoint again. [error-too-many-requests]"}}"#
        );
        for p in ALL {
            let err = Error::RateLimited { retry_after_ms: ms };
            assert_eq!(thread(p, &err), (429, body.clone()));
        }
    }
}

#[test]
fn upstream_and_internal_errors() {
    let unavailable = r#"{"success":false,"error":"Upstream unavailable [error-upstream-unavailable]","errorType":"error-upstream-unavailable"}"#;
    let timeout = r#"{"success":false,"error":"Upstream timed out [error-upstream-timeout]","errorType":"error-upstream-timeout"}"#;
    for p in ALL {
        for path in [thread::PATH, DM, "/api/v1/other"] {
            let down = Error::BackendUnavailable("refused".to_owned());
            assert_eq!(render(p, path, &down), (502, unavailable.to_owned()));
            let bad = Error::BadBackendAnswer("garbage".to_owned());
            assert_eq!(render(p, path, &bad), (502, unavailable.to_owned()));
            assert_eq!(
                render(p, path, &Error::BackendTimeout),
                (504, timeout.to_owned())
            );
            assert_eq!(
                render(p, path, &Error::Internal("boom".to_owned())),
                (
                    500,
                    r#"{"success":false,"error":"Internal server error"}"#.to_owned()
                )
            );
        }
    }
}

#[test]
fn unknown_route_and_payload_too_large() {
    for p in ALL {
        assert_eq!(
            render(p, "/api/v1/chat.nope", &Error::RouteNotFound),
            (
                404,
                r#"{"success":false,"error":"API endpoint does not exist"}"#.to_owned()
            )
        );
        assert_eq!(
            render(p, thread::PATH, &Error::PayloadTooLarge),
            (
                413,
                r#"{"success":false,"error":"request entity too large"}"#.to_owned()
            )
        );
        let err = Error::NotFound(Resource::User("u".to_owned()));
        assert_eq!(
            render(p, "/api/v1/users.info", &err),
            (
                404,
                r#"{"success":false,"error":"Resource not found"}"#.to_owned()
            )
        );
    }
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn query() -> impl Strategy<Value = String> {
        let key = prop_oneof![
            Just("tmid".to_owned()),
            Just("count".to_owned()),
            Just("offset".to_owned()),
            Just("sort".to_owned()),
            Just("tmid[]".to_owned()),
            Just("query".to_owned()),
            "[a-z%\\[\\]0-9]{0,6}",
        ];
        let value = prop_oneof![
            "[0-9a-fx.e+-]{0,6}",
            "[{}\"ts:,1 -]{0,12}",
            "(%[0-9A-Fa-f]{0,2}|[+ &=])*",
            "\\PC{0,8}",
        ];
        prop::collection::vec((key, value), 0..6).prop_map(|pairs| {
            pairs
                .into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&")
        })
    }

    fn check(query: &str) -> Result<(), TestCaseError> {
        for p in ALL {
            let Err(e) = thread::parse_params(p, Some(query)) else {
                continue;
            };
            let (status, body) = render(p, thread::PATH, &e);
            prop_assert!((400..500).contains(&status), "{status} {body}");
            let v: serde_json::Value = serde_json::from_str(&body)
                .map_err(|e| TestCaseError::fail(format!("{e}: {body}")))?;
            prop_assert_eq!(&v["success"], &serde_json::Value::Bool(false));
            prop_assert!(v["error"].is_string());
            // The envelope of the active profile (spec §6, §7).
            let keys: Vec<&str> = v
                .as_object()
                .map(|o| o.keys().map(String::as_str).collect())
                .unwrap_or_default();
            let error = v["error"].as_str().unwrap_or_default();
            let error_type = v["errorType"].as_str().unwrap_or_default();
            if p.name == "9" && error_type == "error-invalid-params" {
                prop_assert_eq!(keys, ["success", "errorType", "error"], "{}", body);
                prop_assert!(!error.ends_with(']'), "{}", body);
            } else {
                prop_assert_eq!(&keys[..3], ["success", "error", "errorType"], "{}", body);
                prop_assert!(error.ends_with(&format!("[{error_type}]")), "{}", body);
            }
            if p.name == "6" {
                prop_assert!(error_type != "invalid-params", "no schema in 6: {}", body);
            } else {
                prop_assert!(
                    error_type != "error-invalid-params" || p.name == "9",
                    "{}",
                    body
                );
            }
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn decode_never_panics_and_errors_render_as_json(q in query()) {
            check(&q)?;
        }

        #[test]
        fn arbitrary_text_never_panics(q in "\\PC{0,64}") {
            check(&q)?;
        }
    }
}
