//! `GET /1/threads/recent`: the threads the caller reads, as Quip's Automation API lists
//! them: an object keyed by thread id.
//!
//! The gateway serves it so that another threadgate can copy this one's conversations
//! through its Quip face (`threadgate import --from quip`). It answers from the backend's
//! rooms of the caller ([`Backend::rooms`](crate::backend::Backend::rooms), the
//! [`Endpoint::lists_rooms`] hook), newest created first.
//!
//! **gw** (the spec describes only the messages endpoints): each entry is
//! `{"thread":{"id","title","type","created_usec"},"user_ids":[...]}`, the keys of Quip's
//! thread object the gateway knows, in Quip's order: `title` when the room has a name,
//! `type` `document` for documents and `chat` for every other room, `user_ids` the members
//! in membership order. A Quip server sends more (`updated_usec`, `link`, `author_id`,
//! `sharing`, `html`, `shared_folder_ids`, ...): the gateway keeps no update time, link or
//! folder of a room, so those keys are left out rather than invented. `count` and
//! `max_updated_usec` are not read: the answer is every thread at once (a reader that asks
//! `count` sees more threads than asked and knows it has them all; with no `updated_usec`
//! there is nothing to go on from).
//!
//! Checks as on the messages endpoints (spec §1): method (405), token (401), then the
//! per-user rate limit (503 `Over Rate Limit`, `X-Ratelimit-*` headers; the window shared
//! with the other endpoints; off unless configured). Errors are [`render_error`]'s.

use crate::canonical::{Credential, Error, Page, Principal, RoomInfo, RoomKind, ThreadQuery};
use crate::dialect::quip::credentials;
use crate::dialect::quip::errors::render_error;
use crate::dialect::quip::params::Which;
use crate::dialect::quip::ratelimit::{rate_limit, RateLimiter};
use crate::dialect::{
    json_reply, DialectId, Endpoint, Phase, RateOutcome, Reply, RequestView, JSON,
};
use crate::json::write_str;
use http::StatusCode;
use std::sync::Arc;

/// The exact path.
pub const PATH: &str = "/1/threads/recent";
/// The route label.
pub const ROUTE: &str = "threads/recent";

/// Method, token, rate limit: no parameter is read.
pub const PHASES: &[Phase] = &[Phase::Method, Phase::Authenticate, Phase::RateLimit];

/// The endpoint, with the rate limiter it shares with the other Quip endpoints.
#[derive(Debug, Default)]
pub struct GetRecentThreads {
    limiter: Option<Arc<RateLimiter>>,
}

impl GetRecentThreads {
    pub fn new() -> GetRecentThreads {
        GetRecentThreads::default()
    }

    /// The same endpoint, counted by `limiter` (none = not limited).
    pub fn with_limiter(mut self, limiter: Option<Arc<RateLimiter>>) -> Self {
        self.limiter = limiter;
        self
    }
}

/// The body for `rooms` (given in (created, id) order; written newest first).
pub fn encode_recent_threads(out: &mut Vec<u8>, rooms: &[RoomInfo]) {
    out.push(b'{');
    for (i, room) in rooms.iter().rev().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, &room.id);
        out.extend_from_slice(b":{\"thread\":{\"id\":");
        write_str(out, &room.id);
        if let Some(title) = &room.name {
            out.extend_from_slice(b",\"title\":");
            write_str(out, title);
        }
        out.extend_from_slice(match room.kind {
            RoomKind::Document => b",\"type\":\"document\"".as_slice(),
            _ => b",\"type\":\"chat\"".as_slice(),
        });
        out.extend_from_slice(b",\"created_usec\":");
        out.extend_from_slice(room.created_usec.to_string().as_bytes());
        out.extend_from_slice(b"},\"user_ids\":[");
        for (j, member) in room.members.iter().enumerate() {
            if j > 0 {
                out.push(b',');
            }
            write_str(out, &member.id);
        }
        out.extend_from_slice(b"]}");
    }
    out.push(b'}');
}

impl Endpoint for GetRecentThreads {
    fn dialect(&self) -> DialectId {
        DialectId::Quip
    }

