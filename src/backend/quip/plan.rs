//! One canonical query as the Quip calls that answer it exactly.
//!
//! Quip reads one thread newest first, by `max_created_usec` (inclusive), at most 100
//! messages a call, with no offset and no total. So:
//! - **Newest first, any offset, totals** ([`super::walk`]): the newest-first walk, started
//!   at the position the cursor cache remembers nearest below the offset; a total is counted
//!   by walking to the end, and kept. A page at offset 0 of at most 100 messages without a
//!   total (what a Quip caller asks) is one call, sent exactly as the client face builds it.
//! - **Bounds on update times** (Quip's `updated_since_usec`, `last_updated_since_usec`):
//!   one call as the client face builds it (offset 0, at most 100 messages, no total); no
//!   cursor goes with them.
//! - **Oldest first** (not the server's selection): the total, then the newest-first window
//!   that holds the page, turned here.
//! - **A lower bound on creation time** (Rocket.Chat's `oldest`): the walk stops at the first
//!   message below it (newest first, every later message is older).
//!
//! Refused with [`Error::Unsupported`] (never a shorter or different page):
//! - a thread without its replies (`include_replies` off: Rocket.Chat's
//!   `showThreadMessages=false`): a Quip message names no parent, so replies cannot be told
//!   from other messages;
//! - a room's kind on its own (a Quip thread has none: a gateway's `rooms.info`); a query for
//!   messages that requires a kind (`dm.history` by room id) reads the thread as it is;
//! - replies, groups, conversation lists, unreads, cursor slices, bounds at a message,
//!   hidden without deleted messages (a Quip `visible: false` is either; with
//!   `hidden_messages = "none"` the backend asks for the visible ones instead), and whatever else
//!   the client face cannot send ([`face::messages`]);
//! - paging or totals with bounds on update times (no cursor goes with them);
//! - a page needing more than `max_calls_per_request` calls.
//!
//! A direct conversation by peer is not found as a user (`NotFound(User)`): Quip names
//! conversations by thread id only, and a Rocket.Chat `dm.history` then asks for the
//! conversation by room id, which is read.

use super::walk::{Walk, Walked};
use crate::backend::cursor_cache::CursorCache;
use crate::backend::upstream::{now_ms, Upstream};
use crate::backend::QueryContext;
use crate::canonical::{
    Credential, Error, IdBound, Message, Order, Page, Resource, Slice, Target, ThreadQuery, UserRef,
};
use crate::dialect::quip::client::{self as face, Answer, Cursor, Request, Unanswerable};
use crate::dialect::quip::params::MAX_COUNT;

/// Takes from `upstream` an upper bound at a message that [`Planner::below_message`]
/// answers: the only message bound of a newest-first query without bounds on update
/// times. Any other stays, for the client face to refuse.
fn take_message_bound(upstream: &mut ThreadQuery) -> Option<IdBound> {
    let f = &upstream.filter;
    let alone =
        f.after_message.is_none() && f.updated_after.is_none() && f.updated_before.is_none();
    if upstream.order != Order::Descending || !alone {
        return None;
    }
    upstream.filter.before_message.take()
}

/// The calls of one query.
pub(super) struct Planner<'a> {
    upstream: &'a Upstream,
    header: (&'static str, String),
    ctx: &'a QueryContext,
    max_calls: usize,
    calls: usize,
    pub(super) cache: &'a CursorCache<Cursor>,
}

/// The error for what the client face cannot send.
pub(super) fn refuse(u: Unanswerable) -> Error {
    match u {
        Unanswerable::Unsupported(what) => Error::Unsupported(what.to_owned()),
        Unanswerable::Answer(e) => e,
        Unanswerable::Empty => Error::Internal("an empty page asked for".into()),
    }
}

