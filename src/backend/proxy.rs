//! Passthrough of an upstream platform's untranslated routes (`[backend] passthrough`): a
//! request of the upstream's own dialect that no endpoint of the gateway translates goes to
//! the upstream unchanged, and its answer comes back unchanged. Both bodies stream, frame
//! by frame; neither is gathered.
//!
//! - Hop-by-hop headers (`Connection`, `Keep-Alive`, `Proxy-*`, `TE`, `Trailer`,
//!   `Transfer-Encoding`, `Upgrade`, and every header `Connection` names) are removed both
//!   ways; `Host` becomes the upstream's.
//! - `X-Forwarded-For` gets the peer's address appended, `X-Forwarded-Proto` is `http`,
//!   `X-Forwarded-Host` the client's `Host`.
//! - The request body is held to the gateway's `server.max_body_bytes` as it streams (a
//!   declared length over it is refused before, by the body-limit layer).
//! - The whole exchange, the answer's body included, ends by the per-call limit or the
//!   request's deadline, whichever comes first.
//! - No retry: a passed-through request may not be idempotent, and its body is streamed.
//!
//! A plain hyper client: it adds no header of its own but `Host` (reqwest would add
//! `Accept`). Nothing here logs a header or a body.

use super::QueryContext;
use crate::canonical::Error;
use crate::dialect::DialectId;
use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, CONNECTION, HOST};
use http::{HeaderMap, Method, Uri};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Empty};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// Any error a streamed body may end with.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

type OutBody = UnsyncBoxBody<Bytes, BoxError>;

/// Headers that belong to one connection, never forwarded (RFC 9110 §7.6.1, and the
/// `Proxy-Connection` and `Keep-Alive` of older clients).
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// The upstream that untranslated routes of `dialect` go to.
pub struct Proxy {
    client: Client<HttpsConnector<HttpConnector>, OutBody>,
    /// `scheme://authority` and the base path, without a trailing `/`.
    base: String,
    label: String,
    timeout: Duration,
    dialect: DialectId,
}

/// A request as the caller sent it.
pub struct Inbound<B> {
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    /// The connection's peer, appended to `X-Forwarded-For`.
    pub peer: Option<SocketAddr>,
    pub body: B,
}

/// The upstream's answer: status and headers read, the body still streaming.
pub type Outbound = http::Response<Deadline<Incoming>>;

impl Proxy {
    /// A proxy to `url` (an absolute `http` or `https` URL, checked by the config) for the
    /// routes of `dialect`, trusting what `tls` trusts.
    pub fn new(
        url: &str,
        tls: rustls::ClientConfig,
        dialect: DialectId,
        timeout: Duration,
        connect_timeout: Duration,
        max_idle: usize,
    ) -> Result<Proxy, String> {
        let parsed = url::Url::parse(url).map_err(|e| format!("backend.url: {e}"))?;
        let host = parsed.host_str().unwrap_or_default().to_owned();
        let port = parsed.port_or_known_default().unwrap_or(80);
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(connect_timeout));
        connector.set_nodelay(true);
        // `https_or_http`: the scheme of the URL decides; HTTP/1.1 either way (the builder
        // sets ALPN itself from `enable_http1`, and refuses a configuration that has it).
        connector.enforce_http(false);
        let mut tls = tls;
        tls.alpn_protocols.clear();
        let connector = HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(connector);
        let client = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(max_idle)
            .build(connector);
        let authority = match parsed.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.clone(),
        };
        Ok(Proxy {
            client,
            base: format!(
                "{}://{authority}{}",
                parsed.scheme(),
                parsed.path().trim_end_matches('/')
            ),
            label: format!("passthrough:{host}:{port}"),
            timeout,
            dialect,
        })
    }

    /// The dialect whose untranslated routes this proxy serves.
    pub fn dialect(&self) -> DialectId {
        self.dialect
    }

    /// Sends `req` upstream and returns the answer once its head has arrived. The errors:
    /// `PayloadTooLarge` (the body passed `max_body`), `BackendTimeout`,
    /// `BackendUnavailable` (no connection, or it broke before the answer's head).
    pub async fn forward<B>(
        &self,
        req: Inbound<B>,
        max_body: u64,
        ctx: &QueryContext,
    ) -> Result<Outbound, Error>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let budget = ctx
            .remaining()
            .map_or(self.timeout, |left| left.min(self.timeout));
        if budget.is_zero() {
            return Err(Error::BackendTimeout);
        }
        let deadline = tokio::time::Instant::now() + budget;
        let over = Arc::new(AtomicBool::new(false));
        let out = self.outbound(req, max_body, &over)?;
        let sent = tokio::time::timeout_at(deadline, self.client.request(out)).await;
        let resp = match sent {
            Err(_) => return Err(Error::BackendTimeout),
            Ok(Err(_)) if over.load(Ordering::Acquire) => return Err(Error::PayloadTooLarge),
            Ok(Err(e)) => {
                let e = super::tls::chain(&e);
                tracing::warn!(backend = %self.label, error = %e, "passthrough: upstream unreachable");
                return Err(Error::BackendUnavailable(format!("{}: {e}", self.label)));
            }
            Ok(Ok(resp)) => resp,
        };
        let (mut parts, body) = resp.into_parts();
        strip_hop_by_hop(&mut parts.headers);
        Ok(http::Response::from_parts(
            parts,
            Deadline::new(body, deadline),
        ))
    }

    /// The request to the upstream: same method, path, query, headers (hop-by-hop ones
    /// removed, `X-Forwarded-*` set) and body (held to `max_body`).
    fn outbound<B>(
        &self,
        req: Inbound<B>,
        max_body: u64,
        over: &Arc<AtomicBool>,
    ) -> Result<http::Request<OutBody>, Error>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let path = req.uri.path_and_query().map_or("/", |p| p.as_str());
        let uri: Uri = format!("{}{path}", self.base)
            .parse()
            .map_err(|e| Error::Internal(format!("passthrough: upstream URI: {e}")))?;
        let mut headers = req.headers;
        let host = headers.remove(HOST).or_else(|| {
            let authority = req.uri.authority()?;
            HeaderValue::from_str(authority.as_str()).ok()
        });
        strip_hop_by_hop(&mut headers);
        forwarded(&mut headers, req.peer, host);
        let body: OutBody = if req.body.is_end_stream() {
            Empty::new().map_err(|never| match never {}).boxed_unsync()
        } else {
            Capped::new(req.body, max_body, over.clone()).boxed_unsync()
        };
        let mut out = http::Request::new(body);
        *out.method_mut() = req.method;
        *out.uri_mut() = uri;
        *out.headers_mut() = headers;
        Ok(out)
    }
}

