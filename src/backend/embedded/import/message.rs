//! Importing one message record: its references are checked in file order, the users it
//! names are resolved and stored with it.

use super::{bad, json, json_list, non_empty, Importer};
use crate::backend::embedded::seed::{
    self, ImportError, MessageKindRecord, MessageRecord, ReactionsRecord, MESSAGES,
};
use crate::backend::embedded::sql;
use crate::canonical::{
    Annotation, Attachment, DiffGroup, MessageStatus, Reaction, RoomKind, User,
};
use rusqlite::params;

/// The member a direct message goes to: the other member, or the only one of a
/// self-conversation.
fn other_member(members: &[String], author: &str) -> Option<String> {
    match members {
        [only] => Some(only.clone()),
        [a, b] if a == author => Some(b.clone()),
        [a, b] if b == author => Some(a.clone()),
        _ => None,
    }
}

/// What a message record resolves to besides its own fields: stored with the message.
struct Resolved {
    recipient: Option<String>,
    created: i64,
    updated: Option<i64>,
    edited: Option<i64>,
    /// The editor as JSON.
    edited_by: Option<String>,
    mentions: Vec<User>,
    reactions: Vec<Reaction>,
}

/// `system_type` only with kind `system` (and always with it), `diff_groups` only with kind
/// `edit`.
fn check_kind_fields(line: usize, rec: &MessageRecord) -> Result<(), ImportError> {
    let f = MESSAGES;
    match (rec.kind, &rec.system_type) {
        (MessageKindRecord::System, None) => {
            return Err(bad(
                f,
                line,
                "system_type",
                "required when kind is \"system\"",
            ));
        }
        (kind, Some(_)) if kind != MessageKindRecord::System => {
            let reason = format!(
                "only allowed when kind is \"system\" (kind is {:?})",
                kind.as_str()
            );
            return Err(bad(f, line, "system_type", reason));
        }
        _ => {}
    }
    if rec.diff_groups.is_some() && rec.kind != MessageKindRecord::Edit {
        return Err(bad(
            f,
            line,
            "diff_groups",
            "only allowed when kind is \"edit\"",
        ));
    }
    Ok(())
}

