use super::*;
use crate::backend::embedded::EmbeddedBackend;
use http_body_util::BodyExt;

fn gateway() -> Arc<Gateway> {
    let store = EmbeddedBackend::open(":memory:", 1).expect("in-memory store");
    let parts = crate::server::Parts {
        auth: store.authenticator(),
        backend: Arc::new(store),
        ids: Arc::new(crate::idmap::IdMap::in_memory().expect("id map")),
    };
    let gw = Gateway::new(crate::config::Config::default(), parts, true);
    Arc::new(gw.expect("gateway"))
}

async fn body(resp: Resp) -> String {
    let bytes = resp.into_body().collect().await.expect("body").to_bytes();
    String::from_utf8(bytes.to_vec()).expect("utf-8")
}

#[derive(Clone)]
struct Panics;

impl Service<Request<()>> for Panics {
    type Response = Resp;
    type Error = Infallible;
    type Future = BoxFuture<Result<Resp, Infallible>>;
    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }
    fn call(&mut self, _: Request<()>) -> Self::Future {
        Box::pin(async { panic!("handler bug") })
    }
}

fn request(path: &str) -> Request<()> {
    let mut req = Request::new(());
    *req.uri_mut() = path.parse().expect("uri");
    req
}

#[tokio::test]
async fn a_panic_answers_500_in_the_callers_dialect() {
    let gw = gateway();
    let resp = catch_panic(
        gw.clone(),
        request("/api/v1/chat.getThreadMessages"),
        Panics,
    )
    .await;
    assert_eq!(resp.status(), 500);
    assert_eq!(resp.headers()["content-type"], "application/json");
    assert_eq!(
        body(resp).await,
        r#"{"success":false,"error":"Internal server error"}"#
    );

    let resp = catch_panic(gw, request("/elsewhere"), Panics).await;
    assert_eq!(resp.status(), 500);
    assert_eq!(
        body(resp).await,
        r#"{"error":"internal error","path":"/elsewhere"}"#
    );
}

#[derive(Clone)]
struct Never;

impl Service<Request<()>> for Never {
    type Response = Resp;
    type Error = Infallible;
    type Future = BoxFuture<Result<Resp, Infallible>>;
    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }
    fn call(&mut self, _: Request<()>) -> Self::Future {
        Box::pin(std::future::pending())
    }
}

#[tokio::test]
async fn a_request_dropped_before_its_answer_counts_as_499_and_leaves_nothing_in_flight() {
    let gw = gateway();
    let fut = observe(gw.clone(), request("/api/v1/chat.getThreadMessages"), Never);
    tokio::select! {
        biased;
        _ = fut => unreachable!("the inner service never answers"),
        _ = std::future::ready(()) => {}
    }
    let text = String::from_utf8(gw.metrics.render()).expect("utf-8");
    assert!(text.contains("threadgate_in_flight_requests 0"), "{text}");
    assert!(
        text.contains(r#"threadgate_requests_total{dialect="rocketchat",route="chat.getThreadMessages",status="499"} 1"#),
        "{text}"
    );
}
