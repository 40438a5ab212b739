//! Quip message objects and the bare array, straight to bytes (spec §5).
//!
//! Key order: `id, author_id, created_usec, updated_usec, visible, author_name, text, files,
//! annotation, parts, apparent_user, diff_groups, like_user_ids, mention_user_ids`. Absent
//! optional keys are omitted, never `null` or `[]`.

use super::fields::{is_message_key, member, open, qp, EXTRA};
use crate::canonical::{Diff, Message, MessageKind, MessageStatus};
use crate::json::{write_bool, write_int, write_str, write_value};

pub use super::fields::MESSAGE_KEYS;

fn write_str_array<'a>(out: &mut Vec<u8>, items: impl Iterator<Item = &'a str>) {
    out.push(b'[');
    for (i, s) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, s);
    }
    out.push(b']');
}

/// Distinct strings in first-seen order.
fn unique<'a>(items: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen: Vec<&str> = Vec::new();
    for s in items {
        if !seen.contains(&s) {
            seen.push(s);
        }
    }
    seen
}

fn write_diff(out: &mut Vec<u8>, d: &Diff) {
    out.extend_from_slice(open!(rtml));
    write_str(out, &d.rtml);
    out.extend_from_slice(member!(diff_class));
    write_str(out, &d.diff_class);
    out.extend_from_slice(member!(section_id));
    write_str(out, &d.section_id);
    out.extend_from_slice(member!(style));
    write_str(out, &d.style);
    if let Some(list) = &d.list {
        out.extend_from_slice(member!(list));
        write_str(out, list);
    }
    out.push(b'}');
}

/// Writes one message object.
pub fn write_message(out: &mut Vec<u8>, m: &Message) {
    let is_edit = m.kind == MessageKind::Edit;
    write_header(out, m, is_edit);
    write_files(out, m);
    write_annotation(out, m);
    write_quip_extra(out, m);
    if is_edit {
        write_diff_groups(out, m);
    }
    write_user_ids(out, m);
    write_verbatim(out, m);
    out.push(b'}');
}

/// The other fields a Quip upstream sent (`extra["quip"]` keys outside the table), after the
/// table's keys, in their order.
fn write_verbatim(out: &mut Vec<u8>, m: &Message) {
    let Some(extra) = m.extra_for(EXTRA) else {
        return;
    };
    for (k, v) in extra.iter().filter(|(k, _)| !is_message_key(k)) {
        out.push(b',');
        write_str(out, k);
        out.push(b':');
        write_value(out, v);
    }
}

/// `{"id":..,"author_id":..,"created_usec":..,"updated_usec":..,"visible":..
/// [,"author_name":..][,"text":..]`, without the closing brace; an edit has no `text`.
fn write_header(out: &mut Vec<u8>, m: &Message, is_edit: bool) {
    out.extend_from_slice(open!(id));
    write_str(out, &m.id);
    out.extend_from_slice(member!(author_id));
    write_str(out, &m.author.id);
    out.extend_from_slice(member!(created_usec));
    write_int(out, m.created_usec);
    out.extend_from_slice(member!(updated_usec));
    write_int(out, m.updated_or_created());
    out.extend_from_slice(member!(visible));
    write_bool(out, m.status == MessageStatus::Visible);
    if let Some(name) = m.author.name.as_deref().filter(|n| !n.is_empty()) {
        out.extend_from_slice(member!(author_name));
        write_str(out, name);
    }
    if !is_edit {
        out.extend_from_slice(member!(text));
        write_str(out, &m.text);
    }
}

/// `,"files":[{"hash":..[,"name":..]},..]` when the message has attachments.
fn write_files(out: &mut Vec<u8>, m: &Message) {
    if m.attachments.is_empty() {
        return;
    }
    out.extend_from_slice(member!(files));
    out.push(b'[');
    for (i, a) in m.attachments.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(open!(hash));
        write_str(out, &a.id);
        if let Some(name) = &a.name {
            out.extend_from_slice(member!(name));
            write_str(out, name);
        }
        out.push(b'}');
    }
    out.push(b']');
}

/// `,"annotation":{"id":..[,"highlight_section_ids":[..]]}` when the message has one.
fn write_annotation(out: &mut Vec<u8>, m: &Message) {
    let Some(annotation) = &m.annotation else {
        return;
    };
    out.extend_from_slice(member!(annotation));
    out.extend_from_slice(open!(id));
    write_str(out, &annotation.id);
    if !annotation.section_ids.is_empty() {
        out.extend_from_slice(member!(highlight_section_ids));
        write_str_array(out, annotation.section_ids.iter().map(String::as_str));
    }
    out.push(b'}');
}

/// `parts` and `apparent_user`, kept from a Quip upstream (`message.extra["quip"]`).
fn write_quip_extra(out: &mut Vec<u8>, m: &Message) {
    let Some(extra) = m.extra_for(EXTRA) else {
        return;
    };
    if let Some(parts) = extra.get(qp!(parts)).filter(|v| !v.is_null()) {
        out.extend_from_slice(member!(parts));
        write_value(out, parts);
    }
    match extra.get(qp!(apparent_user)) {
        Some(serde_json::Value::String(user_id)) => {
            out.extend_from_slice(member!(apparent_user));
            out.extend_from_slice(open!(user_id));
            write_str(out, user_id);
            out.push(b'}');
        }
        Some(v @ serde_json::Value::Object(_)) => {
            out.extend_from_slice(member!(apparent_user));
            write_value(out, v);
        }
        _ => {}
    }
}

/// `,"diff_groups":[{"diffs":[..]},..]` when the edit has any.
fn write_diff_groups(out: &mut Vec<u8>, m: &Message) {
    if m.diff_groups.is_empty() {
        return;
    }
    out.extend_from_slice(member!(diff_groups));
    out.push(b'[');
    for (i, g) in m.diff_groups.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(open!(diffs));
        out.push(b'[');
        for (j, d) in g.diffs.iter().enumerate() {
            if j > 0 {
                out.push(b',');
            }
            write_diff(out, d);
        }
        out.extend_from_slice(b"]}");
    }
    out.push(b']');
}

/// `,"like_user_ids":[..]` and `,"mention_user_ids":[..]`, each distinct and omitted when
/// empty.
fn write_user_ids(out: &mut Vec<u8>, m: &Message) {
    let likes = unique(
        m.reactions
            .iter()
            .flat_map(|r| r.users.iter().map(|u| u.id.as_str())),
    );
    if !likes.is_empty() {
        out.extend_from_slice(member!(like_user_ids));
        write_str_array(out, likes.into_iter());
    }
    let mentions = unique(m.mentions.iter().map(|u| u.id.as_str()));
    if !mentions.is_empty() {
        out.extend_from_slice(member!(mention_user_ids));
        write_str_array(out, mentions.into_iter());
    }
}

/// Writes the bare array of `messages`, in iteration order.
pub fn write_messages<'a>(out: &mut Vec<u8>, messages: impl Iterator<Item = &'a Message>) {
    out.push(b'[');
    for (i, m) in messages.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_message(out, m);
    }
    out.push(b']');
}

#[cfg(test)]
mod tests;
