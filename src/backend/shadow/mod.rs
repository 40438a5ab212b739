//! Shadow comparison: a decorator that asks a second backend the same canonical queries, off
//! the request path, and compares the answers field path by field path (Diffy's method, Envoy's
//! mirroring). The primary's answer is returned first and unchanged; the shadow call runs
//! later on a small worker pool fed by a bounded queue (full: the call is dropped and
//! counted), with its own timeout; its failures are counted, never seen by the caller. The
//! workers run on a thread and runtime of their own, by default at the lowest CPU priority,
//! so that shadow work takes the CPU the primary leaves (`[shadow] low_priority`).
//!
//! - [`compare`]: the field-path diff of two canonical answers;
//! - [`stats`]: counters per dialect, route and path, noise, verdicts, samples;
//! - [`worker`]: the queue's consumer: shadow call, second primary call, comparison;
//! - [`report`]: `GET /shadow/report` (JSON) and `GET /shadow/` (HTML) on the admin listener.
//!
//! Sampling is by a consistent hash of the query's target (FNV-1a, fixed): at `sample < 1` a
//! given conversation is always or never shadowed. For `noise_sample` of the shadowed
//! queries the primary is asked a second time; paths that differ between two answers of the
//! primary are noise.

pub mod compare;
pub mod report;
pub mod stats;
mod worker;

use super::{is_backend_failure, Backend, BoxFuture, Capabilities, QueryContext, RequestLabels};
use crate::canonical::{Credential, Error, Page, Target, ThreadQuery};
use crate::config::ShadowConfig;
use crate::server::metrics::{Metrics, ShadowMetrics};
use compare::Ignore;
use stats::Stats;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::mpsc;

/// Labels of a query that came from no gateway request.
const NO_LABELS: RequestLabels = RequestLabels {
    dialect: "none",
    route: "none",
};

/// The primary backend, with every sampled query also asked of the shadow.
pub struct Shadow {
    inner: Arc<dyn Backend>,
    queue: mpsc::Sender<Job>,
    state: Arc<ShadowState>,
}

/// One query to ask the shadow, with the primary's answer.
struct Job {
    query: ThreadQuery,
    labels: RequestLabels,
    request_id: Option<String>,
    credential: Option<Credential>,
    primary: Result<Page, Error>,
}

/// What the shadow workers and the report share.
pub struct ShadowState {
    stats: Mutex<Stats>,
    metrics: ShadowMetrics,
    backend_metrics: Arc<Metrics>,
    primary: Arc<dyn Backend>,
    /// The gateway's runtime, where the second call of the primary runs.
    gateway: tokio::runtime::Handle,
    shadow: Arc<dyn Backend>,
    /// `shadow:<the shadow backend's label>`, its label in backend metrics.
    label: String,
    sample: f64,
    noise_sample: f64,
    ignore: Ignore,
    ignore_paths: Vec<String>,
    timeout: Duration,
    /// Dropped since the last reset (the metric counts since the start).
    dropped: AtomicU64,
    /// Shadowed queries so far, for choosing the noise share.
    shadowed: AtomicU64,
    /// Jobs queued or running.
    pending: AtomicU64,
    log: Option<Mutex<std::fs::File>>,
}

