//! Quip client face, for a Quip upstream (`[backend] kind = "quip"`): pure functions, no I/O.
//!
//! - [`cursor`]: paging by `max_created_usec`, which is inclusive: the next call repeats the
//!   oldest microsecond of the previous answer, and the messages already seen there (ties
//!   included) are dropped once ([`step`]).

pub mod cursor;

pub use cursor::{step, Cursor, Step};
