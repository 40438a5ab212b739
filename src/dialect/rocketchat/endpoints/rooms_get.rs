//! `GET /api/v1/rooms.get`: the caller's rooms, `{"update":[…],"remove":[],"success":true}`.
//!
//! The gateway serves it so that another threadgate can copy this one's conversations
//! through its Rocket.Chat face (`threadgate import --from rocketchat`). The backend's rooms
//! of the caller ([`Backend::rooms`](crate::backend::Backend::rooms)), channels, private
//! groups and direct rooms only (Rocket.Chat has no documents), in (created, id) order.
//!
//! **gw**: each room carries `_id`, `t` (`c`, `p`, `d`), `ts`, and `name` and `fname` for
//! channels and groups, `usernames` and `uids` for direct rooms (members in membership
//! order), which is what a server's `rooms.get` says of them; a server's rooms carry many
//! more fields (`msgs`, `u`, `lm`, `_updatedAt`, ...), which readers take or leave. The
//! `updatedSince` parameter is not read: every room is in `update`, `remove` is empty.

use super::rooms_info::kind_letter;
use crate::canonical::{Credential, Error, Page, Principal, RoomInfo, RoomKind, ThreadQuery};
use crate::dialect::rocketchat::errors::render_error;
use crate::dialect::rocketchat::fields::write_date;
use crate::dialect::rocketchat::{credentials, Profile, REPLY_HEADERS};
use crate::dialect::{json_reply, DialectId, Endpoint, Phase, Reply, RequestView, JSON};
use crate::json::write_str;
use http::StatusCode;

/// The exact path.
pub const PATH: &str = "/api/v1/rooms.get";
/// The route label.
pub const ROUTE: &str = "rooms.get";

/// Method, then authentication: no parameter is read, no rate limit here (as for `me`).
const PHASES: &[Phase] = &[Phase::Method, Phase::Authenticate];

/// The endpoint, bound to one profile (its 401 body).
pub struct RoomsGet {
    profile: &'static Profile,
}

impl RoomsGet {
    pub fn new(profile: &'static Profile) -> RoomsGet {
        RoomsGet { profile }
    }
}

fn write_list<'a>(out: &mut Vec<u8>, items: impl Iterator<Item = &'a str>) {
    out.push(b'[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, item);
    }
    out.push(b']');
}

/// The body for `rooms` (documents left out).
pub fn encode_rooms(out: &mut Vec<u8>, rooms: &[RoomInfo]) {
    out.extend_from_slice(b"{\"update\":[");
    let mut first = true;
    for room in rooms {
        let Some(t) = kind_letter(room.kind) else {
            continue;
        };
        if !first {
            out.push(b',');
        }
        first = false;
        out.extend_from_slice(b"{\"_id\":");
        write_str(out, &room.id);
        out.extend_from_slice(b",\"t\":");
        write_str(out, t);
        out.extend_from_slice(b",\"ts\":\"");
        write_date(out, room.created_usec);
        out.push(b'"');
        if room.kind == RoomKind::Direct {
            out.extend_from_slice(b",\"usernames\":");
            write_list(out, room.members.iter().map(|u| u.username.as_str()));
            out.extend_from_slice(b",\"uids\":");
            write_list(out, room.members.iter().map(|u| u.id.as_str()));
        } else if let Some(name) = &room.name {
            out.extend_from_slice(b",\"name\":");
            write_str(out, name);
            out.extend_from_slice(b",\"fname\":");
            write_str(out, name);
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"],\"remove\":[],\"success\":true}");
}

impl Endpoint for RoomsGet {
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

    fn lists_rooms(&self) -> bool {
        true
    }

    fn encode_rooms(&self, _req: &RequestView<'_>, rooms: &[RoomInfo]) -> Reply {
        let mut body = Vec::with_capacity(64 + 160 * rooms.len());
        encode_rooms(&mut body, rooms);
        json_reply(StatusCode::OK, JSON, REPLY_HEADERS, &[], body)
    }

    /// Never called: the phases decode nothing.
    fn decode(&self, _req: &RequestView<'_>, _principal: Principal) -> Result<ThreadQuery, Error> {
        Err(Error::Internal("rooms.get decodes no query".into()))
    }

    /// Never called: `rooms.get` asks for no page.
    fn encode(&self, req: &RequestView<'_>, _query: &ThreadQuery, _page: &Page) -> Reply {
        render_error(
            self.profile,
            req,
            &Error::Internal("rooms.get encodes no page".into()),
        )
    }

    fn render_error(&self, req: &RequestView<'_>, error: &Error) -> Reply {
        render_error(self.profile, req, error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::User;

    fn user(id: &str, username: &str) -> User {
        User {
            id: id.into(),
            username: username.into(),
            name: None,
            avatar_url: None,
        }
    }

    #[test]
    fn rooms_of_every_kind_in_the_server_keys_and_documents_left_out() {
        let room = |id: &str, kind, name: Option<&str>, members| RoomInfo {
            id: id.into(),
            kind,
            name: name.map(str::to_owned),
            members,
            group_id: None,
            company_id: None,
            created_usec: 1_700_000_000_123_456,
        };
        let rooms = vec![
            room(
                "C1",
                RoomKind::Channel,
                Some("general"),
                vec![user("u1", "ana")],
            ),
            room(
                "D1",
                RoomKind::Direct,
                None,
                vec![user("u1", "ana"), user("u2", "b\"o")],
            ),
            room("Q1", RoomKind::Document, Some("Plan"), vec![]),
            room("P1", RoomKind::Group, Some("team"), vec![]),
        ];
        let mut out = Vec::new();
        encode_rooms(&mut out, &rooms);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            concat!(
                r#"{"update":[{"_id":"C1","t":"c","ts":"2023-11-14T22:13:20.123Z","name":"general","fname":"general"},"#,
                r#"{"_id":"D1","t":"d","ts":"2023-11-14T22:13:20.123Z","usernames":["ana","b\"o"],"uids":["u1","u2"]},"#,
                r#"{"_id":"P1","t":"p","ts":"2023-11-14T22:13:20.123Z","name":"team","fname":"team"}],"remove":[],"success":true}"#
            )
        );
    }
}
