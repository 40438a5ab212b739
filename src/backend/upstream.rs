//! The HTTP side of an upstream platform backend (`rocketchat`, `selfcommunity`, `quip`):
//! one pooled reqwest client sending a client face's requests, every call bounded in time
//! (`timeout_ms` and what is left of the caller's deadline) and its answer in size
//! ([`MAX_ANSWER_BYTES`]). What comes back is handed to the client face's decoders as it is;
//! only transport failures are decided here:
//! - connection refused or reset, the answer cut short → `BackendUnavailable`;
//! - the budget spent → `BackendTimeout`;
//! - an answer over the size bound → `BadBackendAnswer`.
//!
//! One retry on a connection error, before any byte of an answer arrived (every call is a
//! `GET`). Credentials go in headers only and never into logs or errors.

use crate::auth::Authenticator;
use crate::backend::{BoxFuture, QueryContext};
use crate::canonical::{Credential, Error, Principal};
use http::{HeaderMap, StatusCode};
use std::time::{Duration, Instant};

/// The largest answer read from an upstream platform: the client faces' own bound
/// (`MAX_ANSWER_BYTES` of each), which they check again.
pub const MAX_ANSWER_BYTES: usize = 8 << 20;

/// A call a client face built: where it goes. Route paths name calls in logs (never the
/// query string, which may carry ids a log need not keep).
pub trait Call {
    /// The path and query string after the base URL.
    fn target(&self) -> String;
    /// The route, for logs and errors.
    fn route(&self) -> String;
}

impl Call for crate::dialect::rocketchat::client::Request {
    fn target(&self) -> String {
        self.path_and_query()
    }
    fn route(&self) -> String {
        self.path().to_owned()
    }
}

impl Call for crate::dialect::selfcommunity::client::Request {
    fn target(&self) -> String {
        self.path_and_query()
    }
    fn route(&self) -> String {
        self.path().to_owned()
    }
}

impl Call for crate::dialect::quip::client::Request {
    fn target(&self) -> String {
        self.path_and_query()
    }
    fn route(&self) -> String {
        self.path()
    }
}

/// The upstream server: its base URL, the pooled client and the per-call limit.
pub struct Upstream {
    http: reqwest::Client,
    base: String,
    pub label: String,
    timeout: Duration,
}

/// A whole answer, read within the size bound.
pub struct Received {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// Why one attempt failed.
enum Failure {
    Connect(String),
    Transport(String),
    Timeout,
    TooLarge,
}

impl Failure {
    fn from_send(e: reqwest::Error) -> Failure {
        if e.is_timeout() {
            Failure::Timeout
        } else if e.is_connect() {
            Failure::Connect(crate::backend::tls::chain(&e.without_url()))
        } else {
            Failure::Transport(crate::backend::tls::chain(&e.without_url()))
        }
    }

    fn from_read(e: reqwest::Error) -> Failure {
        if e.is_timeout() {
            Failure::Timeout
        } else {
            Failure::Transport(crate::backend::tls::chain(&e.without_url()))
        }
    }
}

impl Upstream {
    /// A client for `url` (checked by the config: absolute `http` or `https`, no credentials
    /// in it), trusting what `tls` trusts; `kind` starts its label (`rocketchat:host:port`).
    pub fn new(
        kind: &str,
        url: &str,
        tls: rustls::ClientConfig,
        timeout: Duration,
        connect_timeout: Duration,
        max_idle: usize,
    ) -> Result<Upstream, String> {
        let parsed = url::Url::parse(url).map_err(|e| format!("backend.url: {e}"))?;
        let host = parsed.host_str().unwrap_or_default().to_owned();
        let port = parsed.port_or_known_default().unwrap_or(80);
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .connect_timeout(connect_timeout)
            .pool_max_idle_per_host(max_idle)
            .tcp_nodelay(true)
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("threadgate/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("backend: cannot build the HTTP client: {e}"))?;
        let authority = match parsed.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.clone(),
        };
        Ok(Upstream {
            http,
            base: format!(
                "{}://{authority}{}",
                parsed.scheme(),
                parsed.path().trim_end_matches('/')
            ),
            label: format!("{kind}:{host}:{port}"),
            timeout,
        })
    }

