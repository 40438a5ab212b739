//! Walking a thread newest first by `max_created_usec` (spec §4.3: `created_usec ≤
//! max_created_usec`, inclusive). Each call asks for the `count` newest messages at or before
//! the oldest time of the previous answer, so the messages of that microsecond come back; the
//! ones already returned are dropped here, by id, however many share the microsecond.
//!
//! ```text
//! call 1: max_created_usec absent      → m9 m8 m7(t) m6(t)        next: max=t, seen {m7, m6}
//! call 2: max_created_usec = t         → m7(t) m6(t) m5(t) m4     fresh m5 m4, next: max=t4 ...
//! ```
//!
//! An answer shorter than `count` is the end. A full answer with nothing new means more
//! than `count` messages share one microsecond: no `max_created_usec` gets past them, and the
//! walk is refused (`Unsupported`) rather than answered with a hole.

use crate::canonical::{Error, Message, MessageId};

/// Where the next call starts: `max_created_usec` and the ids already returned at exactly
/// that microsecond.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub max_created_usec: i64,
    pub seen: Vec<MessageId>,
}

/// One answer of the walk, with what was seen before dropped.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The messages not returned before, in the answer's order.
    pub fresh: Vec<Message>,
    /// The next call's cursor; `None` at the end (a short answer).
    pub next: Option<Cursor>,
}

/// Takes one answer (any order) of a call made with `cursor` (`None`: the first call) and
/// `count`.
pub fn step(cursor: Option<&Cursor>, answer: Vec<Message>, count: u32) -> Result<Step, Error> {
    if let Some(c) = cursor {
        if answer.iter().any(|m| m.created_usec > c.max_created_usec) {
            return Err(Error::BadBackendAnswer(format!(
                "quip: a message created after max_created_usec={}",
                c.max_created_usec
            )));
        }
    }
    let seen = |m: &Message| {
        cursor.is_some_and(|c| m.created_usec == c.max_created_usec && c.seen.contains(&m.id))
    };
    let full = answer.len() >= count as usize;
    let oldest = answer.iter().map(|m| m.created_usec).min();
    let next = match oldest.filter(|_| full) {
        None => None,
        Some(oldest) => {
            let mut ids: Vec<MessageId> = match cursor {
                Some(c) if c.max_created_usec == oldest => c.seen.clone(),
                _ => Vec::new(),
            };
            for m in answer.iter().filter(|m| m.created_usec == oldest) {
                if !ids.contains(&m.id) {
                    ids.push(m.id.clone());
                }
            }
            Some(Cursor {
                max_created_usec: oldest,
                seen: ids,
            })
        }
    };
    let fresh: Vec<Message> = answer.into_iter().filter(|m| !seen(m)).collect();
    if full && fresh.is_empty() && cursor.is_some() {
        return Err(Error::Unsupported(format!(
            "more than {count} messages created in one microsecond"
        )));
    }
    Ok(Step { fresh, next })
}

#[cfg(test)]
mod tests;
