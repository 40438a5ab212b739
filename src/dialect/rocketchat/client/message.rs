//! One Rocket.Chat message object → a canonical [`Message`], strictly: a required key
//! missing or any known key of the wrong type is an error naming its path
//! (`messages[3].u._id: expected a string`). `null` counts as absent for optional keys.

use crate::canonical::{
    Attachment, Message, MessageKind, MessageStatus, Reaction, ThreadSummary, User,
};
use crate::dialect::rocketchat::fields::{is_message_key, parse_date, rc};
use serde_json::{Map, Value};

use crate::dialect::client_common::{child, get, invalid};
pub use crate::dialect::client_common::{object, opt_string, string, Invalid};

/// A non-negative integer (an integral double up to 2^53 too: what a JavaScript server may
/// send for a number it computed).
pub fn count(v: &Value, at: &str) -> Result<u64, Invalid> {
    if let Some(n) = v.as_u64() {
        return Ok(n);
    }
    match v.as_f64() {
        Some(f) if f >= 0.0 && f.fract() == 0.0 && f <= 9_007_199_254_740_992.0 => Ok(f as u64),
        _ => Err(invalid(at, "a non-negative integer")),
    }
}

fn opt_count(m: &Map<String, Value>, key: &str, at: &str) -> Result<Option<u64>, Invalid> {
    get(m, key).map(|v| count(v, &child(at, key))).transpose()
}

/// A date: the field table's ISO form, or EJSON `{"$date": <ms>}`.
fn date(v: &Value, at: &str) -> Result<i64, Invalid> {
    let parsed = match v {
        Value::String(s) => parse_date(s),
        Value::Object(o) if o.len() == 1 => o
            .get("$date")
            .and_then(Value::as_i64)
            .and_then(|ms| ms.checked_mul(1000)),
        _ => None,
    };
    parsed.ok_or_else(|| invalid(at, "a date"))
}

fn opt_date(m: &Map<String, Value>, key: &str, at: &str) -> Result<Option<i64>, Invalid> {
    get(m, key).map(|v| date(v, &child(at, key))).transpose()
}

fn array<'v>(v: &'v Value, at: &str) -> Result<&'v Vec<Value>, Invalid> {
    v.as_array().ok_or_else(|| invalid(at, "an array"))
}

/// `{_id, username[, name]}` (other keys ignored).
pub fn user(v: &Value, at: &str) -> Result<User, Invalid> {
    let m = object(v, at)?;
    Ok(User {
        id: string(m, rc!(id), at)?,
        username: string(m, rc!(username), at)?,
        name: opt_string(m, rc!(name), at)?,
        avatar_url: None,
    })
}

fn users(v: &Value, at: &str) -> Result<Vec<User>, Invalid> {
    array(v, at)?
        .iter()
        .enumerate()
        .map(|(i, u)| user(u, &format!("{at}[{i}]")))
        .collect()
}

/// `{_id[, name][, type][, size]}` (other keys ignored).
fn file(v: &Value, at: &str) -> Result<Attachment, Invalid> {
    let m = object(v, at)?;
    Ok(Attachment {
        id: string(m, rc!(id), at)?,
        name: opt_string(m, rc!(name), at)?,
        mime_type: opt_string(m, rc!(type_), at)?,
        size: opt_count(m, rc!(size), at)?,
        url: None,
        thumbnail_url: None,
        duration_secs: None,
    })
}

/// `files`, else `[file]`, else nothing.
fn attachments(m: &Map<String, Value>, at: &str) -> Result<Vec<Attachment>, Invalid> {
    if let Some(files) = get(m, rc!(files)) {
        let at = child(at, rc!(files));
        return array(files, &at)?
            .iter()
            .enumerate()
            .map(|(i, f)| file(f, &format!("{at}[{i}]")))
            .collect();
    }
    get(m, rc!(file))
        .map(|f| file(f, &child(at, rc!(file))))
        .into_iter()
        .collect()
}

/// `{"<emoji>":{"usernames":[..][,"names":[..]]}}`, in key order. Rocket.Chat names
/// reactors by username only: each user's `id` is empty; `name` comes from `names` when the
/// server sends one per username.
fn reactions(v: &Value, at: &str) -> Result<Vec<Reaction>, Invalid> {
    object(v, at)?
        .iter()
        .map(|(emoji, r)| {
            let at = child(at, emoji);
            let r = object(r, &at)?;
            let list = |key: &str| -> Result<Vec<String>, Invalid> {
                let at = child(&at, key);
                get(r, key).map_or(Ok(Vec::new()), |v| {
                    array(v, &at)?
                        .iter()
                        .map(|s| s.as_str().map(str::to_owned))
                        .collect::<Option<_>>()
                        .ok_or_else(|| invalid(&at, "an array of strings"))
                })
            };
            let usernames = list(rc!(usernames))?;
            let names = list(rc!(names))?;
            let named = names.len() == usernames.len();
            let users = usernames
                .into_iter()
                .enumerate()
                .map(|(i, username)| User {
                    id: String::new(),
                    username,
                    name: named.then(|| names[i].clone()),
                    avatar_url: None,
                })
                .collect();
            Ok(Reaction {
                emoji: emoji.clone(),
                users,
            })
        })
        .collect()
}

