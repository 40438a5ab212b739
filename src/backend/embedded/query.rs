//! Answering a [`ThreadQuery`] on one read connection: resolve the target and check access
//! with primary-key lookups, then one statement for the page and one for the total.

use super::rows::{message_from_row, Users};
use super::seek::{self, Seek};
use super::sql::{self, Output, Position, Scope, Shape, Values};
use super::{db_error, direct_key, marks, parse_room_kind};
use crate::canonical::{
    Access, Error, Filter, IdBound, KindFilter, Message, Order, Page, Resource, RoomKind, Slice,
    Target, ThreadQuery, Unreads, UnreadsWindow, UserRef,
};
use rusqlite::{Connection, OptionalExtension};

/// How statements are planned.
#[derive(Debug, Clone, Copy)]
pub(super) struct Plan {
    /// Read deep offsets and bounded counts through the marks ([`seek`]).
    pub marks: bool,
    /// The smallest offset worth a seek: a shorter walk costs less than the mark lookups.
    pub seek_after: i64,
}

/// The plan every query runs with.
pub(super) const PLAN: Plan = Plan {
    marks: true,
    seek_after: marks::INTERVAL,
};

/// A room a query reads.
pub(super) struct Room {
    id: String,
    pub(super) kind: RoomKind,
    company_id: Option<String>,
    group_id: Option<String>,
}

pub(super) fn load_room(conn: &Connection, sql: &str, key: &str) -> Result<Option<Room>, Error> {
    let row = conn
        .prepare_cached(sql)
        .map_err(db_error)?
        .query_row([key], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })
        .optional()
        .map_err(db_error)?;
    let Some((id, kind, company_id, group_id)) = row else {
        return Ok(None);
    };
    let kind = parse_room_kind(&kind)
        .ok_or_else(|| Error::Internal(format!("room {id:?} has unknown kind {kind:?}")))?;
    Ok(Some(Room {
        id,
        kind,
        company_id,
        group_id,
    }))
}

fn is_member(conn: &Connection, room_id: &str, user_id: &str) -> Result<bool, Error> {
    conn.prepare_cached(sql::IS_MEMBER)
        .map_err(db_error)?
        .exists([room_id, user_id])
        .map_err(db_error)
}

/// A message's room, parent and (created, id) position.
fn locate(
    conn: &Connection,
    id: &str,
) -> Result<Option<(String, Option<String>, Position)>, Error> {
    conn.prepare_cached(sql::MESSAGE_POSITION)
        .map_err(db_error)?
        .query_row([id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                Position {
                    created_usec: r.get(2)?,
                    id: id.to_owned(),
                },
            ))
        })
        .optional()
        .map_err(db_error)
}

/// Whether the caller may read `room`; `forbidden` is the error when not. Members read their
/// rooms, anyone reads channels (when `public_ok`), company admins read their company's rooms.
fn check_read(
    conn: &Connection,
    q: &ThreadQuery,
    room: &Room,
    public_ok: bool,
    forbidden: Resource,
) -> Result<(), Error> {
    let allowed = match &q.access {
        Access::CompanyAdmin(company) => room.company_id.as_deref() == Some(company.as_str()),
        Access::Member => {
            (public_ok && room.kind == RoomKind::Channel)
                || is_member(conn, &room.id, &q.principal.user_id)?
        }
    };
    if allowed {
        Ok(())
    } else {
        Err(Error::Forbidden(forbidden))
    }
}

fn resolve_user(conn: &Connection, user: &UserRef) -> Result<String, Error> {
    let (statement, key) = match user {
        UserRef::Id(id) => (sql::USER_BY_ID, id),
        UserRef::Username(name) => (sql::USER_BY_USERNAME, name),
    };
    conn.prepare_cached(statement)
        .map_err(db_error)?
        .query_row([key], |r| r.get::<_, String>(0))
        .optional()
        .map_err(db_error)?
        .ok_or_else(|| Error::NotFound(Resource::User(key.clone())))
}

