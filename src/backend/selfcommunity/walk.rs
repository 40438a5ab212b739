//! Queries `GET /api/v2/pm/` cannot select itself, answered exactly by walking: the
//! conversation newest first through the server's `next` links (within the call budget),
//! as far as the answer needs (to the end for a total, an oldest-first page or a message
//! bound; else until the page is full or past `created_after`), then the query's filter,
//! order, total and slice applied here.
//!
//! Walkable: a conversation (thread, direct conversation by peer id, group) read as a
//! member, for messages (no edit records) without deleted ones (which SelfCommunity never
//! returns) and without unreads or update-time bounds (which it carries no data for). The
//! rest is refused with what the client face named.

use super::plan::{Planner, Want};
use crate::canonical::{
    Access, Error, Filter, KindFilter, Message, MessageStatus, Order, Page, Slice, Target,
    ThreadQuery, UserRef,
};
use crate::dialect::selfcommunity::client::{
    self as face, Request, Unanswerable, Window, MAX_LIMIT,
};

/// The newest-first query of every message of `query`'s conversation, or the refusal
/// (`what`: why the client face could not send `query` itself).
pub(super) fn base_query(query: &ThreadQuery, what: &str) -> Result<ThreadQuery, Error> {
    let refuse = |why: &str| Err(Error::Unsupported(why.to_owned()));
    let f = &query.filter;
    match &query.target {
        Target::Room(_)
        | Target::Group(_)
        | Target::Direct {
            peer: UserRef::Id(_),
        } => {}
        _ => return refuse(what),
    }
    if query.access != Access::Member {
        return refuse("company-admin access");
    }
    if query.require_kind.is_some() {
        return refuse(what);
    }
    if query.unreads.is_some() {
        return refuse("unreads (SelfCommunity keeps no read marks the gateway can see)");
    }
    if f.kind != KindFilter::Messages {
        return refuse("edit records");
    }
    if f.include_deleted {
        return refuse("deleted messages (SelfCommunity never returns them)");
    }
    if f.updated_after.is_some() || f.updated_before.is_some() {
        return refuse("bounds on update times");
    }
    let mut base = ThreadQuery::new(query.principal.clone(), query.target.clone());
    base.filter = Filter {
        include_hidden: true,
        include_replies: true,
        ..Filter::default()
    };
    base.order = Order::Descending;
    base.slice = Slice::Offset {
        offset: 0,
        limit: None,
    };
    Ok(base)
}

/// The messages of `base` newest first, then `query`'s filter, order and slice. Without
/// message bounds (which need the whole conversation to place them) the walk stops early:
/// past `created_after` (every later message is older), and, for a newest-first page
/// without a total, once the page is full.
pub(super) async fn walked(
    planner: &mut Planner<'_>,
    query: &ThreadQuery,
    base: &ThreadQuery,
    want: Want,
) -> Result<Page, Error> {
    let first = Window {
        offset: 0,
        limit: MAX_LIMIT,
    };
    let req = match face::pm(base, first) {
        Ok(req) => req,
        Err(Unanswerable::Answer(e)) => return Err(e),
        Err(other) => return Err(Error::Internal(other.to_string())),
    };
    let f = &query.filter;
    let skip = usize::try_from(want.offset).unwrap_or(usize::MAX);
    let take = want.limit.map_or(usize::MAX, |l| l as usize);
    let mut kept = if f.before_message.is_some() || f.after_message.is_some() {
        let all = collect(planner, req, &Filter::default(), false, None).await?;
        filtered(all, f)
    } else {
        let enough = (query.order == Order::Descending && !query.want_total)
            .then(|| skip.saturating_add(take))
            .filter(|n| *n < usize::MAX);
        collect(planner, req, f, true, enough).await?
    };
    if query.order == Order::Ascending {
        kept.reverse();
    }
    let total = kept.len() as u64;
    Ok(Page {
        messages: kept.into_iter().skip(skip).take(take).collect(),
        total: query.want_total.then_some(total),
        unreads: None,
        conversations: Vec::new(),
    })
}

