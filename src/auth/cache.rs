//! A bounded cache of verified credentials in front of any [`Authenticator`]: a caller who
//! sends the same credential again within `[auth] cache_ttl_ms` is known without asking the
//! identity store (one blocking hop, or one network round trip, fewer per request).
//!
//! - Keys are SHA-256 digests of the credential, never the credential itself.
//! - Only successes are kept; a refused credential is asked again every time.
//! - At most `[auth] cache_entries` entries: expired ones go first, then the oldest.
//! - A token revoked in the store is still accepted for at most the TTL.

use super::Authenticator;
use crate::backend::{BoxFuture, QueryContext};
use crate::canonical::{Credential, Error, Principal};
use crate::server::metrics::Metrics;
use dashmap::DashMap;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The cache and the authenticator it stands in front of.
pub struct CachedAuthenticator {
    inner: Arc<dyn Authenticator>,
    ttl: Duration,
    max_entries: usize,
    entries: DashMap<[u8; 32], (Principal, Instant)>,
    metrics: Arc<Metrics>,
}

impl CachedAuthenticator {
    pub fn new(
        inner: Arc<dyn Authenticator>,
        ttl: Duration,
        max_entries: usize,
        metrics: Arc<Metrics>,
    ) -> Self {
        CachedAuthenticator {
            inner,
            ttl,
            max_entries: max_entries.max(1),
            entries: DashMap::new(),
            metrics,
        }
    }

    fn key(credential: &Credential) -> [u8; 32] {
        let mut h = Sha256::new();
        match credential {
            Credential::UserToken { user_id, token } => {
                h.update(b"user_token\0");
                h.update((user_id.len() as u64).to_be_bytes());
                h.update(user_id.as_bytes());
                h.update(token.as_bytes());
            }
            Credential::Bearer { token } => {
                h.update(b"bearer\0");
                h.update(token.as_bytes());
            }
        }
        h.finalize().into()
    }

    fn cached(&self, key: &[u8; 32], now: Instant) -> Option<Principal> {
        let hit = self
            .entries
            .get(key)
            .filter(|entry| entry.1 > now)
            .map(|entry| entry.0.clone());
        if hit.is_none() {
            self.entries
                .remove_if(key, |_, (_, expires)| *expires <= now);
        }
        hit
    }

    fn remember(&self, key: [u8; 32], principal: Principal, now: Instant) {
        if self.entries.len() >= self.max_entries {
            self.entries.retain(|_, (_, expires)| *expires > now);
        }
        if self.entries.len() >= self.max_entries {
            // Still full of live entries: drop the tenth that expires soonest.
            let mut by_expiry: Vec<([u8; 32], Instant)> = self
                .entries
                .iter()
                .map(|e| (*e.key(), e.value().1))
                .collect();
            by_expiry.sort_by_key(|(_, expires)| *expires);
            for (k, _) in by_expiry.iter().take((self.max_entries / 10).max(1)) {
                self.entries.remove(k);
            }
        }
        self.entries.insert(key, (principal, now + self.ttl));
    }
}

impl Authenticator for CachedAuthenticator {
    fn authenticate<'a>(
        &'a self,
        credential: &'a Credential,
        ctx: &'a QueryContext,
    ) -> BoxFuture<'a, Result<Principal, Error>> {
        let key = Self::key(credential);
        let now = Instant::now();
        if let Some(principal) = self.cached(&key, now) {
            self.metrics.auth_cache(true);
            return Box::pin(std::future::ready(Ok(principal)));
        }
        self.metrics.auth_cache(false);
        Box::pin(async move {
            let principal = self.inner.authenticate(credential, ctx).await?;
            self.remember(key, principal.clone(), Instant::now());
            Ok(principal)
        })
    }
}

#[cfg(test)]
mod tests;
