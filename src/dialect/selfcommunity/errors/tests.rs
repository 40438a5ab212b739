//! `render_error`: every row of spec §6.

use super::*;
use crate::canonical::Resource;
use crate::dialect::selfcommunity::tests::req;
use http::{HeaderMap, Method};

fn render(err: &Error) -> (u16, Reply, String) {
    let headers = HeaderMap::new();
    let m = Method::GET;
    let reply = render_error(&req(&m, "/api/v2/pm/", None, &headers, None), err);
    let h = reply.headers();
    assert_eq!(h["content-type"], "application/json");
    assert_eq!(h["vary"], "Accept");
    assert_eq!(h["allow"], "GET, HEAD");
    let body = String::from_utf8(reply.body().to_vec()).unwrap();
    (reply.status().as_u16(), reply, body)
}

#[test]
fn every_error_row() {
    let (s, r, b) = render(&Error::invalid("thread,group", "", INVALID_INTEGER));
    assert_eq!(s, 400);
    assert_eq!(
        b,
        r#"{"errors":[{"field":"thread","messages":[{"code":"invalid","message":"A valid integer is required."}]},{"field":"group","messages":[{"code":"invalid","message":"A valid integer is required."}]}]}"#
    );
    assert!(r.headers().get("www-authenticate").is_none());

    let (s, r, b) = render(&Error::Unauthenticated(AuthFailure::Missing));
    assert_eq!(
        (s, b.as_str()),
        (
            401,
            r#"{"detail":"Authentication credentials were not provided."}"#
        )
    );
    assert_eq!(r.headers()["www-authenticate"], r#"Bearer realm="api""#);

    let (s, r, b) = render(&Error::Unauthenticated(AuthFailure::Invalid));
    assert_eq!(
        (s, b.as_str()),
        (
            401,
            r#"{"detail":"Authentication credentials were not provided."}"#
        )
    );
    assert_eq!(
        r.headers()["www-authenticate"],
        r#"Bearer realm="api",error="invalid_token",error_description="The access token is invalid.""#
    );

    let (s, _, b) = render(&Error::Forbidden(Resource::Room("r".into())));
    assert_eq!(
        (s, b.as_str()),
        (
            403,
            r#"{"detail":"You do not have permission to perform this action."}"#
        )
    );
    for resource in [
        Resource::Room("r".into()),
        Resource::User("u".into()),
        Resource::Group("g".into()),
    ] {
        let (s, _, b) = render(&Error::NotFound(resource));
        assert_eq!((s, b.as_str()), (404, r#"{"detail":"Not found."}"#));
    }
    let (s, _, b) = render(&Error::MethodNotAllowed {
        method: "POST".into(),
    });
    assert_eq!(
        (s, b.as_str()),
        (405, r#"{"detail":"Method \"POST\" not allowed."}"#)
    );

    let (s, r, b) = render(&Error::RateLimited {
        retry_after_ms: 2500,
    });
    assert_eq!(
        (s, b.as_str()),
        (
            429,
            r#"{"detail":"Request was throttled. Expected available in 3 seconds."}"#
        )
    );
    assert_eq!(r.headers()["retry-after"], "3");
    let (_, r, b) = render(&Error::RateLimited {
        retry_after_ms: 200,
    });
    assert_eq!(
        b,
        r#"{"detail":"Request was throttled. Expected available in 1 second."}"#
    );
    assert_eq!(r.headers()["retry-after"], "1");

    let (s, _, b) = render(&Error::Internal("x".into()));
    assert_eq!(
        (s, b.as_str()),
        (500, r#"{"detail":"A server error occurred."}"#)
    );
    for e in [
        Error::BackendUnavailable("x".into()),
        Error::BadBackendAnswer("x".into()),
    ] {
        let (s, _, b) = render(&e);
        assert_eq!(
            (s, b.as_str()),
            (
                503,
                r#"{"detail":"Service temporarily unavailable, try again later."}"#
            )
        );
    }
    let (s, _, b) = render(&Error::BackendTimeout);
    assert_eq!(
        (s, b.as_str()),
        (504, r#"{"detail":"Upstream timed out, try again later."}"#)
    );
}