/// A page with no messages, as an answer to a conversation that does not exist or a bound
/// outside it.
fn empty_page(q: &ThreadQuery) -> Page {
    Page {
        messages: Vec::new(),
        total: q.want_total.then_some(0),
        unreads: q.unreads.is_some().then_some(Unreads {
            first: None,
            not_loaded: 0,
        }),
        conversations: Vec::new(),
    }
}

/// What to scan: the room (for group ids and bounds) and the scope of the statement.
enum Resolved {
    Scan {
        room: Room,
        scope: Scope,
        scope_id: String,
    },
    Empty,
}

fn resolve_target(conn: &Connection, q: &ThreadQuery) -> Result<Resolved, Error> {
    if let Access::CompanyAdmin(company) = &q.access {
        if !q.principal.admin_of.contains(company) {
            return Err(Error::Forbidden(Resource::Company(company.clone())));
        }
    }
    let room_scan = |room: Room| Resolved::Scan {
        scope_id: room.id.clone(),
        room,
        scope: Scope::Room,
    };
    match &q.target {
        Target::Room(id) => {
            let not_found = || Error::NotFound(Resource::Room(id.clone()));
            let room = load_room(conn, sql::ROOM_BY_ID, id)?.ok_or_else(not_found)?;
            if q.require_kind.is_some_and(|k| k != room.kind) {
                return Err(not_found());
            }
            check_read(conn, q, &room, true, Resource::Room(id.clone()))?;
            Ok(room_scan(room))
        }
        Target::Direct { peer } => {
            let peer_id = resolve_user(conn, peer)?;
            let key = direct_key(&q.principal.user_id, &peer_id);
            match load_room(conn, sql::ROOM_BY_DIRECT_KEY, &key)? {
                None => Ok(Resolved::Empty),
                Some(room) => {
                    check_read(conn, q, &room, true, Resource::Room(room.id.clone()))?;
                    Ok(room_scan(room))
                }
            }
        }
        Target::Group(gid) => {
            let room = load_room(conn, sql::ROOM_BY_GROUP, gid)?
                .ok_or_else(|| Error::NotFound(Resource::Group(gid.clone())))?;
            check_read(conn, q, &room, false, Resource::Group(gid.clone()))?;
            Ok(room_scan(room))
        }
        Target::Conversations => Err(Error::Internal(
            "conversation listings are answered by `conversations`".into(),
        )),
        Target::Replies(mid) => {
            let (room_id, _, _) = locate(conn, mid)?
                .ok_or_else(|| Error::NotFound(Resource::Message(mid.clone())))?;
            let room = load_room(conn, sql::ROOM_BY_ID, &room_id)?
                .ok_or_else(|| Error::Internal(format!("message {mid:?} has no room")))?;
            check_read(conn, q, &room, true, Resource::Room(room_id))?;
            Ok(Resolved::Scan {
                room,
                scope: Scope::Replies,
                scope_id: mid.clone(),
            })
        }
    }
}

/// The position of a message bound; `None` when the message is not in `room_id`.
fn bound_position(conn: &Connection, room_id: &str, id: &str) -> Result<Option<Position>, Error> {
    Ok(match locate(conn, id)? {
        Some((room, _, position)) if room == room_id => Some(position),
        _ => None,
    })
}

/// The total of an offset page that ended before its limit: the offset plus what it holds,
/// without counting again (`None` when the page is full, or empty past the first row).
fn total_of_short_page(slice: &Slice, len: usize) -> Option<u64> {
    let Slice::Offset { offset, limit } = slice else {
        return None;
    };
    let short = limit.map_or(true, |l| (len as u64) < u64::from(l));
    (short && (len > 0 || *offset == 0)).then(|| offset.saturating_add(len as u64))
}

/// The most messages a page may ask for to be read on the async thread.
const INLINE_LIMIT: u32 = 100;