    /// Sends `req` with the credential headers `auth`; retried once when the connection
    /// could not be made.
    pub async fn send(
        &self,
        req: &impl Call,
        auth: &[(&'static str, &str)],
        ctx: &QueryContext,
    ) -> Result<Received, Error> {
        let budget = ctx
            .remaining()
            .map_or(self.timeout, |left| left.min(self.timeout));
        if budget.is_zero() {
            return Err(Error::BackendTimeout);
        }
        let deadline = Instant::now() + budget;
        let url = format!("{}{}", self.base, req.target());
        let work = async {
            match self.attempt(&url, auth, ctx, budget).await {
                Err(Failure::Connect(e)) => {
                    tracing::warn!(backend = %self.label, error = %e, "upstream connection failed, retrying once");
                    let left = deadline.saturating_duration_since(Instant::now());
                    self.attempt(&url, auth, ctx, left).await
                }
                other => other,
            }
        };
        match tokio::time::timeout(budget, work).await {
            Err(_) => Err(Error::BackendTimeout),
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(failure)) => Err(self.fail(req, failure)),
        }
    }

    async fn attempt(
        &self,
        url: &str,
        auth: &[(&'static str, &str)],
        ctx: &QueryContext,
        budget: Duration,
    ) -> Result<Received, Failure> {
        let mut call = self.http.get(url).timeout(budget);
        for (name, value) in auth {
            call = call.header(*name, *value);
        }
        if let Some(id) = &ctx.request_id {
            call = call.header("x-request-id", id.as_str());
        }
        let mut resp = call.send().await.map_err(Failure::from_send)?;
        let max = MAX_ANSWER_BYTES as u64;
        if resp.content_length().is_some_and(|n| n > max) {
            return Err(Failure::TooLarge);
        }
        let status = resp.status();
        let headers = std::mem::take(resp.headers_mut());
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(Failure::from_read)? {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(Failure::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Received {
            status,
            headers,
            body,
        })
    }

    fn fail(&self, req: &impl Call, failure: Failure) -> Error {
        let route = req.route();
        match failure {
            Failure::Timeout => Error::BackendTimeout,
            Failure::Connect(e) | Failure::Transport(e) => {
                tracing::warn!(backend = %self.label, route = %route, error = %e, "upstream unreachable");
                Error::BackendUnavailable(format!("{}: {e}", self.label))
            }
            Failure::TooLarge => {
                tracing::error!(backend = %self.label, route = %route, max = MAX_ANSWER_BYTES, "upstream answer over the size bound");
                Error::BadBackendAnswer(format!(
                    "{}: {} answered more than {MAX_ANSWER_BYTES} bytes",
                    self.label, route
                ))
            }
        }
    }
}

/// The gateway's clock in epoch milliseconds (to turn `X-RateLimit-Reset` into a wait).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Refuses every caller: stands in until `[auth] directory` replaces it (mapped mode
/// requires one; the config check says so).
pub struct NoDirectory;

impl Authenticator for NoDirectory {
    fn authenticate<'a>(
        &'a self,
        _credential: &'a Credential,
        _ctx: &'a QueryContext,
    ) -> BoxFuture<'a, Result<Principal, Error>> {
        Box::pin(std::future::ready(Err(Error::Internal(
            "mapped mode needs [auth] directory".into(),
        ))))
    }
}

/// `threadgate_upstream_calls_per_request{backend}`: calls per query, 0 for one refused
/// before any call.
pub fn calls_histogram(label: &str) -> Result<prometheus::Histogram, String> {
    prometheus::Histogram::with_opts(
        prometheus::HistogramOpts::new(
            "threadgate_upstream_calls_per_request",
            "Upstream calls one backend query took, by backend.",
        )
        .const_label("backend", label)
        .buckets(vec![0.0, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0, 100.0]),
    )
    .map_err(|e| format!("backend: metrics: {e}"))
}

/// The keys every platform upstream's section shares (`url`, timeouts, `passthrough`,
/// `auth`, `ca_file`).
pub struct Section<'a> {
    pub url: &'a str,
    pub timeout_ms: u64,
    pub connect_timeout_ms: u64,
    pub max_idle_connections: usize,
    pub passthrough: bool,
    pub auth: &'a crate::config::UpstreamAuthConfig,
    pub ca_file: &'a str,
}

/// What every platform upstream is built from: its HTTP client, the mapped credentials
/// (`Some` in mapped mode, read now and again on SIGHUP), the passthrough proxy (`Some` with
/// `passthrough = true`) and its calls histogram.
pub struct Opened {
    pub upstream: std::sync::Arc<Upstream>,
    pub credentials: Option<std::sync::Arc<super::credentials::Credentials>>,
    pub proxy: Option<std::sync::Arc<super::proxy::Proxy>>,
    pub calls: prometheus::Histogram,
}

/// Opens the shared parts of a `kind` upstream speaking `dialect`, whose mapped credentials
/// are the lines of scheme `takes` (no call is made yet: readiness follows the first
/// probe).
pub fn open(
    kind: &str,
    dialect: crate::dialect::DialectId,
    takes: super::credentials::Takes,
    s: &Section<'_>,
) -> Result<Opened, String> {
    use std::sync::Arc;
    let tls = super::tls::client_config("backend.ca_file", s.ca_file)?;
    let timeout = Duration::from_millis(s.timeout_ms);
    let connect_timeout = Duration::from_millis(s.connect_timeout_ms);
    let upstream = Arc::new(Upstream::new(
        kind,
        s.url,
        tls.clone(),
        timeout,
        connect_timeout,
        s.max_idle_connections,
    )?);
    let credentials = match s.auth.mode {
        crate::config::UpstreamAuthMode::Passthrough => None,
        crate::config::UpstreamAuthMode::Mapped => {
            let creds = Arc::new(super::credentials::Credentials::open(
                std::path::Path::new(&s.auth.credentials),
                takes,
            )?);
            let reload = creds.clone();
            crate::auth::directory::on_sighup("backend.auth.credentials", move || {
                reload.reload().map(|_| ())
            });
            Some(creds)
        }
    };
    let proxy = match s.passthrough {
        true => Some(Arc::new(super::proxy::Proxy::new(
            s.url,
            tls,
            dialect,
            timeout,
            connect_timeout,
            s.max_idle_connections,
        )?)),
        false => None,
    };
    Ok(Opened {
        calls: calls_histogram(&upstream.label)?,
        upstream,
        credentials,
        proxy,
    })
}

impl Opened {
    /// The gateway's authenticator: `me` (the platform's "who am I", built by the caller
    /// with the upstream) in passthrough mode; in mapped mode [`NoDirectory`], which
    /// `[auth] directory` replaces.
    pub fn authenticator(
        &self,
        me: impl FnOnce(std::sync::Arc<Upstream>) -> std::sync::Arc<dyn Authenticator>,
    ) -> std::sync::Arc<dyn Authenticator> {
        match self.credentials {
            None => me(self.upstream.clone()),
            Some(_) => std::sync::Arc::new(NoDirectory),
        }
    }
}

/// The upstream credential a query is read with, checked to be the caller's own: in mapped
/// mode (`credentials` given) the caller's line of the file, in passthrough mode the
/// credential the caller sent, which must be of the scheme the upstream takes (and, for a
/// Rocket.Chat token, the principal's own).
///
/// A mapped caller the directory authenticated but who has no upstream credential is
/// refused as the platforms refuse an authenticated caller who may not read the target
/// (`Forbidden`): their own credential is valid, so 401 would be wrong. In passthrough mode
/// an unusable credential is the caller's own: 401.
pub fn caller_credential(
    label: &str,
    credentials: Option<&super::credentials::Credentials>,
    takes: super::credentials::Takes,
    query: &crate::canonical::ThreadQuery,
    ctx: &QueryContext,
) -> Result<Credential, Error> {
    use super::credentials::Takes;
    let user_id = &query.principal.user_id;
    let refuse = |why: &str, error: Error| {
        tracing::warn!(backend = %label, user_id = %user_id, reason = why, "caller refused");
        Err(error)
    };
    let unauthenticated = || Error::Unauthenticated(crate::canonical::AuthFailure::Invalid);
    if let Some(creds) = credentials {
        return match creds.of(user_id) {
            Some(c) => Ok(c),
            None => refuse(
                "no upstream credential of this upstream's scheme for this user in backend.auth.credentials",
                Error::Forbidden(forbidden_target(query)),
            ),
        };
    }
    match (&ctx.credential, takes) {
        (
            Some(c @ Credential::UserToken { user_id: own, .. }),
            Takes::RocketChat | Takes::Either,
        ) => {
            if own == user_id {
                Ok(c.clone())
            } else {
                refuse(
                    "the credential belongs to another user than the principal",
                    unauthenticated(),
                )
            }
        }
        (Some(c @ Credential::Bearer { .. }), Takes::Bearer | Takes::Either) => Ok(c.clone()),
        (Some(_), _) => refuse(
            "the caller's credential is not of the scheme this upstream takes",
            unauthenticated(),
        ),
        (None, _) => refuse("no credential in the request context", unauthenticated()),
    }
}

/// What a query names, as the resource a refusal concerns.
pub fn forbidden_target(query: &crate::canonical::ThreadQuery) -> crate::canonical::Resource {
    use crate::canonical::{Resource, Target, UserRef};
    match &query.target {
        Target::Room(id) => Resource::Room(id.clone()),
        Target::Direct {
            peer: UserRef::Id(peer) | UserRef::Username(peer),
        } => Resource::Room(peer.clone()),
        Target::Group(id) => Resource::Group(id.clone()),
        Target::Replies(id) => Resource::Message(id.clone()),
        Target::Conversations => Resource::User(query.principal.user_id.clone()),
    }
}
