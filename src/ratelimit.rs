//! A generic fixed-window rate limiter, and the client address it is usually keyed by.
//!
//! [`FixedWindow`] counts calls per opaque key in a window that starts at the key's first
//! call and lasts `window_ms` (the `DDPRateLimiter` rule Rocket.Chat uses; Quip's per-user
//! and per-company windows and SelfCommunity's throttles have the same shape). It does no
//! I/O and reads no clock: the caller passes the time, so it is unit-testable without
//! sleeping. State is a [`DashMap`] bounded to `max_entries` keys; expired windows are
//! evicted when the map fills up (and opportunistically once per window).

use dashmap::DashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};

/// The default bound on tracked keys.
pub const DEFAULT_MAX_ENTRIES: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Window {
    start_ms: u64,
    count: u32,
}

/// What the limiter decided for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// Within the limit (this call included).
    pub allowed: bool,
    /// Calls allowed per window.
    pub limit: u32,
    /// Calls left in this window (0 when refused).
    pub remaining: u32,
    /// When the window ends, in milliseconds since the epoch.
    pub reset_at_ms: u64,
    /// Milliseconds from now until the window ends.
    pub reset_in_ms: u64,
}

/// Fixed windows per key: increment, then check (call `limit + 1` of a window is refused).
#[derive(Debug)]
pub struct FixedWindow<K: Eq + Hash> {
    limit: u32,
    window_ms: u64,
    max_entries: usize,
    map: DashMap<K, Window>,
    /// When expired windows were last evicted (ms since the epoch).
    last_sweep_ms: AtomicU64,
}

impl<K: Eq + Hash + Clone> FixedWindow<K> {
    /// `limit` calls per `window_ms` (at least 1 ms), at most `max_entries` keys tracked.
    pub fn new(limit: u32, window_ms: u64, max_entries: usize) -> Self {
        FixedWindow {
            limit,
            window_ms: window_ms.max(1),
            max_entries: max_entries.max(1),
            map: DashMap::new(),
            last_sweep_ms: AtomicU64::new(0),
        }
    }

    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// How many keys are tracked.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Drops every window that has ended at `now_ms`.
    pub fn evict_expired(&self, now_ms: u64) {
        let window = self.window_ms;
        self.map
            .retain(|_, w| now_ms < w.start_ms.saturating_add(window));
        self.last_sweep_ms.store(now_ms, Ordering::Relaxed);
    }

    fn verdict(&self, w: Window, now_ms: u64) -> Verdict {
        let reset_at_ms = w.start_ms.saturating_add(self.window_ms);
        Verdict {
            allowed: w.count <= self.limit,
            limit: self.limit,
            remaining: self.limit.saturating_sub(w.count),
            reset_at_ms,
            reset_in_ms: reset_at_ms.saturating_sub(now_ms),
        }
    }

    /// Counts one call of `key` at `now_ms` and says whether it is allowed.
    ///
    /// When the map is full, expired windows are evicted first (at most once per second,
    /// so a flood of new keys cannot make every call scan the map). A new key that still
    /// finds no room is allowed without being tracked (fail open): the bound protects the
    /// gateway's memory, and keys already tracked keep being limited.
    pub fn hit(&self, key: &K, now_ms: u64) -> Verdict {
        let last = self.last_sweep_ms.load(Ordering::Relaxed);
        let full = self.map.len() >= self.max_entries;
        if (full && now_ms.saturating_sub(last) >= 1000)
            || now_ms.saturating_sub(last) >= self.window_ms.max(1000)
        {
            self.evict_expired(now_ms);
        }
        if let Some(mut w) = self.map.get_mut(key) {
            if now_ms >= w.start_ms.saturating_add(self.window_ms) || now_ms < w.start_ms {
                *w = Window {
                    start_ms: now_ms,
                    count: 0,
                };
            }
            w.count = w.count.saturating_add(1);
            return self.verdict(*w, now_ms);
        }
        let fresh = Window {
            start_ms: now_ms,
            count: 1,
        };
        if self.map.len() >= self.max_entries {
            return self.verdict(fresh, now_ms);
        }
        let mut w = self.map.entry(key.clone()).or_insert(Window {
            start_ms: now_ms,
            count: 0,
        });
        if now_ms >= w.start_ms.saturating_add(self.window_ms) {
            *w = Window {
                start_ms: now_ms,
                count: 0,
            };
        }
        w.count = w.count.saturating_add(1);
        self.verdict(*w, now_ms)
    }
}

/// The client's address for rate limiting.
///
/// Without a trusted proxy in front, the socket peer is the client. When the peer is in
/// `trusted` (`[server] trusted_proxies`), `X-Forwarded-For` (every such header, in order,
/// comma-separated) is walked **from the right**, skipping addresses that are themselves
/// trusted proxies; the first untrusted address is the client. The right-most entries are
/// the ones our own proxies appended, so they cannot be forged by the client, whereas the
/// left-most entry is whatever the client chose to send: taking it would let anyone pick
/// their own rate-limit bucket. When every entry is a trusted proxy, the left-most one is
/// used; an entry that is not an address (optionally with a port) stops the walk and the
/// peer itself is used, since nothing left of it can be believed.
pub fn client_ip(
    peer: Option<IpAddr>,
    headers: &http::HeaderMap,
    trusted: &[ipnet::IpNet],
) -> Option<IpAddr> {
    let peer = peer?;
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let mut leftmost = None;
    for entry in entries.iter().rev() {
        let Some(ip) = parse_forwarded_addr(entry) else {
            return Some(peer);
        };
        if !is_trusted(&ip) {
            return Some(ip);
        }
        leftmost = Some(ip);
    }
    Some(leftmost.unwrap_or(peer))
}

/// `1.2.3.4`, `1.2.3.4:5678`, `::1`, `[::1]`, `[::1]:80`.
fn parse_forwarded_addr(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sa) = s.parse::<std::net::SocketAddr>() {
        return Some(sa.ip());
    }
    s.strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .and_then(|r| r.parse::<IpAddr>().ok())
}

#[cfg(test)]
mod tests;
