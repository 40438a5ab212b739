//! `threadgate import --from KIND --url URL --credentials FILE`: copies every conversation
//! the credentials can read from a platform (or another threadgate) into the configured
//! embedded store, through the backend of that kind, i.e. through the platform's client face.
//!
//! 1. Each credential (`--credentials`, the mapped format of `backend::credentials`) is
//!    checked with the source (who it belongs to), and lists the rooms it reads
//!    ([`Backend::rooms`](crate::backend::Backend::rooms)).
//! 2. The rooms are merged (a room several credentials read is copied once; its members are
//!    those every listing names) and upserted with their members' users.
//! 3. Each room is read page by page as the first credential that listed it
//!    ([`walk`]), each page written in one transaction with its resume record.
//!
//! Idempotent and resumable: what is stored unchanged is not written again, and each
//! conversation goes on from the last page written, so a second run adds only what is new
//! and a run stopped anywhere and started again ends as one clean run. Calls are bounded in
//! time, rate limits waited out, failed calls tried again a bounded number of times
//! ([`patience`]). Tokens are never stored, printed or logged.

pub mod patience;
pub mod progress;
pub mod source;
mod sources;
mod walk;

use crate::backend::credentials::Credentials;
use crate::backend::embedded::copy::{CopyError, CopyStats};
use crate::backend::embedded::EmbeddedBackend;
use crate::canonical::{Credential, Error, Principal, RoomInfo};
use patience::{Patience, Tries};
use progress::CopyProgress;
use source::{Source, SourceKind};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What to copy, from where.
#[derive(Debug, Clone)]
pub struct Options {
    pub from: SourceKind,
    pub url: String,
    /// The mapped-format credentials file; required.
    pub credentials: Option<PathBuf>,
    /// Messages per page, when not the source's own default.
    pub page_size: Option<u32>,
    pub patience: Patience,
}

/// Why a copy stopped, or why a part of it was skipped.
#[derive(Debug, thiserror::Error)]
pub enum ImportFromError {
    /// The command cannot start (options, credentials file, store).
    #[error("{0}")]
    Setup(String),
    /// Reading a room failed.
    #[error("room {0:?}: {1}")]
    Room(String, Error),
    #[error(transparent)]
    Store(#[from] CopyError),
}

/// What a copy did.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub source: String,
    pub credentials: usize,
    pub rooms: usize,
    /// Credentials and rooms that could not be read, with why.
    pub skipped: Vec<String>,
    pub stats: CopyStats,
    pub tries: Tries,
    pub elapsed: Duration,
}

impl std::fmt::Display for Summary {
    /// The last line of the command.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = &self.stats;
        let t = &self.tries;
        write!(
            f,
            "copied {} conversations from {} with {} credentials ({} skipped): \
             users {} added {} updated, rooms {} added {} updated, \
             messages {} added {} updated {} unchanged; \
             {} calls, {} retried, {} rate-limit waits ({:.1} s); {:.1} s",
            self.rooms,
            self.source,
            self.credentials,
            self.skipped.len(),
            s.users_added,
            s.users_updated,
            s.rooms_added,
            s.rooms_updated,
            s.messages_added,
            s.messages_updated,
            s.messages_unchanged,
            t.calls,
            t.retries,
            t.waits,
            t.waited.as_secs_f64(),
            self.elapsed.as_secs_f64()
        )
    }
}

/// Whether a failure to read one room or credential leaves the rest of the copy worth doing
/// (the source refused that part); any other failure stops the copy.
fn skippable(e: &Error) -> bool {
    matches!(
        e,
        Error::Unauthenticated(_)
            | Error::Forbidden(_)
            | Error::NotFound(_)
            | Error::Unsupported(_)
    )
}

/// One credential and whose it is.
struct Reader {
    label: String,
    credential: Credential,
    principal: Principal,
}