/// `replies` / `tcount` / `tlm`, when either of the first two is present.
fn thread(m: &Map<String, Value>, at: &str) -> Result<Option<ThreadSummary>, Invalid> {
    let replies = get(m, rc!(replies));
    let reply_count = opt_count(m, rc!(tcount), at)?;
    if replies.is_none() && reply_count.is_none() {
        return Ok(None);
    }
    let participants = match replies {
        Some(v) => {
            let at = child(at, rc!(replies));
            array(v, &at)?
                .iter()
                .map(|s| s.as_str().map(str::to_owned))
                .collect::<Option<_>>()
                .ok_or_else(|| invalid(&at, "an array of strings"))?
        }
        None => Vec::new(),
    };
    Ok(Some(ThreadSummary {
        reply_count: reply_count.unwrap_or(0),
        last_reply_usec: opt_date(m, rc!(tlm), at)?,
        participants,
    }))
}

/// Decodes one message object found at `at`.
pub fn message(v: &Value, at: &str) -> Result<Message, Invalid> {
    let m = object(v, at)?;
    let kind = match opt_string(m, rc!(t), at)? {
        Some(system_type) => MessageKind::System { system_type },
        None => MessageKind::Regular,
    };
    let author = get(m, rc!(u)).ok_or_else(|| invalid(&child(at, rc!(u)), "a user"))?;
    let created_usec = get(m, rc!(ts))
        .ok_or_else(|| invalid(&child(at, rc!(ts)), "a date"))
        .and_then(|v| date(v, &child(at, rc!(ts))))?;
    let parent_id = opt_string(m, rc!(tmid), at)?;
    let show_in_room = parent_id.is_some() && get(m, rc!(tshow)) == Some(&Value::Bool(true));
    let edited_usec = opt_date(m, rc!(edited_at), at)?;
    let edited_by = match (edited_usec, get(m, rc!(edited_by))) {
        (Some(_), Some(by)) => Some(user(by, &child(at, rc!(edited_by)))?),
        _ => None,
    };
    let mut out = Message {
        parent_id,
        text: string(m, rc!(msg), at)?,
        updated_usec: opt_date(m, rc!(updated_at), at)?.filter(|u| *u != created_usec),
        edited_usec,
        edited_by,
        kind,
        status: MessageStatus::Visible,
        show_in_room,
        attachments: attachments(m, at)?,
        mentions: get(m, rc!(mentions))
            .map(|v| users(v, &child(at, rc!(mentions))))
            .transpose()?
            .unwrap_or_default(),
        reactions: get(m, rc!(reactions))
            .map(|v| reactions(v, &child(at, rc!(reactions))))
            .transpose()?
            .unwrap_or_default(),
        thread: thread(m, at)?,
        ..Message::new(
            &string(m, rc!(id), at)?,
            &string(m, rc!(rid), at)?,
            user(author, &child(at, rc!(u)))?,
            created_usec,
        )
    };
    let extra = extra(m, &out);
    if !extra.is_empty() {
        out.extra
            .insert("rocketchat".to_owned(), Value::Object(extra));
    }
    Ok(out)
}

/// The keys kept verbatim, in upstream order: every key outside the field table, and the
/// table's keys whose value the decoded message does not reproduce (`groupable` on a
/// regular message, non-empty `channels`, `tshow` without `tmid`, `editedBy` without
/// `editedAt`).
fn extra(m: &Map<String, Value>, decoded: &Message) -> Map<String, Value> {
    let system = matches!(decoded.kind, MessageKind::System { .. });
    let kept = |key: &str, v: &Value| -> bool {
        if !is_message_key(key) {
            return true;
        }
        if v.is_null() {
            return false;
        }
        match key {
            rc!(groupable) => !(system && *v == Value::Bool(false)),
            rc!(channels) => !matches!(v.as_array(), Some(a) if a.is_empty()),
            rc!(tshow) => !decoded.show_in_room,
            rc!(edited_by) => decoded.edited_by.is_none(),
            _ => false,
        }
    };
    m.iter()
        .filter(|(k, v)| kept(k, v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}
