//! [`Target::Conversations`]: a listing of the caller's conversations (SelfCommunity
//! snippets), each as its latest matching message.

use super::db_error;
use super::query::{load_room, select};
use super::sql::{self, Output, Scope, Shape, Values};
use crate::canonical::{ConversationInfo, Error, Order, Page, RoomKind, Slice, ThreadQuery};
use rusqlite::Connection;

/// [`Target::Conversations`]: the caller's direct and group rooms, each as its latest
/// matching message with a [`ConversationInfo`]. Two one-row indexed reads per room.
pub(super) fn conversations(conn: &Connection, q: &ThreadQuery) -> Result<Page, Error> {
    let rooms: Vec<String> = conn
        .prepare_cached(sql::MEMBER_ROOMS)
        .map_err(db_error)?
        .query_map([&q.principal.user_id], |r| r.get(0))
        .map_err(db_error)?
        .collect::<Result<_, _>>()
        .map_err(db_error)?;
    let f = &q.filter;
    let newest = Shape {
        scope: Scope::Room,
        include_deleted: f.include_deleted,
        include_hidden: f.include_hidden,
        top_level_only: !f.include_replies,
        created_after: None,
        created_before: None,
        updated_after: None,
        updated_before: None,
        after_position: None,
        before_position: None,
        cursor: false,
        descending: true,
        output: Output::Page,
    };
    let oldest = Shape {
        descending: false,
        ..newest
    };
    let mut items = Vec::new();
    for room_id in rooms {
        let Some(room) = load_room(conn, sql::ROOM_BY_ID, &room_id)? else {
            continue;
        };
        if !matches!(room.kind, RoomKind::Direct | RoomKind::Group) {
            continue;
        }
        let values = Values {
            scope_id: room_id,
            kind_class: 0,
            limit: 1,
            ..Values::default()
        };
        let Some(last) = select(conn, &newest, &values, &room)?.into_iter().next() else {
            continue;
        };
        let first_usec = select(conn, &oldest, &values, &room)?
            .first()
            .map_or(last.created_usec, |m| m.created_usec);
        let info = ConversationInfo {
            first_usec,
            unread: false,
        };
        items.push((last, info));
    }
    items.sort_by(|(a, _), (b, _)| (a.created_usec, &a.id).cmp(&(b.created_usec, &b.id)));
    if q.order == Order::Descending {
        items.reverse();
    }
    let total = items.len() as u64;
    let (skip, take) = match &q.slice {
        Slice::Offset { offset, limit } => (
            usize::try_from(*offset).unwrap_or(usize::MAX),
            limit.map_or(usize::MAX, |l| l as usize),
        ),
        Slice::Cursor { limit, .. } => (0, *limit as usize),
    };
    let (messages, conversations) = items.into_iter().skip(skip).take(take).unzip();
    Ok(Page {
        messages,
        total: q.want_total.then_some(total),
        unreads: None,
        conversations,
    })
}
