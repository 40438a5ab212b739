//! The canonical model: the one language spoken between a dialect's decoder and encoder.
//!
//! A dialect decodes an HTTP request into a [`ThreadQuery`], a backend answers it with a
//! [`Page`] or an [`Error`], and the dialect encodes that answer in its platform's shape.
//! Nothing here knows any dialect or any backend.

mod error;
mod message;
mod query;
mod room;
/// proptest strategies for the model, shared by the tests of every module that carries it.
#[cfg(test)]
pub(crate) mod strategies;
pub mod time;

pub use error::{AuthFailure, Error, Resource};
pub use message::{
    Annotation, Attachment, ConversationInfo, Diff, DiffGroup, Message, MessageKind, MessageStatus,
    Page, Reaction, RoomKind, ThreadSummary, Unreads, User,
};
pub use query::{
    Access, Credential, Filter, IdBound, KindFilter, Order, Principal, Slice, Target, ThreadQuery,
    TimeBound, UnreadsWindow, UserRef,
};
pub use room::RoomInfo;

/// A user id as the store knows it (Rocket.Chat `_id`, Quip user id, ...).
pub type UserId = String;
/// A room (conversation, thread, document) id.
pub type RoomId = String;
/// A message id.
pub type MessageId = String;
/// A group id (SelfCommunity groups).
pub type GroupId = String;
/// A company id (Quip admin API).
pub type CompanyId = String;