/// Runs the copy into `store`.
pub async fn run(
    store: Arc<EmbeddedBackend>,
    options: &Options,
    progress: &mut CopyProgress,
) -> Result<Summary, ImportFromError> {
    let started = Instant::now();
    let mut source = source::open(options.from, &options.url).map_err(ImportFromError::Setup)?;
    if let Some(n) = options.page_size {
        source.page_size = n.max(1);
    }
    let entries = credentials(options)?;
    let mut summary = Summary {
        source: source.key.clone(),
        credentials: entries.len(),
        ..Summary::default()
    };
    let mut tries = Tries::default();
    let readers = authenticate(
        &source,
        &options.patience,
        &mut tries,
        entries,
        &mut summary,
    )
    .await?;
    let rooms = list_rooms(
        &source,
        &options.patience,
        &mut tries,
        &readers,
        &mut summary,
    )
    .await?;
    progress.rooms(rooms.len() as u64);
    for (room, _) in &rooms {
        let (store, room) = (store.clone(), room.clone());
        let stats = tokio::task::spawn_blocking(move || store.copy_room(&room))
            .await
            .map_err(|e| ImportFromError::Setup(format!("store task: {e}")))??;
        summary.stats.add(&stats);
    }
    for (room, by) in &rooms {
        let reader = &readers[*by];
        let mut walk = walk::Reader::new(
            &source,
            &store,
            &options.patience,
            &mut tries,
            &mut summary.stats,
            progress,
        );
        match walk
            .conversation(room, &reader.principal, &reader.credential)
            .await
        {
            Ok(()) => summary.rooms += 1,
            Err(ImportFromError::Room(id, e)) if skippable(&e) => {
                tracing::warn!(room = %id, error = %e, "conversation skipped");
                summary.skipped.push(format!("room {id:?}: {e}"));
            }
            Err(e) => return Err(e),
        }
        progress.room_done();
    }
    summary.tries = tries;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// The credentials file's entries, in user id order.
fn credentials(options: &Options) -> Result<Vec<(String, Credential)>, ImportFromError> {
    let Some(path) = &options.credentials else {
        return Err(ImportFromError::Setup(format!(
            "--from {} needs --credentials FILE: one line per user whose conversations to copy \
             ({{\"user_id\":…,\"scheme\":\"rocketchat\",\"upstream_user_id\":…,\"token\":…}} \
             or {{\"user_id\":…,\"scheme\":\"bearer\",\"token\":…}})",
            options.from.as_str()
        )));
    };
    use crate::backend::credentials::Takes;
    // Each kind reads the lines of its platform's scheme; the protocol takes either.
    let takes = match options.from {
        SourceKind::RocketChat => Takes::RocketChat,
        SourceKind::SelfCommunity | SourceKind::Quip => Takes::Bearer,
        SourceKind::Http => Takes::Either,
    };
    let file = Credentials::open(path, takes).map_err(|e| {
        ImportFromError::Setup(e.replace("backend.auth.credentials", "--credentials"))
    })?;
    let entries = file.entries();
    if entries.is_empty() {
        return Err(ImportFromError::Setup(format!(
            "--credentials {}: no credentials in it",
            path.display()
        )));
    }
    Ok(entries)
}

/// Whose each credential is, as the source says; a credential it refuses is skipped.
async fn authenticate(
    source: &Source,
    patience: &Patience,
    tries: &mut Tries,
    entries: Vec<(String, Credential)>,
    summary: &mut Summary,
) -> Result<Vec<Reader>, ImportFromError> {
    let mut readers = Vec::new();
    for (label, credential) in entries {
        let auth = source.auth.clone();
        let what = format!("credential of {label}");
        let got = patience
            .run(&what, tries, |ctx| {
                let (auth, credential) = (auth.clone(), credential.clone());
                async move { auth.authenticate(&credential, &ctx).await }
            })
            .await;
        match got {
            Ok(principal) => readers.push(Reader {
                label,
                credential,
                principal,
            }),
            Err(e) if skippable(&e) => {
                tracing::warn!(user = %label, error = %e, "credential skipped");
                summary
                    .skipped
                    .push(format!("credential of {label:?}: {e}"));
            }
            Err(e) => {
                return Err(ImportFromError::Setup(format!(
                    "credential of {label:?}: {e}"
                )))
            }
        }
    }
    Ok(readers)
}

/// Every room some credential reads, in (created, id) order, with the index of the first
/// reader that listed it; members merged over every listing.
async fn list_rooms(
    source: &Source,
    patience: &Patience,
    tries: &mut Tries,
    readers: &[Reader],
    summary: &mut Summary,
) -> Result<Vec<(RoomInfo, usize)>, ImportFromError> {
    let mut rooms: Vec<(RoomInfo, usize)> = Vec::new();
    for (i, reader) in readers.iter().enumerate() {
        let backend = source.backend.clone();
        let what = format!("rooms of {}", reader.label);
        let got = patience
            .run(&what, tries, |mut ctx| {
                ctx.credential = Some(reader.credential.clone());
                let (backend, who) = (backend.clone(), reader.principal.clone());
                async move { backend.rooms(&who, &ctx).await }
            })
            .await;
        let listed = match got {
            Ok(listed) => listed,
            Err(e) if skippable(&e) => {
                tracing::warn!(user = %reader.label, error = %e, "room list skipped");
                summary
                    .skipped
                    .push(format!("rooms of {:?}: {e}", reader.label));
                continue;
            }
            Err(e) => {
                return Err(ImportFromError::Setup(format!(
                    "rooms of {:?}: {e}",
                    reader.label
                )))
            }
        };
        for room in listed {
            match rooms.iter_mut().find(|(r, _)| r.id == room.id) {
                Some((known, _)) => {
                    for member in room.members {
                        if !known.members.iter().any(|m| m.id == member.id) {
                            known.members.push(member);
                        }
                    }
                }
                None => rooms.push((room, i)),
            }
        }
    }
    rooms.sort_by(|(a, _), (b, _)| (a.created_usec, &a.id).cmp(&(b.created_usec, &b.id)));
    Ok(rooms)
}
