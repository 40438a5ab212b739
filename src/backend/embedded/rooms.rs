//! [`Backend::rooms`](crate::backend::Backend::rooms) over the store: the rooms a member may
//! read, by the access rules of queries (members read their rooms, anyone a public channel),
//! each with its members as users.

use super::{db_error, parse_room_kind, sql};
use crate::canonical::{Error, Principal, RoomInfo, User};
use rusqlite::Connection;

/// The rooms `principal` reads as a member, in (created, id) order.
pub(super) fn readable(conn: &Connection, principal: &Principal) -> Result<Vec<RoomInfo>, Error> {
    let mut rooms = conn
        .prepare_cached(sql::READABLE_ROOMS)
        .map_err(db_error)?
        .query_map([&principal.user_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })
        .map_err(db_error)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db_error)?
        .into_iter()
        .map(|(id, kind, name, group_id, company_id, created_usec)| {
            let kind = parse_room_kind(&kind)
                .ok_or_else(|| Error::Internal(format!("room {id:?} has kind {kind:?}")))?;
            Ok(RoomInfo {
                id,
                kind,
                name,
                members: Vec::new(),
                group_id,
                company_id,
                created_usec,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let mut members = conn.prepare_cached(sql::MEMBER_USERS).map_err(db_error)?;
    for room in &mut rooms {
        room.members = members
            .query_map([&room.id], |r| {
                Ok(User {
                    id: r.get(0)?,
                    username: r.get(1)?,
                    name: r.get(2)?,
                    avatar_url: r.get(3)?,
                })
            })
            .map_err(db_error)?
            .collect::<Result<_, _>>()
            .map_err(db_error)?;
    }
    Ok(rooms)
}
