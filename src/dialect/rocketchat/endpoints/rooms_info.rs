//! `GET /api/v1/rooms.info?roomId=`: a room's id and kind, `{"room":{"_id":…,"t":…},
//! "success":true}`.
//!
//! The gateway serves it so that another gateway in front of this one (`[backend] kind =
//! "rocketchat"`) can learn a room's kind, which decides the history route it reads. The
//! body carries the two fields the kind needs; a server's `room` has many more (`name`,
//! `fname`, `u`, `ts`, `msgs`, ...), which readers of `rooms.info` take or leave.
//!
//! No backend call is made for it but the ordinary query: the room with a required kind
//! and no messages (`limit 0`), channel first, then private group, then direct room
//! ([`Endpoint::retry`] on "not found", which is also what a room of another kind
//! answers). Whatever backend the gateway has (the embedded store, the canonical protocol,
//! an upstream Rocket.Chat) checks the kind and the caller's access as it does for every
//! query: a public channel is anyone's, any other room its members' only.
//!
//! Errors as the server words them (`apps/meteor/app/api/server/v1/rooms.ts`): no
//! `roomId`, `error-roomid-param-not-provided`; an unknown room, `error-room-not-found`; a
//! room the caller may not read, `not-allowed` (all 400). Only `roomId` is read: a room
//! named by `roomName` alone is answered as no `roomId`.

use crate::canonical::{
    Credential, Error, Page, Principal, Resource, RoomKind, Slice, Target, ThreadQuery,
};
use crate::dialect::rocketchat::errors::render_error;
use crate::dialect::rocketchat::{credentials, Profile, REPLY_HEADERS};
use crate::dialect::{
    json_reply, last_value, DialectId, Endpoint, Phase, Reply, RequestView, JSON,
};
use crate::json::write_str;
use http::StatusCode;

/// The exact path.
pub const PATH: &str = "/api/v1/rooms.info";
/// The route label.
pub const ROUTE: &str = "rooms.info";

/// Method, authentication, then the one parameter (no rate limit here, as for `me`).
const PHASES: &[Phase] = &[Phase::Method, Phase::Authenticate, Phase::Decode];

/// The kinds asked for in turn; the first the backend does not answer "not found" wins.
const KINDS: [RoomKind; 3] = [RoomKind::Channel, RoomKind::Group, RoomKind::Direct];

/// The endpoint, bound to one profile (its 401 body).
pub struct RoomsInfo {
    profile: &'static Profile,
}

impl RoomsInfo {
    pub fn new(profile: &'static Profile) -> RoomsInfo {
        RoomsInfo { profile }
    }
}

/// Rocket.Chat's letter for a room kind (`c`, `p`, `d`); `None` for kinds it has not.
pub fn kind_letter(kind: RoomKind) -> Option<&'static str> {
    match kind {
        RoomKind::Channel => Some("c"),
        RoomKind::Group => Some("p"),
        RoomKind::Direct => Some("d"),
        RoomKind::Document => None,
    }
}

/// The body for room `id` of kind letter `t`.
pub fn encode_room(out: &mut Vec<u8>, id: &str, t: &str) {
    out.extend_from_slice(b"{\"room\":{\"_id\":");
    write_str(out, id);
    out.extend_from_slice(b",\"t\":");
    write_str(out, t);
    out.extend_from_slice(b"},\"success\":true}");
}

impl Endpoint for RoomsInfo {
    fn dialect(&self) -> DialectId {
        DialectId::RocketChat
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

    fn decode(&self, req: &RequestView<'_>, principal: Principal) -> Result<ThreadQuery, Error> {
        let rid = last_value(req.pairs(), "roomId")
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Error::missing("roomId"))?;
        let mut query = ThreadQuery::new(principal, Target::Room(rid.to_owned()));
        query.require_kind = Some(KINDS[0]);
        query.slice = Slice::Offset {
            offset: 0,
            limit: Some(0),
        };
        Ok(query)
    }

    /// The next kind after "not found".
    fn retry(&self, query: &ThreadQuery, error: &Error) -> Option<ThreadQuery> {
        let Error::NotFound(Resource::Room(_)) = error else {
            return None;
        };
        let at = KINDS.iter().position(|k| Some(*k) == query.require_kind)?;
        let next_kind = KINDS.get(at + 1)?;
        let mut next = query.clone();
        next.require_kind = Some(*next_kind);
        Some(next)
    }

    fn encode(&self, req: &RequestView<'_>, query: &ThreadQuery, _page: &Page) -> Reply {
        let (Target::Room(rid), Some(t)) =
            (&query.target, query.require_kind.and_then(kind_letter))
        else {
            return render_error(
                self.profile,
                req,
                &Error::Internal("rooms.info without a room kind".into()),
            );
        };
        let mut body = Vec::with_capacity(48 + rid.len());
        encode_room(&mut body, rid, t);
        json_reply(StatusCode::OK, JSON, REPLY_HEADERS, &[], body)
    }

    fn render_error(&self, req: &RequestView<'_>, error: &Error) -> Reply {
        render_error(self.profile, req, error)
    }

    /// The encoder reads only the query.
    fn cache_vary(&self, _req: &RequestView<'_>) -> Option<String> {
        Some(String::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ana() -> Principal {
        Principal {
            user_id: "u1".into(),
            username: "ana".into(),
            admin_of: Vec::new(),
        }
    }

    #[test]
    fn the_body_names_the_room_and_its_kind_with_json_escapes() {
        let mut out = Vec::new();
        encode_room(&mut out, "R\"1", "p");
        assert_eq!(out, br#"{"room":{"_id":"R\"1","t":"p"},"success":true}"#);
    }

    #[test]
    fn the_kinds_are_asked_in_turn_on_not_found_only() {
        let ep = RoomsInfo::new(Profile::of(crate::config::RocketChatProfile::default()));
        let mut q = ThreadQuery::new(ana(), Target::Room("R1".into()));
        q.require_kind = Some(RoomKind::Channel);
        let nf = Error::NotFound(Resource::Room("R1".into()));
        let q2 = ep.retry(&q, &nf).expect("group next");
        assert_eq!(q2.require_kind, Some(RoomKind::Group));
        let q3 = ep.retry(&q2, &nf).expect("direct next");
        assert_eq!(q3.require_kind, Some(RoomKind::Direct));
        assert_eq!(ep.retry(&q3, &nf), None);
        let forbidden = Error::Forbidden(Resource::Room("R1".into()));
        assert_eq!(ep.retry(&q, &forbidden), None);
    }
}