/// Removes the hop-by-hop headers, and those the `Connection` header names.
pub fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
}

/// `X-Forwarded-For` (the earlier hops as sent, then `peer`), `X-Forwarded-Proto: http`
/// (the gateway listens in plain HTTP) and `X-Forwarded-Host` (the client's `Host`).
fn forwarded(headers: &mut HeaderMap, peer: Option<SocketAddr>, host: Option<HeaderValue>) {
    const XFF: &str = "x-forwarded-for";
    if let Some(peer) = peer {
        let mut chain: Vec<u8> = Vec::new();
        for earlier in headers.get_all(XFF) {
            chain.extend_from_slice(earlier.as_bytes());
            chain.extend_from_slice(b", ");
        }
        chain.extend_from_slice(peer.ip().to_string().as_bytes());
        if let Ok(v) = HeaderValue::from_bytes(&chain) {
            headers.insert(XFF, v);
        }
    }
    headers.insert("x-forwarded-proto", HeaderValue::from_static("http"));
    match host {
        Some(host) => headers.insert("x-forwarded-host", host),
        None => headers.remove("x-forwarded-host"),
    };
}

/// A request body held to `max` bytes: past it the stream ends with an error, and `over`
/// says why.
struct Capped<B> {
    inner: Pin<Box<B>>,
    left: u64,
    over: Arc<AtomicBool>,
}

impl<B> Capped<B> {
    fn new(inner: B, max: u64, over: Arc<AtomicBool>) -> Capped<B> {
        Capped {
            inner: Box::pin(inner),
            left: max,
            over,
        }
    }
}

impl<B> Body for Capped<B>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let frame = match self.inner.as_mut().poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => frame,
            Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Pending => return Poll::Pending,
        };
        if let Some(data) = frame.data_ref() {
            let n = data.len() as u64;
            if n > self.left {
                self.over.store(true, Ordering::Release);
                return Poll::Ready(Some(Err("request body over server.max_body_bytes".into())));
            }
            self.left -= n;
        }
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// An answer body that ends with an error at `deadline` if it has not ended before.
pub struct Deadline<B> {
    inner: B,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

impl<B> Deadline<B> {
    fn new(inner: B, deadline: tokio::time::Instant) -> Deadline<B> {
        Deadline {
            inner,
            sleep: Box::pin(tokio::time::sleep_until(deadline)),
        }
    }
}

impl<B> Body for Deadline<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        match self.sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err("upstream answer past the deadline".into()))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_headers_and_those_connection_names_are_removed() {
        let mut h = HeaderMap::new();
        for (k, v) in [
            ("connection", "keep-alive, X-Secret-Hop , close"),
            ("connection", "x-other"),
            ("keep-alive", "timeout=5"),
            ("te", "trailers"),
            ("trailer", "x-t"),
            ("transfer-encoding", "chunked"),
            ("upgrade", "h2c"),
            ("proxy-authorization", "Basic x"),
            ("x-secret-hop", "1"),
            ("x-other", "2"),
            ("x-kept", "3"),
            ("content-length", "4"),
        ] {
            h.append(k, HeaderValue::from_static(v));
        }
        strip_hop_by_hop(&mut h);
        let left: Vec<&str> = h.keys().map(|k| k.as_str()).collect();
        assert_eq!(left, ["x-kept", "content-length"]);
    }

    #[test]
    fn forwarded_headers_append_the_peer_and_name_the_host() {
        let mut h = HeaderMap::new();
        h.append("x-forwarded-for", HeaderValue::from_static("203.0.113.7"));
        h.append("x-forwarded-for", HeaderValue::from_static("10.0.0.1"));
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        let peer: SocketAddr = "127.0.0.9:5000".parse().expect("addr");
        forwarded(
            &mut h,
            Some(peer),
            Some(HeaderValue::from_static("gw:8080")),
        );
        assert_eq!(h["x-forwarded-for"], "203.0.113.7, 10.0.0.1, 127.0.0.9");
        assert_eq!(h.get_all("x-forwarded-for").iter().count(), 1);
        assert_eq!(h["x-forwarded-proto"], "http");
        assert_eq!(h["x-forwarded-host"], "gw:8080");
    }
}
