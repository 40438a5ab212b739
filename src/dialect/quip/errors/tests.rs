//! `render_error`: every row of spec §6.

use super::*;
use crate::canonical::AuthFailure;
use http::{HeaderMap, Method};

fn render(err: &Error) -> (u16, String, Option<String>) {
    let headers = HeaderMap::new();
    let method = Method::GET;
    let req = RequestView {
        method: &method,
        path: "/1/messages/x",
        query: None,
        headers: &headers,
        peer: None,
        now_usec: 0,
        pairs: &crate::dialect::QueryPairs::new(),
    };
    let reply = render_error(&req, err);
    let h = reply.headers();
    assert_eq!(h["content-type"], "application/json");
    assert!(h.get("www-authenticate").is_none());
    assert!(h.get("retry-after").is_none());
    let allow = h
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (
        reply.status().as_u16(),
        String::from_utf8(reply.body().to_vec()).unwrap(),
        allow,
    )
}

fn body(status: u16, error: &str, description: &str) -> String {
    format!(r#"{{"error":"{error}","error_code":{status},"error_description":"{description}"}}"#)
}

#[test]
fn every_error_row() {
    let rows: Vec<(Error, u16, &str, String)> = vec![
        (Error::RouteNotFound, 404, "Not Found", "Not found".into()),
        (
            Error::MethodNotAllowed {
                method: "POST".into(),
            },
            405,
            "Method Not Allowed",
            "Method not allowed".into(),
        ),
        (
            Error::Unauthenticated(AuthFailure::Missing),
            401,
            "Unauthorized",
            "Invalid access token".into(),
        ),
        (
            Error::Unauthenticated(AuthFailure::Invalid),
            401,
            "Unauthorized",
            "Invalid access token".into(),
        ),
        (
            Error::RateLimited {
                retry_after_ms: 1500,
            },
            503,
            "Service Unavailable",
            "Over Rate Limit".into(),
        ),
        (
            Error::missing("company_id"),
            400,
            "Bad Request",
            "Missing company_id".into(),
        ),
        (
            Error::invalid("count", "0", "Invalid count"),
            400,
            "Bad Request",
            "Invalid count".into(),
        ),
        (
            Error::invalid("sort_by", "x", "Invalid sorted_by"),
            400,
            "Bad Request",
            "Invalid sorted_by".into(),
        ),
        (
            Error::invalid("max_updated_usec", "x", "Invalid max_updated_usec"),
            400,
            "Bad Request",
            "Invalid max_updated_usec".into(),
        ),
        (
            Error::Forbidden(Resource::Company("acme".into())),
            403,
            "Forbidden",
            "Not authorized: acme".into(),
        ),
        (
            Error::NotFound(Resource::Room("nope".into())),
            404,
            "Not Found",
            "Thread not found".into(),
        ),
        (
            Error::Forbidden(Resource::Room("0tJCEAP50Oj".into())),
            403,
            "Forbidden",
            "Not authorized: 0tJCEAP50Oj".into(),
        ),
        (
            Error::BackendUnavailable("down".into()),
            502,
            "Bad Gateway",
            "Upstream unavailable".into(),
        ),
        (
            Error::BadBackendAnswer("junk".into()),
            502,
            "Bad Gateway",
            "Upstream unavailable".into(),
        ),
        (
            Error::BackendTimeout,
            504,
            "Gateway Timeout",
            "Upstream timed out".into(),
        ),
        (
            Error::Internal("boom".into()),
            500,
            "Internal Server Error",
            "Internal error".into(),
        ),
        (
            Error::PayloadTooLarge,
            413,
            "Payload Too Large",
            "Request body too large".into(),
        ),
    ];
    for (err, status, error, description) in rows {
        let (s, b, allow) = render(&err);
        assert_eq!(s, status, "{err:?}");
        assert_eq!(b, body(status, error, &description), "{err:?}");
        assert_eq!(allow.is_some(), status == 405, "{err:?}");
        if status == 405 {
            assert_eq!(allow.as_deref(), Some("GET, HEAD"));
        }
    }
}

#[test]
fn echoes_ids_as_received_and_escapes_them() {
    let (_, b, _) = render(&Error::Forbidden(Resource::Company("a\"b".into())));
    assert_eq!(
        b,
        r#"{"error":"Forbidden","error_code":403,"error_description":"Not authorized: a\"b"}"#
    );
}
