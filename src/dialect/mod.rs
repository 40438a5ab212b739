//! Inbound dialects: one module per platform.
//!
//! Each dialect's **server face** decodes an HTTP request into a canonical
//! [`ThreadQuery`](crate::canonical::ThreadQuery) and encodes a
//! [`Page`](crate::canonical::Page) or [`Error`] into that platform's exact response. Dialect
//! code is pure: no I/O, no clock reads except through [`RequestView`]. The request pipeline
//! (`crate::server::pipeline`) runs the phases in the order each endpoint declares.
//!
//! Each dialect's **client face** (`<dialect>::client`) is the other direction: the calls a
//! backend makes to an upstream of that platform and the decoding of its answers. What the
//! three client faces share (strict JSON path helpers, bounded answer reading, retry waits,
//! window splitting, and the panic-freedom test strategies) is in [`client_common`].

pub mod client_common;
pub mod quip;
pub mod rocketchat;
pub mod selfcommunity;

use crate::canonical::{Credential, Error, Page, Principal, ThreadQuery};
use bytes::Bytes;
use http::{HeaderMap, Method, Response};

/// Which platform a request speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DialectId {
    RocketChat,
    SelfCommunity,
    Quip,
    /// A path no dialect claims.
    None,
}

impl DialectId {
    /// The label used in logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            DialectId::RocketChat => "rocketchat",
            DialectId::SelfCommunity => "selfcommunity",
            DialectId::Quip => "quip",
            DialectId::None => "none",
        }
    }
}

/// The parts of a request a dialect may read.
#[derive(Debug, Clone, Copy)]
pub struct RequestView<'a> {
    pub method: &'a Method,
    /// The path as received (percent-encoded).
    pub path: &'a str,
    /// The raw query string, without `?`.
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    /// The address of the connection's peer (a proxy, when there is one).
    pub peer: Option<std::net::SocketAddr>,
    /// When the request arrived, in microseconds since the epoch (dialects read no clock).
    pub now_usec: i64,
    /// The query's pairs, parsed on first use by [`RequestView::pairs`] (request-scoped, so
    /// every phase of a request shares one parse).
    pub pairs: &'a QueryPairs,
}

impl<'a> RequestView<'a> {
    /// The `application/x-www-form-urlencoded` pairs of [`RequestView::query`] (`+` and
    /// `%XX` decoded, invalid UTF-8 replaced, empty fields dropped), parsed once per request.
    pub fn pairs(&self) -> &'a [(String, String)] {
        self.pairs.0.get_or_init(|| {
            self.query
                .map(|q| {
                    url::form_urlencoded::parse(q.as_bytes())
                        .into_owned()
                        .collect()
                })
                .unwrap_or_default()
        })
    }
}

/// The last value of `name` in `pairs` (last one wins, as every platform reads a repeated
/// key), `None` when the key is absent.
pub fn last_value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The storage behind [`RequestView::pairs`]: empty until the first call. One per request.
#[derive(Debug, Default)]
pub struct QueryPairs(std::sync::OnceLock<Vec<(String, String)>>);

impl QueryPairs {
    pub const fn new() -> QueryPairs {
        QueryPairs(std::sync::OnceLock::new())
    }
}

/// The checks an endpoint makes before it asks the backend, in the platform's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// 405 unless GET or HEAD.
    Method,
    /// 401 unless the credentials match a live token.
    Authenticate,
    /// 429 (or the platform's equivalent) when a configured limit is exceeded.
    RateLimit,
    /// 400 on bad parameters; builds the query. Always after `Authenticate`.
    Decode,
}

/// A response as a dialect builds it; the server adds the request id and sends it.
pub type Reply = Response<Bytes>;

