//! The Quip field table, shared by the server face ([`super::encode`]) and the client face:
//! every key of a message object, a file, an annotation, a diff and an error body, spelled
//! once through [`qp!`], which expands to a string literal, so the encoder's byte strings stay
//! compile-time constants (`member!(author_id)` is `b",\"author_id\":"`).
//!
//! Conversions: ids are strings on both sides, unchanged; times are integer microseconds on
//! both sides, unchanged; `visible` is `status == Visible`.

/// A key of the Quip JSON, as a string literal.
macro_rules! qp {
    // Message object (spec §5), in output order.
    (id) => {
        "id"
    };
    (author_id) => {
        "author_id"
    };
    (created_usec) => {
        "created_usec"
    };
    (updated_usec) => {
        "updated_usec"
    };
    (visible) => {
        "visible"
    };
    (author_name) => {
        "author_name"
    };
    (text) => {
        "text"
    };
    (files) => {
        "files"
    };
    (annotation) => {
        "annotation"
    };
    (parts) => {
        "parts"
    };
    (apparent_user) => {
        "apparent_user"
    };
    (diff_groups) => {
        "diff_groups"
    };
    (like_user_ids) => {
        "like_user_ids"
    };
    (mention_user_ids) => {
        "mention_user_ids"
    };
    // File, annotation, apparent user; `users/current` is `name` then `id`.
    (hash) => {
        "hash"
    };
    (name) => {
        "name"
    };
    (highlight_section_ids) => {
        "highlight_section_ids"
    };
    (user_id) => {
        "user_id"
    };
    // Diff group and diff.
    (diffs) => {
        "diffs"
    };
    (rtml) => {
        "rtml"
    };
    (diff_class) => {
        "diff_class"
    };
    (section_id) => {
        "section_id"
    };
    (style) => {
        "style"
    };
    (list) => {
        "list"
    };
    // Error body (spec §6).
    (error) => {
        "error"
    };
    (error_code) => {
        "error_code"
    };
    (error_description) => {
        "error_description"
    };
}

/// `,"<key>":` as bytes.
macro_rules! member {
    ($k:tt) => {
        concat!(",\"", $crate::dialect::quip::fields::qp!($k), "\":").as_bytes()
    };
}

/// `{"<key>":` as bytes.
macro_rules! open {
    ($k:tt) => {
        concat!("{\"", $crate::dialect::quip::fields::qp!($k), "\":").as_bytes()
    };
}

pub(crate) use {member, open, qp};

/// The keys of a message object, in output order.
pub const MESSAGE_KEYS: [&str; 14] = [
    qp!(id),
    qp!(author_id),
    qp!(created_usec),
    qp!(updated_usec),
    qp!(visible),
    qp!(author_name),
    qp!(text),
    qp!(files),
    qp!(annotation),
    qp!(parts),
    qp!(apparent_user),
    qp!(diff_groups),
    qp!(like_user_ids),
    qp!(mention_user_ids),
];

/// Whether `key` is one of [`MESSAGE_KEYS`].
pub fn is_message_key(key: &str) -> bool {
    MESSAGE_KEYS.contains(&key)
}

/// The dialect name under which [`crate::canonical::Message::extra`] keeps Quip's own fields
/// (`parts`, `apparent_user`, and keys outside the table).
pub const EXTRA: &str = "quip";

#[cfg(test)]
mod tests;
