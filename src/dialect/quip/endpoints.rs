//! The Quip endpoints, one file each: [`messages`] serves both `GET /1/admin/messages/:id`
//! and `GET /1/messages/:id` (they differ only in [`Which`](super::Which)).

pub mod messages;

pub use messages::{GetMessages, PHASES};
