//! Queries → calls, checked against the server face's own decoder: a query the server face
//! decoded, sent through the client face and decoded again, is the same query.

use super::*;
use crate::canonical::{
    Access, Credential, Error, IdBound, Order, Resource, RoomKind, Slice, TimeBound, UnreadsWindow,
    UserRef,
};
use crate::dialect::rocketchat::endpoints::{dm, thread};
use crate::dialect::rocketchat::profile::V7;
use proptest::prelude::*;

fn window_of(q: &ThreadQuery) -> Window {
    match q.slice {
        Slice::Offset { offset, limit } => Window {
            offset,
            count: limit.unwrap_or(0),
        },
        Slice::Cursor { limit, .. } => Window {
            offset: 0,
            count: limit,
        },
    }
}

fn query_string(r: &Request) -> String {
    r.path_and_query()
        .split_once('?')
        .map(|(_, q)| q.to_owned())
        .unwrap_or_default()
}

#[test]
fn thread_call() {
    let mut q = ThreadQuery::new(principal(), Target::Replies("root 1&x".to_owned()));
    q.order = Order::Descending;
    let r = history(
        &q,
        None,
        Window {
            offset: 20,
            count: 10,
        },
    )
    .unwrap();
    assert_eq!(r.route, Route::ThreadMessages);
    assert_eq!(r.method(), http::Method::GET);
    assert_eq!(r.subject, "root 1&x");
    assert_eq!(
        r.path_and_query(),
        "/api/v1/chat.getThreadMessages?tmid=root+1%26x&offset=20&count=10&sort=%7B%22ts%22%3A-1%7D"
    );
    q.filter.created_after = Some(TimeBound::inclusive(0));
    assert_eq!(
        history(
            &q,
            None,
            Window {
                offset: 0,
                count: 1
            }
        ),
        Err(Unanswerable::Unsupported("a filtered thread"))
    );
}

#[test]
fn routes_by_room_kind() {
    let mut q = ThreadQuery::new(principal(), Target::Room("R1".to_owned()));
    q.order = Order::Descending;
    let w = Window {
        offset: 0,
        count: 5,
    };
    assert_eq!(
        history(&q, None, w),
        Err(Unanswerable::RoomKindNeeded("R1".to_owned()))
    );
    for (kind, path) in [
        (RoomKind::Direct, "/api/v1/dm.history"),
        (RoomKind::Group, "/api/v1/groups.history"),
        (RoomKind::Channel, "/api/v1/channels.history"),
    ] {
        let r = history(&q, Some(kind), w).unwrap();
        assert_eq!(
            r.path_and_query(),
            format!("{path}?roomId=R1&offset=0&count=5")
        );
    }
    assert!(matches!(
        history(&q, Some(RoomKind::Document), w),
        Err(Unanswerable::Unsupported(_))
    ));
    q.require_kind = Some(RoomKind::Direct);
    assert_eq!(history(&q, None, w).unwrap().route, Route::DmHistory);
    assert_eq!(
        history(&q, Some(RoomKind::Channel), w),
        Err(Unanswerable::Answer(Error::NotFound(Resource::Room(
            "R1".to_owned()
        ))))
    );
    let e: Error = Unanswerable::RoomKindNeeded("R1".to_owned()).into();
    assert!(matches!(e, Error::Internal(_)));
}

#[test]
fn what_no_route_expresses() {
    let w = Window {
        offset: 0,
        count: 5,
    };
    let base = || {
        let mut q = ThreadQuery::new(principal(), Target::Room("R1".to_owned()));
        q.order = Order::Descending;
        q
    };
    let mut cases: Vec<ThreadQuery> = Vec::new();
    let mut q = base();
    q.order = Order::Ascending;
    cases.push(q);
    let mut q = base();
    q.filter.updated_after = Some(TimeBound::inclusive(1));
    cases.push(q);
    let mut q = base();
    q.filter.before_message = Some(IdBound {
        id: "m".to_owned(),
        inclusive: false,
    });
    cases.push(q);
    let mut q = base();
    q.filter.include_deleted = true;
    cases.push(q);
    let mut q = base();
    q.access = Access::CompanyAdmin("c".to_owned());
    cases.push(q);
    let mut q = base();
    q.target = Target::Conversations;
    cases.push(q);
    let mut q = base();
    q.unreads = Some(UnreadsWindow {
        after: Some(TimeBound::inclusive(5_000)),
        resolution_usec: 1000,
    });
    cases.push(q);
    for q in cases {
        assert!(
            matches!(
                history(&q, Some(RoomKind::Group), w),
                Err(Unanswerable::Unsupported(_))
            ),
            "{q:?}"
        );
    }
}

