//! Quip client face, for a Quip upstream (`[backend] kind = "quip"`): pure functions, no I/O.
//!
//! - [`request`]: routes, [`Request`], [`messages`] (a query and a cursor →
//!   `GET /1/messages/:thread_id` or `GET /1/admin/messages/:thread_id?company_id=` with
//!   `count`, `sorted_by`, `max_created_usec`, the `*updated_since_usec` bounds,
//!   `message_type`, `include_deleted`), [`current_user`], [`auth_header`].
//! - [`cursor`]: paging by `max_created_usec`, which is inclusive: the next call repeats the
//!   oldest microsecond of the previous answer, and the messages already seen there (ties
//!   included) are dropped once ([`step`]).

pub mod cursor;
pub mod request;

pub use cursor::{step, Cursor, Step};
pub use request::{
    auth_header, current_user, messages, Request, Route, Unanswerable, CURRENT_USER_PATH,
};

#[cfg(test)]
mod tests;
