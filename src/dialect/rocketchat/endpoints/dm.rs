//! `GET /api/v1/dm.history` and its alias `GET /api/v1/im.history` (spec §3, §4, §5); and,
//! with the same parameters and answers, `GET /api/v1/channels.history` and
//! `GET /api/v1/groups.history`, whose `roomId` names a channel or a private group by id
//! (**gw**: `roomName` is not read; errors are `dm.history`'s: 403 `unauthorized` for a
//! room the caller is not in, 404 `Resource not found` for an unknown room or one of
//! another kind), so that another threadgate reads (and copies) every kind of room through
//! this face.
//!
//! `roomId` names the peer by user id, then by username, then a direct room by id: the
//! decoder asks for `Target::Direct { peer: UserRef::Id }` and [`Endpoint::retry`] walks the
//! rest of that chain when the backend does not know the user.
//!
//! Times: upstream stores and compares milliseconds, the store keeps microseconds. Every
//! bound is therefore mapped so that it selects exactly the messages whose `ts` **as a
//! client sees it** (cut to ms) satisfies the upstream comparison: a client that passes back
//! the `ts` of a message it received as `latest` with `inclusive=true` gets that message.

use super::thread::{page_limit, page_offset};
use crate::canonical::time::parse_datetime;
use crate::canonical::{
    Credential, Error, Order, Page, Principal, Resource, RoomKind, Slice, Target, ThreadQuery,
    TimeBound, UnreadsWindow, UserRef,
};
use crate::dialect::rocketchat::encode::{write_message, write_messages};
use crate::dialect::rocketchat::errors::render_error;
use crate::dialect::rocketchat::params::{Coerced, Kind, Prop, QueryParams, Schema};
use crate::dialect::rocketchat::ratelimit::{rate_limit, RateLimiter};
use crate::dialect::rocketchat::{credentials, Profile, REPLY_HEADERS};
use crate::dialect::{json_reply, DialectId, Endpoint, Phase, Reply, RequestView, JSON};
use crate::json::write_int;
use http::StatusCode;
use std::sync::Arc;

/// The exact path.
pub const PATH: &str = "/api/v1/dm.history";
/// The alias: same handler, its own route label (and rate-limit counter).
pub const ALIAS_PATH: &str = "/api/v1/im.history";
/// Route labels for logs, metrics and rate-limit keys.
pub const ROUTE: &str = "dm.history";
pub const ALIAS_ROUTE: &str = "im.history";
/// The channel and private group histories.
pub const CHANNELS_PATH: &str = "/api/v1/channels.history";
pub const CHANNELS_ROUTE: &str = "channels.history";
pub const GROUPS_PATH: &str = "/api/v1/groups.history";
pub const GROUPS_ROUTE: &str = "groups.history";

const BOOL: Kind = Kind::Enum(&["true", "false"]);

/// `DmHistoryProps` of `packages/rest-typings` (every profile), in schema order.
pub static SCHEMA: Schema = Schema {
    props: &[
        Prop {
            name: "roomId",
            kind: Kind::Str { min_len: 1 },
            nullable: false,
        },
        Prop {
            name: "latest",
            kind: Kind::Str { min_len: 1 },
            nullable: false,
        },
        Prop {
            name: "showThreadMessages",
            kind: BOOL,
            nullable: false,
        },
        Prop {
            name: "oldest",
            kind: Kind::Str { min_len: 1 },
            nullable: false,
        },
        Prop {
            name: "inclusive",
            kind: BOOL,
            nullable: false,
        },
        Prop {
            name: "unreads",
            kind: BOOL,
            nullable: false,
        },
        Prop {
            name: "count",
            kind: Kind::Number,
            nullable: false,
        },
        Prop {
            name: "offset",
            kind: Kind::Number,
            nullable: true,
        },
        Prop {
            name: "sort",
            kind: Kind::Str { min_len: 0 },
            nullable: true,
        },
    ],
    required: &["roomId"],
};

