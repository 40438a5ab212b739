//! Rocket.Chat dialect (server face): `GET /api/v1/chat.getThreadMessages`,
//! `GET /api/v1/dm.history` and its alias `GET /api/v1/im.history`; and `GET /api/v1/me`,
//! `GET /api/v1/rooms.info`, `GET /api/v1/rooms.get`, `GET /api/v1/channels.history` and
//! `GET /api/v1/groups.history`, what a gateway in front of this one (or a copy of its
//! conversations) reads of a server.
//!
//! This file: the [`DialectFace`] (prefix, the path → endpoint table, credentials, the
//! headers of every reply) and re-exports. The rest, the same files in every dialect:
//!
//! - [`endpoints`]: `chat.getThreadMessages` and `dm.history` / `im.history`, one file each.
//! - [`params`]: `qs` decoding, `parseInt`, ajv coercion and validation.
//! - [`encode`]: messages and pages, straight to bytes.
//! - [`errors`]: [`render_error`], the only place a Rocket.Chat error becomes an HTTP reply.
//! - [`ratelimit`]: the optional fixed window per (client address, route).
//! - [`client`]: the client face, for a Rocket.Chat server as the upstream: requests built
//!   from a `ThreadQuery`, answers decoded into a `Page` or an `Error`. Pure, no I/O.
//! - [`fields`]: the one table of keys and conversions both faces use.
//!
//! Rocket.Chat only:
//!
//! - [`profile`]: the version profiles of spec §7, as data.
//! - [`sort`]: `parseJsonQuery`'s `sort`.

pub mod client;
pub mod encode;
pub mod endpoints;
pub mod errors;
pub mod fields;
pub mod params;
pub mod profile;
pub mod ratelimit;
pub mod sort;

pub use encode::{encode_thread_page, write_message, write_messages};
pub use endpoints::{
    dm, me, rooms_get, rooms_info, thread, DmHistory, GetThreadMessages, Me, RoomsGet, RoomsInfo,
};
pub use errors::{render_error, INVALID_SORT};
pub use profile::Profile;
pub use ratelimit::{rate_limit, RateLimiter};

use crate::canonical::{Credential, Error, RoomKind};
use crate::config::RocketChatConfig;
use crate::dialect::{DialectFace, DialectId, Endpoint, Reply, RequestView};
use http::HeaderMap;
use std::sync::Arc;

/// The path prefix Rocket.Chat owns.
pub const PREFIX: &str = "/api/v1/";

/// The headers of every Rocket.Chat reply after `Content-Type: application/json`.
pub const REPLY_HEADERS: &[(&str, &str)] = &[("cache-control", "no-store"), ("pragma", "no-cache")];

/// The Rocket.Chat dialect with its configured profile.
pub struct RocketChat {
    profile: &'static Profile,
    thread: Arc<GetThreadMessages>,
    dm: Arc<DmHistory>,
    im: Arc<DmHistory>,
    channels: Arc<DmHistory>,
    groups: Arc<DmHistory>,
    me: Arc<Me>,
    rooms_info: Arc<RoomsInfo>,
    rooms_get: Arc<RoomsGet>,
}

impl RocketChat {
    pub fn new(cfg: &RocketChatConfig) -> RocketChat {
        let profile = Profile::of(cfg.profile);
        let limiter = cfg
            .rate_limit
            .as_ref()
            .map(|rl| Arc::new(RateLimiter::new(rl)));
        let dm = |route| DmHistory::new(profile, route, cfg.max_count_all, limiter.clone());
        RocketChat {
            profile,
            thread: Arc::new(GetThreadMessages::new(profile).with_limiter(limiter.clone())),
            dm: Arc::new(dm(dm::ROUTE)),
            im: Arc::new(dm(dm::ALIAS_ROUTE)),
            channels: Arc::new(dm(dm::CHANNELS_ROUTE).for_rooms(RoomKind::Channel)),
            groups: Arc::new(dm(dm::GROUPS_ROUTE).for_rooms(RoomKind::Group)),
            me: Arc::new(Me::new(profile)),
            rooms_info: Arc::new(RoomsInfo::new(profile)),
            rooms_get: Arc::new(RoomsGet::new(profile)),
        }
    }

    pub fn profile(&self) -> &'static Profile {
        self.profile
    }
}

impl DialectFace for RocketChat {
    fn id(&self) -> DialectId {
        DialectId::RocketChat
    }

    fn prefixes(&self) -> &'static [&'static str] {
        &[PREFIX]
    }

    fn endpoints(&self) -> Vec<(&'static str, Arc<dyn Endpoint>)> {
        vec![
            (thread::PATH, self.thread.clone() as Arc<dyn Endpoint>),
            (dm::PATH, self.dm.clone() as Arc<dyn Endpoint>),
            (dm::ALIAS_PATH, self.im.clone() as Arc<dyn Endpoint>),
            (
                dm::CHANNELS_PATH,
                self.channels.clone() as Arc<dyn Endpoint>,
            ),
            (dm::GROUPS_PATH, self.groups.clone() as Arc<dyn Endpoint>),
            (me::PATH, self.me.clone() as Arc<dyn Endpoint>),
            (
                rooms_info::PATH,
                self.rooms_info.clone() as Arc<dyn Endpoint>,
            ),
            (rooms_get::PATH, self.rooms_get.clone() as Arc<dyn Endpoint>),
        ]
    }

    fn render_error(&self, req: &RequestView<'_>, error: &Error) -> Reply {
        render_error(self.profile, req, error)
    }
}

/// `X-User-Id` + `X-Auth-Token`, both present and non-empty (spec §2). Cookies and
/// `Authorization` are not credentials here.
pub fn credentials(headers: &HeaderMap) -> Option<Credential> {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
    };
    Some(Credential::UserToken {
        user_id: get("x-user-id")?.to_owned(),
        token: get("x-auth-token")?.to_owned(),
    })
}

#[cfg(test)]
mod tests;
