//! Rocket.Chat message and page encoding, straight to bytes (no `serde_json::Value`).
//!
//! Every key comes from the field table the client face shares ([`super::fields`]).
//!
//! Message key order (spec §5): `_id, t, rid, tmid, tshow, msg, ts, u, groupable, _updatedAt,
//! editedAt, editedBy, mentions, channels, file, files, reactions, replies, tcount, tlm`, then
//! the fields a Rocket.Chat upstream sent that the gateway keeps verbatim
//! (`message.extra["rocketchat"]`), in upstream order, except keys already written.

use super::fields::{bit, field, member, open, rc, write_date as write_iso};
use crate::canonical::{Attachment, Message, MessageKind, User};
use crate::json::{write_int, write_str, write_value};

pub use super::fields::MESSAGE_KEYS;

// Bit positions in the "written" mask, one per entry of MESSAGE_KEYS.
const T: u32 = bit(rc!(t));
const TMID: u32 = bit(rc!(tmid));
const TSHOW: u32 = bit(rc!(tshow));
const GROUPABLE: u32 = bit(rc!(groupable));
const EDITED_AT: u32 = bit(rc!(edited_at));
const EDITED_BY: u32 = bit(rc!(edited_by));
const MENTIONS: u32 = bit(rc!(mentions));
const CHANNELS: u32 = bit(rc!(channels));
const FILE: u32 = bit(rc!(file));
const FILES: u32 = bit(rc!(files));
const REACTIONS: u32 = bit(rc!(reactions));
const REPLIES: u32 = bit(rc!(replies));
const TCOUNT: u32 = bit(rc!(tcount));
const TLM: u32 = bit(rc!(tlm));
/// `_id, rid, msg, ts, u, _updatedAt`: written for every message.
const ALWAYS: u32 = bit(rc!(id))
    | bit(rc!(rid))
    | bit(rc!(msg))
    | bit(rc!(ts))
    | bit(rc!(u))
    | bit(rc!(updated_at));

/// `,"type":"user"}`: the end of a mention.
const MENTION_TYPE_CLOSE: &[u8] =
    concat!(",\"", rc!(type_), "\":\"", rc!(user_mention), "\"}").as_bytes();

/// `,"editedBy":{"_id":`.
const EDITED_BY_OPEN: &[u8] = concat!(",\"", rc!(edited_by), "\":{\"", rc!(id), "\":").as_bytes();

/// `:{"usernames":`, after a reaction's emoji.
const USERNAMES_OPEN: &[u8] = concat!(":{\"", rc!(usernames), "\":").as_bytes();

/// A date already in the output: where its quoted text lies, and its value.
#[derive(Clone)]
struct Written {
    range: std::ops::Range<usize>,
    usec: i64,
}

/// A quoted `YYYY-MM-DDTHH:MM:SS.mmmZ`.
fn write_date(out: &mut Vec<u8>, usec: i64) -> Written {
    let start = out.len();
    out.push(b'"');
    write_iso(out, usec);
    out.push(b'"');
    Written {
        range: start..out.len(),
        usec,
    }
}

/// A date that often equals one written before: its bytes are copied instead of recomputed.
fn write_date_again(out: &mut Vec<u8>, usec: i64, earlier: &Written) -> Written {
    if earlier.usec != usec {
        return write_date(out, usec);
    }
    let start = out.len();
    out.extend_from_within(earlier.range.clone());
    Written {
        range: start..out.len(),
        usec,
    }
}

/// [`write_str`] with a fast path for the common string that needs no escaping.
#[inline]
fn put_str(out: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        write_str(out, s);
    }
}

/// `{"_id":..,"username":..[,"name":..]`, without the closing brace.
fn write_user_open(out: &mut Vec<u8>, user: &User) {
    out.extend_from_slice(open!(id));
    put_str(out, &user.id);
    out.extend_from_slice(member!(username));
    put_str(out, &user.username);
    if let Some(name) = &user.name {
        out.extend_from_slice(member!(name));
        put_str(out, name);
    }
}

