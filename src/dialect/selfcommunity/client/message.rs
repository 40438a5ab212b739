//! One SelfCommunity message item → a canonical [`Message`], strictly: a required key missing
//! or any known key of the wrong type is an error naming its path
//! (`results[3].sender.id: expected a non-negative integer`). `null` counts as absent for
//! optional keys.

use crate::canonical::{Attachment, Message, MessageStatus, User};
use crate::dialect::selfcommunity::fields::{
    html_text, html_unescape, id_string, is_escaped_text, is_message_key, parse_datetime,
    parse_status, sc, EXTRA,
};
use serde_json::{Map, Value};

/// A decoding failure: where, and what was expected.
pub type Invalid = String;

fn invalid(at: &str, what: &str) -> Invalid {
    format!("{at}: expected {what}")
}

fn child(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_owned()
    } else {
        format!("{at}.{key}")
    }
}

/// An object, or the error for `at`.
pub fn object<'v>(v: &'v Value, at: &str) -> Result<&'v Map<String, Value>, Invalid> {
    v.as_object().ok_or_else(|| invalid(at, "an object"))
}

/// A present, non-null value under `key`.
pub fn get<'v>(m: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    m.get(key).filter(|v| !v.is_null())
}

/// A string under `key`.
pub fn string(m: &Map<String, Value>, key: &str, at: &str) -> Result<String, Invalid> {
    opt_string(m, key, at)?.ok_or_else(|| invalid(&child(at, key), "a string"))
}

/// A string under `key`, if any.
pub fn opt_string(m: &Map<String, Value>, key: &str, at: &str) -> Result<Option<String>, Invalid> {
    get(m, key)
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| invalid(&child(at, key), "a string"))
        })
        .transpose()
}

/// A non-negative JSON integer under `key`, if any (DRF writes Python ints: no fraction).
pub fn opt_u64(m: &Map<String, Value>, key: &str, at: &str) -> Result<Option<u64>, Invalid> {
    get(m, key)
        .map(|v| {
            v.as_u64()
                .ok_or_else(|| invalid(&child(at, key), "a non-negative integer"))
        })
        .transpose()
}

/// An upstream integer id under `key`, as its canonical string.
pub fn id(m: &Map<String, Value>, key: &str, at: &str) -> Result<String, Invalid> {
    opt_u64(m, key, at)?
        .map(id_string)
        .ok_or_else(|| invalid(&child(at, key), "a non-negative integer"))
}

/// A user: `id`, `username`, `real_name` (`""` = none), `avatar`; other keys are not read.
pub fn user(v: &Value, at: &str) -> Result<User, Invalid> {
    let m = object(v, at)?;
    Ok(User {
        id: id(m, sc!(id), at)?,
        username: string(m, sc!(username), at)?,
        name: opt_string(m, sc!(real_name), at)?.filter(|n| !n.is_empty()),
        avatar_url: opt_string(m, sc!(avatar), at)?,
    })
}

/// A file: `uuid`, `filename`, `filesize`, `mimetype`, `duration`, `url`, `thumbnail`.
fn file(v: &Value, at: &str) -> Result<Attachment, Invalid> {
    let m = object(v, at)?;
    Ok(Attachment {
        id: string(m, sc!(uuid), at)?,
        name: opt_string(m, sc!(filename), at)?,
        mime_type: opt_string(m, sc!(mimetype), at)?,
        size: opt_u64(m, sc!(filesize), at)?,
        url: opt_string(m, sc!(url), at)?,
        thumbnail_url: opt_string(m, sc!(thumbnail), at)?,
        duration_secs: opt_u64(m, sc!(duration), at)?,
    })
}

/// `message` → text and html: escaped text is the text (no html); anything else is html,
/// with its plain text as the text.
pub fn text_and_html(message: String) -> (String, Option<String>) {
    if is_escaped_text(&message) {
        (html_unescape(&message), None)
    } else {
        (html_text(&message), Some(message))
    }
}

fn datetime(m: &Map<String, Value>, key: &str, at: &str) -> Result<i64, Invalid> {
    let at = child(at, key);
    get(m, key)
        .and_then(Value::as_str)
        .and_then(parse_datetime)
        .ok_or_else(|| invalid(&at, "a datetime"))
}

fn status(m: &Map<String, Value>, at: &str) -> Result<MessageStatus, Invalid> {
    get(m, sc!(status))
        .and_then(Value::as_str)
        .and_then(parse_status)
        .ok_or_else(|| invalid(&child(at, sc!(status)), "created, hidden or deleted"))
}

/// Decodes one message item found at `at`.
pub fn message(v: &Value, at: &str) -> Result<Message, Invalid> {
    let m = object(v, at)?;
    let sender = get(m, sc!(sender)).ok_or_else(|| invalid(&child(at, sc!(sender)), "a user"))?;
    let (text, html) = text_and_html(string(m, sc!(message), at)?);
    let group_id = get(m, sc!(group))
        .map(|g| {
            let at = child(at, sc!(group));
            id(object(g, &at)?, sc!(id), &at)
        })
        .transpose()?;
    let mut out = Message {
        recipient: get(m, sc!(receiver))
            .map(|r| user(r, &child(at, sc!(receiver))))
            .transpose()?,
        text,
        html,
        status: status(m, at)?,
        attachments: get(m, sc!(file))
            .map(|f| file(f, &child(at, sc!(file))))
            .into_iter()
            .collect::<Result<_, _>>()?,
        group_id,
        ..Message::new(
            &id(m, sc!(id), at)?,
            &id(m, sc!(thread_id), at)?,
            user(sender, &child(at, sc!(sender)))?,
            datetime(m, sc!(created_at), at)?,
        )
    };
    let extra: Map<String, Value> = m
        .iter()
        .filter(|(k, _)| !is_message_key(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !extra.is_empty() {
        out.extra.insert(EXTRA.to_owned(), Value::Object(extra));
    }
    Ok(out)
}
