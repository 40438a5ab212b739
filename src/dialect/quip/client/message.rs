//! One Quip message object → a canonical [`Message`], strictly: a required key missing or any
//! known key of the wrong type is an error naming its path (`[3].files[0].hash: expected a
//! string`). `null` counts as absent for optional keys.

use crate::canonical::{
    Annotation, Attachment, Diff, DiffGroup, Message, MessageKind, MessageStatus, Reaction, User,
};
use crate::dialect::quip::fields::{is_message_key, qp, EXTRA};
use serde_json::{Map, Value};

/// The emoji the likes of a message (`like_user_ids`) read back as: Quip has one kind of
/// reaction, and names only who gave it.
pub const LIKE_EMOJI: &str = ":+1:";
/// The other name of `highlight_section_ids` (a documentation artifact, spec §5), read when
/// the right one is absent.
const HIGHLIGHTED_SECTION_IDS: &str = "highlighted_section_ids";

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

/// A string under `key`.
pub fn string(m: &Map<String, Value>, key: &str, at: &str) -> Result<String, Invalid> {
    opt_string(m, key, at)?.ok_or_else(|| invalid(&child(at, key), "a string"))
}

/// A JSON integer that fits 64 bits, signed, under `key` (microseconds).
fn int(m: &Map<String, Value>, key: &str, at: &str) -> Result<i64, Invalid> {
    get(m, key)
        .and_then(Value::as_i64)
        .ok_or_else(|| invalid(&child(at, key), "an integer"))
}

fn bool_(m: &Map<String, Value>, key: &str, at: &str) -> Result<bool, Invalid> {
    get(m, key)
        .and_then(Value::as_bool)
        .ok_or_else(|| invalid(&child(at, key), "a boolean"))
}

/// An array under `key` (absent: empty), each item read by `item` at `key[i]`.
fn array<T>(
    m: &Map<String, Value>,
    key: &str,
    at: &str,
    item: impl Fn(&Value, &str) -> Result<T, Invalid>,
) -> Result<Vec<T>, Invalid> {
    let at = child(at, key);
    let Some(v) = get(m, key) else {
        return Ok(Vec::new());
    };
    let list = v.as_array().ok_or_else(|| invalid(&at, "an array"))?;
    list.iter()
        .enumerate()
        .map(|(i, v)| item(v, &format!("{at}[{i}]")))
        .collect()
}

fn str_item(v: &Value, at: &str) -> Result<String, Invalid> {
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| invalid(at, "a string"))
}

/// A user known by id only (a mention, a like).
fn bare_user(id: String) -> User {
    User {
        id,
        username: String::new(),
        name: None,
        avatar_url: None,
    }
}

/// A file: `hash` (the attachment id) and `name`.
fn file(v: &Value, at: &str) -> Result<Attachment, Invalid> {
    let m = object(v, at)?;
    Ok(Attachment {
        id: string(m, qp!(hash), at)?,
        name: opt_string(m, qp!(name), at)?,
        mime_type: None,
        size: None,
        url: None,
        thumbnail_url: None,
        duration_secs: None,
    })
}

fn annotation(v: &Value, at: &str) -> Result<Annotation, Invalid> {
    let m = object(v, at)?;
    let key = if get(m, qp!(highlight_section_ids)).is_none()
        && get(m, HIGHLIGHTED_SECTION_IDS).is_some()
    {
        HIGHLIGHTED_SECTION_IDS
    } else {
        qp!(highlight_section_ids)
    };
    Ok(Annotation {
        id: string(m, qp!(id), at)?,
        section_ids: array(m, key, at, str_item)?,
    })
}

fn diff(v: &Value, at: &str) -> Result<Diff, Invalid> {
    let m = object(v, at)?;
    Ok(Diff {
        rtml: string(m, qp!(rtml), at)?,
        diff_class: string(m, qp!(diff_class), at)?,
        section_id: string(m, qp!(section_id), at)?,
        style: string(m, qp!(style), at)?,
        list: opt_string(m, qp!(list), at)?,
    })
}

