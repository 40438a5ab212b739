//! Every error row of spec §6: the exact bodies (the golden files) decode to the canonical
//! error, and what the server face renders for an error decodes back to one that renders to
//! the same bytes.

use super::*;
use crate::canonical::{AuthFailure, Error, Resource, UserRef};
use crate::dialect::selfcommunity::errors::INVALID_INTEGER;
use crate::dialect::selfcommunity::render_error;
use crate::dialect::selfcommunity::tests::req as view;
use http::{HeaderMap, Method};

fn golden(name: &str) -> String {
    let path = format!(
        "{}/tests/golden/selfcommunity/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn decode(req: &Request, status: u16, body: &str) -> Error {
    decode_error(req, &Answer::new(status, body.as_bytes()))
}

fn with_www(req: &Request, www: &str) -> Error {
    let mut h = HeaderMap::new();
    h.insert("www-authenticate", www.parse().unwrap());
    let body = br#"{"detail":"Authentication credentials were not provided."}"#;
    decode_error(req, &Answer::with_headers(401, &h, body))
}

#[test]
fn spec_rows() {
    let t = thread_request("502");
    let u = pm(
        &query(Target::Direct {
            peer: UserRef::Id("105".into()),
        }),
        Window {
            offset: 0,
            limit: 20,
        },
    )
    .unwrap();
    assert_eq!(
        with_www(&t, r#"Bearer realm="api""#),
        Error::Unauthenticated(AuthFailure::Missing)
    );
    assert_eq!(
        with_www(
            &t,
            r#"Bearer realm="api",error="invalid_token",error_description="The access token is invalid.""#
        ),
        Error::Unauthenticated(AuthFailure::Invalid)
    );
    assert_eq!(
        decode(&t, 401, "{}"),
        Error::Unauthenticated(AuthFailure::Invalid)
    );
    assert_eq!(
        decode(&t, 403, &golden("error_403")),
        Error::Forbidden(Resource::Room("502".into()))
    );
    assert_eq!(
        decode(&u, 404, &golden("error_404")),
        Error::NotFound(Resource::User("105".into()))
    );
    assert_eq!(
        decode(&t, 400, &golden("error_400_many")),
        Error::invalid("thread,user,before_message", "", INVALID_INTEGER)
    );
    assert_eq!(
        decode(&t, 405, &golden("error_405")),
        Error::MethodNotAllowed {
            method: "DELETE".into()
        }
    );
    assert_eq!(
        decode(
            &t,
            429,
            r#"{"detail":"Request was throttled. Expected available in 7 seconds."}"#
        ),
        Error::RateLimited {
            retry_after_ms: 7000
        }
    );
    assert_eq!(
        decode(
            &t,
            429,
            r#"{"detail":"Request was throttled. Expected available in 1 second."}"#
        ),
        Error::RateLimited {
            retry_after_ms: 1000
        }
    );
    assert_eq!(decode(&t, 504, &golden("error_504")), Error::BackendTimeout);
    for (status, body) in [
        (503, golden("error_503")),
        (500, r#"{"detail":"A server error occurred."}"#.to_owned()),
        (502, "<html>Bad Gateway</html>".to_owned()),
        (404, "<h1>Not Found</h1>".to_owned()),
        (400, "<h1>Bad Request (400)</h1>".to_owned()),
        (405, r#"{"detail":"nope"}"#.to_owned()),
        (501, r#"{"detail":"Not Implemented"}"#.to_owned()),
        (302, String::new()),
    ] {
        let e = decode(&t, status, &body);
        let Error::BackendUnavailable(why) = &e else {
            panic!("{status} {body}: {e:?}")
        };
        assert!(
            why.starts_with(&format!("selfcommunity /api/v2/pm/ answered {status}")),
            "{why}"
        );
    }
    assert_eq!(
        decode(&me(), 404, r#"{"detail":"Not found."}"#),
        Error::NotFound(Resource::User(String::new()))
    );
}

#[test]
fn parameter_rows() {
    let t = thread_request("1");
    assert_eq!(
        decode(
            &t,
            400,
            r#"{"errors":[{"field":"thread","messages":[{"code":"required","message":"This field is required."}]}]}"#
        ),
        Error::missing("thread")
    );
    assert_eq!(
        decode(
            &t,
            400,
            r#"{"errors":[{"field":"x","messages":[{"code":"invalid","message":"Unknown parameter."}]}]}"#
        ),
        Error::UnknownParameter { name: "x".into() }
    );
    assert_eq!(
        decode(&t, 400, r#"{"detail":"JSON parse error"}"#),
        Error::invalid("", "", "JSON parse error")
    );
    // A broken wrapper is no parameter error.
    assert!(matches!(
        decode(&t, 400, r#"{"errors":[{"field":3}]}"#),
        Error::BackendUnavailable(_)
    ));
}

#[test]
fn rate_limit_wait_from_header_then_body() {
    let t = thread_request("1");
    let body = br#"{"detail":"Request was throttled. Expected available in 7 seconds."}"#;
    let mut h = HeaderMap::new();
    h.insert("retry-after", "3".parse().unwrap());
    let wait =
        |h: &HeaderMap, body: &[u8]| match decode_error(&t, &Answer::with_headers(429, h, body)) {
            Error::RateLimited { retry_after_ms } => retry_after_ms,
            e => panic!("{e:?}"),
        };
    assert_eq!(wait(&h, body), 3000);
    assert_eq!(wait(&HeaderMap::new(), body), 7000);
    assert_eq!(wait(&HeaderMap::new(), b"garbage"), DEFAULT_RETRY_MS);
    h.insert("retry-after", "99999999999".parse().unwrap());
    assert_eq!(wait(&h, b""), 86_400_000);
}

/// Every error the server face renders (but the 5xx it answers for its own failures),
/// decoded, renders to the same status, headers of interest and bytes.
#[test]
fn rendered_errors_render_again_to_the_same_bytes() {
    let headers = HeaderMap::new();
    let method = Method::GET;
    let errors = [
        Error::Unauthenticated(AuthFailure::Missing),
        Error::Unauthenticated(AuthFailure::Invalid),
        Error::Forbidden(Resource::Room("r".into())),
        Error::NotFound(Resource::Group("g".into())),
        Error::NotFound(Resource::Room("r".into())),
        Error::RouteNotFound,
        Error::invalid("thread,group", "x", INVALID_INTEGER),
        Error::missing("thread"),
        Error::UnknownParameter { name: "a,b".into() },
        Error::MethodNotAllowed {
            method: "post".into(),
        },
        Error::PayloadTooLarge,
        Error::RateLimited {
            retry_after_ms: 2500,
        },
        Error::RateLimited { retry_after_ms: 0 },
        Error::BackendUnavailable("x".into()),
        Error::BadBackendAnswer("x".into()),
        Error::BackendTimeout,
        Error::Unsupported("oldest-first slices \"é\"".into()),
    ];
    for e in &errors {
        let v = view(&method, "/api/v2/pm/", None, &headers, None);
        let first = render_error(&v, e);
        let status = first.status().as_u16();
        let decoded = decode_error(
            &thread_request("1"),
            &Answer::with_headers(status, first.headers(), first.body()),
        );
        let again = render_error(&v, &decoded);
        assert_eq!(
            (again.status().as_u16(), again.body()),
            (status, first.body()),
            "{e:?} → {decoded:?}"
        );
        for h in ["www-authenticate", "retry-after"] {
            assert_eq!(again.headers().get(h), first.headers().get(h), "{e:?} {h}");
        }
    }
    // The server face's own failure is the upstream's failure here.
    let v = view(&method, "/api/v2/pm/", None, &headers, None);
    let r = render_error(&v, &Error::Internal("x".into()));
    let decoded = decode(
        &thread_request("1"),
        r.status().as_u16(),
        std::str::from_utf8(r.body()).unwrap(),
    );
    assert!(
        matches!(decoded, Error::BackendUnavailable(_)),
        "{decoded:?}"
    );
}
