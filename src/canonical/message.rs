//! What a backend answers: [`Page`] of [`Message`]s.

use super::{GroupId, MessageId, RoomId, UserId};
use serde::{Deserialize, Serialize};

/// A person as a message shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub id: UserId,
    pub username: String,
    /// Display name, when the user has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
}

/// What kind of conversation a room is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RoomKind {
    /// One-to-one conversation.
    Direct,
    /// Private group (members only).
    Group,
    /// Public channel (anyone authenticated may read).
    Channel,
    /// A document with comments and edit history (Quip).
    Document,
}

impl RoomKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RoomKind::Direct => "direct",
            RoomKind::Group => "group",
            RoomKind::Channel => "channel",
            RoomKind::Document => "document",
        }
    }
}

/// What a message is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum MessageKind {
    Regular,
    /// A system message with its platform type (Rocket.Chat `t`: `uj`, `ul`, ...).
    System {
        system_type: String,
    },
    /// A document edit record (Quip `message_type=edit`), with `diff_groups`.
    Edit,
}

/// Whether a message shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageStatus {
    Visible,
    Deleted,
    Hidden,
}

impl MessageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Visible => "visible",
            MessageStatus::Deleted => "deleted",
            MessageStatus::Hidden => "hidden",
        }
    }
}

/// A file attached to a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_url: Option<String>,
    /// Length of audio or video, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_secs: Option<u64>,
}

/// One emoji and who used it, in first-reaction order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reaction {
    /// Rocket.Chat style shortcode, e.g. `:+1:`.
    pub emoji: String,
    pub users: Vec<User>,
}

/// The summary a thread root carries.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThreadSummary {
    pub reply_count: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_reply_usec: Option<i64>,
    /// Ids of the users who replied, in first-reply order.
    pub participants: Vec<UserId>,
}

/// Where a document comment is anchored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Annotation {
    pub id: String,
    #[serde(default)]
    pub section_ids: Vec<String>,
}

/// One change inside an edit record (Quip diff).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Diff {
    pub rtml: String,
    /// `track_changes`, `delete_only`, `insert_only` or `insert_completely`.
    pub diff_class: String,
    pub section_id: String,
    pub style: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
}

/// Consecutive diffs of one edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiffGroup {
    pub diffs: Vec<Diff>,
}

/// One message, in every detail some dialect can show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Message {
    pub id: MessageId,
    pub room_id: RoomId,
    /// The thread root this message replies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<MessageId>,
    pub author: User,
    /// The other participant of a one-to-one conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<User>,
    /// Plain text (may be empty).
    pub text: String,
    /// Rich text, when the source had it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    /// Microseconds since the epoch.
    pub created_usec: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_usec: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_usec: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_by: Option<User>,
    pub kind: MessageKind,
    pub status: MessageStatus,
    /// A thread reply also shown in the room (Rocket.Chat `tshow`).
    #[serde(default)]
    pub show_in_room: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<User>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<Reaction>,
    /// Present on thread roots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<ThreadSummary>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotation: Option<Annotation>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diff_groups: Vec<DiffGroup>,
    /// The group the room belongs to, when it is a group conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<GroupId>,
    /// Dialect-specific fields kept verbatim, one object per dialect name
    /// (`{"rocketchat": {...}, "quip": {...}}`), in source key order.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Message {
    /// A visible regular message with no text and nothing else; set the rest with struct
    /// update syntax (`Message { text, ..Message::new(..) }`).
    pub fn new(id: &str, room_id: &str, author: User, created_usec: i64) -> Message {
        Message {
            id: id.to_owned(),
            room_id: room_id.to_owned(),
            parent_id: None,
            author,
            recipient: None,
            text: String::new(),
            html: None,
            created_usec,
            updated_usec: None,
            edited_usec: None,
            edited_by: None,
            kind: MessageKind::Regular,
            status: MessageStatus::Visible,
            show_in_room: false,
            attachments: Vec::new(),
            mentions: Vec::new(),
            reactions: Vec::new(),
            thread: None,
            annotation: None,
            diff_groups: Vec::new(),
            group_id: None,
            extra: serde_json::Map::new(),
        }
    }

    /// `updated_usec`, else `created_usec`.
    pub fn updated_or_created(&self) -> i64 {
        self.updated_usec.unwrap_or(self.created_usec)
    }

    /// The fields a dialect keeps verbatim for itself.
    pub fn extra_for(&self, dialect: &str) -> Option<&serde_json::Map<String, serde_json::Value>> {
        self.extra.get(dialect).and_then(|v| v.as_object())
    }
}

/// What a [`super::Target::Conversations`] page says about a conversation besides its latest
/// message ([`Page::conversations`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConversationInfo {
    /// When the conversation's first message (same filter) was created.
    pub first_usec: i64,
    /// The backend knows of messages the caller has not read.
    pub unread: bool,
}

/// Unread information for the caller (Rocket.Chat `unreads=true`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unreads {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<Message>,
    pub not_loaded: u64,
}

/// One answer to a [`super::ThreadQuery`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    pub messages: Vec<Message>,
    /// Matching messages before slicing, when asked for and known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreads: Option<Unreads>,
    /// For [`super::Target::Conversations`]: one entry per message, in the same order (each
    /// message is its conversation's latest). Empty for every other target.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conversations: Vec<ConversationInfo>,
}
