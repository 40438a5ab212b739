//! The Rocket.Chat endpoints, one file each: [`thread`] (`chat.getThreadMessages`) and
//! [`dm`] (`dm.history` and its alias `im.history`).

pub mod dm;
pub mod thread;

pub use dm::DmHistory;
pub use thread::GetThreadMessages;
