//! Message items, users, files and pages, straight to bytes (spec §5), with the DRF JSON
//! renderer's rules: compact, raw UTF-8, `\u2028`/`\u2029` escaped, `/` literal.

use super::fields::{is_message_key, member, open, sc, status_str, EXTRA};
use crate::canonical::time::Civil;
use crate::canonical::{Attachment, ConversationInfo, Message, Page, User};
use crate::idmap::{IdMap, IdMapError, Kind};
use crate::json::{write_int, write_str};
use serde_json::Value;

pub use super::fields::html_escape;

/// A JSON string as DRF's renderer writes it (`json.dumps(ensure_ascii=False)` plus the
/// U+2028/U+2029 escapes).
pub fn write_drf_str(out: &mut Vec<u8>, s: &str) {
    let start = out.len();
    write_str(out, s);
    if s.contains(['\u{2028}', '\u{2029}']) {
        let written = out.split_off(start);
        let mut i = 0;
        while i < written.len() {
            if written[i] == 0xE2 && i + 2 < written.len() && written[i + 1] == 0x80 {
                match written[i + 2] {
                    0xA8 => {
                        out.extend_from_slice(b"\\u2028");
                        i += 3;
                        continue;
                    }
                    0xA9 => {
                        out.extend_from_slice(b"\\u2029");
                        i += 3;
                        continue;
                    }
                    _ => {}
                }
            }
            out.push(written[i]);
            i += 1;
        }
    }
}

/// Parses a `±HH:MM` offset into seconds east of UTC (0 when malformed; config validation
/// rejects malformed values before this runs).
pub fn parse_offset(s: &str) -> i64 {
    let b = s.as_bytes();
    if b.len() != 6 || b[3] != b':' {
        return 0;
    }
    let num = |i: usize| -> Option<i64> {
        let (x, y) = (b[i], b[i + 1]);
        (x.is_ascii_digit() && y.is_ascii_digit())
            .then(|| i64::from(x - b'0') * 10 + i64::from(y - b'0'))
    };
    let (Some(h), Some(m)) = (num(1), num(4)) else {
        return 0;
    };
    match b[0] {
        b'+' => (h * 60 + m) * 60,
        b'-' => -(h * 60 + m) * 60,
        _ => 0,
    }
}

fn push2(out: &mut Vec<u8>, v: u32) {
    out.push(b'0' + (v / 10 % 10) as u8);
    out.push(b'0' + (v % 10) as u8);
}

/// DRF `DateTimeField.to_representation` of `usec` in the zone `offset_secs` east of UTC:
/// `YYYY-MM-DDTHH:MM:SS[.ffffff]±HH:MM`, `Z` for a zero offset, no fraction when the
/// microseconds are 0. Unquoted.
pub fn write_datetime(out: &mut Vec<u8>, usec: i64, offset_secs: i64) {
    let local = usec.saturating_add(offset_secs.saturating_mul(1_000_000));
    let c = Civil::from_usec(local);
    let year = c.year.clamp(0, 9999) as u32;
    push2(out, year / 100);
    push2(out, year % 100);
    out.push(b'-');
    push2(out, c.month);
    out.push(b'-');
    push2(out, c.day);
    out.push(b'T');
    push2(out, c.hour);
    out.push(b':');
    push2(out, c.minute);
    out.push(b':');
    push2(out, c.second);
    if c.micro != 0 {
        out.push(b'.');
        let mut digits = [b'0'; 6];
        let mut v = c.micro;
        for d in digits.iter_mut().rev() {
            *d = b'0' + (v % 10) as u8;
            v /= 10;
        }
        out.extend_from_slice(&digits);
    }
    if offset_secs == 0 {
        out.push(b'Z');
    } else {
        out.push(if offset_secs < 0 { b'-' } else { b'+' });
        let minutes = (offset_secs.unsigned_abs() / 60) as u32;
        push2(out, minutes / 60);
        out.push(b':');
        push2(out, minutes % 60);
    }
}

fn write_quoted_datetime(out: &mut Vec<u8>, usec: i64, offset_secs: i64) {
    out.push(b'"');
    write_datetime(out, usec, offset_secs);
    out.push(b'"');
}

/// What encoders need besides the data.
pub struct Ctx<'a> {
    pub ids: &'a IdMap,
    pub offset_secs: i64,
}

/// The User object of spec §5.
pub fn write_user(out: &mut Vec<u8>, ctx: &Ctx<'_>, user: &User) -> Result<(), IdMapError> {
    write_user_with(out, ctx, user, None)
}

/// The remainder a SelfCommunity upstream sent for the object under `key` of a message
/// (`sender`, `receiver`, `group`), kept by the client face in `extra["selfcommunity"]`.
fn remainder<'m>(m: &'m Message, key: &str) -> Option<&'m serde_json::Map<String, Value>> {
    m.extra_for(EXTRA)?.get(key)?.as_object()
}