fn diff_group(v: &Value, at: &str) -> Result<DiffGroup, Invalid> {
    let m = object(v, at)?;
    Ok(DiffGroup {
        diffs: array(m, qp!(diffs), at, diff)?,
    })
}

/// `parts`: `[[style, html], …]`, kept verbatim.
fn parts(v: &Value, at: &str) -> Result<Value, Invalid> {
    let ok = v.as_array().is_some_and(|list| {
        list.iter()
            .all(|p| p.as_array().is_some_and(|p| p.iter().all(Value::is_string)))
    });
    if ok {
        Ok(v.clone())
    } else {
        Err(invalid(at, "an array of arrays of strings"))
    }
}

/// `apparent_user`: `{"user_id": str}` reads back as the bare string (the form the encoder
/// takes); an object with more keys is kept verbatim.
fn apparent_user(v: &Value, at: &str) -> Result<Value, Invalid> {
    let m = object(v, at)?;
    let user_id = string(m, qp!(user_id), at)?;
    Ok(if m.len() == 1 {
        Value::String(user_id)
    } else {
        v.clone()
    })
}

/// Distinct strings in first-seen order.
fn unique(items: Vec<String>) -> Vec<String> {
    let mut seen: Vec<String> = Vec::with_capacity(items.len());
    for s in items {
        if !seen.contains(&s) {
            seen.push(s);
        }
    }
    seen
}

/// Decodes one message object found at `at` of thread `room_id`; `edits`: the request asked
/// for edit records.
pub fn message(v: &Value, at: &str, room_id: &str, edits: bool) -> Result<Message, Invalid> {
    let m = object(v, at)?;
    let created_usec = int(m, qp!(created_usec), at)?;
    let updated_usec = int(m, qp!(updated_usec), at)?;
    let author = User {
        id: string(m, qp!(author_id), at)?,
        username: String::new(),
        name: opt_string(m, qp!(author_name), at)?.filter(|n| !n.is_empty()),
        avatar_url: None,
    };
    let status = if bool_(m, qp!(visible), at)? {
        MessageStatus::Visible
    } else {
        MessageStatus::Deleted
    };
    let likes = unique(array(m, qp!(like_user_ids), at, str_item)?);
    let mentions = unique(array(m, qp!(mention_user_ids), at, str_item)?);
    let mut out = Message {
        text: opt_string(m, qp!(text), at)?.unwrap_or_default(),
        updated_usec: (updated_usec != created_usec).then_some(updated_usec),
        kind: if edits {
            MessageKind::Edit
        } else {
            MessageKind::Regular
        },
        status,
        attachments: array(m, qp!(files), at, file)?,
        mentions: mentions.into_iter().map(bare_user).collect(),
        reactions: if likes.is_empty() {
            Vec::new()
        } else {
            vec![Reaction {
                emoji: LIKE_EMOJI.to_owned(),
                users: likes.into_iter().map(bare_user).collect(),
            }]
        },
        annotation: get(m, qp!(annotation))
            .map(|a| annotation(a, &child(at, qp!(annotation))))
            .transpose()?,
        diff_groups: array(m, qp!(diff_groups), at, diff_group)?,
        ..Message::new(&string(m, qp!(id), at)?, room_id, author, created_usec)
    };
    let mut extra = Map::new();
    if let Some(p) = get(m, qp!(parts)) {
        extra.insert(qp!(parts).to_owned(), parts(p, &child(at, qp!(parts)))?);
    }
    if let Some(u) = get(m, qp!(apparent_user)) {
        let u = apparent_user(u, &child(at, qp!(apparent_user)))?;
        extra.insert(qp!(apparent_user).to_owned(), u);
    }
    for (k, v) in m.iter().filter(|(k, _)| !is_message_key(k)) {
        extra.insert(k.clone(), v.clone());
    }
    if !extra.is_empty() {
        out.extra.insert(EXTRA.to_owned(), Value::Object(extra));
    }
    Ok(out)
}
