use super::*;
use crate::canonical::AuthFailure;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Accepts `good` as any bearer token's owner, counting the calls.
struct Counting {
    calls: AtomicUsize,
}

impl Authenticator for Counting {
    fn authenticate<'a>(
        &'a self,
        credential: &'a Credential,
        _ctx: &'a QueryContext,
    ) -> BoxFuture<'a, Result<Principal, Error>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let result = match credential {
            Credential::Bearer { token } if token.starts_with("good") => Ok(Principal {
                user_id: token.clone(),
                username: token.clone(),
                admin_of: Vec::new(),
            }),
            _ => Err(Error::Unauthenticated(AuthFailure::Invalid)),
        };
        Box::pin(std::future::ready(result))
    }
}

fn bearer(token: &str) -> Credential {
    Credential::Bearer {
        token: token.into(),
    }
}

fn cache(ttl_ms: u64, max: usize) -> (Arc<Counting>, CachedAuthenticator) {
    let inner = Arc::new(Counting {
        calls: AtomicUsize::new(0),
    });
    let metrics = Arc::new(Metrics::new().expect("metrics"));
    let c = CachedAuthenticator::new(inner.clone(), Duration::from_millis(ttl_ms), max, metrics);
    (inner, c)
}

#[tokio::test]
async fn a_verified_credential_is_not_asked_again_within_the_ttl() {
    let (inner, c) = cache(60_000, 100);
    let ctx = QueryContext::default();
    for _ in 0..3 {
        assert_eq!(
            c.authenticate(&bearer("good-1"), &ctx)
                .await
                .unwrap()
                .user_id,
            "good-1"
        );
    }
    assert_eq!(inner.calls.load(Ordering::SeqCst), 1);
    // Another scheme with the same secret is another credential.
    let other = Credential::UserToken {
        user_id: "good-1".into(),
        token: "good-1".into(),
    };
    assert!(c.authenticate(&other, &ctx).await.is_err());
    assert_eq!(inner.calls.load(Ordering::SeqCst), 2);
    let text = String::from_utf8(c.metrics.render()).unwrap();
    assert!(
        text.contains(r#"threadgate_auth_cache_total{outcome="hit"} 2"#),
        "{text}"
    );
}

#[tokio::test]
async fn refusals_are_never_cached_and_entries_expire() {
    let (inner, c) = cache(1, 100);
    let ctx = QueryContext::default();
    for _ in 0..2 {
        assert!(c.authenticate(&bearer("bad"), &ctx).await.is_err());
    }
    assert_eq!(inner.calls.load(Ordering::SeqCst), 2);
    c.authenticate(&bearer("good"), &ctx).await.unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    c.authenticate(&bearer("good"), &ctx).await.unwrap();
    assert_eq!(inner.calls.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn the_cache_stays_within_its_bound() {
    let (_, c) = cache(60_000, 20);
    let ctx = QueryContext::default();
    for i in 0..200 {
        c.authenticate(&bearer(&format!("good-{i}")), &ctx)
            .await
            .unwrap();
        assert!(c.entries.len() <= 20, "{}", c.entries.len());
    }
    // The newest is kept.
    assert!(c
        .cached(
            &CachedAuthenticator::key(&bearer("good-199")),
            Instant::now()
        )
        .is_some());
}
