//! Reading one conversation page by page and writing each page with its resume record, in
//! the way its source reads ([`Reading`]); a copy stopped anywhere goes on from the last
//! page written.

use super::patience::{Patience, Tries};
use super::progress::CopyProgress;
use super::source::{Reading, Source};
use super::ImportFromError;
use crate::backend::embedded::copy::{CopyStats, ResumeKey};
use crate::backend::embedded::EmbeddedBackend;
use crate::canonical::{
    Credential, Error, Filter, KindFilter, Message, Order, Page, Principal, RoomInfo, Slice,
    Target, ThreadQuery, TimeBound,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// Where a cursor read stands: the last message written.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CursorPosition {
    after: Option<String>,
}

/// Where a newest-first read stands.
#[derive(Debug, Default, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewestFirstPosition {
    /// The newest time of the last complete read: the next read goes down to it.
    floor: Option<i64>,
    /// The newest time of the read under way.
    top: Option<i64>,
    /// How far the read under way is (`None`: no read under way).
    offset: Option<u64>,
}

/// What reads one conversation: the source, the store, and what the copy counts.
pub(super) struct Reader<'a> {
    source: &'a Source,
    store: &'a Arc<EmbeddedBackend>,
    patience: &'a Patience,
    tries: &'a mut Tries,
    stats: &'a mut CopyStats,
    progress: &'a mut CopyProgress,
    /// The messages written of this conversation, and the roots their replies name.
    written: HashSet<String>,
    roots: BTreeSet<String>,
    /// The position last recorded, by lane.
    positions: HashMap<&'static str, String>,
}

