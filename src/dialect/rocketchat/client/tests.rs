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
        user_id: "u1".to_owned(),
        username: "alice".to_owned(),
        admin_of: Vec::new(),
    }
}

/// The `chat.getThreadMessages` call for `tmid`, first 50.
fn thread_request(tmid: &str) -> Request {
    let q = ThreadQuery::new(principal(), Target::Replies(tmid.to_owned()));
    history(
        &q,
        None,
        Window {
            offset: 0,
            count: 50,
        },
    )
    .expect("a thread request")
}

/// A `dm.history` call naming `room`.
fn dm_request(room: &str, unreads: bool) -> Request {
    Request {
        route: Route::DmHistory,
        query: vec![("roomId", room.to_owned())],
        subject: room.to_owned(),
        unreads,
    }
}
