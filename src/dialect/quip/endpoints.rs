//! The Quip endpoints, one file each: [`messages`] serves both `GET /1/admin/messages/:id`
//! and `GET /1/messages/:id` (they differ only in [`Which`](super::Which));
//! [`current_user`] serves `GET /1/users/current` (who the token belongs to);
//! [`recent_threads`] serves `GET /1/threads/recent` (the caller's threads).

pub mod current_user;
pub mod messages;
pub mod recent_threads;

pub use current_user::GetCurrentUser;
pub use messages::{GetMessages, PHASES};
pub use recent_threads::GetRecentThreads;
