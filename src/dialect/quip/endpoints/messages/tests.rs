//! The canonical query of both endpoints (spec §4) and the answer's direction.

use super::*;
use crate::canonical::{Access, KindFilter, Message, Order, Slice, Target, TimeBound, User};
use crate::dialect::quip::params::parse_params;
use http::{HeaderMap, Method};

fn principal() -> Principal {
    Principal {
        user_id: "u1".into(),
        username: "u1".into(),
        admin_of: vec!["northwind".into()],
    }
}

fn decode(which: Which, path: &str, query: &str) -> Result<ThreadQuery, Error> {
    let headers = HeaderMap::new();
    let method = Method::GET;
    let req = RequestView {
        method: &method,
        path,
        query: Some(query),
        headers: &headers,
        peer: None,
        now_usec: 0,
        pairs: &crate::dialect::QueryPairs::new(),
    };
    GetMessages::new(which).decode(&req, principal())
}

#[test]
fn admin_query() {
    let q = decode(
        Which::Admin,
        "/1/admin/messages/vCPRIcENZyp",
        "company_id=northwind&include_deleted=1&max_created_usec=5&count=7&message_type=edit",
    )
    .unwrap();
    assert_eq!(q.target, Target::Room("vCPRIcENZyp".into()));
    assert_eq!(q.access, Access::CompanyAdmin("northwind".into()));
    assert!(q.filter.include_deleted && q.filter.include_hidden && q.filter.include_replies);
    assert_eq!(q.filter.kind, KindFilter::Edits);
    assert_eq!(q.filter.created_before, Some(TimeBound::inclusive(5)));
    assert_eq!(q.order, Order::Descending);
    assert_eq!(
        q.slice,
        Slice::Offset {
            offset: 0,
            limit: Some(7)
        }
    );
    assert!(!q.want_total);
}

#[test]
fn automation_query() {
    let q = decode(
        Which::Automation,
        "/1/messages/abc",
        "company_id=x&include_deleted=true",
    )
    .unwrap();
    assert_eq!(q.access, Access::Member);
    assert!(!q.filter.include_deleted && !q.filter.include_hidden);
    assert_eq!(q.filter.kind, KindFilter::Messages);
    let q = decode(
        Which::Automation,
        "/1/messages/abc",
        "updated_since_usec=10&last_updated_since_usec=20&max_created_usec=1",
    )
    .unwrap();
    assert_eq!(q.filter.updated_after, Some(TimeBound::inclusive(10)));
    assert_eq!(q.filter.updated_before, Some(TimeBound::exclusive(20)));
    assert_eq!(q.filter.created_before, None);
    assert_eq!(q.order, Order::Ascending);
}

#[test]
fn wrong_path_for_the_endpoint_is_route_not_found() {
    assert_eq!(
        decode(Which::Admin, "/1/messages/abc", "company_id=c"),
        Err(Error::RouteNotFound)
    );
    assert_eq!(
        decode(Which::Automation, "/1/messages/a/b", ""),
        Err(Error::RouteNotFound)
    );
}

fn message(id: &str, created: i64) -> Message {
    let author = User {
        id: "a".into(),
        username: "a".into(),
        name: None,
        avatar_url: None,
    };
    Message::new(id, "r", author, created)
}

fn encoded_ids(query: &str) -> (u16, Vec<String>, Option<String>) {
    let headers = HeaderMap::new();
    let method = Method::GET;
    let req = RequestView {
        method: &method,
        path: "/1/messages/abc",
        query: Some(query),
        headers: &headers,
        peer: None,
        now_usec: 0,
        pairs: &crate::dialect::QueryPairs::new(),
    };
    let ep = GetMessages::new(Which::Automation);
    let q = ep.decode(&req, principal()).unwrap();
    let p = parse_params(Which::Automation, req.pairs()).unwrap();
    assert_eq!(q.order, p.selection_order());
    // The backend answers in the selection order.
    let page = Page {
        messages: match q.order {
            Order::Descending => vec![message("c", 3), message("b", 2), message("a", 1)],
            Order::Ascending => vec![message("a", 1), message("b", 2), message("c", 3)],
        },
        total: None,
        unreads: None,
        conversations: Vec::new(),
    };
    let reply = ep.encode(&req, &q, &page);
    let v: serde_json::Value = serde_json::from_slice(reply.body()).unwrap();
    let ids = v
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect();
    let ct = reply
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (reply.status().as_u16(), ids, ct)
}

#[test]
fn answer_direction() {
    let desc = vec!["c".to_owned(), "b".into(), "a".into()];
    let asc = vec!["a".to_owned(), "b".into(), "c".into()];
    let (status, ids, ct) = encoded_ids("");
    assert_eq!((status, ct.as_deref()), (200, Some("application/json")));
    assert_eq!(ids, desc);
    assert_eq!(encoded_ids("sorted_by=ASC").1, asc);
    assert_eq!(encoded_ids("updated_since_usec=0").1, asc);
    assert_eq!(encoded_ids("updated_since_usec=0&sort_by=desc").1, desc);
    assert_eq!(encoded_ids("last_updated_since_usec=9").1, asc);
}