fn write_file(out: &mut Vec<u8>, a: &Attachment) {
    out.extend_from_slice(open!(id));
    put_str(out, &a.id);
    if let Some(name) = &a.name {
        out.extend_from_slice(member!(name));
        put_str(out, name);
    }
    if let Some(mime) = &a.mime_type {
        out.extend_from_slice(member!(type_));
        put_str(out, mime);
    }
    if let Some(size) = a.size {
        out.extend_from_slice(member!(size));
        write_int(out, size);
    }
    out.push(b'}');
}

/// Writes `items` as a JSON array with `each`.
fn write_array<T>(out: &mut Vec<u8>, items: &[T], mut each: impl FnMut(&mut Vec<u8>, &T)) {
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        each(out, item);
    }
    out.push(b']');
}

/// Writes one message object.
pub fn write_message(out: &mut Vec<u8>, m: &Message) {
    let system_type = match &m.kind {
        MessageKind::System { system_type } => Some(system_type.as_str()),
        _ => None,
    };
    let mut written = ALWAYS;

    out.push(b'{');
    written |= write_ids_and_text(out, m, system_type);
    let ts = write_created(out, m);
    if system_type.is_some() {
        out.extend_from_slice(member!(groupable, "false"));
        written |= GROUPABLE;
    }
    written |= write_updates(out, m, &ts);
    if system_type.is_none() {
        written |= write_mentions(out, m);
    }
    written |= write_files(out, m);
    written |= write_reactions(out, m);
    written |= write_thread(out, m);
    write_extra(out, m, written);
    out.push(b'}');
}

/// `"_id":..[,"t":..],"rid":..[,"tmid":..[,"tshow":true]],"msg":..`; returns the optional
/// keys written.
fn write_ids_and_text(out: &mut Vec<u8>, m: &Message, system_type: Option<&str>) -> u32 {
    let mut written = 0;
    out.extend_from_slice(field!(id));
    put_str(out, &m.id);
    if let Some(t) = system_type {
        out.extend_from_slice(member!(t));
        put_str(out, t);
        written |= T;
    }
    out.extend_from_slice(member!(rid));
    put_str(out, &m.room_id);
    if let Some(tmid) = &m.parent_id {
        out.extend_from_slice(member!(tmid));
        put_str(out, tmid);
        written |= TMID;
        if m.show_in_room {
            out.extend_from_slice(member!(tshow, "true"));
            written |= TSHOW;
        }
    }
    out.extend_from_slice(member!(msg));
    put_str(out, &m.text);
    written
}

/// `,"ts":..,"u":{..}`: when and by whom the message was posted; returns the `ts` written.
fn write_created(out: &mut Vec<u8>, m: &Message) -> Written {
    out.extend_from_slice(member!(ts));
    let ts = write_date(out, m.created_usec);
    out.extend_from_slice(member!(u));
    write_user_open(out, &m.author);
    out.push(b'}');
    ts
}

/// `,"_updatedAt":..[,"editedAt":..[,"editedBy":{..}]]`; returns the optional keys written.
fn write_updates(out: &mut Vec<u8>, m: &Message, ts: &Written) -> u32 {
    let mut written = 0;
    out.extend_from_slice(member!(updated_at));
    let updated = write_date_again(out, m.updated_or_created(), ts);
    if let Some(edited) = m.edited_usec {
        out.extend_from_slice(member!(edited_at));
        write_date_again(out, edited, &updated);
        written |= EDITED_AT;
        if let Some(by) = &m.edited_by {
            out.extend_from_slice(EDITED_BY_OPEN);
            put_str(out, &by.id);
            out.extend_from_slice(member!(username));
            put_str(out, &by.username);
            out.push(b'}');
            written |= EDITED_BY;
        }
    }
    written
}