impl Importer<'_> {
    pub(super) fn message(
        &mut self,
        line: usize,
        mut rec: MessageRecord,
    ) -> Result<(), ImportError> {
        let f = MESSAGES;
        self.check_new_message_id(line, &rec.id)?;
        let (room_kind, recipient_fallback) = self.message_room(line, &rec)?;
        self.check_parent(line, &rec)?;
        self.require_user(f, line, "author_id", &rec.author_id)?;
        let recipient = match &rec.recipient_id {
            Some(id) => Some(self.require_user(f, line, "recipient_id", id)?.id),
            None if room_kind == RoomKind::Direct => recipient_fallback,
            None => None,
        };
        let created = seed::time(f, line, "created_at", &rec.created_at)?;
        let updated = rec
            .updated_at
            .as_deref()
            .map(|t| seed::time(f, line, "updated_at", t))
            .transpose()?;
        let edited = rec
            .edited_at
            .as_deref()
            .map(|t| seed::time(f, line, "edited_at", t))
            .transpose()?;
        let edited_by = match &rec.edited_by {
            Some(id) => Some(json(
                f,
                line,
                &self.require_user(f, line, "edited_by", id)?,
            )?),
            None => None,
        };
        check_kind_fields(line, &rec)?;
        let mut mentions = Vec::new();
        for id in rec.mentions.iter().flatten() {
            mentions.push(self.require_user(f, line, "mentions", id)?);
        }
        let reactions = self.resolve_reactions(line, rec.reactions.take())?;
        let resolved = Resolved {
            recipient,
            created,
            updated,
            edited,
            edited_by,
            mentions,
            reactions,
        };
        self.store_message(line, rec, resolved)
    }

    /// The id must be non-empty and new.
    fn check_new_message_id(&self, line: usize, id: &str) -> Result<(), ImportError> {
        let f = MESSAGES;
        non_empty(f, line, "id", id)?;
        if self.find_message(id)?.is_some() {
            return Err(bad(f, line, "id", format!("duplicate message id {id:?}")));
        }
        Ok(())
    }

    /// The kind of the message's room and, for a direct room, the member it goes to.
    fn message_room(
        &mut self,
        line: usize,
        rec: &MessageRecord,
    ) -> Result<(RoomKind, Option<String>), ImportError> {
        match self.find_room(&rec.room_id)? {
            Some(room) => Ok((room.kind, other_member(&room.members, &rec.author_id))),
            None => Err(bad(
                MESSAGES,
                line,
                "room_id",
                format!("unknown room {:?}", rec.room_id),
            )),
        }
    }

    /// A parent must be an earlier top-level message of the same room.
    fn check_parent(&self, line: usize, rec: &MessageRecord) -> Result<(), ImportError> {
        let f = MESSAGES;
        let Some(pid) = &rec.parent_id else {
            return Ok(());
        };
        match self.find_message(pid)? {
            None => {
                let reason =
                    format!("unknown message {pid:?} (a parent must come earlier in the file)");
                Err(bad(f, line, "parent_id", reason))
            }
            Some((room, _)) if room != rec.room_id => {
                let reason = format!(
                    "message {pid:?} is in room {room:?}, not in {:?}",
                    rec.room_id
                );
                Err(bad(f, line, "parent_id", reason))
            }
            Some((_, Some(_))) => {
                let reason =
                    format!("message {pid:?} is itself a reply (threads are one level deep)");
                Err(bad(f, line, "parent_id", reason))
            }
            Some(_) => Ok(()),
        }
    }

    /// The reactions with their users resolved, in record order.
    fn resolve_reactions(
        &mut self,
        line: usize,
        reactions: Option<ReactionsRecord>,
    ) -> Result<Vec<Reaction>, ImportError> {
        let mut out = Vec::new();
        for (emoji, ids) in reactions.map(|r| r.0).unwrap_or_default() {
            let mut users = Vec::with_capacity(ids.len());
            for id in &ids {
                users.push(self.require_user(MESSAGES, line, "reactions", id)?);
            }
            out.push(Reaction { emoji, users });
        }
        Ok(out)
    }

    /// Inserts the checked message, notes its root for the thread summaries and pins its
    /// integer id.
    fn store_message(
        &mut self,
        line: usize,
        rec: MessageRecord,
        resolved: Resolved,
    ) -> Result<(), ImportError> {
        let f = MESSAGES;
        let attachments: Vec<Attachment> = rec
            .attachments
            .into_iter()
            .flatten()
            .map(Attachment::from)
            .collect();
        let annotation = rec
            .annotation
            .map(Annotation::from)
            .map(|a| json(f, line, &a))
            .transpose()?;
        let diff_groups: Vec<DiffGroup> = rec
            .diff_groups
            .into_iter()
            .flatten()
            .map(DiffGroup::from)
            .collect();
        let extra = rec.extra.as_ref().map(|e| json(f, line, e)).transpose()?;
        let status: MessageStatus = rec.status;
        self.db
            .prepare_cached(sql::INSERT_MESSAGE)?
            .execute(params![
                rec.id,
                rec.room_id,
                rec.parent_id,
                rec.author_id,
                resolved.recipient,
                rec.text,
                rec.html,
                resolved.created,
                resolved.updated,
                resolved.edited,
                resolved.edited_by,
                rec.kind.as_str(),
                i64::from(rec.kind == MessageKindRecord::Edit),
                rec.system_type,
                status.as_str(),
                rec.show_in_room.unwrap_or(false),
                json_list(f, line, &attachments)?,
                json_list(f, line, &resolved.mentions)?,
                json_list(f, line, &resolved.reactions)?,
                annotation,
                json_list(f, line, &diff_groups)?,
                extra
            ])?;
        if let Some(parent) = rec.parent_id {
            self.roots.insert(parent);
        }
        self.pin(f, line, "message", &rec.id, rec.int_id)?;
        self.stats.messages += 1;
        Ok(())
    }
}
