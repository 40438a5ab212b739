//! The `http` backend: a store served over the canonical protocol (`docs/canonical-api.md`),
//! such as `threadgate backend`, through one pooled reqwest client.
//!
//! Every call is bounded: by `timeout_ms` and by what is left of the caller's deadline
//! (sent along as `threadgate-deadline-ms`), and its answer by `max_answer_bytes`. The
//! answer is input like any other: checked for the protocol version, read within the size
//! bound, decoded strictly. Failures become canonical errors, so every dialect answers in its
//! own shape:
//! - connection refused or reset, a 5xx without a canonical body → `BackendUnavailable`;
//! - the budget spent → `BackendTimeout`;
//! - an answer that is malformed, too large or of another version → `BadBackendAnswer`, with
//!   an error log line;
//! - the backend refusing the shared secret or the request itself → `BackendUnavailable`
//!   and an error log line (never the caller's 401 or 400: that is the operator's problem).
//!
//! One retry on a connection error, before any byte of an answer arrived; nothing else is
//! retried.
//!
//! Queries are conditional when the service tells its data generation: a page it answered
//! is kept ([`kept`], `page_cache_bytes`) and the same query carries that generation next
//! time; the service's `304 Not Modified` answers the kept page. A `304` to a query that
//! held none, or a generation header that does not parse, is a bad backend answer.

mod kept;

use super::{Backend, BoxFuture, Built, Capabilities, QueryContext};
use crate::auth::Authenticator;
use crate::canonical::{Credential, Error, Page, Principal, RoomInfo, ThreadQuery};
use crate::config::HttpBackendConfig;
use crate::protocol::{self, Decoded, WireError};
use http::StatusCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One protocol endpoint: its base URL, the pooled client and the bounds.
struct Client {
    http: reqwest::Client,
    base: String,
    label: String,
    timeout: Duration,
    secret: Option<String>,
    max_answer: u64,
}

/// A whole answer, read within the size bound.
struct Answer {
    status: StatusCode,
    body: Vec<u8>,
    /// The answer's [`protocol::DATA_VERSION_HEADER`], as sent.
    generation: Option<http::HeaderValue>,
}

/// The `http` backend.
pub struct HttpBackend {
    client: Arc<Client>,
    /// `None` when `page_cache_bytes` is 0.
    pages: Option<kept::KeptPages>,
}

/// `POST /v1/authenticate` of the same service: the gateway's authenticator when its
/// backend is `http`.
pub struct HttpAuthenticator {
    client: Arc<Client>,
}

/// Opens the backend a `[backend] kind = "http"` section describes (no connection is made
/// yet: readiness follows the first probe).
pub fn build(cfg: &HttpBackendConfig, label: Option<&str>) -> Result<Built, String> {
    let url = url::Url::parse(&cfg.url).map_err(|e| format!("backend.url: {e}"))?;
    let host = url.host_str().unwrap_or_default();
    let port = url.port_or_known_default().unwrap_or(80);
    let secret = crate::config::read_secret_file("backend.token_file", &cfg.token_file)?;
    let tls = super::tls::client_config("backend.ca_file", &cfg.ca_file)?;
    let http = reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .connect_timeout(Duration::from_millis(cfg.connect_timeout_ms))
        .pool_max_idle_per_host(cfg.max_idle_connections)
        .tcp_nodelay(true)
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("threadgate/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("backend: cannot build the HTTP client: {e}"))?;
    let client = Arc::new(Client {
        http,
        base: format!(
            "{}://{}{}",
            url.scheme(),
            url.host_str().map_or(String::new(), |h| match url.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_owned(),
            }),
            url.path().trim_end_matches('/')
        ),
        label: label.map_or_else(|| format!("http:{host}:{port}"), str::to_owned),
        timeout: Duration::from_millis(cfg.timeout_ms),
        secret,
        max_answer: cfg.max_answer_bytes,
    });
    Ok(Built {
        backend: Arc::new(HttpBackend {
            client: client.clone(),
            pages: kept::KeptPages::new(cfg.page_cache_bytes),
        }),
        auth: Arc::new(HttpAuthenticator { client }),
    })
}

