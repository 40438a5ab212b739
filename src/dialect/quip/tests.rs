//! The dialect face: routing (§1), credentials (§2), and a property test of the decoder
//! and `render_error` on arbitrary paths and query strings.

use super::*;
use crate::canonical::Principal;
use http::Method;

#[test]
fn routes() {
    assert_eq!(
        route("/1/admin/messages/vCPRIcENZyp"),
        Some((Which::Admin, "vCPRIcENZyp"))
    );
    assert_eq!(
        route("/1/messages/a_b-C9"),
        Some((Which::Automation, "a_b-C9"))
    );
    let long = "x".repeat(64);
    assert_eq!(
        route(&format!("/1/messages/{long}")),
        Some((Which::Automation, long.as_str()))
    );
    for bad in [
        "/1/messages/",
        "/1/messages/abc/",
        "/1/messages/abc/def",
        "/1/messages/a%20b",
        "/1/messages/a.b",
        "/1/admin/messages/",
        "/1/admin/messages",
        "/1/threads/abc",
        "/1/",
        "/1/Messages/abc",
    ] {
        assert_eq!(route(bad), None, "{bad}");
    }
    assert_eq!(route(&format!("/1/messages/{long}x")), None);
    let face = Quip::new(&QuipConfig::default());
    assert!(face.resolve("/1/messages/abc").is_some());
    assert!(face.resolve("/1/admin/messages/abc").is_some());
    assert!(face.resolve("/1/messages/abc/").is_none());
    assert_eq!(face.prefixes(), &["/1/"]);
    // The exact paths: `users/current` and `threads/recent` (no trailing slash, no other
    // spelling).
    let exact: Vec<&str> = face.endpoints().iter().map(|(p, _)| *p).collect();
    assert_eq!(exact, ["/1/users/current", "/1/threads/recent"]);
    assert!(face.endpoints()[1].1.lists_rooms() && !face.endpoints()[0].1.lists_rooms());
    assert!(face.resolve("/1/users/current/").is_none());
    assert!(face.resolve("/1/users/currentx").is_none());
    assert!(face.resolve("/1/threads/recent/").is_none());
}

fn bearer(value: &str) -> Option<Credential> {
    let mut h = HeaderMap::new();
    h.insert("authorization", http::HeaderValue::from_str(value).unwrap());
    credentials(&h)
}

#[test]
fn bearer_credentials() {
    let t = |s: &str| Some(Credential::Bearer { token: s.into() });
    assert_eq!(bearer("Bearer abc"), t("abc"));
    assert_eq!(bearer("bearer abc"), t("abc"));
    assert_eq!(bearer("BEARER  abc"), t("abc"));
    assert_eq!(bearer("Basic abc"), None);
    assert_eq!(bearer("Bearer"), None);
    assert_eq!(bearer("Bearer "), None);
    assert_eq!(bearer("abc"), None);
    assert_eq!(credentials(&HeaderMap::new()), None);
}

/// Asserts the spec's error envelope: three keys in order, `error_code` = status.
fn assert_envelope(status: u16, body: &[u8]) {
    let text = std::str::from_utf8(body).expect("UTF-8");
    let v: serde_json::Value = serde_json::from_str(text).expect("JSON");
    let o = v.as_object().expect("object");
    let keys: Vec<&str> = o.keys().map(String::as_str).collect();
    assert_eq!(keys, ["error", "error_code", "error_description"], "{text}");
    assert_eq!(o["error_code"].as_u64(), Some(u64::from(status)), "{text}");
    assert!(
        o["error"].is_string() && o["error_description"].is_string(),
        "{text}"
    );
}

proptest::proptest! {
    #[test]
    fn decoder_never_panics_and_errors_are_well_formed(
        path in proptest::prop_oneof![
            "/1/(admin/)?messages/[A-Za-z0-9_%./-]{0,70}",
            "/1/.{0,40}",
            ".{0,80}",
        ],
        query in proptest::option::of(
            "((company_id|count|sorted_by|sort_by|max_created_usec|max_updated_usec|\
              updated_since_usec|last_updated_since_usec|message_type|include_deleted|x)\
              =[-+%0-9A-Za-z&=.]{0,24}&?){0,6}|.{0,60}"
        ),
    ) {
        let face = Quip::new(&QuipConfig::default());
        let headers = HeaderMap::new();
        let method = Method::GET;
        let req = RequestView {
            method: &method,
            path: &path,
            query: query.as_deref(),
            headers: &headers,
            peer: None,
            now_usec: 0,
            pairs: &crate::dialect::QueryPairs::new(),
        };
        let principal = Principal {
            user_id: "u".into(),
            username: "u".into(),
            admin_of: Vec::new(),
        };
        match face.resolve(&path) {
            None => {
                let reply = face.render_error(&req, &Error::RouteNotFound);
                proptest::prop_assert_eq!(reply.status().as_u16(), 404);
                assert_envelope(404, reply.body());
            }
            Some(ep) => match ep.decode(&req, principal) {
                Ok(q) => {
                    let limit = match q.slice {
                        crate::canonical::Slice::Offset { limit, .. } => limit,
                        _ => None,
                    };
                    proptest::prop_assert!(matches!(limit, Some(1..=100)));
                }
                Err(e) => {
                    let reply = ep.render_error(&req, &e);
                    proptest::prop_assert_eq!(reply.status().as_u16(), 400);
                    assert_envelope(400, reply.body());
                }
            },
        }
    }
}
