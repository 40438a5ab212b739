//! The `selfcommunity` backend: a SelfCommunity server (or a gateway's SelfCommunity face)
//! as the upstream, through the dialect's client face
//! ([`crate::dialect::selfcommunity::client`]).
//!
//! - [`Upstream`](crate::backend::upstream::Upstream): the HTTP calls, bounded in time and
//!   size.
//! - [`plan`]: one canonical query as the `GET /api/v2/pm/` calls that answer it exactly
//!   (threads by `thread=`, direct conversations by `user=`, groups by `group=`, the
//!   caller's conversations with no target; windows of at most 100, DRF `next` links
//!   followed, never guessed), at most `[backend] max_calls_per_request` calls; a filter
//!   or order the server has no parameter for is answered by walking the conversation (as
//!   far as the answer needs) and filtering here, within the budget; what no calls answer exactly is refused with
//!   [`Error::Unsupported`].
//! - [`Credentials`](crate::backend::credentials::Credentials): `mapped` mode's file of each
//!   user's upstream bearer token.
//!
//! Identity: in `passthrough` mode the caller's own bearer token goes upstream, and the
//! principal is the server's `GET /api/v2/user/me/` ([`MeAuthenticator`]; the gateway
//! caches it as it caches every authentication); in `mapped` mode the gateway checks
//! callers against `[auth] directory` and reads the upstream with the caller's own bearer
//! token from the file. Either way the upstream is read with the caller's authority, never
//! more.
//!
//! Ids: the upstream's integers are the canonical ids in decimal form (the client face's
//! mapping), and the gateway's id map gives each its own integer back
//! ([`crate::idmap::IdMap::with_upstream_integers`]), so SelfCommunity callers of the
//! gateway see the upstream's integers.

mod plan;
mod rooms;
mod walk;

use super::credentials::Credentials;
use super::proxy::Proxy;
use super::upstream::Upstream;
use super::{Backend, BoxFuture, Built, Capabilities, QueryContext};
use crate::auth::Authenticator;
use crate::canonical::{
    AuthFailure, Credential, Error, Page, Principal, RoomInfo, Target, ThreadQuery,
};
use crate::config::SelfCommunityBackendConfig;
use crate::dialect::selfcommunity::client::{self as face, Answer};
use crate::dialect::DialectId;
use std::sync::Arc;

/// The `selfcommunity` backend.
pub struct SelfCommunityBackend {
    upstream: Arc<Upstream>,
    /// `Some` in mapped mode.
    credentials: Option<Arc<Credentials>>,
    /// `Some` with `passthrough = true`: untranslated SelfCommunity routes go there.
    proxy: Option<Arc<Proxy>>,
    max_calls: usize,
    calls: prometheus::Histogram,
}

/// `GET /api/v2/user/me/` with the caller's bearer token: the gateway's authenticator in
/// passthrough mode.
pub struct MeAuthenticator {
    upstream: Arc<Upstream>,
}

/// Opens the backend a `[backend] kind = "selfcommunity"` section describes (no call is
/// made yet: readiness follows the first probe). In mapped mode the credentials file is
/// read now, and again on SIGHUP.
pub fn build(cfg: &SelfCommunityBackendConfig) -> Result<Built, String> {
    let opened = super::upstream::open(
        "selfcommunity",
        DialectId::SelfCommunity,
        super::credentials::Takes::Bearer,
        &super::upstream::Section {
            url: &cfg.url,
            timeout_ms: cfg.timeout_ms,
            connect_timeout_ms: cfg.connect_timeout_ms,
            max_idle_connections: cfg.max_idle_connections,
            passthrough: cfg.passthrough,
            auth: &cfg.auth,
            ca_file: &cfg.ca_file,
        },
    )?;
    let auth = opened.authenticator(|upstream| Arc::new(MeAuthenticator { upstream }));
    let super::upstream::Opened {
        upstream,
        credentials,
        proxy,
        calls,
    } = opened;
    Ok(Built {
        backend: Arc::new(SelfCommunityBackend {
            upstream,
            credentials,
            proxy,
            max_calls: cfg.max_calls_per_request,
            calls,
        }),
        auth,
    })
}