impl Client {
    /// One call, retried once when the connection could not be made; `held` is the data
    /// generation of the page kept for this query, sent as the condition.
    async fn call(
        &self,
        path: &str,
        body: Option<Vec<u8>>,
        ctx: &QueryContext,
        held: Option<&str>,
    ) -> Result<Answer, Error> {
        let budget = ctx
            .remaining()
            .map_or(self.timeout, |left| left.min(self.timeout));
        if budget.is_zero() {
            return Err(Error::BackendTimeout);
        }
        let deadline = Instant::now() + budget;
        let work = async {
            match self.attempt(path, body.clone(), ctx, budget, held).await {
                Err(Failure::Connect(e)) => {
                    tracing::warn!(backend = %self.label, error = %e, "backend connection failed, retrying once");
                    // The retry carries what is left of the budget, not the whole of it.
                    let left = deadline.saturating_duration_since(Instant::now());
                    self.attempt(path, body, ctx, left, held).await
                }
                other => other,
            }
        };
        match tokio::time::timeout(budget, work).await {
            Err(_) => Err(Error::BackendTimeout),
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(failure)) => Err(self.fail(failure)),
        }
    }

    async fn attempt(
        &self,
        path: &str,
        body: Option<Vec<u8>>,
        ctx: &QueryContext,
        budget: Duration,
        held: Option<&str>,
    ) -> Result<Answer, Failure> {
        let url = format!("{}{path}", self.base);
        let mut req = match body {
            Some(body) => self
                .http
                .post(url)
                .header(http::header::CONTENT_TYPE, protocol::CONTENT_TYPE)
                .body(body),
            None => self.http.get(url),
        }
        .timeout(budget)
        .header(protocol::VERSION_HEADER, protocol::VERSION_VALUE)
        .header(protocol::DEADLINE_HEADER, protocol::deadline_value(budget));
        if let Some(id) = &ctx.request_id {
            req = req.header(protocol::REQUEST_ID_HEADER, id.as_str());
        }
        if let Some(held) = held {
            req = req.header(protocol::IF_DATA_VERSION_HEADER, held);
        }
        if let Some(secret) = &self.secret {
            req = req.header(
                http::header::AUTHORIZATION,
                protocol::authorization_value(secret),
            );
        }
        let mut resp = req.send().await.map_err(Failure::from_send)?;
        protocol::check_answer_version(
            resp.headers()
                .get(protocol::VERSION_HEADER)
                .map(|v| v.as_bytes()),
        )
        .map_err(Failure::Wire)?;
        let status = resp.status();
        let generation = resp.headers().get(protocol::DATA_VERSION_HEADER).cloned();
        let max = self.max_answer;
        if resp.content_length().is_some_and(|n| n > max) {
            return Err(Failure::Wire(too_large(resp.content_length(), max)));
        }
        // Sized from the announced length (bounded above, capped at 1 MiB so that a false
        // length costs little), so a page is not copied again each time the buffer grows.
        let announced = resp.content_length().unwrap_or(0).min(1 << 20);
        let mut body = Vec::with_capacity(usize::try_from(announced).unwrap_or(0));
        while let Some(chunk) = resp.chunk().await.map_err(Failure::from_read)? {
            if (body.len() + chunk.len()) as u64 > max {
                return Err(Failure::Wire(too_large(None, max)));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer {
            status,
            body,
            generation,
        })
    }

    /// The canonical error of a failed call, logged when it says the two sides disagree.
    fn fail(&self, failure: Failure) -> Error {
        match failure {
            Failure::Timeout => Error::BackendTimeout,
            Failure::Connect(e) | Failure::Transport(e) => {
                tracing::warn!(backend = %self.label, error = %e, "backend unreachable");
                Error::BackendUnavailable(format!("{}: {e}", self.label))
            }
            Failure::Wire(e) => {
                tracing::error!(backend = %self.label, error = %e, "backend answer refused");
                Error::BadBackendAnswer(format!("{}: {e}", self.label))
            }
        }
    }

    /// A non-200 answer as the canonical error it carries.
    fn error_of(&self, answer: &Answer) -> Error {
        match protocol::decode_error(answer.status.as_u16(), &answer.body) {
            Ok(Decoded::Canonical(error)) => error,
            Ok(Decoded::Protocol(refusal)) => {
                tracing::error!(
                    backend = %self.label,
                    status = answer.status.as_u16(),
                    error = %refusal,
                    "backend refused the request: check the shared secret and the protocol version"
                );
                Error::BackendUnavailable(format!("{}: {}", self.label, refusal.kind()))
            }
            Err(_) if answer.status.is_server_error() => {
                tracing::warn!(backend = %self.label, status = answer.status.as_u16(), "backend failed");
                Error::BackendUnavailable(format!("{}: status {}", self.label, answer.status))
            }
            Err(e) => self.fail(Failure::Wire(e)),
        }
    }

    /// A call whose 200 answer is decoded by `decode`.
    async fn exchange<T>(
        &self,
        path: &str,
        body: Option<Vec<u8>>,
        ctx: &QueryContext,
        decode: fn(&[u8]) -> Result<T, WireError>,
    ) -> Result<T, Error> {
        let answer = self.call(path, body, ctx, None).await?;
        if answer.status != StatusCode::OK {
            return Err(self.error_of(&answer));
        }
        decode(&answer.body).map_err(|e| self.fail(Failure::Wire(e)))
    }
}

