//! The seed format (`docs/data-format.md`): one JSON object per line in `users.jsonl`,
//! `rooms.jsonl`, `messages.jsonl` and `tokens.jsonl`. This module reads lines into typed
//! records and words every error with the file, the line and the field.

use super::StoreError;
use crate::canonical::{Annotation, Attachment, Diff, DiffGroup, MessageStatus, RoomKind};
use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::io::BufRead;
use std::path::Path;

pub const USERS: &str = "users.jsonl";
pub const ROOMS: &str = "rooms.jsonl";
pub const MESSAGES: &str = "messages.jsonl";
pub const TOKENS: &str = "tokens.jsonl";

/// Why a seed could not be imported. Nothing of it was written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{dir}: cannot read seed directory: {reason}")]
    Dir { dir: String, reason: String },
    #[error("{file}: cannot read: {reason}")]
    Read { file: &'static str, reason: String },
    #[error("{file}:{line}: not valid JSON: {reason}")]
    Json {
        file: &'static str,
        line: usize,
        reason: String,
    },
    #[error("{file}:{line}: not a JSON object")]
    NotObject { file: &'static str, line: usize },
    #[error("{file}:{line}: field `{field}`: {reason}")]
    Field {
        file: &'static str,
        line: usize,
        field: String,
        reason: String,
    },
    #[error("{file}:{line}: {reason}")]
    Record {
        file: &'static str,
        line: usize,
        reason: String,
    },
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for ImportError {
    fn from(e: rusqlite::Error) -> Self {
        ImportError::Store(StoreError::Sqlite(e))
    }
}

/// Calls `each(line_number, text)` for every non-blank line of `dir/file`; a missing file
/// has no lines.
pub(super) fn each_line(
    dir: &Path,
    file: &'static str,
    mut each: impl FnMut(usize, &str) -> Result<(), ImportError>,
) -> Result<(), ImportError> {
    let path = dir.join(file);
    let handle = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(ImportError::Read {
                file,
                reason: e.to_string(),
            })
        }
    };
    for (index, line) in std::io::BufReader::new(handle).lines().enumerate() {
        let number = index + 1;
        let line = line.map_err(|e| ImportError::Json {
            file,
            line: number,
            reason: e.to_string(),
        })?;
        let text = if number == 1 {
            line.trim_start_matches('\u{feff}')
        } else {
            &line
        };
        if !text.trim().is_empty() {
            each(number, text)?;
        }
    }
    Ok(())
}

/// The lines of the four seed files (a last line without a newline counts; missing files
/// have none).
pub(super) fn count_lines(dir: &Path) -> Result<u64, ImportError> {
    use std::io::Read;
    let mut lines = 0u64;
    let mut buf = vec![0u8; 1 << 20];
    for file in [USERS, ROOMS, MESSAGES, TOKENS] {
        let read_error = |e: std::io::Error| ImportError::Read {
            file,
            reason: e.to_string(),
        };
        let mut handle = match std::fs::File::open(dir.join(file)) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(read_error(e)),
        };
        let mut last = b'\n';
        loop {
            let n = handle.read(&mut buf).map_err(read_error)?;
            let Some(chunk) = buf.get(..n).filter(|c| !c.is_empty()) else {
                break;
            };
            lines += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
            last = chunk.last().copied().unwrap_or(last);
        }
        lines += u64::from(last != b'\n');
    }
    Ok(lines)
}

/// Parses one line into a record: bad JSON, a non-object, unknown and missing fields and
/// wrongly typed fields are errors naming the field's path.
pub(super) fn parse<T: DeserializeOwned>(
    file: &'static str,
    line: usize,
    text: &str,
) -> Result<T, ImportError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        let full = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let reason = match full.strip_suffix(&suffix) {
            Some(msg) => format!("{msg} (column {})", e.column()),
            None => full,
        };
        ImportError::Json { file, line, reason }
    })?;
    if !value.is_object() {
        return Err(ImportError::NotObject { file, line });
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        field_error(file, line, &path, &message)
    })
}