/// Writes `,"key":value` for every entry of `rest` whose key is not in `own`.
fn write_rest(out: &mut Vec<u8>, rest: &serde_json::Map<String, Value>, own: &[&str]) {
    for (key, value) in rest.iter().filter(|(k, _)| !own.contains(&k.as_str())) {
        out.push(b',');
        write_drf_str(out, key);
        out.push(b':');
        write_drf_value(out, value);
    }
}

/// The User object: `id`, `username`, `real_name`, `avatar`, then the remainder an upstream
/// sent (`rest`) or, without one, `ext_id` (the canonical id) and the spec's defaults.
fn write_user_with(
    out: &mut Vec<u8>,
    ctx: &Ctx<'_>,
    user: &User,
    rest: Option<&serde_json::Map<String, Value>>,
) -> Result<(), IdMapError> {
    out.extend_from_slice(open!(id));
    write_int(out, ctx.ids.int_of(Kind::User, &user.id)?);
    out.extend_from_slice(member!(username));
    write_drf_str(out, &user.username);
    out.extend_from_slice(member!(real_name));
    write_drf_str(out, user.name.as_deref().unwrap_or(""));
    out.extend_from_slice(member!(avatar));
    match &user.avatar_url {
        Some(url) => write_drf_str(out, url),
        None => out.extend_from_slice(b"null"),
    }
    if let Some(rest) = rest {
        write_rest(
            out,
            rest,
            &[sc!(id), sc!(username), sc!(real_name), sc!(avatar)],
        );
        out.push(b'}');
        return Ok(());
    }
    out.extend_from_slice(member!(ext_id));
    write_drf_str(out, &user.id);
    out.extend_from_slice(sc!(user_defaults).as_bytes());
    Ok(())
}

