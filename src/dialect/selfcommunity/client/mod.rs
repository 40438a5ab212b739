//! SelfCommunity client face: the calls that ask a SelfCommunity server for what a
//! [`ThreadQuery`](crate::canonical::ThreadQuery) wants, and the decoding of its answers into
//! canonical values. Pure functions, no I/O: a backend sends the [`Request`]s and hands the
//! status, headers and body back as an [`Answer`].
//!
//! - [`request`]: routes, [`Request`], [`pm`] (a query → `GET /api/v2/pm/?thread=|user=|group=`
//!   with `before_message`, `from_message`, `limit`, `offset`), [`follow`] (the request a
//!   DRF `next`/`previous` link names), [`me`], [`windows`], [`auth_header`].
//! - [`answer`]: [`decode_page`] (DRF `count`, `next`, `previous`, `results`),
//!   [`decode_snippets`] (the same page of snippet items), [`decode_me`];
//!   bounded ([`MAX_ANSWER_BYTES`], [`MAX_MESSAGES`]) and strict (a wrong type anywhere is
//!   `BadBackendAnswer` naming the JSON path).
//! - [`errors`]: [`decode_error`], every error row of spec §6 to its canonical error.
//! - [`message`]: one message item.
//! - Shared with the other client faces, in [`crate::dialect::client_common`]: the JSON path
//!   helpers of [`message`], the bounded reading of [`answer`], the retry wait of
//!   [`errors`], and the window splitting of [`windows`].
//!
//! Keys and conversions come from [`super::fields`], the table the server face's encoder
//! uses, so `Page → server-face JSON → client face → Page` is the identity on every field
//! SelfCommunity carries (property-tested).
//!
//! # Integer ids
//!
//! A SelfCommunity upstream names users, conversations (threads), groups and messages by
//! integers. The canonical id of the integer `n` is its decimal form, `n.to_string()`
//! ([`fields::id_string`](super::fields::id_string)); the reverse
//! ([`fields::parse_id`](super::fields::parse_id)) accepts only that form (no sign, no leading
//! zero, no spaces), so the two are inverse bijections between `u64` and those strings and no
//! id is lost or merged. A canonical id that is not such a string names nothing upstream: a
//! target with one is answered `NotFound` without a call, a message bound with one an empty
//! page.
//!
//! The gateway's id map (`crate::idmap`) is another layer: it numbers canonical ids for the
//! SelfCommunity callers of the gateway, whatever the backend. Behind a SelfCommunity upstream
//! it maps the canonical string `"2616"` to an integer of its own, which is not 2616 unless
//! the map holds that pin (`[idmap] pins`, or a new map filled from the upstream); the round
//! trip through both is exact either way (`id_of(int_of(id)) == id`). The server face writes
//! the map's integers; this face reads the upstream's.
//!
//! # What a SelfCommunity message carries
//!
//! Carried exactly: `id`, `room_id` (`thread_id`), `author` (`sender`: id, username, name from
//! `real_name`, avatar URL), `recipient` (`receiver`) of a message without a group,
//! `created_usec` (`created_at`, microseconds, for years 0–9999 in the configured offset),
//! `status` (`created`, `hidden`, `deleted`), the first attachment (`file`: every field),
//! `group_id` (`group.id`), `text` of a message without `html`, `html` that is not some text
//! escaped, and `extra["selfcommunity"]`: every key of the item outside the field table,
//! verbatim, in upstream order (written after the table's keys), and under `sender`,
//! `receiver` and `group` the rest of those objects (a user's `ext_id`, `date_joined`, ...,
//! `deleted`; a group's `name`), which the server face writes in place of its defaults, so
//! that a gateway in front of a SelfCommunity upstream writes users and groups as the
//! upstream did.
//!
//! Dropped (SelfCommunity has no place for them): `parent_id`, `updated_usec`, `edited_usec`,
//! `edited_by`, `kind` (reads back `Regular`), `show_in_room`, `mentions`, `reactions`,
//! `thread`, `annotation`, `diff_groups`, attachments after the first, `recipient` of a group
//! message, a user's empty `name` (reads back `None`), `extra` of other dialects and keys of
//! `extra["selfcommunity"]` named like a field of the table but `sender`, `receiver` and
//! `group` (the remainders above). `message` is HTML:
//! a message with `html` reads back with the html's plain text (tags removed, entities
//! decoded) as `text`; an `html` that is itself escaped text reads back as that `text` with
//! no `html`. On a page: `total` is `count`; `unreads` and `conversations` are not carried.

pub mod answer;
pub mod errors;
pub mod message;
pub mod request;

pub use answer::{
    decode_me, decode_page, decode_snippets, Answer, UpstreamPage, MAX_ANSWER_BYTES, MAX_MESSAGES,
};
pub use errors::{decode_error, DEFAULT_RETRY_MS};
pub use request::{
    auth_header, follow, me, pm, snippets, windows, Request, Route, Unanswerable, Window, MAX_LIMIT,
};

#[cfg(test)]
mod tests;