    fn route(&self) -> &'static str {
        ROUTE
    }

    fn phases(&self) -> &'static [Phase] {
        PHASES
    }

    fn credentials(&self, req: &RequestView<'_>) -> Option<Credential> {
        credentials(req.headers)
    }

    /// The user window only: `threads/recent` is an Automation API call, with no company.
    fn rate_limit(
        &self,
        req: &RequestView<'_>,
        principal: Option<&Principal>,
        _client: Option<std::net::IpAddr>,
    ) -> RateOutcome {
        rate_limit(self.limiter.as_deref(), Which::Automation, req, principal)
    }

    fn lists_rooms(&self) -> bool {
        true
    }

    fn encode_rooms(&self, _req: &RequestView<'_>, rooms: &[RoomInfo]) -> Reply {
        let mut body = Vec::with_capacity(2 + 160 * rooms.len());
        encode_recent_threads(&mut body, rooms);
        json_reply(StatusCode::OK, JSON, &[], &[], body)
    }

    /// Never called: the phases decode nothing.
    fn decode(&self, _req: &RequestView<'_>, _principal: Principal) -> Result<ThreadQuery, Error> {
        Err(Error::Internal("threads/recent decodes no query".into()))
    }

    /// Never called: `threads/recent` asks for no page.
    fn encode(&self, req: &RequestView<'_>, _query: &ThreadQuery, _page: &Page) -> Reply {
        render_error(
            req,
            &Error::Internal("threads/recent encodes no page".into()),
        )
    }

    fn render_error(&self, req: &RequestView<'_>, error: &Error) -> Reply {
        render_error(req, error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::User;
    use crate::dialect::quip::client::{decode_recent_threads, recent_threads, Answer};

    fn room(id: &str, kind: RoomKind, name: Option<&str>, members: &[&str], at: i64) -> RoomInfo {
        RoomInfo {
            id: id.into(),
            kind,
            name: name.map(str::to_owned),
            members: members
                .iter()
                .map(|m| User {
                    id: (*m).into(),
                    username: (*m).into(),
                    name: None,
                    avatar_url: None,
                })
                .collect(),
            group_id: None,
            company_id: None,
            created_usec: at,
        }
    }

    fn rooms() -> Vec<RoomInfo> {
        vec![
            room(
                "GENERAL",
                RoomKind::Channel,
                Some("general"),
                &["u1", "u2", "u3"],
                1,
            ),
            room("D1", RoomKind::Direct, None, &["u1", "u2"], 2),
            room("Q1", RoomKind::Document, Some("Plan \"B\""), &["u1"], 3),
        ]
    }

    #[test]
    fn threads_newest_first_keyed_by_id_in_quips_key_order() {
        let mut out = Vec::new();
        encode_recent_threads(&mut out, &rooms());
        assert_eq!(
            String::from_utf8(out).unwrap(),
            concat!(
                r#"{"Q1":{"thread":{"id":"Q1","title":"Plan \"B\"","type":"document","created_usec":3},"user_ids":["u1"]},"#,
                r#""D1":{"thread":{"id":"D1","type":"chat","created_usec":2},"user_ids":["u1","u2"]},"#,
                r#""GENERAL":{"thread":{"id":"GENERAL","title":"general","type":"chat","created_usec":1},"user_ids":["u1","u2","u3"]}}"#
            )
        );
        let mut empty = Vec::new();
        encode_recent_threads(&mut empty, &[]);
        assert_eq!(empty, b"{}");
    }

    #[test]
    fn the_client_face_reads_back_what_is_told_and_reads_a_channel_as_a_group() {
        let mut out = Vec::new();
        encode_recent_threads(&mut out, &rooms());
        let got = decode_recent_threads(&recent_threads(None), &Answer::new(200, &out, 0)).unwrap();
        let mut back: Vec<RoomInfo> = got.into_iter().map(|t| t.room).collect();
        back.reverse();
        let mut want = rooms();
        want[0].kind = RoomKind::Group;
        assert_eq!(back, want);
    }
}
