//! `[shadow]`: the same canonical queries asked of a second backend off the request path, and
//! the answers compared (`src/backend/shadow/`). Off unless `[shadow.backend]` is present.

use super::BackendConfig;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShadowConfig {
    /// Share of eligible requests shadowed, chosen by a consistent hash of the target (a
    /// conversation is always or never shadowed), 0.0 to 1.0.
    pub sample: f64,
    /// Shadow calls waiting at most; when full, a new one is dropped and counted.
    pub queue: usize,
    /// Share of shadowed queries also asked of the primary a second time, to learn which
    /// fields differ between two answers of the primary itself (noise), 0.0 to 1.0.
    pub noise_sample: f64,
    /// Field paths never compared (`messages[].extra`, `total`, ...): the path itself and
    /// everything below it.
    pub ignore: Vec<String>,
    /// Difference samples kept for the report (the newest).
    pub samples_kept: usize,
    /// A JSON-lines file every difference is appended to; empty = none.
    pub log: String,
    /// Shadow calls (and second primary calls) running at once.
    pub workers: usize,
    /// Each shadow call's own time limit.
    pub timeout_ms: u64,
    /// Run the shadow workers on a thread of their own at the lowest CPU priority (Linux:
    /// `SCHED_IDLE`, else nice 19), so that they use the CPU the primary leaves: on a
    /// saturated machine the queue fills and shadow calls are dropped rather than slowing
    /// the primary.
    pub low_priority: bool,
    /// `[shadow.backend]`: any backend kind, the keys of `[backend]`. Read by
    /// [`super::Config::parse`] through [`BackendConfig::from_value`].
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub backend: Option<BackendConfig>,
}

impl Default for ShadowConfig {
    fn default() -> Self {
        ShadowConfig {
            sample: 0.1,
            queue: 1024,
            noise_sample: 0.05,
            ignore: Vec::new(),
            samples_kept: 200,
            log: String::new(),
            workers: 4,
            timeout_ms: 5_000,
            low_priority: true,
            backend: None,
        }
    }
}

impl ShadowConfig {
    /// The first key with a value out of range, and why.
    pub fn problem(&self) -> Option<(&'static str, &'static str)> {
        if !(0.0..=1.0).contains(&self.sample) {
            return Some(("shadow.sample", "must be between 0.0 and 1.0"));
        }
        if !(0.0..=1.0).contains(&self.noise_sample) {
            return Some(("shadow.noise_sample", "must be between 0.0 and 1.0"));
        }
        if self.queue == 0 {
            return Some(("shadow.queue", "must be at least 1"));
        }
        if !(1..=256).contains(&self.workers) {
            return Some(("shadow.workers", "must be between 1 and 256"));
        }
        if self.timeout_ms == 0 {
            return Some(("shadow.timeout_ms", "must be at least 1"));
        }
        if self.samples_kept > 100_000 {
            return Some(("shadow.samples_kept", "must be at most 100000"));
        }
        if self.ignore.iter().any(|p| p.trim().is_empty()) {
            return Some(("shadow.ignore", "paths must not be empty"));
        }
        None
    }
}
