//! The `rocketchat` backend: a Rocket.Chat server (or a gateway speaking Rocket.Chat) as the
//! upstream, through the dialect's client face ([`crate::dialect::rocketchat::client`]).
//!
//! - [`Upstream`](crate::backend::upstream::Upstream): the HTTP calls, bounded in time and
//!   size.
//! - [`plan`]: one canonical query as the calls that answer it exactly (room kind from
//!   `rooms.info`, windows of at most 100 messages, counting or oldest-first by walking the
//!   newest-first history), at most `[backend] max_calls_per_request` calls; what no calls
//!   answer exactly is refused with [`Error::Unsupported`].
//! - [`Credentials`](crate::backend::credentials::Credentials): `mapped` mode's file of each
//!   user's upstream credential.
//! - `hidden_messages = "none"`: the operator states the upstream holds no hidden messages
//!   (a Rocket.Chat server has no such state), so a query that includes hidden messages but
//!   not deleted ones (a SelfCommunity page) is asked as the visible messages
//!   ([`HiddenMessages::upstream_query`]); by default it is refused.
//!
//! Identity: in `passthrough` mode the caller's own credential goes upstream, and the
//! principal is the server's `GET /api/v1/me` ([`MeAuthenticator`]); in `mapped` mode the
//! gateway checks callers against `[auth] directory` and reads the upstream with the
//! caller's own upstream credential from the file. Either way the upstream is read with
//! the caller's authority, never more.

mod plan;

use super::credentials::Credentials;
use super::proxy::Proxy;
use super::upstream::{now_ms, Upstream};
use super::{Backend, BoxFuture, Built, Capabilities, QueryContext};
use crate::auth::Authenticator;
use crate::canonical::{
    AuthFailure, Credential, Error, Page, Principal, RoomInfo, RoomKind, Target, ThreadQuery, User,
};
use crate::config::{HiddenMessages, RocketChatBackendConfig};
use crate::dialect::rocketchat::client::{self as face, Answer};
use crate::dialect::DialectId;
use std::sync::Arc;

/// The `rocketchat` backend.
pub struct RocketChatBackend {
    upstream: Arc<Upstream>,
    /// `Some` in mapped mode.
    credentials: Option<Arc<Credentials>>,
    /// `Some` with `passthrough = true`: untranslated Rocket.Chat routes go there.
    proxy: Option<Arc<Proxy>>,
    max_calls: usize,
    calls: prometheus::Histogram,
    /// `hidden_messages`: whether a query for hidden messages without deleted ones is
    /// answered with the visible messages.
    hidden: HiddenMessages,
}

/// `GET /api/v1/me` with the caller's credential: the gateway's authenticator in
/// passthrough mode.
pub struct MeAuthenticator {
    upstream: Arc<Upstream>,
}

/// Opens the backend a `[backend] kind = "rocketchat"` section describes (no call is made
/// yet: readiness follows the first probe). In mapped mode the credentials file is read
/// now, and again on SIGHUP.
pub fn build(cfg: &RocketChatBackendConfig) -> Result<Built, String> {
    let opened = super::upstream::open(
        "rocketchat",
        DialectId::RocketChat,
        super::credentials::Takes::RocketChat,
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
        backend: Arc::new(RocketChatBackend {
            upstream,
            credentials,
            proxy,
            max_calls: cfg.max_calls_per_request,
            calls,
            hidden: cfg.hidden_messages,
        }),
        auth,
    })
}

impl RocketChatBackend {
    /// The upstream credential a query is read with ([`super::upstream::caller_credential`]).
    fn credential(&self, query: &ThreadQuery, ctx: &QueryContext) -> Result<Credential, Error> {
        super::upstream::caller_credential(
            &self.upstream.label,
            self.credentials.as_deref(),
            super::credentials::Takes::RocketChat,
            query,
            ctx,
        )
    }
}

impl Backend for RocketChatBackend {
    fn kind(&self) -> &'static str {
        "rocketchat"
    }

    fn label(&self) -> &str {
        &self.upstream.label
    }

    /// What the Rocket.Chat routes offer natively (the planner walks for the rest).
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            offset_paging: true,
            totals: false,
            cursors: false,
            direct_by_peer: true,
            replies: true,
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
            let query = self.hidden.upstream_query(query);
            let mut planner = plan::Planner::new(
                &self.upstream,
                &credential,
                ctx,
                self.max_calls,
                self.credentials.is_some(),
            )?;
            let result = planner.answer(&query).await;
            self.calls.observe(planner.calls() as f64);
            result
        })
    }

    fn upstream_calls(&self) -> Option<prometheus::Histogram> {
        Some(self.calls.clone())
    }

    /// `rooms.get` with the caller's credential: channels, private groups and direct
    /// rooms. Rocket.Chat names no members of channels and groups; the caller is one (the
    /// rooms are theirs).
    fn rooms<'a>(
        &'a self,
        principal: &'a Principal,
        ctx: &'a QueryContext,
    ) -> BoxFuture<'a, Result<Vec<RoomInfo>, Error>> {
        Box::pin(async move {
            let asking = ThreadQuery::new(principal.clone(), Target::Conversations);
            let credential = self.credential(&asking, ctx)?;
            let headers = face::auth_headers(&credential)?;
            let req = face::rooms_get();
            self.calls.observe(1.0);
            let got = self.upstream.send(&req, &headers, ctx).await?;
            let ans = Answer::with_headers(got.status.as_u16(), &got.headers, &got.body, now_ms());
            let mut rooms = face::decode_rooms(&req, &ans)?;
            let caller = User {
                id: principal.user_id.clone(),
                username: principal.username.clone(),
                name: None,
                avatar_url: None,
            };
            for room in &mut rooms {
                if room.kind != RoomKind::Direct {
                    room.members = vec![caller.clone()];
                }
            }
            Ok(rooms)
        })
    }

    fn passthrough(&self) -> Option<Arc<Proxy>> {
        self.proxy.clone()
    }

    /// `GET /api/v1/me` without a credential: a server that answers it (401 or 200) is up.
    fn probe<'a>(&'a self, ctx: &'a QueryContext) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let req = face::me();
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

impl Authenticator for MeAuthenticator {
    fn authenticate<'a>(
        &'a self,
        credential: &'a Credential,
        ctx: &'a QueryContext,
    ) -> BoxFuture<'a, Result<Principal, Error>> {
        Box::pin(async move {
            let Ok(headers) = face::auth_headers(credential) else {
                tracing::info!(
                    backend = %self.upstream.label,
                    "caller refused: a bearer credential cannot pass through to a Rocket.Chat upstream (it takes X-User-Id and X-Auth-Token)"
                );
                return Err(Error::Unauthenticated(AuthFailure::Invalid));
            };
            let req = face::me();
            let got = self.upstream.send(&req, &headers, ctx).await?;
            let ans = Answer::with_headers(got.status.as_u16(), &got.headers, &got.body, now_ms());
            face::decode_me(&req, &ans)
        })
    }
}