/// The File object of spec §5.
pub fn write_file(out: &mut Vec<u8>, file: &Attachment) {
    let opt_str = |out: &mut Vec<u8>, v: Option<&str>| match v {
        Some(s) => write_drf_str(out, s),
        None => out.extend_from_slice(b"null"),
    };
    out.extend_from_slice(open!(uuid));
    write_drf_str(out, &file.id);
    out.extend_from_slice(member!(filename));
    opt_str(out, file.name.as_deref());
    out.extend_from_slice(member!(filesize));
    match file.size {
        Some(n) => write_int(out, n),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(member!(mimetype));
    opt_str(out, file.mime_type.as_deref());
    out.extend_from_slice(member!(duration));
    match file.duration_secs {
        Some(n) => write_int(out, n),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(member!(url));
    opt_str(out, file.url.as_deref());
    out.extend_from_slice(member!(thumbnail));
    opt_str(out, file.thumbnail_url.as_deref());
    out.push(b'}');
}

/// Every `(kind, id)` whose integer the items of `page` show (messages, rooms, groups,
/// senders and receivers; no message of a snippet, which shows none), so that they can be
/// given integers off the async threads before encoding
/// ([`crate::idmap::IdMap::prepare`]).
pub fn integers_needed(page: &Page, snippets: bool) -> Vec<(Kind, String)> {
    let mut out = Vec::with_capacity(page.messages.len() * 4);
    for m in &page.messages {
        if !snippets {
            out.push((Kind::Message, m.id.clone()));
        }
        out.push((Kind::Room, m.room_id.clone()));
        out.push((Kind::User, m.author.id.clone()));
        if let Some(user) = &m.recipient {
            out.push((Kind::User, user.id.clone()));
        }
        if let Some(group) = &m.group_id {
            out.push((Kind::Group, group.clone()));
        }
    }
    out
}

/// One message item: `id, message, sender, receiver, created_at, status, thread_id, file,
/// group`.
pub fn write_message(out: &mut Vec<u8>, ctx: &Ctx<'_>, m: &Message) -> Result<(), IdMapError> {
    out.extend_from_slice(open!(id));
    write_int(out, ctx.ids.int_of(Kind::Message, &m.id)?);
    out.extend_from_slice(member!(message));
    match &m.html {
        Some(html) => write_drf_str(out, html),
        None => write_drf_str(out, &html_escape(&m.text)),
    }
    write_people(out, ctx, m)?;
    out.extend_from_slice(member!(created_at));
    write_quoted_datetime(out, m.created_usec, ctx.offset_secs);
    out.extend_from_slice(member!(status));
    out.push(b'"');
    out.extend_from_slice(status_str(m.status).as_bytes());
    out.push(b'"');
    out.extend_from_slice(member!(thread_id));
    write_int(out, ctx.ids.int_of(Kind::Room, &m.room_id)?);
    out.extend_from_slice(member!(file));
    match m.attachments.first() {
        Some(file) => write_file(out, file),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(member!(group));
    match &m.group_id {
        Some(gid) => {
            out.extend_from_slice(open!(id));
            write_int(out, ctx.ids.int_of(Kind::Group, gid)?);
            match remainder(m, sc!(group)) {
                Some(rest) => write_rest(out, rest, &[sc!(id)]),
                None => {
                    out.extend_from_slice(member!(name));
                    write_drf_str(out, gid);
                }
            }
            out.push(b'}');
        }
        None => out.extend_from_slice(b"null"),
    }
    write_extra(out, m);
    out.push(b'}');
    Ok(())
}

/// `,"sender":..,"receiver":..` of an item (the receiver of a 1:1 message only), each
/// with the remainder an upstream sent for it.
fn write_people(out: &mut Vec<u8>, ctx: &Ctx<'_>, m: &Message) -> Result<(), IdMapError> {
    out.extend_from_slice(member!(sender));
    write_user_with(out, ctx, &m.author, remainder(m, sc!(sender)))?;
    out.extend_from_slice(member!(receiver));
    match (&m.recipient, &m.group_id) {
        (Some(user), None) => write_user_with(out, ctx, user, remainder(m, sc!(receiver)))?,
        _ => out.extend_from_slice(b"null"),
    }
    Ok(())
}

/// The fields kept verbatim from a SelfCommunity upstream (`extra["selfcommunity"]`), after
/// the item's own keys, in their order; a key named like one of the item's own is skipped.
/// Written as DRF's renderer writes them (compact, U+2028/U+2029 escaped).
fn write_extra(out: &mut Vec<u8>, m: &Message) {
    let Some(extra) = m.extra_for(EXTRA) else {
        return;
    };
    for (key, value) in extra.iter().filter(|(k, _)| !is_message_key(k)) {
        out.push(b',');
        write_drf_str(out, key);
        out.push(b':');
        write_drf_value(out, value);
    }
}

/// Any JSON value as DRF's renderer writes it.
pub fn write_drf_value(out: &mut Vec<u8>, value: &serde_json::Value) {
    let start = out.len();
    crate::json::write_value(out, value);
    // U+2028/U+2029 appear only inside strings, where `\u2028`/`\u2029` mean the same.
    if out[start..].windows(2).any(|w| w == [0xE2, 0x80]) {
        let written = out.split_off(start);
        let text = String::from_utf8_lossy(&written)
            .replace('\u{2028}', "\\u2028")
            .replace('\u{2029}', "\\u2029");
        out.extend_from_slice(text.as_bytes());
    }
}

/// One snippet item (a conversation as its latest message): `id, headline, sender, receiver,
/// created_at, last_message_at, thread_status`.
pub fn write_snippet(
    out: &mut Vec<u8>,
    ctx: &Ctx<'_>,
    m: &Message,
    info: Option<&ConversationInfo>,
) -> Result<(), IdMapError> {
    out.extend_from_slice(open!(id));
    write_int(out, ctx.ids.int_of(Kind::Room, &m.room_id)?);
    out.extend_from_slice(member!(headline));
    write_drf_str(out, &m.text);
    write_people(out, ctx, m)?;
    out.extend_from_slice(member!(created_at));
    let first = info.map_or(m.created_usec, |i| i.first_usec);
    write_quoted_datetime(out, first, ctx.offset_secs);
    out.extend_from_slice(member!(last_message_at));
    write_quoted_datetime(out, m.created_usec, ctx.offset_secs);
    out.extend_from_slice(member!(thread_status));
    out.extend_from_slice(if info.is_some_and(|i| i.unread) {
        b"\"new\"}"
    } else {
        b"\"seen\"}"
    });
    Ok(())
}

/// `{"count":C,"next":..,"previous":..,"results":[..]}` with `items` in the given order,
/// each written by `item`.
pub fn write_page<T>(
    out: &mut Vec<u8>,
    ctx: &Ctx<'_>,
    count: u64,
    next: Option<&str>,
    previous: Option<&str>,
    items: impl Iterator<Item = T>,
    item: impl Fn(&mut Vec<u8>, &Ctx<'_>, T) -> Result<(), IdMapError>,
) -> Result<(), IdMapError> {
    out.extend_from_slice(open!(count));
    write_int(out, count);
    for (key, link) in [(member!(next), next), (member!(previous), previous)] {
        out.extend_from_slice(key);
        match link {
            Some(url) => write_drf_str(out, url),
            None => out.extend_from_slice(b"null"),
        }
    }
    out.extend_from_slice(member!(results));
    out.push(b'[');
    for (i, it) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        item(out, ctx, it)?;
    }
    out.extend_from_slice(b"]}");
    Ok(())
}

#[cfg(test)]
mod tests;
