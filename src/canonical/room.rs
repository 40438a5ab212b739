//! What a backend says about the rooms a caller may read ([`RoomInfo`]): what a copy of the
//! store needs to recreate a room, its members included, before reading its messages.

use super::{CompanyId, GroupId, RoomId, RoomKind, User};
use serde::{Deserialize, Serialize};

/// One room a caller may read, with its members in membership order. Members matter: a
/// copied store checks its callers against them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoomInfo {
    pub id: RoomId,
    pub kind: RoomKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Every member the backend knows of; a platform that lists no members of a room gives
    /// the ones it can name (e.g. the caller).
    #[serde(default)]
    pub members: Vec<User>,
    /// The SelfCommunity group the room belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<GroupId>,
    /// The company whose admins may read the room (Quip admin API).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_id: Option<CompanyId>,
    /// Microseconds since the epoch.
    pub created_usec: i64,
}
