//! What a caller asks: [`ThreadQuery`] and its parts.

use super::{CompanyId, GroupId, MessageId, RoomId, RoomKind, UserId};
use serde::{Deserialize, Serialize};

/// Credentials exactly as a dialect found them in the request; the backend checks them.
/// `Debug` never prints the secret; the serde form (the canonical protocol's wire form)
/// carries it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Credential {
    /// A user id with that user's token (Rocket.Chat sends them as `X-User-Id` and
    /// `X-Auth-Token`).
    UserToken { user_id: String, token: String },
    /// A bearer token alone (`Authorization: Bearer <token>`: SelfCommunity, Quip).
    Bearer { token: String },
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::UserToken { user_id, .. } => f
                .debug_struct("UserToken")
                .field("user_id", user_id)
                .field("token", &"<redacted>")
                .finish(),
            Credential::Bearer { .. } => f
                .debug_struct("Bearer")
                .field("token", &"<redacted>")
                .finish(),
        }
    }
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Principal {
    pub user_id: UserId,
    pub username: String,
    /// Companies this principal administers (Quip admin API).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub admin_of: Vec<CompanyId>,
}

/// A user named by a caller, not yet resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum UserRef {
    Id(UserId),
    Username(String),
}

/// Which conversation (or part of one) the caller wants.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Target {
    /// A conversation by id: Rocket.Chat `rid`, SelfCommunity thread, Quip thread.
    Room(RoomId),
    /// The one-to-one conversation of the caller and `peer`. No such conversation is an
    /// empty page, never an error: the gateway never creates rooms.
    Direct { peer: UserRef },
    /// A group's conversation (SelfCommunity `group=`).
    Group(GroupId),
    /// The replies under a root message (Rocket.Chat `tmid`); the root itself is excluded.
    Replies(MessageId),
    /// The caller's conversations (SelfCommunity snippets): the direct and group rooms the
    /// caller is a member of that have a message matching the filter's status and replies
    /// rules (time and id bounds are ignored). The page holds each conversation's latest
    /// such message, ordered by (created, id) in `order`, sliced by `slice`; `total` counts
    /// conversations; [`Page::conversations`](crate::canonical::Page::conversations) says
    /// more about each.
    Conversations,
}

/// On whose authority the caller reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Access {
    /// Members read their rooms; anyone reads public channels.
    #[default]
    Member,
    /// An admin of this company reads every room of that company (Quip admin API). The
    /// principal must administer the company and the room must belong to it.
    CompanyAdmin(CompanyId),
}

/// A bound on a time in microseconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeBound {
    pub usec: i64,
    pub inclusive: bool,
}

impl TimeBound {
    pub fn inclusive(usec: i64) -> Self {
        TimeBound {
            usec,
            inclusive: true,
        }
    }
    pub fn exclusive(usec: i64) -> Self {
        TimeBound {
            usec,
            inclusive: false,
        }
    }
}

/// A bound at a message's position in (created, id) order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdBound {
    pub id: MessageId,
    pub inclusive: bool,
}

/// Which kind of records a query reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum KindFilter {
    /// Regular and system messages, document comments.
    #[default]
    Messages,
    /// Document edit records (Quip `message_type=edit`).
    Edits,
}

/// Which messages of the target count.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Filter {
    /// Lower bound on creation time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_after: Option<TimeBound>,
    /// Upper bound on creation time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_before: Option<TimeBound>,
    /// Lower bound on update time (`updated` falls back to `created`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_after: Option<TimeBound>,
    /// Upper bound on update time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_before: Option<TimeBound>,
    /// Lower bound at a message's position in (created, id) order; the message must belong
    /// to the target, else the page is empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_message: Option<IdBound>,
    /// Upper bound at a message's position in (created, id) order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_message: Option<IdBound>,
    pub kind: KindFilter,
    /// Deleted messages appear (with their status) when set.
    pub include_deleted: bool,
    /// Hidden messages appear (with their status) when set.
    pub include_hidden: bool,
    /// Thread replies appear when set; when not, only replies shown in the room appear.
    /// Ignored for [`Target::Replies`].
    pub include_replies: bool,
}

/// Sort direction over (created, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Order {
    #[default]
    Ascending,
    Descending,
}

/// Which part of the ordered result the caller wants.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Slice {
    /// Skip `offset`, take `limit` (None = all).
    Offset {
        #[serde(default)]
        offset: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<u32>,
    },
    /// Continue after an opaque position (a message id of the previous page), take `limit`.
    Cursor {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<MessageId>,
        limit: u32,
    },
}

impl Default for Slice {
    fn default() -> Self {
        Slice::Offset {
            offset: 0,
            limit: None,
        }
    }
}

/// One canonical question: who asks, about what, which messages, in what order, which slice.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThreadQuery {
    pub principal: Principal,
    #[serde(default)]
    pub access: Access,
    pub target: Target,
    /// When set, a [`Target::Room`] of another kind is [`crate::canonical::Error::NotFound`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_kind: Option<RoomKind>,
    #[serde(default)]
    pub filter: Filter,
    #[serde(default)]
    pub order: Order,
    #[serde(default)]
    pub slice: Slice,
    /// Fill [`crate::canonical::Page::total`]: the number of messages matching target and
    /// filter, before slicing.
    #[serde(default)]
    pub want_total: bool,
    /// Fill [`crate::canonical::Page::unreads`] (Rocket.Chat `unreads=true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreads: Option<UnreadsWindow>,
}

/// Which messages below a page count as unread: those that match the query's target and
/// filter rules, satisfy `after`, and were created before the oldest returned message's time
/// truncated to `resolution_usec`. Counted only when `after` is set and admits the oldest
/// returned message (it is newer than the bound); otherwise nothing is unread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnreadsWindow {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<TimeBound>,
    /// The clock resolution the platform compares times in: 1 for microseconds, 1000 for a
    /// platform that keeps milliseconds (a message in the same millisecond as the oldest
    /// returned one is not older than it).
    pub resolution_usec: i64,
}

impl TimeBound {
    /// Whether `usec` lies on the allowed side of this bound taken as a lower bound.
    pub fn admits_after(&self, usec: i64) -> bool {
        if self.inclusive {
            usec >= self.usec
        } else {
            usec > self.usec
        }
    }

    /// Whether `usec` lies on the allowed side of this bound taken as an upper bound.
    pub fn admits_before(&self, usec: i64) -> bool {
        if self.inclusive {
            usec <= self.usec
        } else {
            usec < self.usec
        }
    }
}

impl ThreadQuery {
    /// A query for `target` with the defaults: members' access, visible messages, ascending,
    /// everything, no extras.
    pub fn new(principal: Principal, target: Target) -> Self {
        ThreadQuery {
            principal,
            access: Access::Member,
            target,
            require_kind: None,
            filter: Filter::default(),
            order: Order::Ascending,
            slice: Slice::default(),
            want_total: false,
            unreads: None,
        }
    }
}
