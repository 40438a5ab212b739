//! The caller's conversations as canonical rooms (`Backend::rooms`, what
//! `threadgate import --from selfcommunity` copies): `GET /api/v2/pm/` with no target lists
//! them as snippets, one per conversation with its latest message, newest first; every
//! window after the first is the `next` link of the one before.
//!
//! What a snippet tells of its conversation:
//! - the id (the `thread` of its messages) and when its first message was created;
//! - a direct conversation (a snippet with a `receiver`): its two users, the sender and the
//!   receiver of the latest message;
//! - a group conversation (no `receiver`): nothing of the group. Its newest message names
//!   it (`group.id`, `group.name`: one more call per group conversation); SelfCommunity
//!   lists no group's members, so the members are the callers who list it.

use super::plan::Planner;
use crate::canonical::{
    Error, Filter, Order, Principal, RoomInfo, RoomKind, Slice, Target, ThreadQuery, User,
};
use crate::dialect::selfcommunity::client::{self as face, Window};
use crate::dialect::selfcommunity::fields::EXTRA;

/// Every conversation `principal` reads, in (created, id) order.
pub(super) async fn rooms(
    planner: &mut Planner<'_>,
    principal: &Principal,
) -> Result<Vec<RoomInfo>, Error> {
    let mut listing = ThreadQuery::new(principal.clone(), Target::Conversations);
    listing.filter = Filter {
        include_hidden: true,
        ..Filter::default()
    };
    listing.order = Order::Descending;
    listing.slice = Slice::Offset {
        offset: 0,
        limit: None,
    };
    let page = planner.answer(&listing).await?;
    if page.conversations.len() != page.messages.len() {
        return Err(Error::BadBackendAnswer(
            "selfcommunity /api/v2/pm/: snippets without their conversations".into(),
        ));
    }
    let caller = User {
        id: principal.user_id.clone(),
        username: principal.username.clone(),
        name: None,
        avatar_url: None,
    };
    let mut out: Vec<RoomInfo> = Vec::with_capacity(page.messages.len());
    for (latest, info) in page.messages.into_iter().zip(page.conversations) {
        if out.iter().any(|r| r.id == latest.room_id) {
            return Err(Error::BadBackendAnswer(format!(
                "selfcommunity /api/v2/pm/: conversation {} listed twice",
                latest.room_id
            )));
        }
        let mut room = RoomInfo {
            id: latest.room_id.clone(),
            kind: RoomKind::Direct,
            name: None,
            members: Vec::new(),
            group_id: None,
            company_id: None,
            created_usec: info.first_usec,
        };
        match latest.recipient {
            Some(receiver) => {
                room.members = vec![latest.author, receiver];
                room.members.sort_by(|a, b| a.id.cmp(&b.id));
                room.members.dedup_by(|a, b| a.id == b.id);
            }
            None => {
                let (group_id, name) = group_of(planner, principal, &room.id).await?;
                room.kind = RoomKind::Group;
                room.group_id = Some(group_id);
                room.name = name;
                room.members = vec![caller.clone()];
            }
        }
        out.push(room);
    }
    out.sort_by(|a, b| (a.created_usec, &a.id).cmp(&(b.created_usec, &b.id)));
    Ok(out)
}

/// The group a group conversation belongs to, and its name, off its newest message.
async fn group_of(
    planner: &mut Planner<'_>,
    principal: &Principal,
    room: &str,
) -> Result<(String, Option<String>), Error> {
    let mut newest = ThreadQuery::new(principal.clone(), Target::Room(room.to_owned()));
    newest.filter.include_hidden = true;
    newest.filter.include_replies = true;
    newest.order = Order::Descending;
    let one = Window {
        offset: 0,
        limit: 1,
    };
    let req = face::pm(&newest, one).map_err(Error::from)?;
    let got = planner.call(&req, face::decode_page).await?;
    let Some(m) = got.page.messages.first() else {
        return Err(Error::BadBackendAnswer(format!(
            "selfcommunity /api/v2/pm/: conversation {room} is listed but has no messages"
        )));
    };
    let Some(group) = &m.group_id else {
        return Err(Error::BadBackendAnswer(format!(
            "selfcommunity /api/v2/pm/: the snippet of conversation {room} names no receiver \
             and its newest message no group"
        )));
    };
    let name = m
        .extra
        .get(EXTRA)
        .and_then(|e| e.get("group"))
        .and_then(|g| g.get("name"))
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned);
    Ok((group.clone(), name))
}
