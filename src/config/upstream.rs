//! `[backend] kind = "rocketchat"`: a Rocket.Chat server as the upstream, and the checks of
//! that section (each error names the key).

use serde::{Deserialize, Serialize};

/// `kind = "rocketchat"`: a Rocket.Chat server (or a gateway speaking Rocket.Chat) read
/// through the dialect's client face.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RocketChatBackendConfig {
    /// The server's base URL, e.g. `https://chat.example.com`.
    pub url: String,
    /// Each call's limit (never past what is left of the request's own deadline).
    pub timeout_ms: u64,
    pub connect_timeout_ms: u64,
    /// Idle keep-alive connections kept per host.
    pub max_idle_connections: usize,
    /// Untranslated Rocket.Chat routes (`/api/v1/...` paths no endpoint serves) proxied to
    /// the server unchanged. Passthrough identity only: the request carries the caller's
    /// own credential.
    pub passthrough: bool,
    /// Upstream calls one request may take (a page spanning calls, counting by walking).
    pub max_calls_per_request: usize,
    /// Whose credential reads the upstream.
    pub auth: UpstreamAuthConfig,
    /// Extra trusted CA certificates (PEM) for an `https` URL, besides the compiled-in public
    /// roots; empty = none. Read at start.
    pub ca_file: String,
    /// What the upstream holds of hidden messages (SelfCommunity's moderation state).
    pub hidden_messages: HiddenMessages,
}

/// `hidden_messages`: whether the upstream may hold hidden messages, which no Rocket.Chat
/// history route (nor Quip's `/1/messages`) selects apart from deleted ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HiddenMessages {
    /// It may (another gateway in front of a store that hides messages): a query that
    /// includes hidden messages without deleted ones is refused.
    #[default]
    Refuse,
    /// The operator states it holds none (a Rocket.Chat or Quip server has no hidden
    /// state): such a query is answered with the visible messages.
    None,
}

impl HiddenMessages {
    /// The query the upstream is asked: with `None`, one that includes hidden messages but
    /// not deleted ones asks for the visible messages (the same set when none is hidden);
    /// every other query as it is.
    pub fn upstream_query(
        self,
        query: &crate::canonical::ThreadQuery,
    ) -> std::borrow::Cow<'_, crate::canonical::ThreadQuery> {
        let f = &query.filter;
        if self == HiddenMessages::None && f.include_hidden && !f.include_deleted {
            let mut q = query.clone();
            q.filter.include_hidden = false;
            return std::borrow::Cow::Owned(q);
        }
        std::borrow::Cow::Borrowed(query)
    }
}

impl Default for RocketChatBackendConfig {
    fn default() -> Self {
        RocketChatBackendConfig {
            url: String::new(),
            timeout_ms: 5_000,
            connect_timeout_ms: 1_000,
            max_idle_connections: 64,
            passthrough: false,
            max_calls_per_request: 20,
            auth: UpstreamAuthConfig::default(),
            ca_file: String::new(),
            hidden_messages: HiddenMessages::default(),
        }
    }
}

/// `[backend.auth]` of an upstream platform.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UpstreamAuthConfig {
    pub mode: UpstreamAuthMode,
    /// `mapped`: one JSON object a line with each directory user's upstream credential.
    pub credentials: String,
}

/// How the gateway reads the upstream on a caller's behalf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UpstreamAuthMode {
    /// The caller's own credential goes upstream unchanged; the principal is the
    /// upstream's `GET /api/v1/me`.
    #[default]
    Passthrough,
    /// Callers are checked against `[auth] directory`; each one's upstream credential comes
    /// from `credentials`.
    Mapped,
}

impl RocketChatBackendConfig {
    /// The first problem of the section, as (key, reason).
    pub fn problem(&self, directory: &str) -> Option<(&'static str, String)> {
        if let Some(reason) = url_problem(&self.url) {
            return Some(("backend.url", reason));
        }
        if self.timeout_ms == 0 || self.connect_timeout_ms == 0 {
            return Some((
                "backend.timeout_ms",
                "timeout_ms and connect_timeout_ms must be at least 1".into(),
            ));
        }
        if !(1..=1000).contains(&self.max_calls_per_request) {
            return Some((
                "backend.max_calls_per_request",
                "must be between 1 and 1000".into(),
            ));
        }
        if self.passthrough && self.auth.mode == UpstreamAuthMode::Mapped {
            return Some((
                "backend.passthrough",
                "needs backend.auth.mode = \"passthrough\": a passed-through request goes upstream unchanged, with the caller's own credential, which in mode \"mapped\" is not an upstream credential".into(),
            ));
        }
        match self.auth.mode {
            UpstreamAuthMode::Passthrough if !self.auth.credentials.is_empty() => Some((
                "backend.auth.credentials",
                "is read in mode \"mapped\" only".into(),
            )),
            UpstreamAuthMode::Mapped if self.auth.credentials.is_empty() => Some((
                "backend.auth.credentials",
                "is required in mode \"mapped\" (a file of upstream credentials)".into(),
            )),
            UpstreamAuthMode::Mapped if directory.is_empty() => Some((
                "auth.directory",
                "is required when backend.auth.mode is \"mapped\" (the callers' directory)".into(),
            )),
            _ => None,
        }
    }
}

fn url_problem(url: &str) -> Option<String> {
    match url::Url::parse(url) {
        Ok(u) if !u.username().is_empty() || u.password().is_some() => {
            Some("must not carry credentials".into())
        }
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => None,
        _ => Some("must be an absolute http(s) URL, e.g. \"https://chat.example.com\"".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::HiddenMessages;
    use crate::canonical::{Principal, Target, ThreadQuery};

    fn query(hidden: bool, deleted: bool) -> ThreadQuery {
        let principal = Principal {
            user_id: "u".into(),
            username: "u".into(),
            admin_of: Vec::new(),
        };
        let mut q = ThreadQuery::new(principal, Target::Room("r".into()));
        q.filter.include_hidden = hidden;
        q.filter.include_deleted = deleted;
        q
    }

    #[test]
    fn none_asks_hidden_without_deleted_as_the_visible_messages_and_nothing_else() {
        let page = query(true, false);
        let asked = HiddenMessages::None.upstream_query(&page);
        assert_eq!(*asked, query(false, false));
        for (hidden, deleted) in [(false, false), (true, true), (false, true)] {
            let q = query(hidden, deleted);
            assert_eq!(
                *HiddenMessages::None.upstream_query(&q),
                q,
                "{hidden} {deleted}"
            );
        }
        for (hidden, deleted) in [(true, false), (false, false), (true, true)] {
            let q = query(hidden, deleted);
            assert_eq!(
                *HiddenMessages::Refuse.upstream_query(&q),
                q,
                "refuse: as asked"
            );
        }
    }
}
