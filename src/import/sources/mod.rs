//! One module per kind a copy reads from: each opens the backend of its kind for a URL and
//! says how that kind reads a conversation.

pub mod http;
pub mod quip;
pub mod rocketchat;
pub mod selfcommunity;
