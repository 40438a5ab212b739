//! The SelfCommunity endpoints, one file each: [`pm`] (`GET /api/v2/pm/`, and the
//! `APPEND_SLASH` redirect of `/api/v2/pm`).

pub mod pm;

pub use pm::GetPm;
