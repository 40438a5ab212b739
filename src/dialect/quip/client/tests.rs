//! The client face: requests, answers, every error row of spec §6, and the round trip
//! through the server face's endpoint.

use super::*;
use crate::canonical::{Access, Order, Principal, Target, ThreadQuery};
use crate::dialect::{QueryPairs, RequestView};
use http::{HeaderMap, Method};

mod answers;
mod errors;
mod property;
mod requests;

/// A thread id as Quip writes them.
const THREAD: &str = "vCPRIcENZyp";

fn principal() -> Principal {
    Principal {
        user_id: "VOQAEArheMG".to_owned(),
        username: "Heller Stern".to_owned(),
        admin_of: Vec::new(),
    }
}

/// A query as the Quip server face decodes one without parameters: newest first, a flat
/// thread.
fn query(thread: &str) -> ThreadQuery {
    let mut q = ThreadQuery::new(principal(), Target::Room(thread.to_owned()));
    q.filter.include_replies = true;
    q.order = Order::Descending;
    q
}

/// The same through the Admin API of `company`.
fn admin_query(thread: &str, company: &str) -> ThreadQuery {
    let mut q = query(thread);
    q.access = Access::CompanyAdmin(company.to_owned());
    q
}

/// The first call for `thread`, 25 messages.
fn thread_request(thread: &str) -> Request {
    messages(&query(thread), None, 25).expect("a thread request")
}

/// `f` on the view of the server face receiving `req`.
fn with_view<T>(req: &Request, f: impl FnOnce(&RequestView<'_>) -> T) -> T {
    let target = req.path_and_query();
    let (path, qs) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target.as_str(), None),
    };
    let (method, headers, pairs) = (Method::GET, HeaderMap::new(), QueryPairs::new());
    let view = RequestView {
        method: &method,
        path,
        query: qs,
        headers: &headers,
        peer: None,
        now_usec: 0,
        pairs: &pairs,
    };
    f(&view)
}
