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

// ---- one request context ------------------------------------------------------------------

mod context {
    use super::*;
    use crate::backend::QueryContext;
    use crate::canonical::{Credential, Page, Principal, ThreadQuery};
    use crate::dialect::{DialectFace, DialectId, Endpoint, Phase, RateOutcome, RequestView};
    use crate::server::router::Router;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    /// A dialect under `/echo/` whose one endpoint is `/echo/x` (found through
    /// [`DialectFace::resolve`], which counts its calls) and whose errors echo the request
    /// they were rendered from.
    struct EchoFace {
        resolves: Arc<AtomicUsize>,
    }

    impl DialectFace for EchoFace {
        fn id(&self) -> DialectId {
            DialectId::Quip
        }
        fn prefixes(&self) -> &'static [&'static str] {
            &["/echo/"]
        }
        fn endpoints(&self) -> Vec<(&'static str, Arc<dyn Endpoint>)> {
            Vec::new()
        }
        fn resolve(&self, path: &str) -> Option<Arc<dyn Endpoint>> {
            self.resolves.fetch_add(1, Ordering::SeqCst);
            (path == "/echo/x").then(|| Arc::new(EchoEndpoint) as Arc<dyn Endpoint>)
        }
        fn render_error(&self, req: &RequestView<'_>, error: &Error) -> Reply {
            echo(req, error)
        }
    }

    /// `status|method path?query|x-probe|error`, with the status the error calls for.
    fn echo(req: &RequestView<'_>, error: &Error) -> Reply {
        let status = match error {
            Error::BackendTimeout => http::StatusCode::GATEWAY_TIMEOUT,
            Error::Internal(_) => http::StatusCode::INTERNAL_SERVER_ERROR,
            Error::PayloadTooLarge => http::StatusCode::PAYLOAD_TOO_LARGE,
            _ => http::StatusCode::NOT_FOUND,
        };
        let probe = req.headers.get("x-probe").and_then(|v| v.to_str().ok());
        let text = format!(
            "{}|{} {}?{}|{}|{}",
            status.as_u16(),
            req.method,
            req.path,
            req.query.unwrap_or(""),
            probe.unwrap_or("-"),
            crate::dialect::last_value(req.pairs(), "who").unwrap_or("-"),
        );
        crate::dialect::json_reply(status, "text/plain", &[], &[], text.into_bytes())
    }

    /// Rate limit (adds a header), then authenticate: `?panic` panics reading the
    /// credential; otherwise the authenticator decides.
    struct EchoEndpoint;

    impl Endpoint for EchoEndpoint {
        fn dialect(&self) -> DialectId {
            DialectId::Quip
        }
        fn route(&self) -> &'static str {
            "echo"
        }
        fn phases(&self) -> &'static [Phase] {
            &[Phase::RateLimit, Phase::Authenticate, Phase::Decode]
        }
        fn credentials(&self, req: &RequestView<'_>) -> Option<Credential> {
            if req.pairs().iter().any(|(k, _)| k == "panic") {
                panic!("handler bug");
            }
            Some(Credential::Bearer {
                token: "t0ken".into(),
            })
        }
        fn decode(&self, _: &RequestView<'_>, _: Principal) -> Result<ThreadQuery, Error> {
            Err(Error::Internal("not reached".into()))
        }
        fn encode(&self, _: &RequestView<'_>, _: &ThreadQuery, _: &Page) -> Reply {
            Reply::new(Bytes::new())
        }
        fn render_error(&self, req: &RequestView<'_>, error: &Error) -> Reply {
            echo(req, error)
        }
        fn rate_limit(
            &self,
            _: &RequestView<'_>,
            _: Option<&Principal>,
            _: Option<std::net::IpAddr>,
        ) -> RateOutcome {
            RateOutcome {
                headers: vec![("x-ratelimit-limit", "10".into())],
                refused: None,
            }
        }
    }

    /// An authenticator that never answers, and remembers what it was told.
    #[derive(Default)]
    struct Stalls {
        told: Mutex<Vec<(Option<String>, Option<Instant>)>>,
    }

    impl crate::auth::Authenticator for Stalls {
        fn authenticate<'a>(
            &'a self,
            _: &'a Credential,
            ctx: &'a QueryContext,
        ) -> crate::backend::BoxFuture<'a, Result<Principal, Error>> {
            let told = (ctx.request_id.clone(), ctx.deadline);
            self.told.lock().expect("lock").push(told);
            Box::pin(std::future::pending())
        }
    }

    struct Echo {
        gw: Arc<Gateway>,
        resolves: Arc<AtomicUsize>,
        auth: Arc<Stalls>,
    }

    fn echo_gateway(timeout_ms: u64) -> Echo {
        let store = EmbeddedBackend::open(":memory:", 1).expect("in-memory store");
        let parts = crate::server::Parts {
            auth: store.authenticator(),
            backend: Arc::new(store),
            ids: Arc::new(crate::idmap::IdMap::in_memory().expect("id map")),
        };
        let mut config = crate::config::Config::default();
        config.server.request_timeout_ms = timeout_ms;
        config.server.max_body_bytes = 100;
        let mut gw = Gateway::new(config, parts, true).expect("gateway");
        let resolves = Arc::new(AtomicUsize::new(0));
        gw.router = Router::new(vec![Arc::new(EchoFace {
            resolves: resolves.clone(),
        })]);
        let auth = Arc::new(Stalls::default());
        gw.auth = auth.clone();
        Echo {
            gw: Arc::new(gw),
            resolves,
            auth,
        }
    }

    fn probe(path: &str) -> Request<()> {
        let mut req = request(path);
        req.headers_mut()
            .insert("x-probe", http::HeaderValue::from_static("p1"));
        req
    }

    async fn through_the_stack(echo: &Echo, req: Request<()>) -> Resp {
        let req = req.map(|()| http_body_util::Empty::<Bytes>::new());
        match build(echo.gw.clone()).oneshot(req).await {
            Ok(resp) => resp,
            Err(never) => match never {},
        }
    }

    #[tokio::test]
    async fn a_timeout_is_routed_once_and_renders_the_real_request_with_added_headers() {
        let echo = echo_gateway(50);
        let resp = through_the_stack(&echo, probe("/echo/x?who=ana&who=bo%20b")).await;
        assert_eq!(echo.resolves.load(Ordering::SeqCst), 1);
        assert_eq!(resp.status(), 504);
        assert_eq!(resp.headers()["x-ratelimit-limit"], "10");
        let id = resp.headers()["x-request-id"]
            .to_str()
            .expect("id")
            .to_owned();
        assert_eq!(
            body(resp).await,
            "504|GET /echo/x?who=ana&who=bo%20b|p1|bo b"
        );
        // The authenticator was told the request's own id and a deadline.
        let told = echo.auth.told.lock().expect("lock").clone();
        assert_eq!(told.len(), 1);
        assert_eq!(told[0].0.as_deref(), Some(id.as_str()));
        assert!(told[0].1.is_some());
    }

    #[tokio::test]
    async fn a_panic_is_routed_once_and_renders_the_real_request_with_added_headers() {
        let echo = echo_gateway(10_000);
        let resp = through_the_stack(&echo, probe("/echo/x?panic&who=cy")).await;
        assert_eq!(echo.resolves.load(Ordering::SeqCst), 1);
        assert_eq!(resp.status(), 500);
        assert_eq!(resp.headers()["x-ratelimit-limit"], "10");
        assert!(resp.headers().contains_key("x-request-id"));
        assert_eq!(body(resp).await, "500|GET /echo/x?panic&who=cy|p1|cy");
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_routed_once_and_renders_the_real_request() {
        let echo = echo_gateway(10_000);
        let mut req = probe("/echo/x?who=di");
        *req.method_mut() = http::Method::POST;
        req.headers_mut()
            .insert("content-length", http::HeaderValue::from_static("101"));
        let resp = through_the_stack(&echo, req).await;
        assert_eq!(echo.resolves.load(Ordering::SeqCst), 1);
        assert_eq!(resp.status(), 413);
        assert_eq!(body(resp).await, "413|POST /echo/x?who=di|p1|di");
    }

    #[tokio::test]
    async fn an_unknown_path_under_a_prefix_is_routed_once() {
        let echo = echo_gateway(10_000);
        let resp = through_the_stack(&echo, probe("/echo/nope?who=ed")).await;
        assert_eq!(echo.resolves.load(Ordering::SeqCst), 1);
        assert_eq!(resp.status(), 404);
        assert_eq!(body(resp).await, "404|GET /echo/nope?who=ed|p1|ed");
    }

    #[tokio::test]
    async fn the_context_carries_the_request_as_sent_and_its_deadline() {
        let echo = echo_gateway(250);
        let mut req = probe("/echo/x?who=fa");
        req.headers_mut()
            .insert("x-request-id", http::HeaderValue::from_static("rid-1"));
        let ctx = RequestContext::ensure(&echo.gw, &mut req);
        assert!(Arc::ptr_eq(
            &ctx,
            &RequestContext::ensure(&echo.gw, &mut req)
        ));
        assert_eq!(echo.resolves.load(Ordering::SeqCst), 1);
        assert_eq!((ctx.dialect, ctx.route), (DialectId::Quip, "echo"));
        assert_eq!(ctx.request_id.as_deref(), Some("rid-1"));
        assert_eq!(
            ctx.deadline - ctx.arrived,
            std::time::Duration::from_millis(250)
        );
        let qctx = ctx.query_context();
        assert_eq!(qctx.request_id.as_deref(), Some("rid-1"));
        assert_eq!(qctx.deadline, Some(ctx.deadline));
        let view = ctx.view();
        assert_eq!((view.path, view.query), ("/echo/x", Some("who=fa")));
        assert_eq!(view.headers["x-probe"], "p1");
        assert_eq!(view.now_usec, ctx.now_usec);
    }
}
