//! The SelfCommunity endpoints, one file each: [`pm`] (`GET /api/v2/pm/`, and the
//! `APPEND_SLASH` redirect of `/api/v2/pm`), [`me`] (`GET /api/v2/user/me/`, who the
//! credential belongs to, and the redirect of `/api/v2/user/me`).

pub mod me;
pub mod pm;

pub use me::GetMe;
pub use pm::GetPm;