impl<'a> Planner<'a> {
    pub(super) fn new(
        upstream: &'a Upstream,
        credential: &Credential,
        ctx: &'a QueryContext,
        max_calls: usize,
        cache: &'a CursorCache<Cursor>,
    ) -> Result<Planner<'a>, Error> {
        Ok(Planner {
            upstream,
            header: face::auth_header(credential)?,
            ctx,
            max_calls,
            calls: 0,
            cache,
        })
    }

    /// Calls made so far.
    pub(super) fn calls(&self) -> usize {
        self.calls
    }

    /// One messages call, counted against the budget; the answer holds at most `count`
    /// messages.
    pub(super) async fn call(&mut self, req: &Request, count: u32) -> Result<Vec<Message>, Error> {
        if self.calls >= self.max_calls {
            return Err(Error::Unsupported(format!(
                "a request needing more than {} upstream calls",
                self.max_calls
            )));
        }
        self.calls += 1;
        let auth = [(self.header.0, self.header.1.as_str())];
        let got = self.upstream.send(req, &auth, self.ctx).await?;
        let ans = Answer::with_headers(got.status.as_u16(), &got.headers, &got.body, now_ms());
        let messages = face::decode_messages(req, &ans)?;
        if messages.len() > count as usize {
            return Err(Error::BadBackendAnswer(format!(
                "{}: {} answered {} messages for count={count}",
                self.upstream.label,
                req.path(),
                messages.len()
            )));
        }
        Ok(messages)
    }

    /// The page for `query`.
    pub(super) async fn answer(&mut self, query: &ThreadQuery) -> Result<Page, Error> {
        let (offset, limit) = match &query.slice {
            Slice::Offset { offset, limit } => (*offset, *limit),
            Slice::Cursor { .. } => return Err(Error::Unsupported("cursor paging".into())),
        };
        let mut upstream = query.clone();
        upstream.require_kind = None;
        upstream.want_total = false;
        upstream.filter.created_after = None;
        let below = take_message_bound(&mut upstream);
        self.refusals(query, &upstream)?;
        let by_update =
            query.filter.updated_after.is_some() || query.filter.updated_before.is_some();
        if by_update {
            // No cursor goes with bounds on update times: one call, or refused.
            return match limit {
                Some(l) if offset == 0 && (1..=MAX_COUNT).contains(&l) && !query.want_total => {
                    self.one_call(&upstream, l).await
                }
                _ => Err(Error::Unsupported(
                    "paging or totals with bounds on update times".into(),
                )),
            };
        }
        if limit == Some(0) && !query.want_total {
            return Ok(Page::default());
        }
        upstream.order = Order::Descending;
        let mut walk = Walk::new(&upstream, query.filter.created_after);
        let want_end = limit.map(u64::from);
        let (messages, total) = match query.order {
            Order::Descending => match &below {
                Some(bound) => {
                    self.below_message(&mut walk, bound, offset, want_end, query.want_total)
                        .await?
                }
                None => {
                    let got = walk.run(self, offset, want_end, query.want_total).await?;
                    (got.messages, got.total)
                }
            },
            Order::Ascending => self.oldest_first(&mut walk, offset, want_end).await?,
        };
        Ok(Page {
            messages,
            total: if query.want_total { total } else { None },
            unreads: None,
            conversations: Vec::new(),
        })
    }

    /// What is refused before any call (see the module documentation).
    fn refusals(&self, query: &ThreadQuery, upstream: &ThreadQuery) -> Result<(), Error> {
        // The target and filter as the client face would send them (a direct conversation
        // is checked as a thread would be, so that its refusals come first).
        let mut probe = upstream.clone();
        if matches!(probe.target, Target::Direct { .. }) {
            probe.target = Target::Room("probe".into());
        }
        let by_update =
            probe.filter.updated_after.is_some() || probe.filter.updated_before.is_some();
        if !by_update {
            probe.order = Order::Descending; // walked newest first, turned here
        }
        match face::messages(&probe, None, 1) {
            Ok(_) | Err(Unanswerable::Empty) => {}
            Err(u) => return Err(refuse(u)),
        }
        let no_messages =
            matches!(query.slice, Slice::Offset { limit: Some(0), .. }) && !query.want_total;
        if query.require_kind.is_some() && no_messages {
            return Err(Error::Unsupported(
                "a room's kind (a Quip thread has none)".into(),
            ));
        }
        if !query.filter.include_replies {
            return Err(Error::Unsupported(
                "a conversation without its thread replies (a Quip message names no parent)".into(),
            ));
        }
        match &query.target {
            Target::Direct {
                peer: UserRef::Id(peer) | UserRef::Username(peer),
            } => Err(Error::NotFound(Resource::User(peer.clone()))),
            _ => Ok(()),
        }
    }

    /// The page one call answers: `count` messages of the server's selection, in the
    /// query's order.
    async fn one_call(&mut self, query: &ThreadQuery, count: u32) -> Result<Page, Error> {
        let req = match face::messages(query, None, count) {
            Ok(req) => req,
            Err(Unanswerable::Empty) => return Ok(Page::default()),
            Err(u) => return Err(refuse(u)),
        };
        Ok(Page {
            messages: self.call(&req, count).await?,
            ..Page::default()
        })
    }

    /// A newest-first page below a message bound (how a SelfCommunity client pages: the
    /// bound is the oldest message of the page before). The bound's offset is the position
    /// the cursor cache remembers right after it (that page ended there), and the page is
    /// the walk's from there; the total counts the messages below the bound. A bound the
    /// cache does not know (or no longer at that position: the conversation changed) is
    /// found by walking the whole conversation (within the call budget); a bound naming no
    /// message of it is an empty page of none.
    async fn below_message(
        &mut self,
        walk: &mut Walk<'_>,
        bound: &IdBound,
        offset: u64,
        limit: Option<u64>,
        want_total: bool,
    ) -> Result<(Vec<Message>, Option<u64>), Error> {
        let skip = |after: u64| if bound.inclusive { after - 1 } else { after };
        if bound.id.is_empty() {
            return Ok((Vec::new(), Some(0)));
        }
        if let Some(after) = walk.position_after(self, &bound.id) {
            let start = skip(after);
            let got = walk
                .run(self, start.saturating_add(offset), limit, want_total)
                .await?;
            // A walk that found the position stale started again from the newest message,
            // where the bound may stand elsewhere: then the whole conversation, below.
            if walk.position_after(self, &bound.id) == Some(after) {
                return Ok((got.messages, got.total.map(|t| t.saturating_sub(start))));
            }
        }
        let whole = walk.run(self, 0, None, true).await?;
        let Some(at) = whole.messages.iter().position(|m| m.id == bound.id) else {
            return Ok((Vec::new(), Some(0)));
        };
        let below: Vec<Message> = whole
            .messages
            .into_iter()
            .skip(skip(at as u64 + 1) as usize)
            .collect();
        let total = below.len() as u64;
        let skip = usize::try_from(offset).unwrap_or(usize::MAX);
        let take = limit.map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
        Ok((
            below.into_iter().skip(skip).take(take).collect(),
            Some(total),
        ))
    }

    /// An oldest-first page: the total, then the newest-first window holding the page,
    /// turned.
    async fn oldest_first(
        &mut self,
        walk: &mut Walk<'_>,
        offset: u64,
        limit: Option<u64>,
    ) -> Result<(Vec<Message>, Option<u64>), Error> {
        let counted: Walked = walk.run(self, 0, Some(0), true).await?;
        let total = counted
            .total
            .ok_or_else(|| Error::Internal("a walk for a total ended without one".into()))?;
        let end = total.saturating_sub(offset);
        let start = limit.map_or(0, |l| end.saturating_sub(l));
        if end == start {
            return Ok((Vec::new(), Some(total)));
        }
        let mut window = walk.run(self, start, Some(end - start), false).await?;
        window.messages.reverse();
        Ok((window.messages, Some(total)))
    }
}