/// The conversation newest first from `req` on, through the `next` links: with `filter`,
/// the messages it admits (no message bounds), stopping past its `created_after` and once
/// `enough` are kept; without, every message.
async fn collect(
    planner: &mut Planner<'_>,
    mut req: Request,
    f: &Filter,
    filter: bool,
    enough: Option<usize>,
) -> Result<Vec<Message>, Error> {
    let mut out = Vec::new();
    loop {
        let got = planner.call(&req, face::decode_page).await?;
        let n = got.page.messages.len();
        let mut past = false;
        for m in got.page.messages.into_iter().rev() {
            if !filter || admits(f, &m) {
                out.push(m);
            } else if f
                .created_after
                .is_some_and(|b| !b.admits_after(m.created_usec))
            {
                past = true;
                break;
            }
        }
        if let Some(e) = enough.filter(|e| out.len() >= *e) {
            out.truncate(e);
            break;
        }
        match got.next {
            Some(link) if n > 0 && !past => req = face::follow(&req, &link)?,
            _ => break,
        }
    }
    Ok(out)
}

/// Whether `f` admits `m`, message bounds aside.
fn admits(f: &Filter, m: &Message) -> bool {
    (f.include_hidden || m.status != MessageStatus::Hidden)
        && m.status != MessageStatus::Deleted
        && f.created_after
            .map_or(true, |b| b.admits_after(m.created_usec))
        && f.created_before.map_or(true, |b| {
            if b.inclusive {
                m.created_usec <= b.usec
            } else {
                m.created_usec < b.usec
            }
        })
}

/// The messages of `newest_first` (a whole conversation, newest first) that `f` admits,
/// in the same order. A message bound naming no message of the conversation admits none.
fn filtered(newest_first: Vec<Message>, f: &Filter) -> Vec<Message> {
    let position = |id: &str| newest_first.iter().position(|m| m.id == id);
    // Positions count from the newest (0): "before" a message is a larger position.
    let mut range = 0..newest_first.len();
    if let Some(b) = &f.before_message {
        match position(&b.id) {
            Some(i) => range.start = if b.inclusive { i } else { i + 1 },
            None => return Vec::new(),
        }
    }
    if let Some(a) = &f.after_message {
        match position(&a.id) {
            Some(i) => range.end = range.end.min(if a.inclusive { i + 1 } else { i }),
            None => return Vec::new(),
        }
    }
    newest_first
        .into_iter()
        .enumerate()
        .filter(|(i, m)| range.contains(i) && admits(f, m))
        .map(|(_, m)| m)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::{IdBound, TimeBound, User};

    fn conversation() -> Vec<Message> {
        let u = User {
            id: "1".into(),
            username: "a".into(),
            name: None,
            avatar_url: None,
        };
        // Newest first: ids 5..1, created 50..10; 3 is hidden.
        (1..=5)
            .rev()
            .map(|n| Message {
                status: if n == 3 {
                    MessageStatus::Hidden
                } else {
                    MessageStatus::Visible
                },
                ..Message::new(&n.to_string(), "9", u.clone(), n * 10)
            })
            .collect()
    }

    fn ids(f: &Filter) -> Vec<String> {
        filtered(conversation(), f)
            .into_iter()
            .map(|m| m.id)
            .collect()
    }

    #[test]
    fn the_filter_is_the_canonical_one() {
        let all = Filter {
            include_hidden: true,
            ..Filter::default()
        };
        assert_eq!(ids(&all), ["5", "4", "3", "2", "1"]);
        assert_eq!(ids(&Filter::default()), ["5", "4", "2", "1"]);
        let times = Filter {
            created_after: Some(TimeBound::exclusive(10)),
            created_before: Some(TimeBound::inclusive(40)),
            ..all.clone()
        };
        assert_eq!(ids(&times), ["4", "3", "2"]);
        let bounds = Filter {
            before_message: Some(IdBound {
                id: "5".into(),
                inclusive: false,
            }),
            after_message: Some(IdBound {
                id: "2".into(),
                inclusive: false,
            }),
            ..all.clone()
        };
        assert_eq!(ids(&bounds), ["4", "3"]);
        let inclusive = Filter {
            before_message: Some(IdBound {
                id: "4".into(),
                inclusive: true,
            }),
            after_message: Some(IdBound {
                id: "2".into(),
                inclusive: true,
            }),
            ..Filter::default()
        };
        assert_eq!(ids(&inclusive), ["4", "2"]);
        let elsewhere = Filter {
            before_message: Some(IdBound {
                id: "77".into(),
                inclusive: false,
            }),
            ..all
        };
        assert!(ids(&elsewhere).is_empty());
    }
}
