//! threadgate: an API-compatibility gateway for chat history.
//!
//! A client written for Rocket.Chat, SelfCommunity or Quip asks for a thread's messages in its
//! own dialect; threadgate decodes the request into one canonical [`canonical::ThreadQuery`],
//! asks one [`backend::Backend`], and answers in exactly the shape the client's platform
//! would have sent.

pub mod auth;
pub mod backend;
pub mod canonical;
pub mod config;
pub mod dialect;
pub mod idmap;
pub mod import;
pub mod json;
pub mod protocol;
pub mod ratelimit;
pub mod server;
pub mod service;
pub mod telemetry;
