//! Quip client face, for a Quip upstream (`[backend] kind = "quip"`): the calls that ask a
//! Quip server for what a [`ThreadQuery`](crate::canonical::ThreadQuery) wants, and the
//! decoding of its answers into canonical values. Pure functions, no I/O: a backend sends
//! the [`Request`]s and hands the status, headers and body back as an [`Answer`].
//!
//! - [`request`]: routes, [`Request`], [`messages`] (a query and a cursor →
//!   `GET /1/messages/:thread_id` or `GET /1/admin/messages/:thread_id?company_id=` with
//!   `count`, `sorted_by`, `max_created_usec`, the `*updated_since_usec` bounds,
//!   `message_type`, `include_deleted`), [`current_user`], [`auth_header`].
//! - [`answer`]: [`decode_messages`] (the bare array), [`decode_current_user`]; bounded
//!   ([`MAX_ANSWER_BYTES`], [`MAX_MESSAGES`]) and strict (a wrong type anywhere is
//!   `BadBackendAnswer` naming the JSON path).
//! - [`errors`]: [`decode_error`], every error row of spec §6 to its canonical error.
//! - [`message`]: one message object.
//! - [`cursor`]: paging by `max_created_usec`, which is inclusive: the next call repeats the
//!   oldest microsecond of the previous answer, and the messages already seen there (ties
//!   included) are dropped once ([`step`]).
//! - Shared with the other client faces, in [`crate::dialect::client_common`]: the JSON path
//!   helpers of [`message`], the bounded reading of [`answer`], the retry wait of [`errors`].
//!
//! A walk: `messages(query, None, n)`, decode, [`step`]`(None, answer, n)`; while `next` is
//! `Some(cursor)`, `messages(query, Some(&cursor), n)` and `step(Some(&cursor), ..)`. Quip
//! has no offset and no total: a planner skips and counts by walking.
//!
//! Keys and conversions come from [`super::fields`], the table the server face's encoder
//! uses, so `Page → server-face JSON → client face → Page` is the identity on every field
//! Quip carries (property-tested, through the server face's endpoint).
//!
//! # What a Quip message carries
//!
//! Carried exactly: `id`, `author.id` (`author_id`), `author.name` (`author_name`),
//! `created_usec`, `updated_usec` when it differs from the creation time, `status`
//! `Visible` (`"visible": true`), `text` of a message that is no edit record, `attachments`
//! id (`hash`) and `name` (`files`), `annotation` id and section ids
//! (`highlight_section_ids`), `diff_groups` of edit records (every diff field), the ids of
//! `mentions` (`mention_user_ids`), and `extra["quip"]`: `parts`, `apparent_user` (a user id
//! string; an object with more keys than `user_id` verbatim) and every key of the object
//! outside the field table, verbatim (written after the table's keys).
//!
//! Set from the request, not the answer: `room_id` is the thread of the path (a Quip
//! message does not name its thread); `kind` is `Edit` for a `message_type=edit` request,
//! else `Regular`.
//!
//! Lost (Quip has no place for them):
//!
//! | canonical | reads back |
//! |---|---|
//! | `author.username`, `author.avatar_url` | `""`, `None` (Quip users have no username) |
//! | an empty `author.name` | `None` |
//! | `updated_usec: None`, or equal to `created_usec` | `None` (`updated_usec` is always sent) |
//! | `status` `Deleted` or `Hidden` | `Deleted` (both are `"visible": false`) |
//! | `kind` `System` | `Regular` |
//! | `text` of an edit record | `""` (omitted) |
//! | `reactions` | one reaction [`LIKE_EMOJI`] of the distinct user ids of all reactions in first-seen order (`like_user_ids`), none when nobody reacted; usernames, names, avatars `""`/`None` |
//! | `mentions` | their distinct ids, in first-seen order, with empty username and no name or avatar |
//! | an attachment's `mime_type`, `size`, `url`, `thumbnail_url`, `duration_secs` | `None` |
//! | `diff_groups` of a message that is no edit record | empty |
//! | `parent_id`, `recipient`, `html`, `edited_usec`, `edited_by`, `show_in_room`, `thread`, `group_id` | `None`, `false` |
//! | `extra` of other dialects; keys of `extra["quip"]` named like a field of the table other than `parts` and `apparent_user`; `parts: null`; an `apparent_user` neither string nor object | dropped |
//! | `apparent_user` `{"user_id": s}` | the string `s` |
//! | on a page: `total`, `unreads`, `conversations` | not carried (a bare array, §4.6) |
//!
//! A decoded `parts` must be an array of arrays of strings, an `apparent_user` an object
//! with a string `user_id`; an annotation's `highlighted_section_ids` (the documentation's
//! spelling) is read when `highlight_section_ids` is absent.
//!
//! # The principal
//!
//! [`decode_current_user`]: `user_id` is `id`, `username` is `name` (the display name: a Quip
//! user has no username). `admin_of` stays empty: `users/current` does not say which
//! companies the user administers; the Admin API answers 403 `Not authorized: <company>` for
//! the others, which decodes to `Forbidden(Company(company))`.

pub mod answer;
pub mod cursor;
pub mod errors;
pub mod message;
pub mod request;
pub mod threads;

pub use answer::{
    decode_current_user, decode_messages, Answer, RateWindow, MAX_ANSWER_BYTES, MAX_MESSAGES,
};
pub use cursor::{step, Cursor, Step};
pub use errors::{decode_error, DEFAULT_RETRY_MS, UNSUPPORTED_PREFIX};
pub use message::LIKE_EMOJI;
pub use request::{
    auth_header, current_user, messages, Request, Route, Unanswerable, CURRENT_USER_PATH,
};
pub use threads::{decode_recent_threads, recent_threads, RecentThread, RECENT_COUNT};

#[cfg(test)]
mod tests;
