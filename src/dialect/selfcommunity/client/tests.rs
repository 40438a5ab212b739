//! The client face: requests, answers, every error row of spec §6, and the round trip
//! through the server face's encoder.

use super::*;
use crate::canonical::{Principal, Target, ThreadQuery};

mod answers;
mod errors;
mod property;
mod requests;

fn principal() -> Principal {
    Principal {
        user_id: "7".to_owned(),
        username: "alice".to_owned(),
        admin_of: Vec::new(),
    }
}

/// A query as the SelfCommunity server face decodes one: hidden messages in, newest first.
fn query(target: Target) -> ThreadQuery {
    let mut q = ThreadQuery::new(principal(), target);
    q.filter.include_hidden = true;
    q.filter.include_replies = true;
    q.order = crate::canonical::Order::Descending;
    q.want_total = true;
    q
}

/// The `pm` call for thread `id`, first 20.
fn thread_request(id: &str) -> Request {
    pm(
        &query(Target::Room(id.to_owned())),
        Window {
            offset: 0,
            limit: 20,
        },
    )
    .expect("a thread request")
}