/// Whether the work of answering `q` is bounded and small whatever the store holds: a page of
/// at most [`INLINE_LIMIT`] messages whose bounds are all positions (so that any offset is
/// read through the marks) of one conversation. Those are read without a blocking-thread hop.
pub(super) fn bounded(q: &ThreadQuery) -> bool {
    let limit = match &q.slice {
        Slice::Offset {
            limit: Some(limit), ..
        }
        | Slice::Cursor { limit, .. } => *limit,
        Slice::Offset { limit: None, .. } => return false,
    };
    limit <= INLINE_LIMIT
        && q.filter.updated_after.is_none()
        && q.filter.updated_before.is_none()
        && q.target != Target::Conversations
}

/// Answers `q` on `conn`, every statement in one read transaction (one snapshot of the
/// store, even while an import commits).
pub(super) fn run(conn: &Connection, q: &ThreadQuery) -> Result<Page, Error> {
    run_with(conn, q, &PLAN)
}

/// [`run`] with another plan (tests compare plans).
pub(super) fn run_with(conn: &Connection, q: &ThreadQuery, plan: &Plan) -> Result<Page, Error> {
    let snapshot = conn.unchecked_transaction().map_err(db_error)?;
    let page = answer(&snapshot, q, plan);
    snapshot.rollback().map_err(db_error)?;
    page
}

fn answer(conn: &Connection, q: &ThreadQuery, plan: &Plan) -> Result<Page, Error> {
    if q.target == Target::Conversations {
        return super::conversations::conversations(conn, q);
    }
    let (room, scope, scope_id) = match resolve_target(conn, q)? {
        Resolved::Scan {
            room,
            scope,
            scope_id,
        } => (room, scope, scope_id),
        Resolved::Empty => return Ok(empty_page(q)),
    };
    let Some(positions) = message_bounds(conn, &q.filter, &room.id)? else {
        return Ok(empty_page(q));
    };
    let window = slice_window(conn, &q.slice, &room.id)?;
    let shape = page_shape(q, scope, window.cursor.is_some());
    let values = page_values(&q.filter, scope_id, positions, window);
    let messages = page(conn, &shape, &values, &room, plan)?;
    let total = page_total(conn, q, &shape, &values, messages.len(), plan)?;
    let unreads = match &q.unreads {
        Some(window) => {
            let statement = (&shape, &values);
            Some(unreads(conn, statement, window, &messages, &room, plan)?)
        }
        None => None,
    };
    Ok(Page {
        messages,
        total,
        unreads,
        conversations: Vec::new(),
    })
}

/// The positions of the filter's `after_message` and `before_message` bounds, in that order;
/// `None` when a bound is not a message of `room_id` (the page is then empty).
fn message_bounds(
    conn: &Connection,
    f: &Filter,
    room_id: &str,
) -> Result<Option<[Option<Position>; 2]>, Error> {
    let mut positions = [None, None];
    for (slot, bound) in positions
        .iter_mut()
        .zip([&f.after_message, &f.before_message])
    {
        if let Some(IdBound { id, .. }) = bound {
            match bound_position(conn, room_id, id)? {
                Some(p) => *slot = Some(p),
                None => return Ok(None),
            }
        }
    }
    Ok(Some(positions))
}

/// The part of the matching messages a page statement returns, as bound values.
struct Window {
    cursor: Option<Position>,
    /// -1 = no limit.
    limit: i64,
    offset: i64,
}

/// The [`Window`] of `slice`; a cursor must be a message of `room_id`.
fn slice_window(conn: &Connection, slice: &Slice, room_id: &str) -> Result<Window, Error> {
    Ok(match slice {
        Slice::Offset { offset, limit } => Window {
            cursor: None,
            limit: limit.map_or(-1, i64::from),
            offset: i64::try_from(*offset).unwrap_or(i64::MAX),
        },
        Slice::Cursor { after, limit } => {
            let cursor = match after {
                Some(id) => Some(bound_position(conn, room_id, id)?.ok_or_else(|| {
                    Error::invalid("cursor", id, "not a message of this conversation")
                })?),
                None => None,
            };
            Window {
                cursor,
                limit: i64::from(*limit),
                offset: 0,
            }
        }
    })
}

