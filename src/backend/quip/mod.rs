//! The `quip` backend: a Quip server (or a gateway speaking Quip) as the upstream, through
//! the dialect's client face ([`crate::dialect::quip::client`]).
//!
//! - [`Upstream`](crate::backend::upstream::Upstream): the HTTP calls, bounded in time and
//!   size.
//! - [`plan`]: one canonical query as the calls that answer it exactly: Quip pages newest
//!   first by `max_created_usec` only, so offsets, totals and oldest-first pages are walked,
//!   with the [`CursorCache`] remembering where each walk stood; at most `[backend]
//!   max_calls_per_request` calls; what no calls answer exactly is refused with
//!   [`Error::Unsupported`].
//! - [`Credentials`](crate::backend::credentials::Credentials): `mapped` mode's file; a Quip
//!   upstream takes each user's `bearer` line (a `rocketchat` line is no Quip credential:
//!   that caller is refused as one who may not read the target).
//! - `hidden_messages = "none"`: the operator states the upstream holds no hidden messages
//!   (a Quip server has no such state; its `visible: false` is a deleted message), so a
//!   query that includes hidden messages but not deleted ones (a SelfCommunity page) is
//!   asked as the visible messages ([`HiddenMessages::upstream_query`]); by default it is
//!   refused.
//!
//! Identity: in `passthrough` mode the caller's own bearer token goes upstream, and the
//! principal is the server's `GET /1/users/current` ([`CurrentUserAuthenticator`], kept by
//! the gateway's auth cache); in `mapped` mode callers are checked against `[auth]
//! directory` and the upstream is read with their own upstream token (Rocket.Chat callers,
//! whose `X-User-Id`/`X-Auth-Token` is no Quip credential, are necessarily mapped).
//!
//! Which API: a Quip caller's own `/1/admin/messages/` request goes to the Admin API of the
//! company it names, with the caller's token (the upstream checks that the caller
//! administers it; in mapped mode the directory must say so too). Every other query goes to
//! the Automation API, or with `[backend.quip] api = "admin"` to the Admin API of
//! `company_id`, for callers who administer that company themselves (the directory says so
//! in mapped mode; the upstream refuses the others' tokens in passthrough mode): the
//! gateway never reads with more authority than its caller.

mod plan;
mod rooms;
mod walk;

use super::credentials::Credentials;
use super::cursor_cache::CursorCache;
use super::proxy::Proxy;
use super::upstream::{now_ms, Upstream};
use super::{Backend, BoxFuture, Built, Capabilities, QueryContext};
use crate::auth::Authenticator;
use crate::canonical::{
    Access, AuthFailure, Credential, Error, Page, Principal, Resource, RoomInfo, Target,
    ThreadQuery,
};
use crate::config::{HiddenMessages, QuipApi, QuipBackendConfig};
use crate::dialect::quip::client::{self as face, Answer, Cursor};
use crate::dialect::DialectId;
use std::sync::Arc;

/// The `quip` backend.
pub struct QuipBackend {
    upstream: Arc<Upstream>,
    /// `Some` in mapped mode.
    credentials: Option<Arc<Credentials>>,
    /// `Some` with `passthrough = true`: untranslated Quip routes go there.
    proxy: Option<Arc<Proxy>>,
    max_calls: usize,
    calls: prometheus::Histogram,
    /// `hidden_messages`: whether a query for hidden messages without deleted ones is
    /// answered with the visible messages.
    hidden: HiddenMessages,
    /// `Some(company)` with `[backend.quip] api = "admin"`.
    admin_company: Option<String>,
    cache: Arc<CursorCache<Cursor>>,
}

/// `GET /1/users/current` with the caller's bearer token: the gateway's authenticator in
/// passthrough mode.
pub struct CurrentUserAuthenticator {
    upstream: Arc<Upstream>,
}

