//! What shadow comparison has seen: per dialect, route and path, how often the path was
//! compared and differed against the shadow, and the same against a second answer of the
//! primary (noise); outcome counts; the newest difference samples.
//!
//! **Verdict** of a path (the rule, after Diffy): `same` when it never differed; `difference`
//! when it differed and the primary never disagreed with itself on it, or when its difference
//! rate exceeds its noise rate by a clear margin, `rate > noise_rate × 1.25 + 0.02`; `noise`
//! otherwise. Rates are per request (a path that differs in five messages of one answer
//! counts once). A route's row takes its own noise rate, or the path's over all routes when
//! the route has had no noise comparison yet.

use super::compare::Comparison;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, VecDeque};

/// How far above its noise a path's difference rate must be to count (relative, absolute).
pub const NOISE_FACTOR: f64 = 1.25;
pub const NOISE_MARGIN: f64 = 0.02;

/// Counters of one path (in one route, or over all).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub compared: u64,
    pub differed: u64,
    pub noise_compared: u64,
    pub noise_differed: u64,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.compared += other.compared;
        self.differed += other.differed;
        self.noise_compared += other.noise_compared;
        self.noise_differed += other.noise_differed;
    }

    pub fn rate(&self) -> f64 {
        ratio(self.differed, self.compared)
    }

    pub fn noise_rate(&self) -> Option<f64> {
        (self.noise_compared > 0).then(|| ratio(self.noise_differed, self.noise_compared))
    }
}

fn ratio(n: u64, d: u64) -> f64 {
    if d == 0 {
        0.0
    } else {
        n as f64 / d as f64
    }
}

/// The verdict for a path's counts, with `noise_rate` the noise rate that applies.
pub fn verdict(c: &Counts, noise_rate: f64) -> &'static str {
    if c.differed == 0 {
        "same"
    } else if noise_rate == 0.0 || c.rate() > noise_rate * NOISE_FACTOR + NOISE_MARGIN {
        "difference"
    } else {
        "noise"
    }
}

/// One difference kept for the report.
#[derive(Debug, Clone, Serialize)]
pub struct Sample {
    pub time_usec: i64,
    pub request_id: Option<String>,
    pub dialect: &'static str,
    pub route: &'static str,
    /// What was asked, in a few words (never a credential).
    pub query: String,
    pub path: String,
    pub at: String,
    pub primary: Value,
    pub shadow: Value,
}

type Key = (&'static str, &'static str, String);

/// Everything counted since the start or the last reset.
pub struct Stats {
    pub since_usec: i64,
    by_route: HashMap<Key, Counts>,
    outcomes: BTreeMap<&'static str, u64>,
    samples: VecDeque<Sample>,
    kept: usize,
}

impl Stats {
    pub fn new(kept: usize, now_usec: i64) -> Stats {
        Stats {
            since_usec: now_usec,
            by_route: HashMap::new(),
            outcomes: BTreeMap::new(),
            samples: VecDeque::with_capacity(kept.min(1024)),
            kept,
        }
    }

    pub fn reset(&mut self, now_usec: i64) {
        *self = Stats::new(self.kept, now_usec);
    }

    pub fn outcome(&mut self, outcome: &'static str) {
        *self.outcomes.entry(outcome).or_default() += 1;
    }

    pub fn outcomes(&self) -> &BTreeMap<&'static str, u64> {
        &self.outcomes
    }

    /// Counts a comparison of the primary with the shadow (`noise` = false) or with itself.
    pub fn record(
        &mut self,
        dialect: &'static str,
        route: &'static str,
        cmp: &Comparison,
        noise: bool,
    ) {
        let differed = cmp.differed();
        for path in &cmp.compared {
            let c = self
                .by_route
                .entry((dialect, route, path.clone()))
                .or_default();
            let hit = differed.contains(path.as_str());
            if noise {
                c.noise_compared += 1;
                c.noise_differed += u64::from(hit);
            } else {
                c.compared += 1;
                c.differed += u64::from(hit);
            }
        }
    }

    pub fn keep(&mut self, sample: Sample) {
        if self.kept == 0 {
            return;
        }
        if self.samples.len() == self.kept {
            self.samples.pop_front();
        }
        self.samples.push_back(sample);
    }

    pub fn samples(&self) -> impl DoubleEndedIterator<Item = &Sample> {
        self.samples.iter()
    }

    /// The counters per path over all routes.
    pub fn by_path(&self) -> BTreeMap<&str, Counts> {
        let mut out: BTreeMap<&str, Counts> = BTreeMap::new();
        for ((_, _, path), c) in &self.by_route {
            out.entry(path.as_str()).or_default().add(c);
        }
        out
    }

    /// The counters per dialect, route and path.
    pub fn by_route(&self) -> impl Iterator<Item = (&Key, &Counts)> {
        self.by_route.iter()
    }
}
