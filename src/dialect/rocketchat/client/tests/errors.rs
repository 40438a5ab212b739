//! Every error row of spec §6 (and the §7 variants): the exact body decodes to the canonical
//! error, and what the server face renders for that error decodes back to it, byte for byte.

use super::*;
use crate::canonical::{AuthFailure, Error, Resource};
use crate::dialect::rocketchat::endpoints::{dm, thread};
use crate::dialect::rocketchat::errors::INVALID_SORT;
use crate::dialect::rocketchat::profile::{Profile, V6, V7, V8, V9};
use crate::dialect::rocketchat::render_error;
use crate::dialect::{QueryPairs, RequestView};
use http::{HeaderMap, Method};

const ALL: [&Profile; 4] = [&V6, &V7, &V8, &V9];

fn decode(req: &Request, status: u16, body: &str) -> Error {
    decode_error(req, &Answer::new(status, body.as_bytes(), 0))
}

fn thread_req() -> Request {
    thread_request("tm1")
}

fn dm_req() -> Request {
    dm_request("room1", false)
}

/// Spec §6, the exact bodies, with the error each stands for.
#[test]
fn spec_rows() {
    let t = thread_req();
    let d = dm_req();
    let rows: Vec<(&Request, u16, &str, Error)> = vec![
        (
            &t,
            401,
            r#"{"status":"error","message":"You must be logged in to do this."}"#,
            Error::Unauthenticated(AuthFailure::Invalid),
        ),
        (
            &d,
            401,
            r#"{"success":false,"error":"You must be logged in to do this.","status":"error","message":"You must be logged in to do this."}"#,
            Error::Unauthenticated(AuthFailure::Invalid),
        ),
        (
            &d,
            401,
            r#"{"success":false,"error":"You must be logged in to do this."}"#,
            Error::Unauthenticated(AuthFailure::Invalid),
        ),
        (
            &d,
            400,
            r#"{"success":false,"error":"must have required property 'roomId' [invalid-params]","errorType":"invalid-params"}"#,
            Error::missing("roomId"),
        ),
        (
            &d,
            400,
            r#"{"success":false,"errorType":"error-invalid-params","error":"must have required property 'roomId'"}"#,
            Error::missing("roomId"),
        ),
        (
            &t,
            400,
            r#"{"success":false,"error":"must NOT have additional properties [invalid-params]","errorType":"invalid-params"}"#,
            Error::UnknownParameter {
                name: String::new(),
            },
        ),
        (
            &d,
            400,
            r#"{"success":false,"error":"must be number [invalid-params]","errorType":"invalid-params"}"#,
            Error::invalid("", "", "must be number"),
        ),
        (
            &d,
            400,
            r#"{"success":false,"errorType":"error-invalid-params","error":"must be equal to one of the allowed values"}"#,
            Error::invalid("", "", "must be equal to one of the allowed values"),
        ),
        (
            &t,
            400,
            r#"{"success":false,"error":"The required \"tmid\" query param is missing. [error-invalid-params]","errorType":"error-invalid-params"}"#,
            Error::missing("tmid"),
        ),
        (
            &t,
            400,
            r#"{"success":false,"error":"Invalid sort parameter provided: \"{\"ts\":2}\" [error-invalid-sort]","errorType":"error-invalid-sort","details":{"helperMethod":"parseJsonQuery"}}"#,
            Error::invalid("sort", r#"{"ts":2}"#, INVALID_SORT),
        ),
        (
            &t,
            400,
            r#"{"success":false,"error":"Invalid Message [error-invalid-message]","errorType":"error-invalid-message"}"#,
            Error::NotFound(Resource::Message("tm1".to_owned())),
        ),
        (
            &t,
            400,
            r#"{"success":false,"error":"Not Allowed [error-not-allowed]","errorType":"error-not-allowed"}"#,
            Error::Forbidden(Resource::Message("tm1".to_owned())),
        ),
        (
            &d,
            400,
            r#"{"success":false,"error":"[invalid-channel]","errorType":"invalid-channel"}"#,
            Error::NotFound(Resource::Room("room1".to_owned())),
        ),
        (
            &d,
            403,
            r#"{"success":false,"error":"unauthorized"}"#,
            Error::Forbidden(Resource::Room("room1".to_owned())),
        ),
        (
            &d,
            403,
            r#"{"success":false,"error":"forbidden"}"#,
            Error::Forbidden(Resource::Room("room1".to_owned())),
        ),
        (
            &d,
            429,
            r#"{"success":false,"error":"Error, too many requests. Please slow down. You must wait 7 seconds before trying this endpoint again. [error-too-many-requests]"}"#,
            Error::RateLimited {
                retry_after_ms: 7000,
            },
        ),
        (
            &t,
            504,
            r#"{"success":false,"error":"Upstream timed out [error-upstream-timeout]","errorType":"error-upstream-timeout"}"#,
            Error::BackendTimeout,
        ),
    ];
    for (req, status, body, want) in rows {
        assert_eq!(decode(req, status, body), want, "{status} {body}");
    }
    // Rows whose canonical error carries the upstream's words.
    for (status, body) in [
        (
            405,
            r#"{"status":"error","message":"API endpoint does not exist"}"#,
        ),
        (
            502,
            r#"{"success":false,"error":"Upstream unavailable [error-upstream-unavailable]","errorType":"error-upstream-unavailable"}"#,
        ),
        (500, r#"{"success":false,"error":"Internal server error"}"#),
        (
            404,
            r#"{"success":false,"error":"API endpoint does not exist"}"#,
        ),
        (404, "<html>Not found</html>"),
        (503, ""),
        (
            400,
            r#"{"success":false,"error":"Room archived [error-room-archived]","errorType":"error-room-archived"}"#,
        ),
        (302, ""),
    ] {
        let e = decode(&d, status, body);
        let Error::BackendUnavailable(why) = &e else {
            panic!("{status} {body}: {e:?}")
        };
        assert!(
            why.starts_with(&format!("rocketchat /api/v1/dm.history answered {status}")),
            "{why}"
        );
    }
    assert_eq!(
        decode(&d, 404, r#"{"success":false,"error":"Resource not found"}"#),
        Error::NotFound(Resource::Room("room1".to_owned()))
    );
    assert_eq!(
        decode(
            &d,
            400,
            r#"{"success":false,"error":"The required \"roomId\" or \"roomName\" param provided does not match any group [error-room-not-found]","errorType":"error-room-not-found"}"#
        ),
        Error::NotFound(Resource::Room("room1".to_owned()))
    );
}

#[test]
fn success_false_with_status_200_is_an_error() {
    let body = br#"{"success":false,"error":"Not Allowed [error-not-allowed]","errorType":"error-not-allowed"}"#;
    assert_eq!(
        decode_page(&thread_req(), &Answer::new(200, body, 0)),
        Err(Error::Forbidden(Resource::Message("tm1".to_owned())))
    );
}

#[test]
fn rate_limit_wait_from_headers_then_body_then_retry_after() {
    let d = dm_req();
    let body = br#"{"success":false,"error":"Error, too many requests. Please slow down. You must wait 7 seconds before trying this endpoint again. [error-too-many-requests]"}"#;
    let mut h = HeaderMap::new();
    h.insert("x-ratelimit-reset", "1700000012345".parse().unwrap());
    h.insert("retry-after", "3".parse().unwrap());
    let wait = |h: &HeaderMap, body: &[u8]| match decode_error(
        &d,
        &Answer::with_headers(429, h, body, 1_700_000_000_000),
    ) {
        Error::RateLimited { retry_after_ms } => retry_after_ms,
        e => panic!("{e:?}"),
    };
    assert_eq!(wait(&h, body), 12_345);
    // A reset already past: the body's words.
    h.insert("x-ratelimit-reset", "1600000000000".parse().unwrap());
    assert_eq!(wait(&h, body), 7_000);
    assert_eq!(wait(&h, b"garbage"), 3_000);
    assert_eq!(wait(&HeaderMap::new(), b""), DEFAULT_RETRY_MS);
    h.insert("retry-after", "99999999999".parse().unwrap());
    assert_eq!(wait(&h, b""), 86_400_000);
}

fn view<'a>(
    path: &'a str,
    headers: &'a HeaderMap,
    method: &'a Method,
    pairs: &'a QueryPairs,
) -> RequestView<'a> {
    RequestView {
        method,
        path,
        query: None,
        headers,
        peer: None,
        now_usec: 0,
        pairs,
    }
}

/// What the server face renders for an error, decoded, is that error again (up to the
/// names the body does not carry), and renders to the same bytes.
#[test]
fn rendered_errors_decode_to_themselves_in_every_profile() {
    let headers = HeaderMap::new();
    let method = Method::GET;
    let pairs = QueryPairs::new();
    let errors = [
        Error::Unauthenticated(AuthFailure::Invalid),
        Error::Forbidden(Resource::Room("room1".to_owned())),
        Error::NotFound(Resource::Message("tm1".to_owned())),
        Error::NotFound(Resource::Room("room1".to_owned())),
        Error::missing("tmid"),
        Error::missing("roomId"),
        Error::UnknownParameter {
            name: String::new(),
        },
        Error::invalid("", "", "must be number"),
        Error::invalid("sort", "{\"ts\":0} \\ \u{1}", INVALID_SORT),
        Error::RateLimited {
            retry_after_ms: 3000,
        },
        Error::BackendTimeout,
        Error::Unsupported("oldest-first history".into()),
    ];
    for p in ALL {
        for (path, req) in [(thread::PATH, thread_req()), (dm::PATH, dm_req())] {
            for e in &errors {
                let v = view(path, &headers, &method, &pairs);
                let first = render_error(p, &v, e);
                let status = first.status().as_u16();
                let decoded = decode_error(
                    &req,
                    &Answer::with_headers(status, first.headers(), first.body(), 0),
                );
                let again = render_error(p, &v, &decoded);
                assert_eq!(
                    (again.status().as_u16(), again.body()),
                    (status, first.body()),
                    "profile {} {path} {e:?} → {decoded:?}",
                    p.name
                );
            }
            // 5xx keep their status and body through the gateway too.
            for e in [
                Error::BackendUnavailable("x".into()),
                Error::Internal("x".into()),
            ] {
                let v = view(path, &headers, &method, &pairs);
                let r = render_error(p, &v, &e);
                let decoded = decode_error(&req, &Answer::new(r.status().as_u16(), r.body(), 0));
                assert!(
                    matches!(decoded, Error::BackendUnavailable(_)),
                    "{decoded:?}"
                );
            }
        }
    }
}

/// What the server face's `rooms.info` refuses with (the server's own bodies) decodes to the
/// error it was rendered from, so a gateway in front passes it on.
#[test]
fn rooms_info_refusals_decode_to_themselves() {
    use crate::dialect::rocketchat::endpoints::rooms_info;
    let headers = HeaderMap::new();
    let method = Method::GET;
    let pairs = QueryPairs::new();
    let req = rooms_info("room1");
    for e in [
        Error::Forbidden(Resource::Room("room1".to_owned())),
        Error::NotFound(Resource::Room("room1".to_owned())),
    ] {
        for p in ALL {
            let v = view(rooms_info::PATH, &headers, &method, &pairs);
            let r = render_error(p, &v, &e);
            assert_eq!(r.status().as_u16(), 400);
            let decoded = decode_error(&req, &Answer::new(400, r.body(), 0));
            assert_eq!(decoded, e, "profile {}", p.name);
        }
    }
}
