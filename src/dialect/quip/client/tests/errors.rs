//! Every error row of spec §6: the exact bodies (the golden files) decode to the canonical
//! error, and what the server face renders for an error decodes back to one that renders to
//! the same bytes.

use super::*;
use crate::canonical::{AuthFailure, Error, Resource};
use crate::dialect::quip::render_error;

fn golden(name: &str) -> String {
    let path = format!(
        "{}/tests/golden/quip/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn decode(req: &Request, status: u16, body: &str) -> Error {
    decode_error(req, &Answer::new(status, body.as_bytes(), 0))
}

fn admin(company: &str) -> Request {
    messages(&admin_query(THREAD, company), None, 25).unwrap()
}

#[test]
fn golden_rows() {
    let t = thread_request(THREAD);
    let a = admin("northwind");
    for name in [
        "error_unauthorized_invalid",
        "error_unauthorized_missing",
        "error_unauthorized_other_scheme",
    ] {
        assert_eq!(
            decode(&t, 401, &golden(name)),
            Error::Unauthenticated(AuthFailure::Invalid)
        );
    }
    assert_eq!(
        decode(&t, 403, &golden("error_forbidden_not_a_member")),
        Error::Forbidden(Resource::Room(THREAD.into()))
    );
    assert_eq!(
        decode(&a, 403, &golden("error_forbidden_not_admin")),
        Error::Forbidden(Resource::Company("northwind".into()))
    );
    // Another company's name, echoed: not the request's company.
    assert_eq!(
        decode(&a, 403, &golden("error_forbidden_other_company")),
        Error::Forbidden(Resource::Room("acme".into()))
    );
    assert_eq!(
        decode(
            &a,
            403,
            &golden("error_forbidden_thread_of_another_company")
        ),
        Error::Forbidden(Resource::Room("0tJCEAP50Oj".into()))
    );
    for name in [
        "error_thread_not_found",
        "error_thread_not_found_automation",
    ] {
        assert_eq!(
            decode(&t, 404, &golden(name)),
            Error::NotFound(Resource::Room(THREAD.into()))
        );
    }
    for name in [
        "error_not_found_bad_segment",
        "error_not_found_extra_segment",
        "error_not_found_too_long",
        "error_not_found_trailing_slash",
        "error_not_found_unknown_path",
    ] {
        assert_eq!(decode(&t, 404, &golden(name)), Error::RouteNotFound);
    }
    assert_eq!(
        decode(&a, 400, &golden("error_missing_company_id")),
        Error::missing("company_id")
    );
    assert_eq!(
        decode(&a, 400, &golden("error_invalid_count")),
        Error::invalid("count", "25", "Invalid count")
    );
    assert_eq!(
        decode(&a, 400, &golden("error_invalid_sorted_by")),
        Error::invalid("sorted_by", "DESC", "Invalid sorted_by")
    );
    for p in [
        "max_created_usec",
        "max_updated_usec",
        "updated_since_usec",
        "last_updated_since_usec",
    ] {
        let text = format!("Invalid {p}");
        assert_eq!(
            decode(&t, 400, &golden(&format!("error_invalid_{p}"))),
            Error::invalid(p, "", &text)
        );
    }
    assert_eq!(
        decode(&t, 405, &golden("error_method_not_allowed")),
        Error::MethodNotAllowed {
            method: "GET".into()
        }
    );
    assert_eq!(
        decode(&t, 504, &golden("error_upstream_timeout")),
        Error::BackendTimeout
    );
    assert!(matches!(
        decode(&t, 502, &golden("error_upstream_unavailable")),
        Error::BackendUnavailable(_)
    ));
}

#[test]
fn other_rows() {
    let t = thread_request(THREAD);
    let me = current_user();
    assert_eq!(
        decode(&me, 404, r#"{"error_description":"User not found"}"#),
        Error::NotFound(Resource::User(String::new()))
    );
    assert_eq!(
        decode(&t, 403, "<html>Forbidden</html>"),
        Error::Forbidden(Resource::Room(THREAD.into()))
    );
    assert_eq!(
        decode(&t, 400, r#"{"error_description":"Bad thing"}"#),
        Error::invalid("", "", "Bad thing")
    );
    assert_eq!(
        decode(
            &t,
            413,
            r#"{"error":"Payload Too Large","error_code":413,"error_description":"Request body too large"}"#
        ),
        Error::PayloadTooLarge
    );
    assert_eq!(
        decode(
            &t,
            501,
            r#"{"error":"Not Implemented","error_code":501,"error_description":"Not answerable through this gateway's upstream: edit records"}"#
        ),
        Error::Unsupported("edit records".into())
    );
    assert_eq!(decode(&t, 504, "<html>"), Error::BackendTimeout);
    for (status, body) in [
        (
            500,
            r#"{"error":"Internal Server Error","error_code":500,"error_description":"Internal error"}"#,
        ),
        (502, "<html>Bad Gateway</html>"),
        (503, r#"{"error_description":"Maintenance"}"#),
        (503, "Service Unavailable"),
        (501, r#"{"error_description":"Not Implemented"}"#),
        (404, "<h1>Not Found</h1>"),
        (400, "<h1>Bad Request</h1>"),
        (400, r#"{"error_description":3}"#),
        (405, ""),
        (413, "too big"),
        (302, ""),
        (200, "[]"),
        (0, "\u{0}garbage"),
    ] {
        let e = decode(&t, status, body);
        let Error::BackendUnavailable(why) = &e else {
            panic!("{status} {body}: {e:?}")
        };
        assert!(
            why.starts_with(&format!("quip /1/messages/vCPRIcENZyp answered {status}")),
            "{why}"
        );
    }
}

#[test]
fn rate_limits() {
    let t = thread_request(THREAD);
    let over = br#"{"error":"Service Unavailable","error_code":503,"error_description":"Over Rate Limit"}"#;
    let now_ms = 1_700_000_000_000;
    let wait = |status: u16, headers: &[(&str, &str)], body: &[u8]| {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        match decode_error(&t, &Answer::with_headers(status, &h, body, now_ms)) {
            Error::RateLimited { retry_after_ms } => retry_after_ms,
            e => panic!("{e:?}"),
        }
    };
    let user = [
        ("x-ratelimit-limit", "50"),
        ("x-ratelimit-remaining", "0"),
        ("x-ratelimit-reset", "1700000042"),
    ];
    assert_eq!(wait(503, &user, over), 42_000);
    assert_eq!(wait(503, &[], over), DEFAULT_RETRY_MS);
    // The company window is the one used up.
    let both = [
        ("x-ratelimit-remaining", "7"),
        ("x-ratelimit-reset", "1700000010"),
        ("x-company-ratelimit-remaining", "0"),
        ("x-company-ratelimit-reset", "1700000300"),
    ];
    assert_eq!(wait(503, &both, over), 300_000);
    // 429 (seen in newer traffic), with any body; a past reset says nothing.
    assert_eq!(wait(429, &[("retry-after", "3")], b""), 3000);
    assert_eq!(
        wait(
            429,
            &[("x-ratelimit-reset", "1600000000"), ("retry-after", "5")],
            b"<html>"
        ),
        5000
    );
    // A reset more than a day away is a broken clock.
    assert_eq!(
        wait(429, &[("x-ratelimit-reset", "99999999999")], b""),
        DEFAULT_RETRY_MS
    );
    assert_eq!(
        wait(429, &[("retry-after", "99999999999")], b""),
        86_400_000
    );
}

/// Every error the server face renders (but its own internal failure), decoded, renders to
/// the same status, `Allow` and bytes.
#[test]
fn rendered_errors_render_again_to_the_same_bytes() {
    let errors = [
        Error::RouteNotFound,
        Error::MethodNotAllowed {
            method: "POST".into(),
        },
        Error::Unauthenticated(AuthFailure::Missing),
        Error::Unauthenticated(AuthFailure::Invalid),
        Error::RateLimited {
            retry_after_ms: 2500,
        },
        Error::RateLimited { retry_after_ms: 0 },
        Error::missing("company_id"),
        Error::invalid("count", "0", "Invalid count"),
        Error::invalid("sort_by", "up", "Invalid sorted_by"),
        Error::invalid("max_created_usec", "-1", "Invalid max_created_usec"),
        Error::invalid("x", "y", "Some \"other\" reason é"),
        Error::invalid("", "", ""),
        Error::UnknownParameter { name: "zz".into() },
        Error::Forbidden(Resource::Company("northwind".into())),
        Error::Forbidden(Resource::Room(THREAD.into())),
        Error::Forbidden(Resource::Room("other".into())),
        Error::Forbidden(Resource::User("u".into())),
        Error::NotFound(Resource::Room(THREAD.into())),
        Error::NotFound(Resource::Message("m".into())),
        Error::PayloadTooLarge,
        Error::BackendUnavailable("x".into()),
        Error::BadBackendAnswer("x".into()),
        Error::BackendTimeout,
        Error::Unsupported("oldest-first slices \"é\"".into()),
        Error::Unsupported(String::new()),
    ];
    for req in [thread_request(THREAD), admin("northwind"), current_user()] {
        for e in &errors {
            let (first, again, decoded) = with_view(&req, |v| {
                let first = render_error(v, e);
                let decoded = decode_error(
                    &req,
                    &Answer::with_headers(
                        first.status().as_u16(),
                        first.headers(),
                        first.body(),
                        0,
                    ),
                );
                let again = render_error(v, &decoded);
                (first, again, decoded)
            });
            assert_eq!(
                (again.status(), again.body()),
                (first.status(), first.body()),
                "{e:?} → {decoded:?}"
            );
            assert_eq!(again.headers().get("allow"), first.headers().get("allow"));
        }
    }
    // The server face's own failure is the upstream's failure here.
    let t = thread_request(THREAD);
    let r = with_view(&t, |v| render_error(v, &Error::Internal("x".into())));
    let decoded = decode_error(&t, &Answer::new(r.status().as_u16(), r.body(), 0));
    assert!(
        matches!(decoded, Error::BackendUnavailable(_)),
        "{decoded:?}"
    );
}