/// The clauses of the page statement for `q`.
fn page_shape(q: &ThreadQuery, scope: Scope, cursor: bool) -> Shape {
    let f = &q.filter;
    Shape {
        scope,
        include_deleted: f.include_deleted,
        include_hidden: f.include_hidden,
        top_level_only: !f.include_replies,
        created_after: f.created_after.map(|b| b.inclusive),
        created_before: f.created_before.map(|b| b.inclusive),
        updated_after: f.updated_after.map(|b| b.inclusive),
        updated_before: f.updated_before.map(|b| b.inclusive),
        after_position: f.after_message.as_ref().map(|b| b.inclusive),
        before_position: f.before_message.as_ref().map(|b| b.inclusive),
        cursor,
        descending: q.order == Order::Descending,
        output: Output::Page,
    }
}

/// The values bound to the page statement's clauses.
fn page_values(
    f: &Filter,
    scope_id: String,
    [after_position, before_position]: [Option<Position>; 2],
    window: Window,
) -> Values {
    Values {
        scope_id,
        kind_class: match f.kind {
            KindFilter::Messages => 0,
            KindFilter::Edits => 1,
        },
        created_after: f.created_after.map_or(0, |b| b.usec),
        created_before: f.created_before.map_or(0, |b| b.usec),
        updated_after: f.updated_after.map_or(0, |b| b.usec),
        updated_before: f.updated_before.map_or(0, |b| b.usec),
        after_position,
        before_position,
        cursor: window.cursor,
        limit: window.limit,
        offset: window.offset,
    }
}

/// The total when `q` wants one: known from a short page, else counted without the slice.
fn page_total(
    conn: &Connection,
    q: &ThreadQuery,
    shape: &Shape,
    values: &Values,
    len: usize,
    plan: &Plan,
) -> Result<Option<u64>, Error> {
    if !q.want_total {
        return Ok(None);
    }
    if let Some(n) = total_of_short_page(&q.slice, len) {
        return Ok(Some(n));
    }
    let count_shape = Shape {
        output: Output::Count,
        cursor: false,
        ..*shape
    };
    Ok(Some(count(conn, &count_shape, values, plan)?))
}

/// The messages strictly between `filter.created_after` and the oldest returned message,
/// under the same target, kind, status and replies filter.
fn unreads(
    conn: &Connection,
    (shape, values): (&Shape, &Values),
    window: &UnreadsWindow,
    messages: &[Message],
    room: &Room,
    plan: &Plan,
) -> Result<Unreads, Error> {
    let none = Unreads {
        first: None,
        not_loaded: 0,
    };
    let Some(bound) = window.after else {
        return Ok(none);
    };
    let Some(oldest) = messages.iter().map(|m| m.created_usec).min() else {
        return Ok(none);
    };
    if !bound.admits_after(oldest) {
        return Ok(none);
    }
    let upper = oldest - oldest.rem_euclid(window.resolution_usec.max(1));
    let between = Shape {
        created_after: Some(bound.inclusive),
        created_before: Some(false),
        updated_after: None,
        updated_before: None,
        after_position: None,
        before_position: None,
        cursor: false,
        descending: false,
        output: Output::Count,
        ..*shape
    };
    let values = Values {
        created_after: bound.usec,
        created_before: upper,
        limit: 1,
        offset: 0,
        ..values.clone()
    };
    let not_loaded = count(conn, &between, &values, plan)?;
    let first = if not_loaded == 0 {
        None
    } else {
        let first_shape = Shape {
            output: Output::Page,
            ..between
        };
        select(conn, &first_shape, &values, room)?
            .into_iter()
            .next()
    };
    Ok(Unreads { first, not_loaded })
}

