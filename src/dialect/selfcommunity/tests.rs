//! The dialect face: credentials (spec §2), a property test of decoder and encoder, and
//! the request helpers the other SelfCommunity tests share.

use super::*;
use http::Method;

/// A GET-like view of a request (method, path, query, headers, peer as given).
pub(crate) fn req<'a>(
    method: &'a Method,
    path: &'a str,
    query: Option<&'a str>,
    headers: &'a HeaderMap,
    peer: Option<std::net::SocketAddr>,
) -> RequestView<'a> {
    RequestView {
        method,
        path,
        query,
        headers,
        peer,
        now_usec: 0,
        // A test helper: one leaked (tiny) QueryPairs per view.
        pairs: Box::leak(Box::default()),
    }
}

/// The pairs a request with query `q` decodes to (what every decoder reads).
pub(crate) fn qp(q: Option<&str>) -> Vec<(String, String)> {
    let (m, h) = (Method::GET, HeaderMap::new());
    req(&m, "/api/v2/pm/", q, &h, None).pairs().to_vec()
}

#[test]
fn bearer_credentials_only() {
    let cred = |v: &str| {
        let mut h = HeaderMap::new();
        h.insert("authorization", v.parse().unwrap());
        credentials(&h)
    };
    assert_eq!(
        cred("Bearer abc"),
        Some(Credential::Bearer {
            token: "abc".into()
        })
    );
    assert_eq!(
        cred("bEaReR   abc "),
        Some(Credential::Bearer {
            token: "abc".into()
        })
    );
    assert_eq!(cred("Bearer"), None);
    assert_eq!(cred("Bearer   "), None);
    assert_eq!(cred("Token abc"), None);
    assert_eq!(cred("Basic YTpi"), None);
    assert_eq!(credentials(&HeaderMap::new()), None);
}

// ---- decoder property ---------------------------------------------------------------------

mod property;
