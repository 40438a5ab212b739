//! The newest-first walk of one thread, by `max_created_usec`, with the cursor cache.
//!
//! A walk starts at the position the cache remembers nearest below the offset (or at the
//! newest message), asks for 100 messages a call while skipping, and for what the page
//! still needs plus the messages the cursor repeats once inside the page; every answer is
//! stepped by the client face ([`face::step`]: the repeated microsecond dropped once). It
//! remembers the position at the page's end and at the end of every answer, and the total
//! when it reached the end of the thread. A client paging sequentially therefore starts
//! each page at the cursor the previous one ended on: one call for a page of up to 99
//! messages, two for 100.
//!
//! Every answer after a cursor must start with the messages the cursor saw in its
//! microsecond (Quip's bound is inclusive): when it does not, the remembered position is
//! stale (see [`crate::backend::cursor_cache`]) and the walk starts again from the newest
//! message, once.

use super::plan::{refuse, Planner};
use crate::backend::cursor_cache::{CacheKey, Head};
use crate::canonical::{Error, Message, ThreadQuery, TimeBound};
use crate::dialect::quip::client::{self as face, Cursor, Unanswerable};
use crate::dialect::quip::params::MAX_COUNT;
use std::time::Instant;

/// One thread's newest-first walk for a query.
pub(super) struct Walk<'q> {
    /// The query as the upstream reads it: newest first, no lower creation bound.
    query: &'q ThreadQuery,
    /// Where the walk stops: the first message below it.
    lower: Option<TimeBound>,
    key: CacheKey,
    /// The request's upper bound on creation time as `max_created_usec`.
    bound: Option<i64>,
}

/// What a walk found.
pub(super) struct Walked {
    /// The messages at the offsets asked, newest first.
    pub messages: Vec<Message>,
    /// The number of messages, when the walk reached the end or the cache knew it.
    pub total: Option<u64>,
}

/// Where a walk stands: the next offset, its cursor, and what it learned.
struct Progress {
    pos: u64,
    cursor: Option<Cursor>,
    head: Option<Head>,
    positions: Vec<(u64, Cursor)>,
    messages: Vec<Message>,
    ended: bool,
}

impl Progress {
    fn at(pos: u64, cursor: Option<Cursor>, head: Option<Head>) -> Progress {
        Progress {
            pos,
            cursor,
            head,
            positions: Vec::new(),
            messages: Vec::new(),
            ended: false,
        }
    }

    /// Takes the next message of the walk; keeps it when inside `[from, to)`.
    fn take(&mut self, m: Message, from: u64, to: Option<u64>) {
        if self.pos == 0 {
            self.head = Some(Head {
                id: m.id.clone(),
                created_usec: m.created_usec,
            });
        }
        match &mut self.cursor {
            Some(c) if c.max_created_usec == m.created_usec => c.seen.push(m.id.clone()),
            _ => {
                self.cursor = Some(Cursor {
                    max_created_usec: m.created_usec,
                    seen: vec![m.id.clone()],
                })
            }
        }
        if self.pos >= from && to.map_or(true, |t| self.pos < t) {
            self.messages.push(m);
        }
        self.pos += 1;
        if to == Some(self.pos) {
            self.mark();
        }
    }

    /// Remembers the current position.
    fn mark(&mut self) {
        if let Some(c) = &self.cursor {
            self.positions.push((self.pos, c.clone()));
        }
    }
}

/// Whether `answer` starts with the messages `cursor` saw in its microsecond.
fn repeats_boundary(cursor: &Cursor, answer: &[Message]) -> bool {
    let n = cursor.seen.len();
    answer.len() >= n
        && answer[..n]
            .iter()
            .all(|m| m.created_usec == cursor.max_created_usec && cursor.seen.contains(&m.id))
}