#[test]
fn direct_peer_goes_to_the_server_as_named() {
    for peer in [
        UserRef::Id("bob id".to_owned()),
        UserRef::Username("bob".to_owned()),
    ] {
        let mut q = ThreadQuery::new(principal(), Target::Direct { peer: peer.clone() });
        q.order = Order::Descending;
        let r = history(
            &q,
            None,
            Window {
                offset: 0,
                count: 1,
            },
        )
        .unwrap();
        let (UserRef::Id(name) | UserRef::Username(name)) = &peer;
        assert_eq!(r.route, Route::DmHistory);
        assert_eq!(r.query[0], ("roomId", name.clone()));
    }
}

#[test]
fn me_rooms_info_and_credentials() {
    assert_eq!(me().path_and_query(), "/api/v1/me");
    assert_eq!(
        rooms_info("R 1").path_and_query(),
        "/api/v1/rooms.info?roomId=R+1"
    );
    let cred = Credential::UserToken {
        user_id: "u1".to_owned(),
        token: "t0k".to_owned(),
    };
    assert_eq!(
        auth_headers(&cred).unwrap(),
        [("x-user-id", "u1"), ("x-auth-token", "t0k")]
    );
    let bearer = Credential::Bearer {
        token: "b".to_owned(),
    };
    assert!(matches!(
        auth_headers(&bearer),
        Err(Error::Unauthenticated(_))
    ));
}

#[test]
fn windows_split_long_pages() {
    assert_eq!(windows(10, 0, 100, 3).unwrap(), []);
    assert_eq!(
        windows(10, 250, 100, 3).unwrap(),
        [
            Window {
                offset: 10,
                count: 100
            },
            Window {
                offset: 110,
                count: 100
            },
            Window {
                offset: 210,
                count: 50
            },
        ]
    );
    assert!(windows(0, 301, 100, 3).is_err());
    assert_eq!(windows(u64::MAX, 2, 0, 5).unwrap().len(), 2);
}

/// A `dm.history` query string of the server face → its query → the client's call →
/// decoded by the server face again: the same query.
fn dm_round_trip(raw: &str) -> Result<(), TestCaseError> {
    let Ok(p) = dm::parse_params(Some(raw)) else {
        return Ok(());
    };
    let mut q = dm::dm_query(principal(), p, 1_700_000_000_123_456, 1000);
    // One call returns at most MAX_PER_CALL messages: a longer page takes several.
    let w = window_of(&q);
    let w = Window {
        count: w.count.min(MAX_PER_CALL),
        ..w
    };
    q.slice = Slice::Offset {
        offset: w.offset,
        limit: Some(w.count),
    };
    let r = history(&q, None, w).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(r.route, Route::DmHistory);
    let again = dm::parse_params(Some(&query_string(&r))).expect("the server face reads it");
    let q2 = dm::dm_query(principal(), again, 0, 1000);
    prop_assert_eq!(q2, q);
    Ok(())
}

#[test]
fn dm_queries_survive_the_trip() {
    for raw in [
        "roomId=bob",
        "roomId=bob&latest=2026-01-16T12:10:55.357Z&oldest=2026-01-16&inclusive=true&unreads=true&showThreadMessages=true&count=150&offset=3",
        "roomId=bob&oldest=2026-01-16T00:00:00.001Z&unreads=true",
        "roomId=bob&latest=2026-01-16&inclusive=true",
        "roomId=x&latest=junk&oldest=junk&count=0",
        "roomId=x&latest=+275760-09-13T00:00:00.000Z",
    ] {
        dm_round_trip(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
    }
}

#[test]
fn thread_queries_survive_the_trip() {
    for raw in [
        "tmid=r1",
        "tmid=r1&count=7&offset=3&sort={\"ts\":-1}",
        "tmid=r%201&count=0",
    ] {
        let p = thread::parse_params(&V7, Some(raw)).unwrap();
        let q = thread::thread_query(principal(), p);
        let r = history(&q, None, window_of(&q)).unwrap();
        let p2 = thread::parse_params(&V7, Some(&query_string(&r))).unwrap();
        assert_eq!(thread::thread_query(principal(), p2), q, "{raw}");
    }
}

fn date() -> impl Strategy<Value = String> {
    prop_oneof![
        (0i64..4_000_000_000_000).prop_map(|ms| crate::canonical::time::iso_millis(ms * 1000)),
        Just("2026-01-16".to_owned()),
        "[0-9T:.Z-]{0,12}",
    ]
}

proptest! {
    #[test]
    fn any_dm_query_survives_the_trip(
        latest in proptest::option::of(date()),
        oldest in proptest::option::of(date()),
        flags in any::<(bool, bool, bool)>(),
        count in 0u32..200,
        offset in 0u64..1000,
    ) {
        let mut raw = format!("roomId=r&count={count}&offset={offset}");
        for (k, v) in [("latest", latest), ("oldest", oldest)] {
            if let Some(v) = v {
                raw.push_str(&format!("&{k}={}", url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()));
            }
        }
        for (k, on) in [("inclusive", flags.0), ("unreads", flags.1), ("showThreadMessages", flags.2)] {
            if on {
                raw.push_str(&format!("&{k}=true"));
            }
        }
        dm_round_trip(&raw)?;
    }
}
