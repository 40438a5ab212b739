//! Which endpoint serves a path, and which dialect answers for paths that reach none.

use crate::canonical::Error;
use crate::dialect::{unclaimed_error, DialectFace, DialectId, Endpoint, Reply, RequestView};
use std::collections::HashMap;
use std::sync::Arc;

/// Where a path leads. Found once per request, at the top of the stack, and carried in its
/// [`RequestContext`](super::context::RequestContext).
#[derive(Clone)]
pub enum Resolved {
    Endpoint(Arc<dyn Endpoint>),
    /// Under a dialect's prefix, but no endpoint of it.
    Face(Arc<dyn DialectFace>),
    /// Under the prefix of the upstream's own dialect, no endpoint of it, and
    /// `[backend] passthrough` on: the request goes to the upstream unchanged.
    Passthrough(Arc<dyn DialectFace>),
    /// No dialect claims the path.
    Unclaimed,
}

impl Resolved {
    /// The dialect and route labels, for logs and metrics.
    pub fn labels(&self) -> (DialectId, &'static str) {
        match self {
            Resolved::Endpoint(ep) => (ep.dialect(), ep.route()),
            Resolved::Face(face) => (face.id(), "unknown"),
            Resolved::Passthrough(face) => (face.id(), "passthrough"),
            Resolved::Unclaimed => (DialectId::None, "unknown"),
        }
    }

    /// Renders `error` in the envelope of whatever dialect the path belongs to.
    pub fn render_error(&self, req: &RequestView<'_>, error: &Error) -> Reply {
        match self {
            Resolved::Endpoint(ep) => ep.render_error(req, error),
            Resolved::Face(face) | Resolved::Passthrough(face) => face.render_error(req, error),
            Resolved::Unclaimed => unclaimed_error(req, error),
        }
    }
}

/// The routing table built from the configured dialects.
pub struct Router {
    exact: HashMap<&'static str, Arc<dyn Endpoint>>,
    faces: Vec<Arc<dyn DialectFace>>,
    /// The dialect whose untranslated routes go to the upstream (`[backend] passthrough`).
    passthrough: Option<DialectId>,
}

impl Router {
    pub fn new(faces: Vec<Arc<dyn DialectFace>>) -> Router {
        let mut exact = HashMap::new();
        for face in &faces {
            for (path, endpoint) in face.endpoints() {
                exact.insert(path, endpoint);
            }
        }
        Router {
            exact,
            faces,
            passthrough: None,
        }
    }

    /// Sends the untranslated routes of `dialect` (when `Some`) to the upstream.
    pub fn with_passthrough(mut self, dialect: Option<DialectId>) -> Router {
        self.passthrough = dialect;
        self
    }

    fn face_for(&self, path: &str) -> Option<&Arc<dyn DialectFace>> {
        self.faces
            .iter()
            .find(|f| f.prefixes().iter().any(|p| path.starts_with(p)))
    }

    /// Where `path` leads. The stack calls this once per request
    /// ([`RequestContext::resolve`](super::context::RequestContext::resolve)); everything
    /// after reads the answer from the request's context.
    pub fn resolve(&self, path: &str) -> Resolved {
        if let Some(ep) = self.exact.get(path) {
            return Resolved::Endpoint(ep.clone());
        }
        match self.face_for(path) {
            Some(face) => match face.resolve(path) {
                Some(ep) => Resolved::Endpoint(ep),
                None => Resolved::Face(face.clone()),
            },
            None => Resolved::Unclaimed,
        }
    }

    /// Where `req` leads: as [`Router::resolve`], and an untranslated route of the
    /// passthrough dialect goes to the upstream, unless it asks for a protocol upgrade
    /// (websockets are not proxied) or its path could leave the dialect's prefix once the
    /// upstream normalises it; such a request stays an unknown route.
    pub fn resolve_request<B>(&self, req: &http::Request<B>) -> Resolved {
        let path = req.uri().path();
        match self.resolve(path) {
            Resolved::Face(face)
                if Some(face.id()) == self.passthrough
                    && !is_upgrade(req)
                    && stays_under_prefix(path) =>
            {
                Resolved::Passthrough(face)
            }
            other => other,
        }
    }
}

/// Whether `path` names what it says: no `.` or `..` segment and no encoded dot, slash or
/// backslash, which a server normalising the path could resolve outside the prefix the
/// router matched (`/api/v1/../admin`).
fn stays_under_prefix(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    !["%2e", "%2f", "%5c", "\\"]
        .iter()
        .any(|bad| lower.contains(bad))
        && !path.split('/').any(|seg| seg == "." || seg == "..")
}

/// A request for another protocol on the connection: HTTP/1.1 `Upgrade`, or `CONNECT`
/// (HTTP/2's extended CONNECT carries websockets).
fn is_upgrade<B>(req: &http::Request<B>) -> bool {
    req.headers().contains_key(http::header::UPGRADE) || req.method() == http::Method::CONNECT
}

#[cfg(test)]
mod tests {
    use super::stays_under_prefix;

    #[test]
    fn paths_with_dot_segments_or_encoded_separators_do_not_pass_through() {
        for ok in [
            "/api/v1/channels.list",
            "/api/v1/rooms.upload/GENERAL",
            "/api/v1/a..b/.c",
        ] {
            assert!(stays_under_prefix(ok), "{ok}");
        }
        for bad in [
            "/api/v1/../admin",
            "/api/v1/./x",
            "/api/v1/x/..",
            "/api/v1/%2e%2e/admin",
            "/api/v1/%2E./admin",
            "/api/v1/..%2fadmin",
            "/api/v1/..%5Cadmin",
            "/api/v1/..\\admin",
        ] {
            assert!(!stays_under_prefix(bad), "{bad}");
        }
    }
}