impl SelfCommunityBackend {
    /// The upstream credential a query is read with ([`super::upstream::caller_credential`]).
    fn credential(&self, query: &ThreadQuery, ctx: &QueryContext) -> Result<Credential, Error> {
        super::upstream::caller_credential(
            &self.upstream.label,
            self.credentials.as_deref(),
            super::credentials::Takes::Bearer,
            query,
            ctx,
        )
    }
}

impl Backend for SelfCommunityBackend {
    fn kind(&self) -> &'static str {
        "selfcommunity"
    }

    fn label(&self) -> &str {
        &self.upstream.label
    }

    /// What `GET /api/v2/pm/` offers natively (the planner walks for the rest).
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            offset_paging: true,
            totals: true,
            cursors: false,
            direct_by_peer: true,
            replies: false,
            groups: true,
        }
    }

    fn query<'a>(
        &'a self,
        query: &'a ThreadQuery,
        ctx: &'a QueryContext,
    ) -> BoxFuture<'a, Result<Page, Error>> {
        Box::pin(async move {
            let credential = self.credential(query, ctx)?;
            let mut planner = plan::Planner::new(&self.upstream, &credential, ctx, self.max_calls)?;
            let result = planner.answer(query).await;
            self.calls.observe(planner.calls() as f64);
            result
        })
    }

    fn upstream_calls(&self) -> Option<prometheus::Histogram> {
        Some(self.calls.clone())
    }

    fn passthrough(&self) -> Option<Arc<Proxy>> {
        self.proxy.clone()
    }

    /// The caller's conversations, from `GET /api/v2/pm/` with no target ([`rooms`]),
    /// within `max_calls_per_request`.
    fn rooms<'a>(
        &'a self,
        principal: &'a Principal,
        ctx: &'a QueryContext,
    ) -> BoxFuture<'a, Result<Vec<RoomInfo>, Error>> {
        Box::pin(async move {
            let asking = ThreadQuery::new(principal.clone(), Target::Conversations);
            let credential = self.credential(&asking, ctx)?;
            let mut planner = plan::Planner::new(&self.upstream, &credential, ctx, self.max_calls)?;
            let result = rooms::rooms(&mut planner, principal).await;
            self.calls.observe(planner.calls() as f64);
            result
        })
    }

    /// `GET /api/v2/user/me/` without a credential: a server that answers it (401 or 200)
    /// is up.
    fn probe<'a>(&'a self, ctx: &'a QueryContext) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let req = face::me();
            let got = self.upstream.send(&req, &[], ctx).await?;
            match got.status.as_u16() {
                200 | 401 => Ok(()),
                status => Err(face::decode_error(
                    &req,
                    &Answer::with_headers(status, &got.headers, &got.body),
                )),
            }
        })
    }
}

impl Authenticator for MeAuthenticator {
    fn authenticate<'a>(
        &'a self,
        credential: &'a Credential,
        ctx: &'a QueryContext,
    ) -> BoxFuture<'a, Result<Principal, Error>> {
        Box::pin(async move {
            let Ok((name, value)) = face::auth_header(credential) else {
                tracing::info!(
                    backend = %self.upstream.label,
                    "caller refused: a Rocket.Chat credential cannot pass through to a SelfCommunity upstream (it takes bearer tokens)"
                );
                return Err(Error::Unauthenticated(AuthFailure::Invalid));
            };
            let req = face::me();
            let got = self
                .upstream
                .send(&req, &[(name, value.as_str())], ctx)
                .await?;
            let ans = Answer::with_headers(got.status.as_u16(), &got.headers, &got.body);
            face::decode_me(&req, &ans)
        })
    }
}
