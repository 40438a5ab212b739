//! Quip message objects and the bare array, straight to bytes (spec §5).
//!
//! Key order: `id, author_id, created_usec, updated_usec, visible, author_name, text, files,
//! annotation, parts, apparent_user, diff_groups, like_user_ids, mention_user_ids`. Absent
//! optional keys are omitted, never `null` or `[]`.

use crate::canonical::{Diff, Message, MessageKind, MessageStatus};
use crate::json::{write_bool, write_int, write_str, write_value};

/// The keys of a message object, in output order.
pub const MESSAGE_KEYS: [&str; 14] = [
    "id",
    "author_id",
    "created_usec",
    "updated_usec",
    "visible",
    "author_name",
    "text",
    "files",
    "annotation",
    "parts",
    "apparent_user",
    "diff_groups",
    "like_user_ids",
    "mention_user_ids",
];

fn key(out: &mut Vec<u8>, name: &str) {
    out.push(b',');
    write_str(out, name);
    out.push(b':');
}

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
    out.extend_from_slice(b"{\"rtml\":");
    write_str(out, &d.rtml);
    out.extend_from_slice(b",\"diff_class\":");
    write_str(out, &d.diff_class);
    out.extend_from_slice(b",\"section_id\":");
    write_str(out, &d.section_id);
    out.extend_from_slice(b",\"style\":");
    write_str(out, &d.style);
    if let Some(list) = &d.list {
        out.extend_from_slice(b",\"list\":");
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
    out.push(b'}');
}

/// `{"id":..,"author_id":..,"created_usec":..,"updated_usec":..,"visible":..
/// [,"author_name":..][,"text":..]`, without the closing brace; an edit has no `text`.
fn write_header(out: &mut Vec<u8>, m: &Message, is_edit: bool) {
    out.extend_from_slice(b"{\"id\":");
    write_str(out, &m.id);
    key(out, "author_id");
    write_str(out, &m.author.id);
    key(out, "created_usec");
    write_int(out, m.created_usec);
    key(out, "updated_usec");
    write_int(out, m.updated_or_created());
    key(out, "visible");
    write_bool(out, m.status == MessageStatus::Visible);
    if let Some(name) = m.author.name.as_deref().filter(|n| !n.is_empty()) {
        key(out, "author_name");
        write_str(out, name);
    }
    if !is_edit {
        key(out, "text");
        write_str(out, &m.text);
    }
}

/// `,"files":[{"hash":..[,"name":..]},..]` when the message has attachments.
fn write_files(out: &mut Vec<u8>, m: &Message) {
    if m.attachments.is_empty() {
        return;
    }
    key(out, "files");
    out.push(b'[');
    for (i, a) in m.attachments.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"hash\":");
        write_str(out, &a.id);
        if let Some(name) = &a.name {
            out.extend_from_slice(b",\"name\":");
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
    key(out, "annotation");
    out.extend_from_slice(b"{\"id\":");
    write_str(out, &annotation.id);
    if !annotation.section_ids.is_empty() {
        out.extend_from_slice(b",\"highlight_section_ids\":");
        write_str_array(out, annotation.section_ids.iter().map(String::as_str));
    }
    out.push(b'}');
}

/// `parts` and `apparent_user`, kept from a Quip upstream (`message.extra["quip"]`).
fn write_quip_extra(out: &mut Vec<u8>, m: &Message) {
    let Some(extra) = m.extra_for("quip") else {
        return;
    };
    if let Some(parts) = extra.get("parts").filter(|v| !v.is_null()) {
        key(out, "parts");
        write_value(out, parts);
    }
    match extra.get("apparent_user") {
        Some(serde_json::Value::String(user_id)) => {
            key(out, "apparent_user");
            out.extend_from_slice(b"{\"user_id\":");
            write_str(out, user_id);
            out.push(b'}');
        }
        Some(v @ serde_json::Value::Object(_)) => {
            key(out, "apparent_user");
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
    key(out, "diff_groups");
    out.push(b'[');
    for (i, g) in m.diff_groups.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"diffs\":[");
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
        key(out, "like_user_ids");
        write_str_array(out, likes.into_iter());
    }
    let mentions = unique(m.mentions.iter().map(|u| u.id.as_str()));
    if !mentions.is_empty() {
        key(out, "mention_user_ids");
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