/// One served route of one dialect (server face).
pub trait Endpoint: Send + Sync + 'static {
    fn dialect(&self) -> DialectId;

    /// The route label for logs and metrics, e.g. `chat.getThreadMessages`.
    fn route(&self) -> &'static str;

    /// The order of checks before the backend is asked.
    fn phases(&self) -> &'static [Phase];

    /// An answer given before any phase, without the backend (e.g. Django's `APPEND_SLASH`
    /// redirect). `None` = go on with the phases.
    fn preflight(&self, _req: &RequestView<'_>) -> Option<Reply> {
        None
    }

    /// An answer from the principal alone, given once the phases ran when they decode no
    /// query (Rocket.Chat `GET /api/v1/me`, SelfCommunity `GET /api/v2/user/me/`, Quip
    /// `GET /1/users/current`): no backend call. `None` (the default) = the
    /// phases decode a query.
    fn answer_principal(&self, _req: &RequestView<'_>, _principal: &Principal) -> Option<Reply> {
        None
    }

    /// Work to do off the async threads before [`Endpoint::answer_principal`] runs (e.g.
    /// giving the principal its SelfCommunity integer). The default does nothing.
    fn before_answer_principal<'a>(
        &'a self,
        _principal: &'a Principal,
    ) -> crate::backend::BoxFuture<'a, Result<(), Error>> {
        Box::pin(std::future::ready(Ok(())))
    }

    /// An answer from the caller's rooms (Rocket.Chat `GET /api/v1/rooms.get`), given once
    /// the phases ran when they decode no query: the gateway asks the backend for the
    /// principal's rooms ([`crate::backend::Backend::rooms`]) and this encodes them. `false`
    /// (the default) = not such an endpoint.
    fn lists_rooms(&self) -> bool {
        false
    }

    /// The success answer of an endpoint that [lists rooms](Endpoint::lists_rooms).
    fn encode_rooms(&self, req: &RequestView<'_>, _rooms: &[crate::canonical::RoomInfo]) -> Reply {
        self.render_error(
            req,
            &Error::Internal(format!("{} lists no rooms", self.route())),
        )
    }

    /// Credentials as the platform reads them; `None` = no credentials at all.
    fn credentials(&self, req: &RequestView<'_>) -> Option<Credential>;

    /// Decodes the request into a query on behalf of `principal`.
    fn decode(&self, req: &RequestView<'_>, principal: Principal) -> Result<ThreadQuery, Error>;

    /// Work to do off the async threads before [`Endpoint::decode`] runs (e.g. looking up
    /// the SelfCommunity integers the parameters name). The default does nothing.
    fn before_decode<'a>(
        &'a self,
        _req: &'a RequestView<'_>,
    ) -> crate::backend::BoxFuture<'a, Result<(), Error>> {
        Box::pin(std::future::ready(Ok(())))
    }

    /// Work to do off the async threads before [`Endpoint::encode`] runs on `page` (e.g.
    /// giving new objects their SelfCommunity integers). The default does nothing.
    fn before_encode<'a>(
        &'a self,
        _query: &'a ThreadQuery,
        _page: &'a Page,
    ) -> crate::backend::BoxFuture<'a, Result<(), Error>> {
        Box::pin(std::future::ready(Ok(())))
    }

    /// Encodes the backend's page as the platform's success response.
    fn encode(&self, req: &RequestView<'_>, query: &ThreadQuery, page: &Page) -> Reply;

    /// Renders any error in the platform's envelope (delegates to the dialect's one
    /// `render_error`).
    fn render_error(&self, req: &RequestView<'_>, error: &Error) -> Reply;

    /// Whether the gateway may keep this endpoint's page answers until the data changes
    /// ([`crate::server::answers`]), and if so, what of the request the encoder reads
    /// besides the path, the raw query string and the decoded query (`""`: nothing).
    /// `None`, the default: never kept.
    fn cache_vary(&self, _req: &RequestView<'_>) -> Option<String> {
        None
    }

    /// Another query to try when the backend answered `query` with `error` (e.g. a peer
    /// named by user id, then by username, then as a room id). `None` = answer the error.
    fn retry(&self, _query: &ThreadQuery, _error: &Error) -> Option<ThreadQuery> {
        None
    }

    /// The [`Phase::RateLimit`] check for `principal` (`None` when the endpoint limits before
    /// it authenticates) calling from `client` (the address [`crate::ratelimit::client_ip`]
    /// found, `None` when unknown). The default limits nothing.
    fn rate_limit(
        &self,
        _req: &RequestView<'_>,
        _principal: Option<&Principal>,
        _client: Option<std::net::IpAddr>,
    ) -> RateOutcome {
        RateOutcome::default()
    }
}

/// What a rate-limit check decided for one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateOutcome {
    /// Headers added to every response of this request from now on (success and errors).
    pub headers: Vec<(&'static str, String)>,
    /// The refusal (usually [`Error::RateLimited`]) when over the limit.
    pub refused: Option<Error>,
}

/// A dialect as the router sees it: the paths it claims and its error envelope for requests
/// that reach no endpoint of it (unknown path under its prefix, panic, timeout, body limit).
pub trait DialectFace: Send + Sync + 'static {
    fn id(&self) -> DialectId;

    /// Path prefixes this dialect owns, e.g. `/api/v1/`.
    fn prefixes(&self) -> &'static [&'static str];

    /// The endpoints it serves, with their exact paths.
    fn endpoints(&self) -> Vec<(&'static str, std::sync::Arc<dyn Endpoint>)>;

    /// An endpoint for a path with parameters in it (e.g. `/1/messages/:thread_id`); exact
    /// paths come from [`DialectFace::endpoints`].
    fn resolve(&self, _path: &str) -> Option<std::sync::Arc<dyn Endpoint>> {
        None
    }

    /// Renders an error for a request under one of its prefixes.
    fn render_error(&self, req: &RequestView<'_>, error: &Error) -> Reply;
}

/// `Content-Type` of every JSON reply.
pub const JSON: &str = "application/json";

/// The one reply builder of every dialect: `status`, `Content-Type: content_type`, then the
/// dialect's `standard` headers and the reply's own `extra` headers, in that order (values
/// that are not valid header values are left out), and `body`.
pub fn json_reply(
    status: http::StatusCode,
    content_type: &str,
    standard: &[(&'static str, &str)],
    extra: &[(&'static str, &str)],
    body: Vec<u8>,
) -> Reply {
    let mut resp = Response::new(Bytes::from(body));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    let content_type = ("content-type", content_type);
    for (name, value) in std::iter::once(&content_type).chain(standard).chain(extra) {
        if let Ok(v) = http::HeaderValue::from_str(value) {
            h.append(*name, v);
        }
    }
    resp
}

/// The reply for paths that no dialect claims: 404 with a short JSON body.
pub fn unclaimed_error(req: &RequestView<'_>, error: &Error) -> Reply {
    use http::StatusCode;
    let (status, text) = match error {
        Error::RouteNotFound => (StatusCode::NOT_FOUND, "not found"),
        Error::MethodNotAllowed { .. } => (StatusCode::METHOD_NOT_ALLOWED, "method not allowed"),
        Error::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload too large"),
        Error::BackendTimeout => (StatusCode::GATEWAY_TIMEOUT, "timed out"),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
    };
    let mut body = Vec::with_capacity(64);
    body.extend_from_slice(b"{\"error\":");
    crate::json::write_str(&mut body, text);
    body.extend_from_slice(b",\"path\":");
    crate::json::write_str(&mut body, req.path);
    body.push(b'}');
    json_reply(status, JSON, &[], &[], body)
}
