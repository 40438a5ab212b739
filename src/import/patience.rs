//! How a copy calls its source: each call bounded in time; a rate limit waited out for the
//! time the source announces (bounded); a failed call (the source unreachable, slow, or
//! answering what cannot be read) tried again a bounded number of times, waiting longer
//! each time. Everything else (refused, not found, unsupported) is the answer.

use crate::backend::QueryContext;
use crate::canonical::Error;
use std::future::Future;
use std::time::Duration;

/// The bounds of one call's tries.
#[derive(Debug, Clone)]
pub struct Patience {
    /// One call's limit.
    pub call_timeout: Duration,
    /// Tries of a call that failed (the first included).
    pub attempts: u32,
    /// The wait after the first failure, doubled after each next one.
    pub backoff: Duration,
    /// The longest rate-limit wait taken (a longer announced wait is cut to it).
    pub max_wait: Duration,
    /// Rate-limit waits one call may take before the copy gives up.
    pub max_waits: u32,
}

impl Default for Patience {
    fn default() -> Self {
        Patience {
            call_timeout: Duration::from_secs(60),
            attempts: 4,
            backoff: Duration::from_millis(500),
            max_wait: Duration::from_secs(300),
            max_waits: 1000,
        }
    }
}

/// What the tries of the calls so far cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tries {
    /// Calls sent, tries included.
    pub calls: u64,
    /// Calls tried again after a failure.
    pub retries: u64,
    /// Rate-limit waits, and their total.
    pub waits: u64,
    pub waited: Duration,
}

/// Whether a call that failed with `error` may succeed when tried again.
fn transient(error: &Error) -> bool {
    matches!(
        error,
        Error::BackendUnavailable(_) | Error::BackendTimeout | Error::BadBackendAnswer(_)
    )
}

impl Patience {
    /// Runs `call` (given a fresh context each try) within these bounds; `what` names it in
    /// the log.
    pub async fn run<T, F, Fut>(
        &self,
        what: &str,
        tries: &mut Tries,
        mut call: F,
    ) -> Result<T, Error>
    where
        F: FnMut(QueryContext) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let mut failures = 0u32;
        let mut waits = 0u32;
        loop {
            let ctx = QueryContext::new(
                Some(format!("import-{}", uuid::Uuid::new_v4().simple())),
                Some(self.call_timeout),
            );
            tries.calls += 1;
            let error = match call(ctx).await {
                Ok(value) => return Ok(value),
                Err(e) => e,
            };
            match error {
                Error::RateLimited { retry_after_ms } if waits < self.max_waits => {
                    waits += 1;
                    let wait = Duration::from_millis(retry_after_ms.max(1)).min(self.max_wait);
                    tracing::info!(
                        call = what,
                        wait_ms = wait.as_millis() as u64,
                        "rate limited: waiting as the source asks"
                    );
                    tries.waits += 1;
                    tries.waited += wait;
                    tokio::time::sleep(wait).await;
                }
                e if transient(&e) && failures + 1 < self.attempts => {
                    let wait = self.backoff.saturating_mul(1 << failures.min(16));
                    failures += 1;
                    tracing::warn!(call = what, error = %e, attempt = failures, wait_ms = wait.as_millis() as u64, "call failed: trying again");
                    tries.retries += 1;
                    tokio::time::sleep(wait).await;
                }
                e => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn quick() -> Patience {
        Patience {
            backoff: Duration::from_millis(1),
            ..Patience::default()
        }
    }

    #[tokio::test]
    async fn a_failing_call_is_tried_a_bounded_number_of_times() {
        let n = AtomicU32::new(0);
        let mut tries = Tries::default();
        let got: Result<(), Error> = quick()
            .run("x", &mut tries, |_| {
                n.fetch_add(1, Ordering::SeqCst);
                async { Err(Error::BackendTimeout) }
            })
            .await;
        assert_eq!(got, Err(Error::BackendTimeout));
        assert_eq!(n.load(Ordering::SeqCst), 4);
        assert_eq!((tries.calls, tries.retries), (4, 3));
    }

    #[tokio::test]
    async fn a_rate_limit_is_waited_out_and_a_refusal_is_the_answer() {
        let n = AtomicU32::new(0);
        let mut tries = Tries::default();
        let got = quick()
            .run("x", &mut tries, |_| {
                let i = n.fetch_add(1, Ordering::SeqCst);
                async move {
                    match i {
                        0 => Err(Error::RateLimited { retry_after_ms: 5 }),
                        _ => Ok(7),
                    }
                }
            })
            .await;
        assert_eq!(got, Ok(7));
        assert_eq!((tries.calls, tries.waits), (2, 1));
        assert!(tries.waited >= Duration::from_millis(5));
        let refused: Result<(), Error> = quick()
            .run("x", &mut tries, |_| async {
                Err(Error::Unsupported("x".into()))
            })
            .await;
        assert_eq!(refused, Err(Error::Unsupported("x".into())));
    }
}