/// The messages of a page statement, reading deep offsets through the marks.
fn page(
    conn: &Connection,
    shape: &Shape,
    values: &Values,
    room: &Room,
    plan: &Plan,
) -> Result<Vec<Message>, Error> {
    if plan.marks {
        match seek::page(conn, shape, values, plan.seek_after)? {
            Some(Seek::Statement(shape, values)) => return select(conn, &shape, &values, room),
            Some(Seek::Empty) => return Ok(Vec::new()),
            None => {}
        }
    }
    select(conn, shape, values, room)
}

/// The messages of a page statement of `room`.
pub(super) fn select(
    conn: &Connection,
    shape: &Shape,
    values: &Values,
    room: &Room,
) -> Result<Vec<Message>, Error> {
    let statement = sql::build(shape, values);
    let mut prepared = conn.prepare_cached(&statement.sql).map_err(db_error)?;
    let mut rows = prepared
        .query(statement.bound().as_slice())
        .map_err(db_error)?;
    let mut out = Vec::with_capacity(usize::try_from(values.limit).map_or(16, |l| l.min(256)));
    let mut users = Users::default();
    let group_id = room.group_id.as_deref();
    while let Some(row) = rows.next().map_err(db_error)? {
        out.push(message_from_row(conn, &mut users, row, &room.id, group_id)?);
    }
    Ok(out)
}

/// The number of messages matching a count statement: a sum over `message_counts` when the
/// shape has no time or position bound, else read through the marks, else a count over the
/// messages.
fn count(conn: &Connection, shape: &Shape, values: &Values, plan: &Plan) -> Result<u64, Error> {
    let statement = if sql::counted_by_table(shape) {
        sql::build_table_count(shape, values)
    } else {
        if plan.marks {
            if let Some(n) = seek::count(conn, shape, values)? {
                return Ok(n);
            }
        }
        sql::build(shape, values)
    };
    Ok(u64::try_from(seek::count_rows(conn, &statement)?).unwrap_or(0))
}

#[cfg(test)]
mod short_page_tests {
    use super::{bounded, total_of_short_page, Slice};
    use crate::canonical::{Principal, Target, ThreadQuery, TimeBound};

    #[test]
    fn only_small_pages_bounded_by_positions_are_read_inline() {
        let who = Principal {
            user_id: "u".into(),
            username: "u".into(),
            admin_of: Vec::new(),
        };
        let page = |limit| {
            let mut q = ThreadQuery::new(who.clone(), Target::Room("r".into()));
            q.slice = Slice::Offset {
                offset: 900_000,
                limit,
            };
            q.filter.created_before = Some(TimeBound::inclusive(5));
            q
        };
        assert!(bounded(&page(Some(100))));
        assert!(!bounded(&page(Some(101))));
        assert!(!bounded(&page(None)));
        let mut updated = page(Some(20));
        updated.filter.updated_after = Some(TimeBound::inclusive(1));
        assert!(!bounded(&updated));
        let mut listing = page(Some(20));
        listing.target = Target::Conversations;
        assert!(!bounded(&listing));
        let mut cursor = page(Some(20));
        cursor.slice = Slice::Cursor {
            after: None,
            limit: 25,
        };
        assert!(bounded(&cursor));
    }

    #[test]
    fn only_a_page_that_ended_early_knows_its_total() {
        let offset = |offset, limit| Slice::Offset { offset, limit };
        assert_eq!(total_of_short_page(&offset(0, Some(50)), 6), Some(6));
        assert_eq!(total_of_short_page(&offset(0, Some(50)), 0), Some(0));
        assert_eq!(total_of_short_page(&offset(40, Some(50)), 6), Some(46));
        assert_eq!(total_of_short_page(&offset(0, None), 120), Some(120));
        // Full: more may follow. Empty past the start: the offset may overshoot.
        assert_eq!(total_of_short_page(&offset(0, Some(50)), 50), None);
        assert_eq!(total_of_short_page(&offset(60, Some(50)), 0), None);
        let cursor = Slice::Cursor {
            after: None,
            limit: 50,
        };
        assert_eq!(total_of_short_page(&cursor, 6), None);
    }
}
