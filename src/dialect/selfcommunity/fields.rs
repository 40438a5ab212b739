//! The SelfCommunity field table, shared by the server face ([`super::encode`]) and the client
//! face ([`super::client`]): every key of a message item, a user, a file, a group and a DRF
//! page, the fixed values written beside them, and the conversions between canonical values
//! and their JSON form. Both faces spell a key only through [`sc!`], so `Page → JSON → Page`
//! cannot drift.
//!
//! [`sc!`] expands to a string literal, so the encoder's byte strings stay compile-time
//! constants: `member!(sender)` is `b",\"sender\":"`, exactly the bytes it wrote before.
//!
//! Conversions:
//! - ids: the JSON integers of the gateway's id map on the server face; on the client face a
//!   SelfCommunity upstream's integer `n` is the canonical id `n.to_string()` and back
//!   ([`id_string`], [`parse_id`]: only the canonical decimal form, so the two are inverse);
//! - datetimes: DRF `DateTimeField` (`YYYY-MM-DDTHH:MM:SS[.ffffff]±HH:MM`, `Z` for UTC),
//!   microseconds, exact for years 0–9999 ([`parse_datetime`]);
//! - `message`: HTML; a message without `html` is its text escaped ([`html_escape`]), read
//!   back by [`html_unescape`];
//! - `status`: [`status_str`] / [`parse_status`].

use crate::canonical::MessageStatus;

/// A key or fixed value of the SelfCommunity JSON, as a string literal.
macro_rules! sc {
    // Message item (spec §5), in output order.
    (id) => {
        "id"
    };
    (message) => {
        "message"
    };
    (sender) => {
        "sender"
    };
    (receiver) => {
        "receiver"
    };
    (created_at) => {
        "created_at"
    };
    (status) => {
        "status"
    };
    (thread_id) => {
        "thread_id"
    };
    (file) => {
        "file"
    };
    (group) => {
        "group"
    };
    // User, in output order after `id`.
    (username) => {
        "username"
    };
    (real_name) => {
        "real_name"
    };
    (avatar) => {
        "avatar"
    };
    (ext_id) => {
        "ext_id"
    };
    // The rest of a user as the gateway writes it (spec §5: defaults).
    (user_defaults) => {
        ",\"date_joined\":null,\"bio\":\"\",\"location\":\"\",\"description\":\"\",\
\"gender\":\"Unspecified\",\"website\":\"\",\"tags\":[],\"reputation\":0,\
\"community_badge\":false,\"deleted\":false}"
    };
    // File.
    (uuid) => {
        "uuid"
    };
    (filename) => {
        "filename"
    };
    (filesize) => {
        "filesize"
    };
    (mimetype) => {
        "mimetype"
    };
    (duration) => {
        "duration"
    };
    (url) => {
        "url"
    };
    (thumbnail) => {
        "thumbnail"
    };
    // Group.
    (name) => {
        "name"
    };
    // Snippet item.
    (headline) => {
        "headline"
    };
    (last_message_at) => {
        "last_message_at"
    };
    (thread_status) => {
        "thread_status"
    };
    // DRF page.
    (count) => {
        "count"
    };
    (next) => {
        "next"
    };
    (previous) => {
        "previous"
    };
    (results) => {
        "results"
    };
    // Errors.
    (detail) => {
        "detail"
    };
    (errors) => {
        "errors"
    };
    (field) => {
        "field"
    };
    (messages) => {
        "messages"
    };
    (code) => {
        "code"
    };
}

/// `,"<key>":` as bytes.
macro_rules! member {
    ($k:tt) => {
        concat!(
            ",\"",
            $crate::dialect::selfcommunity::fields::sc!($k),
            "\":"
        )
        .as_bytes()
    };
}

/// `{"<key>":` as bytes.
macro_rules! open {
    ($k:tt) => {
        concat!(
            "{\"",
            $crate::dialect::selfcommunity::fields::sc!($k),
            "\":"
        )
        .as_bytes()
    };
}

pub(crate) use {member, open, sc};

/// The keys of a message item, in output order; a verbatim field
/// (`extra["selfcommunity"]`) with one of these names is never written.
pub const MESSAGE_KEYS: [&str; 9] = [
    sc!(id),
    sc!(message),
    sc!(sender),
    sc!(receiver),
    sc!(created_at),
    sc!(status),
    sc!(thread_id),
    sc!(file),
    sc!(group),
];

/// Whether `key` is one of [`MESSAGE_KEYS`].
pub fn is_message_key(key: &str) -> bool {
    MESSAGE_KEYS.contains(&key)
}

/// The dialect name under which [`crate::canonical::Message::extra`] keeps SelfCommunity's
/// own fields.
pub const EXTRA: &str = "selfcommunity";

/// `status` of a message.
pub fn status_str(status: MessageStatus) -> &'static str {
    match status {
        MessageStatus::Visible => "created",
        MessageStatus::Hidden => "hidden",
        MessageStatus::Deleted => "deleted",
    }
}

/// The status a `status` value names.
pub fn parse_status(s: &str) -> Option<MessageStatus> {
    match s {
        "created" => Some(MessageStatus::Visible),
        "hidden" => Some(MessageStatus::Hidden),
        "deleted" => Some(MessageStatus::Deleted),
        _ => None,
    }
}

/// The canonical id of an upstream integer: its decimal form.
pub fn id_string(n: u64) -> String {
    n.to_string()
}

/// The upstream integer a canonical id stands for: only the canonical decimal form
/// (`0`, or digits without a leading zero, up to `u64::MAX`), so that
/// `parse_id(id_string(n)) == Some(n)` and `id_string(parse_id(s)?) == s`.
pub fn parse_id(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let canonical = !b.is_empty()
        && b.len() <= 20
        && b.iter().all(u8::is_ascii_digit)
        && (b[0] != b'0' || b.len() == 1);
    canonical.then(|| s.parse().ok()).flatten()
}

/// Django's `escape`: `&`, `<`, `>`, `"`, `'`.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// The five entities of [`html_escape`] decoded, left to right; anything else kept.
/// `html_unescape(&html_escape(s)) == s` for every `s`.
pub fn html_unescape(s: &str) -> String {
    const ENTITIES: [(&str, char); 5] = [
        ("&amp;", '&'),
        ("&lt;", '<'),
        ("&gt;", '>'),
        ("&quot;", '"'),
        ("&#x27;", '\''),
    ];
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match ENTITIES.iter().find(|(e, _)| rest.starts_with(e)) {
            Some((e, c)) => {
                out.push(*c);
                rest = &rest[e.len()..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether `message` is exactly what the encoder writes for a message without `html`: some
/// text escaped.
pub fn is_escaped_text(message: &str) -> bool {
    html_escape(&html_unescape(message)) == message
}

/// The plain text of an HTML `message`: tags removed, the five entities decoded.
pub fn html_text(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut in_tag = false;
    for c in message.chars() {
        match (in_tag, c) {
            (false, '<') => in_tag = true,
            (true, '>') => in_tag = false,
            (false, c) => out.push(c),
            (true, _) => {}
        }
    }
    html_unescape(&out)
}

/// Reads a DRF datetime as the encoder writes it (`YYYY-MM-DDTHH:MM:SS[.ffffff]`, then `Z`
/// or `±HH:MM`), and the other ISO 8601 forms [`crate::canonical::time::parse_datetime`]
/// reads. Microseconds since the epoch.
pub fn parse_datetime(s: &str) -> Option<i64> {
    crate::canonical::time::parse_datetime(s)
}

#[cfg(test)]
mod tests;
