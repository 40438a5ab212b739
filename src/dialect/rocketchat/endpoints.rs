//! The Rocket.Chat endpoints, one file each: [`thread`] (`chat.getThreadMessages`),
//! [`dm`] (`dm.history` and its alias `im.history`) and [`me`] (`me`, so that a gateway in
//! front of this one can learn who a credential belongs to).

pub mod dm;
pub mod me;
pub mod thread;

pub use dm::DmHistory;
pub use me::Me;
pub use thread::GetThreadMessages;
