//! The `APPEND_SLASH` redirect (spec §1).

use super::*;
use crate::dialect::selfcommunity::tests::req;
use http::{HeaderMap, Method};

#[test]
fn redirect_keeps_the_query() {
    let headers = HeaderMap::new();
    let m = Method::POST;
    let r = redirect(&req(&m, "/api/v2/pm", Some("b=2&a=%20"), &headers, None));
    assert_eq!(r.status().as_u16(), 301);
    assert_eq!(r.headers()["location"], "/api/v2/pm/?b=2&a=%20");
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
    assert!(r.body().is_empty());
    let r = redirect(&req(&m, "/api/v2/pm", None, &headers, None));
    assert_eq!(r.headers()["location"], "/api/v2/pm/");
}
