//! `rooms.get` → the caller's rooms: `update`, each with `_id`, `t` and `ts`; `name` (then
//! `fname`) of channels and groups; the members of direct rooms from `uids` and `usernames`
//! (in that order, paired). Rooms of other kinds (omnichannel `l`, `v`, ...) have no history
//! route here and are left out. Rocket.Chat lists no members of channels and groups: they
//! come back without members (the backend adds the caller, whose rooms they are).

use super::answer::{bad, success_object, Answer};
use super::message::{object, opt_string, string, Invalid};
use super::request::Request;
use crate::canonical::{Error, RoomInfo, RoomKind, User};
use crate::dialect::rocketchat::fields::parse_date;
use serde_json::{Map, Value};

/// The most rooms one answer may list.
pub const MAX_ROOMS: usize = 100_000;

/// The rooms of a `rooms.get` answer, in the server's order.
pub fn decode_rooms(req: &Request, ans: &Answer<'_>) -> Result<Vec<RoomInfo>, Error> {
    let map = success_object(req, ans)?;
    rooms(&map).map_err(|e| bad(req.route, e))
}

fn rooms(map: &Map<String, Value>) -> Result<Vec<RoomInfo>, Invalid> {
    let list = map
        .get("update")
        .and_then(Value::as_array)
        .ok_or_else(|| "update: expected an array".to_owned())?;
    if list.len() > MAX_ROOMS {
        return Err(format!("{} rooms is over the bound", list.len()));
    }
    let mut out = Vec::with_capacity(list.len());
    for (i, v) in list.iter().enumerate() {
        if let Some(room) = room(v, &format!("update[{i}]"))? {
            out.push(room);
        }
    }
    Ok(out)
}

/// A list of strings at `key` (absent: empty).
fn strings(m: &Map<String, Value>, key: &str, at: &str) -> Result<Vec<String>, Invalid> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("{at}.{key}[{i}]: expected a string"))
            })
            .collect(),
        Some(_) => Err(format!("{at}.{key}: expected an array")),
    }
}

fn room(v: &Value, at: &str) -> Result<Option<RoomInfo>, Invalid> {
    let m = object(v, at)?;
    let kind = match string(m, "t", at)?.as_str() {
        "c" => RoomKind::Channel,
        "p" => RoomKind::Group,
        "d" => RoomKind::Direct,
        _ => return Ok(None),
    };
    let id = string(m, "_id", at)?;
    let ts = string(m, "ts", at)?;
    let created_usec = parse_date(&ts).ok_or_else(|| format!("{at}.ts: not a date"))?;
    let name = match opt_string(m, "name", at)? {
        Some(name) => Some(name),
        None => opt_string(m, "fname", at)?,
    };
    let mut members = Vec::new();
    if kind == RoomKind::Direct {
        let uids = strings(m, "uids", at)?;
        let usernames = strings(m, "usernames", at)?;
        if uids.is_empty() || uids.len() != usernames.len() || uids.len() > 2 {
            return Err(format!(
                "{at}: a direct room needs one or two uids paired with usernames"
            ));
        }
        members = uids
            .into_iter()
            .zip(usernames)
            .map(|(id, username)| User {
                id,
                username,
                name: None,
                avatar_url: None,
            })
            .collect();
    }
    Ok(Some(RoomInfo {
        id,
        kind,
        name: if kind == RoomKind::Direct { None } else { name },
        members,
        group_id: None,
        company_id: None,
        created_usec,
    }))
}

#[cfg(test)]
mod tests {
    use super::super::request::rooms_get;
    use super::*;
    use crate::dialect::rocketchat::rooms_get::encode_rooms;

    fn user(id: &str, username: &str) -> User {
        User {
            id: id.into(),
            username: username.into(),
            name: None,
            avatar_url: None,
        }
    }

    #[test]
    fn what_the_server_face_writes_reads_back() {
        let rooms = vec![
            RoomInfo {
                id: "C1".into(),
                kind: RoomKind::Channel,
                name: Some("general".into()),
                members: Vec::new(),
                group_id: None,
                company_id: None,
                created_usec: 1_700_000_000_123_000,
            },
            RoomInfo {
                id: "D1".into(),
                kind: RoomKind::Direct,
                name: None,
                members: vec![user("u1", "ana"), user("u2", "bo")],
                group_id: None,
                company_id: None,
                created_usec: 1_700_000_000_000_000,
            },
        ];
        let mut body = Vec::new();
        encode_rooms(&mut body, &rooms);
        let got = decode_rooms(&rooms_get(), &Answer::new(200, &body, 0)).expect("decodes");
        assert_eq!(got, rooms);
    }

    #[test]
    fn other_kinds_are_left_out_and_bad_rooms_named() {
        let ok = br#"{"update":[{"_id":"L1","t":"l","ts":"2024-01-01T00:00:00.000Z"}],"remove":[],"success":true}"#;
        assert_eq!(
            decode_rooms(&rooms_get(), &Answer::new(200, ok, 0)),
            Ok(Vec::new())
        );
        let bad = br#"{"update":[{"_id":"D1","t":"d","ts":"2024-01-01T00:00:00.000Z","uids":["a","b","c"],"usernames":["a","b","c"]}],"success":true}"#;
        let err = decode_rooms(&rooms_get(), &Answer::new(200, bad, 0)).expect_err("refused");
        assert!(
            matches!(&err, Error::BadBackendAnswer(w) if w.contains("update[0]")),
            "{err:?}"
        );
        let e401 = br#"{"status":"error","message":"You must be logged in to do this."}"#;
        assert!(matches!(
            decode_rooms(&rooms_get(), &Answer::new(401, e401, 0)),
            Err(Error::Unauthenticated(_))
        ));
    }
}