impl<'q> Walk<'q> {
    /// The walk of `query` (newest first, no lower creation bound), stopping below `lower`.
    pub(super) fn new(query: &'q ThreadQuery, lower: Option<TimeBound>) -> Walk<'q> {
        let mut filter = query.filter.clone();
        filter.created_before = None;
        let key = CacheKey::new(
            &query.principal.user_id,
            &format!("{:?} {:?}", query.target, query.access),
            &format!("{filter:?}"),
            &format!("{:?}", query.order),
        );
        let bound = query.filter.created_before.map(|b| match b.inclusive {
            true => b.usec,
            false => b.usec.saturating_sub(1),
        });
        Walk {
            query,
            lower,
            key,
            bound,
        }
    }

    /// The messages at offsets `[offset, offset + limit)` (`None`: to the end), and the
    /// total when `want_total` (counted by walking to the end unless the cache knows it).
    pub(super) async fn run(
        &mut self,
        planner: &mut Planner<'_>,
        offset: u64,
        limit: Option<u64>,
        want_total: bool,
    ) -> Result<Walked, Error> {
        let to = limit.map(|l| offset.saturating_add(l));
        let now = Instant::now();
        let (mut p, mut known) = match self.start(planner, offset, to, now) {
            Ok(started) => started,
            Err(known) => return Ok(known),
        };
        let mut restarted = false;
        loop {
            let need_total = want_total && known.is_none();
            let page_done = to.is_some_and(|t| p.pos >= t) || known.is_some_and(|t| p.pos >= t);
            if p.ended || (page_done && !need_total) {
                break;
            }
            let seen = p.cursor.as_ref().map_or(0, |c| c.seen.len()) as u64;
            let count = match to {
                Some(t) if !need_total && p.pos >= offset => {
                    (t - p.pos).saturating_add(seen).min(u64::from(MAX_COUNT)) as u32
                }
                _ => MAX_COUNT,
            };
            if !self.advance(planner, &mut p, count, offset, to).await? {
                if restarted {
                    return Err(Error::BadBackendAnswer(
                        "quip: an answer after a cursor does not repeat the cursor's messages"
                            .into(),
                    ));
                }
                tracing::info!(
                    offset = p.pos,
                    "quip: a remembered position is stale; walking again from the newest message"
                );
                planner.cache.forget(&self.key);
                restarted = true;
                p = Progress::at(0, None, None);
                known = None;
            }
        }
        let total = if p.ended { Some(p.pos) } else { known };
        if let Some(head) = p.head.clone() {
            let keep = total.filter(|_| p.ended && self.lower.is_none());
            planner
                .cache
                .remember(&self.key, head, std::mem::take(&mut p.positions), keep, now);
        }
        Ok(Walked {
            messages: p.messages,
            total,
        })
    }

    /// The offset right after message `id`, when a position the cache remembers for this
    /// walk ended on it (a page ended there).
    pub(super) fn position_after(&self, planner: &Planner<'_>, id: &str) -> Option<u64> {
        planner
            .cache
            .position_where(&self.key, Instant::now(), |c: &Cursor| {
                c.seen.last().is_some_and(|s| s == id)
            })
    }

    /// Where the walk starts, from what the cache remembers, with the total it knows; or,
    /// `Err`, the answer without a call (the page lies past a known total).
    fn start(
        &self,
        planner: &Planner<'_>,
        offset: u64,
        to: Option<u64>,
        now: Instant,
    ) -> Result<(Progress, Option<u64>), Walked> {
        let bound = self.bound;
        let recalled = planner.cache.recall(&self.key, offset, now, |h| {
            bound.map_or(true, |b| h.created_usec <= b)
        });
        // A total counted below a lower bound is not the thread's (the key leaves it out).
        let known = recalled
            .as_ref()
            .and_then(|r| r.total)
            .filter(|_| self.lower.is_none());
        if let Some(total) = known {
            if to.is_some_and(|t| t <= offset) || offset >= total {
                return Err(Walked {
                    messages: Vec::new(),
                    total: Some(total),
                });
            }
        }
        let p = match recalled {
            Some(r) => {
                let (pos, cursor) = r.start.map_or((0, None), |(at, c)| (at, Some(c)));
                Progress::at(pos, cursor, Some(r.head))
            }
            None => Progress::at(0, None, None),
        };
        Ok((p, known))
    }

    /// One call of `count` messages from where `p` stands, taken into `p`; `false` when
    /// the answer does not repeat what the cursor saw (a stale position: nothing taken).
    async fn advance(
        &self,
        planner: &mut Planner<'_>,
        p: &mut Progress,
        count: u32,
        offset: u64,
        to: Option<u64>,
    ) -> Result<bool, Error> {
        let req = match face::messages(self.query, p.cursor.as_ref(), count) {
            Ok(req) => req,
            Err(Unanswerable::Empty) => {
                p.ended = true;
                return Ok(true);
            }
            Err(u) => return Err(refuse(u)),
        };
        let answer = planner.call(&req, count).await?;
        if p.cursor
            .as_ref()
            .is_some_and(|c| !repeats_boundary(c, &answer))
        {
            return Ok(false);
        }
        let step = face::step(p.cursor.as_ref(), answer, count)?;
        for m in step.fresh {
            if self.lower.is_some_and(|b| !b.admits_after(m.created_usec)) {
                p.ended = true;
                break;
            }
            p.take(m, offset, to);
        }
        if step.next.is_none() {
            p.ended = true;
        }
        if !p.ended {
            p.mark();
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::User;

    fn m(id: &str, usec: i64) -> Message {
        let author = User {
            id: "U".into(),
            username: String::new(),
            name: None,
            avatar_url: None,
        };
        Message::new(id, "T", author, usec)
    }

    #[test]
    fn the_walks_cursor_is_the_one_step_would_continue_from() {
        let answer = vec![m("a", 9), m("b", 7), m("c", 7)];
        let step = face::step(None, answer.clone(), 3).expect("steps");
        let mut p = Progress::at(0, None, None);
        for msg in answer {
            p.take(msg, 1, Some(2));
        }
        assert_eq!(p.cursor, step.next);
        assert_eq!(p.pos, 3);
        assert_eq!(p.head.as_ref().map(|h| h.id.as_str()), Some("a"));
        let kept: Vec<&str> = p.messages.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(kept, ["b"], "only offsets [1, 2)");
        assert_eq!(p.positions.len(), 1, "the page's end is remembered");
        assert_eq!(p.positions[0].0, 2);
    }

    #[test]
    fn an_answer_must_repeat_what_the_cursor_saw_in_its_microsecond() {
        let cursor = Cursor {
            max_created_usec: 7,
            seen: vec!["b".into(), "c".into()],
        };
        assert!(repeats_boundary(
            &cursor,
            &[m("b", 7), m("c", 7), m("d", 5)]
        ));
        // The boundary message deleted, or a newer one in its microsecond sorted first.
        assert!(!repeats_boundary(&cursor, &[m("c", 7), m("d", 5)]));
        assert!(!repeats_boundary(
            &cursor,
            &[m("bz", 7), m("b", 7), m("c", 7)]
        ));
        assert!(!repeats_boundary(&cursor, &[m("b", 7)]));
    }
}
