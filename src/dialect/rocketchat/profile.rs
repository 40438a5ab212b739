//! Rocket.Chat version profiles (spec §7) as data: one [`Profile`] value per supported server
//! generation. Code reads fields of the profile; it never asks which profile it is.

use crate::config::RocketChatProfile;
use crate::dialect::Phase;

/// The body of a 401 (spec §7: R, M, S).
pub const UNAUTHORIZED_RESTIVUS: &[u8] =
    br#"{"status":"error","message":"You must be logged in to do this."}"#;
/// 401 of the legacy `addRoute` (7.4 to 8.x): the new envelope plus the Restivus fields.
pub const UNAUTHORIZED_MIXED: &[u8] = br#"{"success":false,"error":"You must be logged in to do this.","status":"error","message":"You must be logged in to do this."}"#;
/// 401 of the newest typed routes.
pub const UNAUTHORIZED_SUCCESS: &[u8] =
    br#"{"success":false,"error":"You must be logged in to do this."}"#;

/// The envelope of a schema (ajv) validation error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaEnvelope {
    /// `{"success":false,"error":"<text> [invalid-params]","errorType":"invalid-params"}`
    /// (Restivus / `addRoute`: a `Meteor.Error('invalid-params', text)` through `failure`).
    Suffixed,
    /// `{"success":false,"errorType":"error-invalid-params","error":"<text>"}` (the typed
    /// router answers validation failures itself: other key order, no suffix).
    Typed,
}

/// How a missing or empty `tmid` of `chat.getThreadMessages` is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TmidMissing {
    /// The handler's own text (seed 002): `The required "tmid" query param is missing.`
    HandlerText,
    /// The schema's `must have required property 'tmid'`, in the profile's schema envelope.
    Schema,
}

/// Everything that differs between supported Rocket.Chat server generations.
#[derive(Debug, PartialEq, Eq)]
pub struct Profile {
    /// The config name (`"6"`, `"7"`, `"8"`, `"9"`).
    pub name: &'static str,
    /// Check order before the handler runs.
    pub phases: &'static [Phase],
    /// The complete 401 body.
    pub unauthorized_body: &'static [u8],
    /// Whether `chat.getThreadMessages` validates its query with the ajv schema.
    pub thread_schema: bool,
    pub tmid_missing: TmidMissing,
    pub schema_envelope: SchemaEnvelope,
    /// The `error` text of the 403 of `dm.history` / `im.history`.
    pub dm_forbidden_error: &'static str,
}

const AUTH_RATE_VALIDATE: &[Phase] = &[
    Phase::Method,
    Phase::Authenticate,
    Phase::RateLimit,
    Phase::Decode,
];
const AUTH_VALIDATE_RATE: &[Phase] = &[
    Phase::Method,
    Phase::Authenticate,
    Phase::Decode,
    Phase::RateLimit,
];

/// Servers up to 6.x (Restivus; no schema on `chat.getThreadMessages`).
pub static V6: Profile = Profile {
    name: "6",
    phases: AUTH_RATE_VALIDATE,
    unauthorized_body: UNAUTHORIZED_RESTIVUS,
    thread_schema: false,
    tmid_missing: TmidMissing::HandlerText,
    schema_envelope: SchemaEnvelope::Suffixed,
    dm_forbidden_error: "unauthorized",
};

/// 7.0 to 7.3 (Restivus plus the `chat.getThreadMessages` schema).
pub static V7: Profile = Profile {
    name: "7",
    phases: AUTH_RATE_VALIDATE,
    unauthorized_body: UNAUTHORIZED_RESTIVUS,
    thread_schema: true,
    tmid_missing: TmidMissing::Schema,
    schema_envelope: SchemaEnvelope::Suffixed,
    dm_forbidden_error: "unauthorized",
};

/// 7.4 to 8.x (legacy `addRoute`).
pub static V8: Profile = Profile {
    name: "8",
    phases: AUTH_RATE_VALIDATE,
    unauthorized_body: UNAUTHORIZED_MIXED,
    thread_schema: true,
    tmid_missing: TmidMissing::Schema,
    schema_envelope: SchemaEnvelope::Suffixed,
    dm_forbidden_error: "unauthorized",
};

/// The newest typed routes with the 9.0 breaking changes.
pub static V9: Profile = Profile {
    name: "9",
    phases: AUTH_VALIDATE_RATE,
    unauthorized_body: UNAUTHORIZED_SUCCESS,
    thread_schema: true,
    tmid_missing: TmidMissing::Schema,
    schema_envelope: SchemaEnvelope::Typed,
    dm_forbidden_error: "forbidden",
};

impl Profile {
    /// The profile a config names.
    pub fn of(p: RocketChatProfile) -> &'static Profile {
        match p {
            RocketChatProfile::V6 => &V6,
            RocketChatProfile::V7 => &V7,
            RocketChatProfile::V8 => &V8,
            RocketChatProfile::V9 => &V9,
        }
    }
}

#[cfg(test)]
mod table {
    use super::*;

    #[test]
    fn config_names_map_to_profiles() {
        for (p, name) in [
            (RocketChatProfile::V6, "6"),
            (RocketChatProfile::V7, "7"),
            (RocketChatProfile::V8, "8"),
            (RocketChatProfile::V9, "9"),
        ] {
            assert_eq!(Profile::of(p).name, name);
        }
        assert_eq!(Profile::of(RocketChatProfile::default()).name, "6");
    }

    #[test]
    fn every_phase_order_authenticates_before_decoding() {
        for p in [&V6, &V7, &V8, &V9] {
            let auth = p.phases.iter().position(|x| *x == Phase::Authenticate);
            let dec = p.phases.iter().position(|x| *x == Phase::Decode);
            assert!(auth < dec, "profile {}", p.name);
            assert_eq!(p.phases[0], Phase::Method);
        }
    }
}