fn too_large(len: Option<u64>, max: u64) -> WireError {
    let clamp = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    WireError::TooLarge {
        len: len.map_or(clamp(max).saturating_add(1), clamp),
        max: clamp(max),
    }
}

/// Why one attempt failed.
enum Failure {
    /// The connection could not be made (retried once).
    Connect(String),
    /// The connection broke, or the request could not be sent.
    Transport(String),
    Timeout,
    /// The answer arrived but cannot be taken.
    Wire(WireError),
}

impl Failure {
    fn from_send(e: reqwest::Error) -> Failure {
        if e.is_timeout() {
            Failure::Timeout
        } else if e.is_connect() {
            Failure::Connect(super::tls::chain(&e.without_url()))
        } else {
            Failure::Transport(super::tls::chain(&e.without_url()))
        }
    }

    fn from_read(e: reqwest::Error) -> Failure {
        if e.is_timeout() {
            Failure::Timeout
        } else {
            Failure::Transport(super::tls::chain(&e.without_url()))
        }
    }
}

impl HttpBackend {
    /// `POST /v1/query`, conditional on the generation of the page kept for `query`.
    async fn conditional_query(
        &self,
        query: &ThreadQuery,
        ctx: &QueryContext,
    ) -> Result<Page, Error> {
        let held = self.pages.as_ref().and_then(|p| p.get(query));
        let body = protocol::encode_query(query);
        let answer = self
            .client
            .call(
                protocol::QUERY_PATH,
                Some(body),
                ctx,
                held.as_ref().map(|k| k.generation.as_str()),
            )
            .await?;
        let wire = |e: WireError| self.client.fail(Failure::Wire(e));
        match answer.status {
            StatusCode::NOT_MODIFIED => match held {
                Some(kept) => Ok(Page::clone(&kept.page)),
                None => Err(wire(WireError::UnaskedNotModified)),
            },
            StatusCode::OK => {
                let generation =
                    protocol::parse_data_version(answer.generation.as_ref().map(|v| v.as_bytes()))
                        .map_err(wire)?;
                let page = protocol::decode_page(&answer.body).map_err(wire)?;
                if let Some(pages) = &self.pages {
                    pages.keep(query, generation.as_ref(), &page, answer.body.len());
                }
                Ok(page)
            }
            _ => Err(self.client.error_of(&answer)),
        }
    }
}

impl Backend for HttpBackend {
    fn kind(&self) -> &'static str {
        "http"
    }

    fn label(&self) -> &str {
        &self.client.label
    }

    /// What the canonical protocol carries: everything the model asks for.
    fn capabilities(&self) -> Capabilities {
        Capabilities::ALL
    }

    fn query<'a>(
        &'a self,
        query: &'a ThreadQuery,
        ctx: &'a QueryContext,
    ) -> BoxFuture<'a, Result<Page, Error>> {
        Box::pin(self.conditional_query(query, ctx))
    }

    fn rooms<'a>(
        &'a self,
        principal: &'a Principal,
        ctx: &'a QueryContext,
    ) -> BoxFuture<'a, Result<Vec<RoomInfo>, Error>> {
        Box::pin(async move {
            let body = protocol::encode_rooms_request(&protocol::RoomsRequest {
                principal: principal.clone(),
            });
            let list = self
                .client
                .exchange(
                    protocol::ROOMS_PATH,
                    Some(body),
                    ctx,
                    protocol::decode_room_list,
                )
                .await?;
            Ok(list.rooms)
        })
    }

    fn probe<'a>(&'a self, ctx: &'a QueryContext) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let answer = self
                .client
                .call(protocol::READY_PATH, None, ctx, None)
                .await?;
            match protocol::decode_readiness(answer.status.as_u16(), &answer.body) {
                Ok(r) if r.ready => Ok(()),
                Ok(r) => Err(Error::BackendUnavailable(format!(
                    "{}: not ready{}",
                    self.client.label,
                    r.message.map(|m| format!(" ({m})")).unwrap_or_default()
                ))),
                Err(_) => Err(self.client.error_of(&answer)),
            }
        })
    }
}

impl Authenticator for HttpAuthenticator {
    fn authenticate<'a>(
        &'a self,
        credential: &'a Credential,
        ctx: &'a QueryContext,
    ) -> BoxFuture<'a, Result<Principal, Error>> {
        Box::pin(async move {
            let body = protocol::encode_credential(credential);
            self.client
                .exchange(
                    protocol::AUTHENTICATE_PATH,
                    Some(body),
                    ctx,
                    protocol::decode_principal,
                )
                .await
        })
    }
}