/// Opens the backend a `[backend] kind = "quip"` section describes (no call is made yet:
/// readiness follows the first probe). In mapped mode the credentials file is read now, and
/// again on SIGHUP.
pub fn build(cfg: &QuipBackendConfig) -> Result<Built, String> {
    let opened = super::upstream::open(
        "quip",
        DialectId::Quip,
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
    let auth = opened.authenticator(|upstream| Arc::new(CurrentUserAuthenticator { upstream }));
    let super::upstream::Opened {
        upstream,
        credentials,
        proxy,
        calls,
    } = opened;
    Ok(Built {
        backend: Arc::new(QuipBackend {
            upstream,
            credentials,
            proxy,
            max_calls: cfg.max_calls_per_request,
            calls,
            hidden: cfg.hidden_messages,
            admin_company: (cfg.quip.api == QuipApi::Admin).then(|| cfg.quip.company_id.clone()),
            cache: Arc::new(CursorCache::new(cfg.cursor_cache_entries)),
        }),
        auth,
    })
}

impl QuipBackend {
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

    /// The query with the access it is read with upstream: the caller's own company-admin
    /// request as it is; a member's query through the Admin API when `api = "admin"`. A
    /// company the directory does not say the caller administers is refused (mapped mode;
    /// in passthrough mode the upstream decides with the caller's own token).
    fn with_access(&self, query: &ThreadQuery) -> Result<ThreadQuery, Error> {
        let company = match (&query.access, &self.admin_company) {
            (Access::CompanyAdmin(c), _) => c.clone(),
            (Access::Member, Some(c)) => c.clone(),
            (Access::Member, None) => return Ok(query.clone()),
        };
        if self.credentials.is_some() && !query.principal.admin_of.contains(&company) {
            tracing::info!(backend = %self.upstream.label, user_id = %query.principal.user_id, company = %company, "caller refused: not an admin of the company in the directory");
            return Err(Error::Forbidden(Resource::Company(company)));
        }
        let mut q = query.clone();
        q.access = Access::CompanyAdmin(company);
        Ok(q)
    }
}

impl QuipBackend {
    /// With `hidden_messages = "none"`, a SelfCommunity page of a direct conversation by
    /// peer (`user=`: hidden messages without deleted ones) is refused: Quip names
    /// conversations by thread id only, and the planner's "user not found" (which sends a
    /// Rocket.Chat `dm.history` on to the room by id) would tell a SelfCommunity caller
    /// the user does not exist. (With `"refuse"` the page is refused for its hidden
    /// messages first.)
    fn by_peer_refusal(&self, query: &ThreadQuery) -> Result<(), Error> {
        let f = &query.filter;
        let page = f.include_hidden && !f.include_deleted;
        if self.hidden == HiddenMessages::None
            && page
            && matches!(query.target, Target::Direct { .. })
        {
            return Err(Error::Unsupported(
                "a direct conversation by peer (Quip names conversations by thread id only)".into(),
            ));
        }
        Ok(())
    }
}

impl Backend for QuipBackend {
    fn kind(&self) -> &'static str {
        "quip"
    }

    fn label(&self) -> &str {
        &self.upstream.label
    }

    /// What Quip offers natively: newest-first pages by cursor (the planner walks and the
    /// cursor cache remembers for offsets and totals).
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            offset_paging: false,
            totals: false,
            cursors: true,
            direct_by_peer: false,
            replies: false,
            groups: false,
        }
    }

    fn query<'a>(
        &'a self,
        query: &'a ThreadQuery,
        ctx: &'a QueryContext,
    ) -> BoxFuture<'a, Result<Page, Error>> {
        Box::pin(async move {
            let credential = self.credential(query, ctx)?;
            self.by_peer_refusal(query)?;
            let query = self.with_access(&self.hidden.upstream_query(query))?;
            let mut planner = plan::Planner::new(
                &self.upstream,
                &credential,
                ctx,
                self.max_calls,
                &self.cache,
            )?;
            let result = planner.answer(&query).await;
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

    /// The caller's threads, from the Automation API's `GET /1/threads/recent`
    /// ([`rooms`]: what the caller reads as a member, whatever `[backend.quip] api` says),
    /// within `max_calls_per_request`.
    fn rooms<'a>(
        &'a self,
        principal: &'a Principal,
        ctx: &'a QueryContext,
    ) -> BoxFuture<'a, Result<Vec<RoomInfo>, Error>> {
        Box::pin(async move {
            let asking = ThreadQuery::new(principal.clone(), Target::Conversations);
            let credential = self.credential(&asking, ctx)?;
            let (result, calls) =
                rooms::rooms(&self.upstream, &credential, ctx, self.max_calls).await;
            self.calls.observe(calls as f64);
            result
        })
    }

    /// `GET /1/users/current` without a credential: a server that answers it (401 or 200)
    /// is up.
    fn probe<'a>(&'a self, ctx: &'a QueryContext) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let req = face::current_user();
            let got = self.upstream.send(&req, &[], ctx).await?;
            match got.status.as_u16() {
                200 | 401 => Ok(()),
                _ => {
                    let ans = Answer::with_headers(
                        got.status.as_u16(),
                        &got.headers,
                        &got.body,
                        now_ms(),
                    );
                    Err(face::decode_error(&req, &ans))
                }
            }
        })
    }
}

impl Authenticator for CurrentUserAuthenticator {
    fn authenticate<'a>(
        &'a self,
        credential: &'a Credential,
        ctx: &'a QueryContext,
    ) -> BoxFuture<'a, Result<Principal, Error>> {
        Box::pin(async move {
            let Ok((name, value)) = face::auth_header(credential) else {
                tracing::info!(
                    backend = %self.upstream.label,
                    "caller refused: a Rocket.Chat credential cannot pass through to a Quip upstream (it takes a bearer token)"
                );
                return Err(Error::Unauthenticated(AuthFailure::Invalid));
            };
            let req = face::current_user();
            let got = self
                .upstream
                .send(&req, &[(name, value.as_str())], ctx)
                .await?;
            let ans = Answer::with_headers(got.status.as_u16(), &got.headers, &got.body, now_ms());
            face::decode_current_user(&req, &ans)
        })
    }
}