impl<'a> Reader<'a> {
    pub(super) fn new(
        source: &'a Source,
        store: &'a Arc<EmbeddedBackend>,
        patience: &'a Patience,
        tries: &'a mut Tries,
        stats: &'a mut CopyStats,
        progress: &'a mut CopyProgress,
    ) -> Reader<'a> {
        Reader {
            source,
            store,
            patience,
            tries,
            stats,
            progress,
            written: HashSet::new(),
            roots: BTreeSet::new(),
            positions: HashMap::new(),
        }
    }

    /// Copies every lane of `room`, read as `principal` with `credential`.
    pub(super) async fn conversation(
        &mut self,
        room: &RoomInfo,
        principal: &Principal,
        credential: &Credential,
    ) -> Result<(), ImportFromError> {
        match &self.source.reading {
            Reading::Cursor { filter, edits_of } => {
                self.cursor(room, principal, credential, filter, "messages")
                    .await?;
                self.refresh_roots(room, principal, credential, filter, "messages")
                    .await?;
                if edits_of.contains(&room.kind) {
                    let edits = Filter {
                        kind: KindFilter::Edits,
                        ..filter.clone()
                    };
                    self.cursor(room, principal, credential, &edits, "edits")
                        .await?;
                }
                Ok(())
            }
            Reading::NewestFirst { filter, edits_of } => {
                self.newest_first(room, principal, credential, filter, "messages")
                    .await?;
                self.refresh_roots(room, principal, credential, filter, "messages")
                    .await?;
                if edits_of.contains(&room.kind) {
                    let edits = Filter {
                        kind: KindFilter::Edits,
                        ..filter.clone()
                    };
                    self.newest_first(room, principal, credential, &edits, "edits")
                        .await?;
                }
                Ok(())
            }
        }
    }

    async fn cursor(
        &mut self,
        room: &RoomInfo,
        principal: &Principal,
        credential: &Credential,
        filter: &Filter,
        lane: &'static str,
    ) -> Result<(), ImportFromError> {
        let mut at: CursorPosition = self.position(room, lane).await?;
        loop {
            let mut q = ThreadQuery::new(principal.clone(), Target::Room(room.id.clone()));
            q.require_kind = Some(room.kind);
            q.filter = filter.clone();
            q.order = Order::Ascending;
            q.slice = Slice::Cursor {
                after: at.after.clone(),
                limit: self.source.page_size,
            };
            let page = self.page(&q, credential, room).await?;
            let Some(last) = page.messages.last() else {
                return Ok(());
            };
            let full = page.messages.len() >= self.source.page_size as usize;
            at.after = Some(last.id.clone());
            self.write(room, lane, page.messages, &at).await?;
            if !full {
                return Ok(());
            }
        }
    }

    async fn newest_first(
        &mut self,
        room: &RoomInfo,
        principal: &Principal,
        credential: &Credential,
        filter: &Filter,
        lane: &'static str,
    ) -> Result<(), ImportFromError> {
        let mut at: NewestFirstPosition = self.position(room, lane).await?;
        if at.offset.is_none() {
            at.top = None;
        }
        loop {
            let offset = at.offset.unwrap_or(0);
            let mut q = ThreadQuery::new(principal.clone(), Target::Room(room.id.clone()));
            q.require_kind = Some(room.kind);
            q.filter = filter.clone();
            q.filter.created_after = at.floor.map(TimeBound::inclusive);
            q.order = Order::Descending;
            q.slice = Slice::Offset {
                offset,
                limit: Some(self.source.page_size),
            };
            let page = self.page(&q, credential, room).await?;
            let n = page.messages.len();
            if offset == 0 {
                at.top = page.messages.first().map(|m| m.created_usec);
            }
            let done = n < self.source.page_size as usize;
            if done {
                at = NewestFirstPosition {
                    floor: at.top.max(at.floor),
                    top: None,
                    offset: None,
                };
            } else {
                at.offset = Some(offset + n as u64);
            }
            self.write(room, lane, page.messages, &at).await?;
            if done {
                return Ok(());
            }
        }
    }

    /// Reads again the roots of the replies written that were not written with them (roots
    /// copied by an earlier run, whose thread summary the new replies changed), each by its
    /// creation time, and writes them. A root the store does not have (one the source does
    /// not show) stays as it is.
    async fn refresh_roots(
        &mut self,
        room: &RoomInfo,
        principal: &Principal,
        credential: &Credential,
        filter: &Filter,
        lane: &'static str,
    ) -> Result<(), ImportFromError> {
        let stale: Vec<String> = std::mem::take(&mut self.roots)
            .into_iter()
            .filter(|id| !self.written.contains(id))
            .collect();
        let Some(position) = self.positions.get(lane).cloned() else {
            return Ok(());
        };
        for id in stale {
            let store = self.store.clone();
            let root = id.clone();
            let created = tokio::task::spawn_blocking(move || store.message_created(&root))
                .await
                .map_err(|e| ImportFromError::Setup(format!("store task: {e}")))??;
            let Some(created) = created else {
                continue;
            };
            let mut q = ThreadQuery::new(principal.clone(), Target::Room(room.id.clone()));
            q.require_kind = Some(room.kind);
            q.filter = filter.clone();
            q.filter.created_after = Some(TimeBound::inclusive(created));
            q.filter.created_before = Some(TimeBound::inclusive(created));
            q.order = Order::Descending;
            q.slice = Slice::Offset {
                offset: 0,
                limit: Some(self.source.page_size),
            };
            let page = self.page(&q, credential, room).await?;
            let fresh: Vec<Message> = page.messages.into_iter().filter(|m| m.id == id).collect();
            if !fresh.is_empty() {
                self.write_raw(room, lane, fresh, position.clone()).await?;
            }
        }
        Ok(())
    }

    /// The recorded position of `lane` of `room`, or the start.
    async fn position<P: Default + for<'de> Deserialize<'de>>(
        &self,
        room: &RoomInfo,
        lane: &'static str,
    ) -> Result<P, ImportFromError> {
        let store = self.store.clone();
        let (source, room_id) = (self.source.key.clone(), room.id.clone());
        let stored = tokio::task::spawn_blocking(move || {
            store.resume_of(&ResumeKey {
                source: &source,
                room_id: &room_id,
                lane,
            })
        })
        .await
        .map_err(|e| ImportFromError::Setup(format!("store task: {e}")))??;
        match stored {
            None => Ok(P::default()),
            Some(text) => serde_json::from_str(&text).map_err(|e| {
                ImportFromError::Setup(format!(
                    "the resume record of room {:?} ({lane}) does not read: {e}",
                    room.id
                ))
            }),
        }
    }

    /// One page of `q`, within the patience; every message must be of `room`.
    async fn page(
        &mut self,
        q: &ThreadQuery,
        credential: &Credential,
        room: &RoomInfo,
    ) -> Result<Page, ImportFromError> {
        let backend = self.source.backend.clone();
        let what = format!("room {}", room.id);
        let page = self
            .patience
            .run(&what, self.tries, |mut ctx| {
                ctx.credential = Some(credential.clone());
                let (backend, q) = (backend.clone(), q.clone());
                async move { backend.query(&q, &ctx).await }
            })
            .await
            .map_err(|e| ImportFromError::Room(room.id.clone(), e))?;
        if let Some(stray) = page.messages.iter().find(|m| m.room_id != room.id) {
            return Err(ImportFromError::Room(
                room.id.clone(),
                Error::BadBackendAnswer(format!(
                    "message {:?} of room {:?} in a page of room {:?}",
                    stray.id, stray.room_id, room.id
                )),
            ));
        }
        Ok(page)
    }

    /// Writes a page and the position after it, in one transaction.
    async fn write<P: Serialize>(
        &mut self,
        room: &RoomInfo,
        lane: &'static str,
        messages: Vec<Message>,
        at: &P,
    ) -> Result<(), ImportFromError> {
        let position = serde_json::to_string(at)
            .map_err(|e| ImportFromError::Setup(format!("cannot encode a position: {e}")))?;
        for m in &messages {
            self.written.insert(m.id.clone());
            if let Some(root) = &m.parent_id {
                self.roots.insert(root.clone());
            }
        }
        self.positions.insert(lane, position.clone());
        self.write_raw(room, lane, messages, position).await
    }

    /// Writes messages and a position, in one transaction. A user the source names by id
    /// only (a Quip author has no username) is stored with the id as its username.
    async fn write_raw(
        &mut self,
        room: &RoomInfo,
        lane: &'static str,
        mut messages: Vec<Message>,
        position: String,
    ) -> Result<(), ImportFromError> {
        for m in &mut messages {
            for user in std::iter::once(&mut m.author).chain(m.recipient.as_mut()) {
                if user.username.is_empty() {
                    user.username = user.id.clone();
                }
            }
        }
        let n = messages.len() as u64;
        let store = self.store.clone();
        let (source, room_id) = (self.source.key.clone(), room.id.clone());
        let stats = tokio::task::spawn_blocking(move || {
            let key = ResumeKey {
                source: &source,
                room_id: &room_id,
                lane,
            };
            store.copy_page(&messages, &key, &position)
        })
        .await
        .map_err(|e| ImportFromError::Setup(format!("store task: {e}")))??;
        self.stats.add(&stats);
        self.progress.page(&room.id, n);
        Ok(())
    }
}
