//! The Rocket.Chat endpoints, one file each: [`thread`] (`chat.getThreadMessages`),
//! [`dm`] (`dm.history` and its alias `im.history`), and, so that a gateway in front of this
//! one reads it as it reads a Rocket.Chat server, [`me`] (who a credential belongs to) and
//! [`rooms_info`] (a room's kind); and [`rooms_get`] (the caller's rooms), so that another
//! threadgate can copy this one's conversations.

pub mod dm;
pub mod me;
pub mod rooms_get;
pub mod rooms_info;
pub mod thread;

pub use dm::DmHistory;
pub use me::Me;
pub use rooms_get::RoomsGet;
pub use rooms_info::RoomsInfo;
pub use thread::GetThreadMessages;