impl Shadow {
    /// Wraps `primary`; starts the workers that ask `shadow` (on a thread and runtime of
    /// their own). The error names `shadow.log` when that file cannot be opened.
    pub fn start(
        primary: Arc<dyn Backend>,
        shadow: Arc<dyn Backend>,
        config: &ShadowConfig,
        metrics: &Arc<Metrics>,
    ) -> Result<(Shadow, Arc<ShadowState>), String> {
        let log = match config.log.as_str() {
            "" => None,
            path => Some(Mutex::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| format!("shadow.log: cannot open {path}: {e}"))?,
            )),
        };
        let state = Arc::new(ShadowState {
            stats: Mutex::new(Stats::new(
                config.samples_kept,
                crate::server::context::now_usec(),
            )),
            metrics: metrics.shadow().map_err(|e| format!("metrics: {e}"))?,
            backend_metrics: metrics.clone(),
            label: format!("shadow:{}", shadow.label()),
            primary: primary.clone(),
            gateway: tokio::runtime::Handle::try_current()
                .map_err(|e| format!("shadow comparison needs a tokio runtime: {e}"))?,
            shadow,
            sample: config.sample,
            noise_sample: config.noise_sample,
            ignore: Ignore::new(&config.ignore),
            ignore_paths: config.ignore.clone(),
            timeout: Duration::from_millis(config.timeout_ms),
            dropped: AtomicU64::new(0),
            shadowed: AtomicU64::new(0),
            pending: AtomicU64::new(0),
            log,
        });
        let (queue, jobs) = mpsc::channel(config.queue.max(1));
        worker::start(
            jobs,
            state.clone(),
            config.workers.max(1),
            config.low_priority,
        )?;
        let shadow = Shadow {
            inner: primary,
            queue,
            state: state.clone(),
        };
        Ok((shadow, state))
    }

    /// Hands the query and the primary's answer to the workers, or counts a drop.
    fn offer(&self, query: &ThreadQuery, ctx: &QueryContext, answer: &Result<Page, Error>) {
        if matches!(answer, Err(e) if is_backend_failure(e)) {
            // Nothing to compare with: the primary itself failed.
            self.state.outcome("skipped");
            return;
        }
        match self.queue.try_reserve() {
            Ok(permit) => {
                self.state.pending.fetch_add(1, Ordering::Relaxed);
                permit.send(Job {
                    query: query.clone(),
                    labels: ctx.labels.unwrap_or(NO_LABELS),
                    request_id: ctx.request_id.clone(),
                    credential: ctx.credential.clone(),
                    primary: answer.clone(),
                });
            }
            Err(mpsc::error::TrySendError::Full(())) => {
                self.state.metrics.dropped.inc();
                self.state.dropped.fetch_add(1, Ordering::Relaxed);
            }
            Err(mpsc::error::TrySendError::Closed(())) => {}
        }
    }
}

/// Whether a query for `target` is shadowed at `sample` (the same answer for the same target
/// in every process and every run).
pub fn sampled(target: &Target, sample: f64) -> bool {
    if sample >= 1.0 {
        return true;
    }
    if sample <= 0.0 {
        return false;
    }
    let mut h = Fnv1a::default();
    target.hash(&mut h);
    // The top 53 bits as a fraction in [0, 1).
    ((h.finish() >> 11) as f64 / (1u64 << 53) as f64) < sample
}

/// FNV-1a, 64 bits: a fixed hash (std's `RandomState` differs between processes).
struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv1a {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

impl ShadowState {
    fn stats(&self) -> MutexGuard<'_, Stats> {
        // Counters only: a panic while the lock was held leaves nothing worth refusing.
        self.stats.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn outcome(&self, outcome: &'static str) {
        self.metrics.requests.with_label_values(&[outcome]).inc();
        self.stats().outcome(outcome);
    }

    /// Whether this shadowed query is also asked of the primary again: `noise_sample` of
    /// them, evenly spread (every one at 1.0, every twentieth at 0.05).
    fn noise_due(&self) -> bool {
        let n = self.shadowed.fetch_add(1, Ordering::Relaxed) as f64;
        ((n + 1.0) * self.noise_sample).floor() > (n * self.noise_sample).floor()
    }

    /// Forgets every counter and sample (the Prometheus counters keep counting).
    pub fn reset(&self) {
        self.stats().reset(crate::server::context::now_usec());
        self.dropped.store(0, Ordering::Relaxed);
    }
}

impl Backend for Shadow {
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }

    fn label(&self) -> &str {
        self.inner.label()
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    fn upstream_calls(&self) -> Option<prometheus::Histogram> {
        self.inner.upstream_calls()
    }

    fn passthrough(&self) -> Option<Arc<super::proxy::Proxy>> {
        self.inner.passthrough()
    }

    fn query<'a>(
        &'a self,
        query: &'a ThreadQuery,
        ctx: &'a QueryContext,
    ) -> BoxFuture<'a, Result<Page, Error>> {
        Box::pin(async move {
            let answer = self.inner.query(query, ctx).await;
            if sampled(&query.target, self.state.sample) {
                self.offer(query, ctx, &answer);
            }
            answer
        })
    }

    fn rooms<'a>(
        &'a self,
        principal: &'a crate::canonical::Principal,
        ctx: &'a QueryContext,
    ) -> BoxFuture<'a, Result<Vec<crate::canonical::RoomInfo>, Error>> {
        self.inner.rooms(principal, ctx)
    }

    fn probe<'a>(&'a self, ctx: &'a QueryContext) -> BoxFuture<'a, Result<(), Error>> {
        self.inner.probe(ctx)
    }
}

#[cfg(test)]
mod tests;