fn field_error(file: &'static str, line: usize, path: &str, message: &str) -> ImportError {
    let path = if path == "." { "" } else { path };
    // The path of an unknown field already ends with it; that of a missing one does not.
    let join = |name: &str| match path {
        "" => name.to_owned(),
        p if p == name || p.ends_with(&format!(".{name}")) => p.to_owned(),
        p => format!("{p}.{name}"),
    };
    for (prefix, reason) in [
        ("unknown field `", "unknown field"),
        ("missing field `", "required field is missing"),
    ] {
        if let Some((name, rest)) = message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split_once('`'))
        {
            return ImportError::Field {
                file,
                line,
                field: join(name),
                reason: format!("{reason}{rest}"),
            };
        }
    }
    if path.is_empty() {
        return ImportError::Record {
            file,
            line,
            reason: message.to_owned(),
        };
    }
    ImportError::Field {
        file,
        line,
        field: path.to_owned(),
        reason: message.to_owned(),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct UserRecord {
    pub id: String,
    pub username: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub avatar_url: Option<String>,
    #[serde(default)]
    pub int_id: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RoomRecord {
    pub id: String,
    pub kind: RoomKind,
    #[serde(default)]
    pub name: Option<String>,
    pub members: Vec<String>,
    #[serde(default)]
    pub company_id: Option<String>,
    #[serde(default)]
    pub group_id: Option<String>,
    #[serde(default)]
    pub int_id: Option<i64>,
    pub created_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum MessageKindRecord {
    Regular,
    System,
    Edit,
}

impl MessageKindRecord {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKindRecord::Regular => "regular",
            MessageKindRecord::System => "system",
            MessageKindRecord::Edit => "edit",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MessageRecord {
    pub id: String,
    pub room_id: String,
    #[serde(default)]
    pub parent_id: Option<String>,
    pub author_id: String,
    #[serde(default)]
    pub recipient_id: Option<String>,
    pub text: String,
    #[serde(default)]
    pub html: Option<String>,
    pub created_at: String,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub edited_at: Option<String>,
    #[serde(default)]
    pub edited_by: Option<String>,
    pub kind: MessageKindRecord,
    #[serde(default)]
    pub system_type: Option<String>,
    pub status: MessageStatus,
    #[serde(default)]
    pub show_in_room: Option<bool>,
    #[serde(default)]
    pub attachments: Option<Vec<AttachmentRecord>>,
    #[serde(default)]
    pub mentions: Option<Vec<String>>,
    #[serde(default)]
    pub reactions: Option<ReactionsRecord>,
    #[serde(default)]
    pub annotation: Option<AnnotationRecord>,
    #[serde(default)]
    pub diff_groups: Option<Vec<DiffGroupRecord>>,
    #[serde(default)]
    pub int_id: Option<i64>,
    #[serde(default)]
    pub extra: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AttachmentRecord {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    mime_type: Option<String>,
    #[serde(default)]
    size: Option<u64>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    thumbnail_url: Option<String>,
    #[serde(default)]
    duration_secs: Option<u64>,
}

impl From<AttachmentRecord> for Attachment {
    fn from(r: AttachmentRecord) -> Attachment {
        Attachment {
            id: r.id,
            name: r.name,
            mime_type: r.mime_type,
            size: r.size,
            url: r.url,
            thumbnail_url: r.thumbnail_url,
            duration_secs: r.duration_secs,
        }
    }
}

/// `{":emoji:": [user ids]}` in source key order.
#[derive(Debug)]
pub(super) struct ReactionsRecord(pub Vec<(String, Vec<String>)>);

impl<'de> Deserialize<'de> for ReactionsRecord {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = ReactionsRecord;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of emoji to arrays of user ids")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((emoji, users)) = map.next_entry::<String, Vec<String>>()? {
                    out.push((emoji, users));
                }
                Ok(ReactionsRecord(out))
            }
        }
        d.deserialize_map(Entries)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AnnotationRecord {
    id: String,
    #[serde(default)]
    section_ids: Vec<String>,
}

impl From<AnnotationRecord> for Annotation {
    fn from(r: AnnotationRecord) -> Annotation {
        Annotation {
            id: r.id,
            section_ids: r.section_ids,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum DiffClass {
    TrackChanges,
    DeleteOnly,
    InsertOnly,
    InsertCompletely,
}

impl DiffClass {
    fn as_str(self) -> &'static str {
        match self {
            DiffClass::TrackChanges => "track_changes",
            DiffClass::DeleteOnly => "delete_only",
            DiffClass::InsertOnly => "insert_only",
            DiffClass::InsertCompletely => "insert_completely",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DiffRecord {
    rtml: String,
    diff_class: DiffClass,
    section_id: String,
    style: String,
    #[serde(default)]
    list: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DiffGroupRecord {
    diffs: Vec<DiffRecord>,
}

impl From<DiffGroupRecord> for DiffGroup {
    fn from(r: DiffGroupRecord) -> DiffGroup {
        DiffGroup {
            diffs: r
                .diffs
                .into_iter()
                .map(|d| Diff {
                    rtml: d.rtml,
                    diff_class: d.diff_class.as_str().to_owned(),
                    section_id: d.section_id,
                    style: d.style,
                    list: d.list,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Scheme {
    Rocketchat,
    Bearer,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Rocketchat => "rocketchat",
            Scheme::Bearer => "bearer",
        }
    }
}

/// A token line. `Debug` never prints the token.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TokenRecord {
    pub user_id: String,
    pub scheme: Scheme,
    pub token: String,
    #[serde(default)]
    pub admin_of: Option<Vec<String>>,
}

impl std::fmt::Debug for TokenRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRecord")
            .field("user_id", &self.user_id)
            .field("scheme", &self.scheme)
            .field("token", &"<redacted>")
            .field("admin_of", &self.admin_of)
            .finish()
    }
}

/// A seed time (RFC 3339) in microseconds, or the error naming `field`.
pub(super) fn time(
    file: &'static str,
    line: usize,
    field: &str,
    text: &str,
) -> Result<i64, ImportError> {
    crate::canonical::time::parse_datetime(text).ok_or_else(|| ImportError::Field {
        file,
        line,
        field: field.to_owned(),
        reason: format!("not an RFC 3339 time ({text:?})"),
    })
}
