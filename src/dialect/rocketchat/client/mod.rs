//! Rocket.Chat client face: the calls that ask a Rocket.Chat server for what a
//! [`ThreadQuery`](crate::canonical::ThreadQuery) wants, and the decoding of its answers into
//! canonical values. Pure functions, no I/O: a backend sends the [`Request`]s and hands the
//! status, headers and body back as an [`Answer`].
//!
//! - [`request`]: routes, [`Request`], [`history`] (a query → `chat.getThreadMessages`,
//!   `dm.history`, `groups.history` or `channels.history`), [`me`], [`rooms_info`], [`rooms_get`],
//!   [`windows`] (a long page split into calls), [`auth_headers`].
//! - [`answer`]: [`decode_page`], [`decode_me`], [`decode_room_kind`]; bounded
//!   ([`MAX_ANSWER_BYTES`], [`MAX_MESSAGES`]) and strict (a wrong type anywhere is
//!   `BadBackendAnswer` naming the path).
//! - [`errors`]: [`decode_error`], every error row of the spec to its canonical error.
//! - [`rooms`]: [`decode_rooms`], the caller's rooms of `rooms.get` ([`rooms_get`]).
//! - [`message`]: one message object.
//! - Shared with the other client faces, in [`crate::dialect::client_common`]: the JSON path
//!   helpers of [`message`], the bounded reading of [`answer`], the retry wait of
//!   [`errors`], and the window splitting of [`windows`].
//!
//! Keys and conversions come from [`super::fields`], the table the server face's encoder
//! uses, so `Page → server-face JSON → client face → Page` is the identity on every field
//! Rocket.Chat carries (property-tested, every profile: profiles change error bodies only).
//!
//! # What a Rocket.Chat message carries
//!
//! Carried exactly: `id` (`_id`), `room_id` (`rid`), `parent_id` (`tmid`), `show_in_room`
//! (`tshow`, on replies), `text` (`msg`), `kind` regular or system (`t`), `author` id,
//! username and name (`u`), `edited_by` id and username (`editedBy`), `mentions` id, username
//! and name (user messages), `attachments` id, name, MIME type and size (`files`, `file`),
//! `reactions` emoji and usernames, `thread` (`replies`, `tcount`, `tlm`), and
//! `extra["rocketchat"]`: every key outside the field table, verbatim, in upstream order.
//! Ids are strings on both sides, unchanged; `tcount`, `size` and the page's `count`,
//! `offset`, `total`, `unreadNotLoaded` are non-negative integers (`u64`; an integral double
//! up to 2^53 is read too).
//!
//! Carried at millisecond precision: `created_usec` (`ts`), `updated_usec` (`_updatedAt`),
//! `edited_usec` (`editedAt`), `thread.last_reply_usec` (`tlm`), cut towards the past. An
//! `updated_usec` equal to the creation time reads back as `None` (`_updatedAt` always has a
//! value, the creation time when there was no update).
//!
//! Dropped (Rocket.Chat has no place for them): `recipient`, `html`, `status` (only visible
//! messages are returned: reads back `Visible`), `annotation`, `diff_groups`, `group_id`,
//! `MessageKind::Edit` (reads back `Regular`), every user's `avatar_url`, `edited_by.name`,
//! `edited_by` without `edited_usec`, `show_in_room` without `parent_id`, mentions of a system
//! message, an attachment's `url`, `thumbnail_url` and `duration_secs`, a reactor's `id`
//! (read back empty: Rocket.Chat names reactors by username) and `name` (read back from
//! `names` when the server sends it), `extra` of other dialects, keys of
//! `extra["rocketchat"]` named like a field of the table, and on a page `conversations`
//! (and `total` of a history page). Two reactions with the same emoji become one, at the
//! first one's place with the last one's users (a JSON object has one value per key).
//! Times in the lowest 808 µs of the `i64` range have no readable millisecond.

pub mod answer;
pub mod errors;
pub mod message;
pub mod request;
pub mod rooms;

pub use answer::{
    decode_me, decode_page, decode_room_kind, Answer, UpstreamPage, MAX_ANSWER_BYTES, MAX_MESSAGES,
};
pub use errors::{decode_error, DEFAULT_RETRY_MS};
pub use request::{
    auth_headers, history, me, rooms_get, rooms_info, windows, Request, Route, Unanswerable,
    Window, AUTH_TOKEN_HEADER, MAX_PER_CALL, USER_ID_HEADER,
};
pub use rooms::{decode_rooms, MAX_ROOMS};

#[cfg(test)]
mod tests;