/// `,"mentions":[..],"channels":[]` (user messages only); returns the keys written.
fn write_mentions(out: &mut Vec<u8>, m: &Message) -> u32 {
    out.extend_from_slice(member!(mentions));
    write_array(out, &m.mentions, |out, u| {
        write_user_open(out, u);
        out.extend_from_slice(MENTION_TYPE_CLOSE);
    });
    out.extend_from_slice(member!(channels, "[]"));
    MENTIONS | CHANNELS
}

/// `,"file":{..},"files":[..]` when the message has attachments; returns the keys written.
fn write_files(out: &mut Vec<u8>, m: &Message) -> u32 {
    let Some(first) = m.attachments.first() else {
        return 0;
    };
    out.extend_from_slice(member!(file));
    write_file(out, first);
    out.extend_from_slice(member!(files));
    write_array(out, &m.attachments, write_file);
    FILE | FILES
}

/// `,"reactions":{"<emoji>":{"usernames":[..]},..}` when there are reactions; returns the
/// keys written.
fn write_reactions(out: &mut Vec<u8>, m: &Message) -> u32 {
    if m.reactions.is_empty() {
        return 0;
    }
    out.extend_from_slice(member!(reactions, "{"));
    for (i, r) in m.reactions.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        put_str(out, &r.emoji);
        out.extend_from_slice(USERNAMES_OPEN);
        write_array(out, &r.users, |out, u| put_str(out, &u.username));
        out.push(b'}');
    }
    out.push(b'}');
    REACTIONS
}

/// `,"replies":[..],"tcount":N[,"tlm":..]` for a thread's root; returns the keys written.
fn write_thread(out: &mut Vec<u8>, m: &Message) -> u32 {
    let Some(thread) = &m.thread else {
        return 0;
    };
    let mut written = REPLIES | TCOUNT;
    out.extend_from_slice(member!(replies));
    write_array(out, &thread.participants, |out, id| put_str(out, id));
    out.extend_from_slice(member!(tcount));
    write_int(out, thread.reply_count);
    if let Some(tlm) = thread.last_reply_usec {
        out.extend_from_slice(member!(tlm));
        write_date(out, tlm);
        written |= TLM;
    }
    written
}

/// The fields kept verbatim from a Rocket.Chat upstream, in upstream order, except the keys
/// in the `written` mask.
fn write_extra(out: &mut Vec<u8>, m: &Message, written: u32) {
    let Some(extra) = m.extra_for("rocketchat") else {
        return;
    };
    for (key, value) in extra {
        let taken = MESSAGE_KEYS
            .iter()
            .position(|k| k == key)
            .is_some_and(|i| written & (1 << i) != 0);
        if !taken {
            out.push(b',');
            put_str(out, key);
            out.push(b':');
            write_value(out, value);
        }
    }
}

/// Writes `[message, ...]`.
pub fn write_messages(out: &mut Vec<u8>, messages: &[Message]) {
    write_array(out, messages, write_message);
}

/// A generous estimate of a message's encoded size, to reserve the output buffer once.
fn size_hint(m: &Message) -> usize {
    400 + m.text.len()
        + 100 * m.mentions.len()
        + 60 * m.reactions.len()
        + 30 * m.reactions.iter().map(|r| r.users.len()).sum::<usize>()
        + 240 * m.attachments.len()
        + m.thread
            .as_ref()
            .map_or(0, |t| 80 + 20 * t.participants.len())
}

/// The `chat.getThreadMessages` success body:
/// `{"messages":[…],"count":N,"offset":O,"total":T,"success":true}`, `count` being the
/// number of messages written.
pub fn encode_thread_page(out: &mut Vec<u8>, messages: &[Message], offset: u64, total: u64) {
    out.reserve(80 + messages.iter().map(size_hint).sum::<usize>());
    out.extend_from_slice(open!(messages));
    write_messages(out, messages);
    out.extend_from_slice(member!(count));
    write_int(out, messages.len());
    out.extend_from_slice(member!(offset));
    write_int(out, offset);
    out.extend_from_slice(member!(total));
    write_int(out, total);
    out.extend_from_slice(member!(success, "true}"));
}

#[cfg(test)]
mod tests;