/// A decoded `dm.history` request. Times are milliseconds since the epoch (what JavaScript's
/// `Date` holds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DmParams {
    pub room_id: String,
    /// `None` = now.
    pub latest_ms: Option<i64>,
    pub oldest_ms: Option<i64>,
    pub inclusive: bool,
    pub unreads: bool,
    pub show_thread_messages: bool,
    pub offset: u64,
    /// `None` = all (`count=0`), capped by `rocketchat.max_count_all`.
    pub limit: Option<u32>,
}

/// A date as the gateway reads it (spec §3 *gw*): the accepted ISO 8601 forms cut to
/// milliseconds; anything else is epoch 0 (an invalid `Date` upstream).
pub fn parse_date_ms(s: &str) -> i64 {
    parse_datetime(s).map_or(0, |usec| usec.div_euclid(1000))
}

/// Validates and decodes the query string (the schema applies in every profile).
pub fn parse_params(raw_query: Option<&str>) -> Result<DmParams, Error> {
    let params = QueryParams::parse_opt(raw_query);
    let v = SCHEMA.validate(&params)?;
    let text = |name: &str| match v.get(name) {
        Coerced::Str(s) => Some(s),
        _ => None,
    };
    let num = |name: &str| match v.get(name) {
        Coerced::Num(n) => Some(n),
        _ => None,
    };
    let room_id = text("roomId")
        .ok_or_else(|| Error::missing("roomId"))?
        .to_owned();
    Ok(DmParams {
        room_id,
        latest_ms: text("latest").map(parse_date_ms),
        oldest_ms: text("oldest").map(parse_date_ms),
        inclusive: text("inclusive") == Some("true"),
        unreads: text("unreads") == Some("true"),
        show_thread_messages: text("showThreadMessages") == Some("true"),
        offset: page_offset(num("offset")),
        limit: page_limit(num("count")),
    })
}

/// Microseconds from milliseconds, saturating.
fn usec(ms: i64) -> i64 {
    ms.saturating_mul(1000)
}

/// The canonical query: the peer by user id first (see [`DmHistory::retry`]).
pub fn dm_query(principal: Principal, p: DmParams, now_usec: i64, max_all: u32) -> ThreadQuery {
    let mut q = ThreadQuery::new(
        principal,
        Target::Direct {
            peer: UserRef::Id(p.room_id),
        },
    );
    let latest = p.latest_ms.unwrap_or_else(|| now_usec.div_euclid(1000));
    // ts_ms < latest  ⇔ usec < latest·1000;  ts_ms <= latest ⇔ usec < (latest+1)·1000.
    q.filter.created_before = Some(TimeBound::exclusive(usec(if p.inclusive {
        latest.saturating_add(1)
    } else {
        latest
    })));
    // ts_ms > oldest ⇔ usec >= (oldest+1)·1000;  ts_ms >= oldest ⇔ usec >= oldest·1000.
    q.filter.created_after = p.oldest_ms.map(|oldest| {
        TimeBound::inclusive(usec(if p.inclusive {
            oldest
        } else {
            oldest.saturating_add(1)
        }))
    });
    q.filter.include_replies = p.show_thread_messages;
    q.order = Order::Descending;
    q.slice = Slice::Offset {
        offset: p.offset,
        limit: Some(p.limit.unwrap_or(max_all)),
    };
    // Unread: oldest < ts < the oldest returned ts, compared in milliseconds (spec §4.5),
    // whatever `inclusive` says.
    q.unreads = p.unreads.then(|| UnreadsWindow {
        after: p
            .oldest_ms
            .map(|oldest| TimeBound::inclusive(usec(oldest.saturating_add(1)))),
        resolution_usec: 1000,
    });
    q
}

