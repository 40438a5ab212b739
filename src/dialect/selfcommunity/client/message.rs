//! One SelfCommunity message item → a canonical [`Message`], strictly: a required key missing
//! or any known key of the wrong type is an error naming its path
//! (`results[3].sender.id: expected a non-negative integer`). `null` counts as absent for
//! optional keys.
//!
//! What the canonical model has no field for is kept in `extra["selfcommunity"]`: the
//! item's keys outside the field table, verbatim, and under the keys `sender`, `receiver`
//! and `group` (which no verbatim field may have) the remainders of those objects (a user's
//! keys but `id`, `username`, `real_name` and `avatar`; a group's keys but `id`), which the
//! server face writes in place of its defaults.

use crate::canonical::{Attachment, ConversationInfo, Message, MessageStatus, User};
use crate::dialect::selfcommunity::fields::{
    html_text, html_unescape, id_string, is_escaped_text, is_message_key, parse_datetime,
    parse_status, sc, EXTRA,
};
use serde_json::{Map, Value};

use crate::dialect::client_common::{child, invalid};
pub use crate::dialect::client_common::{get, object, opt_string, string, Invalid};

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

/// The keys of a user the canonical [`User`] carries; the others are its remainder.
const USER_KEYS: [&str; 4] = [sc!(id), sc!(username), sc!(real_name), sc!(avatar)];

/// Every key of the object `v` but `own`, in order (the remainder the canonical model has
/// no field for); `None` when `v` is no object or nothing remains.
pub fn remainder(v: &Value, own: &[&str]) -> Option<Value> {
    let rest: Map<String, Value> = v
        .as_object()?
        .iter()
        .filter(|(k, _)| !own.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (!rest.is_empty()).then_some(Value::Object(rest))
}

/// A user's remainder (`ext_id`, `date_joined`, ..., `deleted`, and whatever else the
/// server sends), kept so that the server face writes the user as the upstream did.
pub fn user_remainder(v: &Value) -> Option<Value> {
    remainder(v, &USER_KEYS)
}

/// The remainders of the objects of item `m` under `keys` (`sender`, `receiver`, `group`
/// for the group's keys but `id`), by key: `extra["selfcommunity"]` keeps them under those
/// keys, which the item's own fields make sure no verbatim field has.
pub fn remainders(m: &Map<String, Value>, keys: &[&str]) -> Map<String, Value> {
    keys.iter()
        .filter_map(|k| {
            let v = get(m, k)?;
            let rest = match *k {
                sc!(group) => remainder(v, &[sc!(id)]),
                _ => user_remainder(v),
            }?;
            Some(((*k).to_owned(), rest))
        })
        .collect()
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
    let mut extra: Map<String, Value> = m
        .iter()
        .filter(|(k, _)| !is_message_key(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    extra.extend(remainders(m, &[sc!(sender), sc!(receiver), sc!(group)]));
    if !extra.is_empty() {
        out.extra.insert(EXTRA.to_owned(), Value::Object(extra));
    }
    Ok(out)
}

/// Decodes one snippet item (a conversation as its latest message) found at `at`: `id` is
/// the conversation (`room_id`), `headline` the text, `sender` and `receiver` the message's,
/// `last_message_at` its time, `created_at` the conversation's first message time and
/// `thread_status` `new` its unread flag. A snippet names no message: the message's `id`
/// is empty (the server face writes none).
pub fn snippet(v: &Value, at: &str) -> Result<(Message, ConversationInfo), Invalid> {
    let m = object(v, at)?;
    let sender = get(m, sc!(sender)).ok_or_else(|| invalid(&child(at, sc!(sender)), "a user"))?;
    let unread = match get(m, sc!(thread_status)).and_then(Value::as_str) {
        Some("new") => true,
        Some("seen") => false,
        _ => return Err(invalid(&child(at, sc!(thread_status)), "new or seen")),
    };
    let mut out = Message {
        recipient: get(m, sc!(receiver))
            .map(|r| user(r, &child(at, sc!(receiver))))
            .transpose()?,
        text: string(m, sc!(headline), at)?,
        ..Message::new(
            "",
            &id(m, sc!(id), at)?,
            user(sender, &child(at, sc!(sender)))?,
            datetime(m, sc!(last_message_at), at)?,
        )
    };
    let rest = remainders(m, &[sc!(sender), sc!(receiver)]);
    if !rest.is_empty() {
        out.extra.insert(EXTRA.to_owned(), Value::Object(rest));
    }
    let info = ConversationInfo {
        first_usec: datetime(m, sc!(created_at), at)?,
        unread,
    };
    Ok((out, info))
}
