//! Prometheus metrics of the gateway, rendered in text format on the admin listener.

use crate::idmap::CacheCounters;
use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};
use std::sync::Arc;
use std::time::Duration;

const LATENCY_BUCKETS: &[f64] = &[
    0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The gateway's metric families.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    request_duration: HistogramVec,
    backend_duration: HistogramVec,
    in_flight: IntGauge,
    open_connections: IntGauge,
    connections_waited: IntCounter,
    auth_cache: IntCounterVec,
}

impl Metrics {
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "threadgate_requests_total",
                "Requests answered, by dialect, route and status.",
            ),
            &["dialect", "route", "status"],
        )?;
        let request_duration = HistogramVec::new(
            HistogramOpts::new(
                "threadgate_request_duration_seconds",
                "Time from request to response head, by dialect and route.",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["dialect", "route"],
        )?;
        let backend_duration = HistogramVec::new(
            HistogramOpts::new(
                "threadgate_backend_duration_seconds",
                "Time spent in backend calls, by backend, operation and outcome.",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["backend", "operation", "outcome"],
        )?;
        let in_flight = IntGauge::new(
            "threadgate_in_flight_requests",
            "Requests received and not yet answered.",
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(request_duration.clone()))?;
        registry.register(Box::new(backend_duration.clone()))?;
        let open_connections = IntGauge::new(
            "threadgate_open_connections",
            "Client connections open on the API listener.",
        )?;
        let connections_waited = IntCounter::new(
            "threadgate_connections_waited_total",
            "Connections that waited in the accept queue because server.max_connections were open.",
        )?;
        let auth_cache = IntCounterVec::new(
            Opts::new(
                "threadgate_auth_cache_total",
                "Authentications answered from the verified-credential cache (hit) or asked of the identity store (miss).",
            ),
            &["outcome"],
        )?;
        registry.register(Box::new(auth_cache.clone()))?;
        registry.register(Box::new(in_flight.clone()))?;
        registry.register(Box::new(open_connections.clone()))?;
        registry.register(Box::new(connections_waited.clone()))?;
        Ok(Metrics {
            registry,
            requests,
            request_duration,
            backend_duration,
            in_flight,
            open_connections,
            connections_waited,
            auth_cache,
        })
    }

    pub fn request_started(&self) {
        self.in_flight.inc();
    }

    pub fn request_finished(&self, dialect: &str, route: &str, status: u16, elapsed: Duration) {
        self.in_flight.dec();
        let mut buf = itoa_buf(status);
        self.requests
            .with_label_values(&[dialect, route, status_str(&mut buf)])
            .inc();
        self.request_duration
            .with_label_values(&[dialect, route])
            .observe(elapsed.as_secs_f64());
    }

    pub fn connection_opened(&self) {
        self.open_connections.inc();
    }

    pub fn connection_closed(&self) {
        self.open_connections.dec();
    }

    /// A connection waits for a free slot (the limit is reached).
    pub fn connection_waited(&self) {
        self.connections_waited.inc();
    }

    pub fn auth_cache(&self, hit: bool) {
        self.auth_cache
            .with_label_values(&[if hit { "hit" } else { "miss" }])
            .inc();
    }

    pub fn backend_call(&self, backend: &str, operation: &str, ok: bool, elapsed: Duration) {
        self.backend_duration
            .with_label_values(&[backend, operation, if ok { "ok" } else { "error" }])
            .observe(elapsed.as_secs_f64());
    }

    /// Registers shadow comparison's families (once, when it is configured).
    pub fn shadow(&self) -> Result<ShadowMetrics, prometheus::Error> {
        let m = ShadowMetrics {
            requests: IntCounterVec::new(
                Opts::new(
                    "threadgate_shadow_requests_total",
                    "Shadowed queries, by outcome: match, differ, error, timeout, skipped (the primary failed).",
                ),
                &["outcome"],
            )?,
            differences: IntCounterVec::new(
                Opts::new(
                    "threadgate_shadow_differences_total",
                    "Shadowed queries whose answer differed from the primary's at a field path (noise included; the report says which paths are noise).",
                ),
                &["path"],
            )?,
            dropped: IntCounter::new(
                "threadgate_shadow_dropped_total",
                "Shadow calls dropped because the shadow queue was full.",
            )?,
        };
        self.registry.register(Box::new(m.requests.clone()))?;
        self.registry.register(Box::new(m.differences.clone()))?;
        self.registry.register(Box::new(m.dropped.clone()))?;
        Ok(m)
    }

    /// Registers `threadgate_answer_cache_total{outcome}` (once, when the answer cache is on).
    pub fn answer_cache(&self) -> Result<IntCounterVec, prometheus::Error> {
        let family = IntCounterVec::new(
            Opts::new(
                "threadgate_answer_cache_total",
                "Page requests by answer-cache outcome: hit (served the kept answer), miss (asked the backend), stale (asked, not kept: the answer was for this instant only), uncacheable (endpoint or backend keeps none).",
            ),
            &["outcome"],
        )?;
        self.registry.register(Box::new(family.clone()))?;
        Ok(family)
    }

    /// Exposes a platform backend's `threadgate_upstream_calls_per_request`.
    pub fn watch_upstream_calls(
        &self,
        histogram: prometheus::Histogram,
    ) -> Result<(), prometheus::Error> {
        self.registry.register(Box::new(histogram))
    }

    /// Exposes the id map's cache counters as `threadgate_idmap_cache_total{outcome}`, read
    /// when the metrics are rendered.
    pub fn watch_idmap(&self, counters: Arc<CacheCounters>) -> Result<(), prometheus::Error> {
        let collector = IdMapCache {
            family: idmap_cache_family()?,
            counters,
        };
        self.registry.register(Box::new(collector))
    }

    /// The Prometheus text exposition of every family.
    pub fn render(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 * 1024);
        let families = self.registry.gather();
        if let Err(e) = TextEncoder::new().encode(&families, &mut out) {
            tracing::warn!(error = %e, "metrics encoding failed");
        }
        out
    }
}

/// Shadow comparison's counters.
#[derive(Clone)]
pub struct ShadowMetrics {
    pub requests: IntCounterVec,
    pub differences: IntCounterVec,
    pub dropped: IntCounter,
}

fn idmap_cache_family() -> Result<IntCounterVec, prometheus::Error> {
    IntCounterVec::new(
        Opts::new(
            "threadgate_idmap_cache_total",
            "Id map lookups answered from its cache (hit) or read from its file (miss).",
        ),
        &["outcome"],
    )
}

/// The id map's counters, copied into a fresh family at each render.
struct IdMapCache {
    family: IntCounterVec,
    counters: Arc<CacheCounters>,
}

impl Collector for IdMapCache {
    fn desc(&self) -> Vec<&Desc> {
        self.family.desc()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let Ok(family) = idmap_cache_family() else {
            return Vec::new();
        };
        family
            .with_label_values(&["hit"])
            .inc_by(self.counters.hits());
        family
            .with_label_values(&["miss"])
            .inc_by(self.counters.misses());
        family.collect()
    }
}

fn itoa_buf(status: u16) -> [u8; 3] {
    let s = status.min(999);
    [
        b'0' + (s / 100) as u8,
        b'0' + (s / 10 % 10) as u8,
        b'0' + (s % 10) as u8,
    ]
}

fn status_str(buf: &mut [u8; 3]) -> &str {
    std::str::from_utf8(buf).unwrap_or("000")
}