/// The success body: `{"messages":[…],"success":true}`, with `unreads`:
/// `{"messages":[…],["firstUnread":{…},]"unreadNotLoaded":N,"success":true}`.
pub fn encode_dm_page(out: &mut Vec<u8>, page: &Page, unreads: bool) {
    out.extend_from_slice(b"{\"messages\":");
    write_messages(out, &page.messages);
    if unreads {
        let (first, not_loaded) = match &page.unreads {
            Some(u) => (u.first.as_ref(), u.not_loaded),
            None => (None, 0),
        };
        if let Some(first) = first {
            out.extend_from_slice(b",\"firstUnread\":");
            write_message(out, first);
        }
        out.extend_from_slice(b",\"unreadNotLoaded\":");
        write_int(out, not_loaded);
    }
    out.extend_from_slice(b",\"success\":true}");
}

/// The endpoint, bound to one profile and one route label.
pub struct DmHistory {
    profile: &'static Profile,
    route: &'static str,
    max_count_all: u32,
    limiter: Option<Arc<RateLimiter>>,
    /// `Some` for `channels.history` and `groups.history`: `roomId` is a room of this kind.
    room: Option<RoomKind>,
}

impl DmHistory {
    pub fn new(
        profile: &'static Profile,
        route: &'static str,
        max_count_all: u32,
        limiter: Option<Arc<RateLimiter>>,
    ) -> DmHistory {
        DmHistory {
            profile,
            route,
            max_count_all,
            limiter,
            room: None,
        }
    }

    /// The same endpoint reading a room of `kind` by id (`channels.history`,
    /// `groups.history`).
    pub fn for_rooms(mut self, kind: RoomKind) -> DmHistory {
        self.room = Some(kind);
        self
    }
}

impl Endpoint for DmHistory {
    fn dialect(&self) -> DialectId {
        DialectId::RocketChat
    }

    fn route(&self) -> &'static str {
        self.route
    }

    fn phases(&self) -> &'static [Phase] {
        self.profile.phases
    }

    fn credentials(&self, req: &RequestView<'_>) -> Option<Credential> {
        credentials(req.headers)
    }

    fn decode(&self, req: &RequestView<'_>, principal: Principal) -> Result<ThreadQuery, Error> {
        let mut q = parse_params(req.query)
            .map(|p| dm_query(principal, p, req.now_usec, self.max_count_all.max(1)))?;
        if let Some(kind) = self.room {
            if let Target::Direct {
                peer: UserRef::Id(id),
            } = &q.target
            {
                q.target = Target::Room(id.clone());
            }
            q.require_kind = Some(kind);
        }
        Ok(q)
    }

    fn encode(&self, _req: &RequestView<'_>, query: &ThreadQuery, page: &Page) -> Reply {
        let mut body = Vec::with_capacity(64 + 600 * page.messages.len());
        encode_dm_page(&mut body, page, query.unreads.is_some());
        json_reply(StatusCode::OK, JSON, REPLY_HEADERS, &[], body)
    }

    fn render_error(&self, req: &RequestView<'_>, error: &Error) -> Reply {
        render_error(self.profile, req, error)
    }

    /// The encoder reads only the query and the page.
    fn cache_vary(&self, _req: &RequestView<'_>) -> Option<String> {
        Some(String::new())
    }

    /// User id → username → direct room id (spec §4 dm.history 1–2).
    fn retry(&self, query: &ThreadQuery, error: &Error) -> Option<ThreadQuery> {
        if self.room.is_some() {
            return None;
        }
        let Error::NotFound(Resource::User(_)) = error else {
            return None;
        };
        let mut next = query.clone();
        match &query.target {
            Target::Direct {
                peer: UserRef::Id(name),
            } => {
                next.target = Target::Direct {
                    peer: UserRef::Username(name.clone()),
                };
            }
            Target::Direct {
                peer: UserRef::Username(name),
            } => {
                next.target = Target::Room(name.clone());
                next.require_kind = Some(RoomKind::Direct);
            }
            _ => return None,
        }
        Some(next)
    }

    fn rate_limit(
        &self,
        req: &RequestView<'_>,
        principal: Option<&Principal>,
        client: Option<std::net::IpAddr>,
    ) -> crate::dialect::RateOutcome {
        rate_limit(self.limiter.as_deref(), self.route, req, principal, client)
    }
}

#[cfg(test)]
mod tests;
