//! Requests: targets, bounds, windows, refusals, links followed.

use super::*;
use crate::canonical::{
    Access, AuthFailure, Credential, Error, IdBound, KindFilter, Order, Resource, RoomKind, Slice,
    TimeBound, UnreadsWindow, UserRef,
};

fn window(offset: u64, limit: u32) -> Window {
    Window { offset, limit }
}

#[test]
fn each_target_its_parameter() {
    let cases = [
        (
            Target::Room("502".into()),
            "/api/v2/pm/?thread=502&limit=20&offset=0",
        ),
        (
            Target::Direct {
                peer: UserRef::Id("105".into()),
            },
            "/api/v2/pm/?user=105&limit=20&offset=0",
        ),
        (
            Target::Group("1".into()),
            "/api/v2/pm/?group=1&limit=20&offset=0",
        ),
    ];
    for (target, want) in cases {
        let req = pm(&query(target.clone()), window(0, 20)).unwrap();
        assert_eq!(req.path_and_query(), want, "{target:?}");
        assert_eq!(req.method(), http::Method::GET);
    }
    let req = pm(&query(Target::Group("1".into())), window(0, 20)).unwrap();
    assert_eq!(req.subject, Resource::Group("1".into()));
    assert_eq!(me().path_and_query(), "/api/v2/user/me/");
}

#[test]
fn message_bounds_and_windows() {
    let mut q = query(Target::Room("502".into()));
    q.filter.before_message = Some(IdBound {
        id: "1016".into(),
        inclusive: false,
    });
    q.filter.after_message = Some(IdBound {
        id: "1002".into(),
        inclusive: true,
    });
    assert_eq!(
        pm(&q, window(40, 10)).unwrap().path_and_query(),
        "/api/v2/pm/?thread=502&before_message=1016&from_message=1002&limit=10&offset=40"
    );
    assert_eq!(
        windows(5, 250, 3).unwrap(),
        vec![window(5, 100), window(105, 100), window(205, 50)]
    );
    assert!(windows(0, 301, 3).is_err());
    assert_eq!(windows(0, 0, 3).unwrap(), vec![]);
}

#[test]
fn ids_that_are_no_upstream_integer() {
    for (target, resource) in [
        (Target::Room("r1".into()), Resource::Room("r1".into())),
        (Target::Room("0502".into()), Resource::Room("0502".into())),
        (
            Target::Direct {
                peer: UserRef::Id("+5".into()),
            },
            Resource::User("+5".into()),
        ),
        (Target::Group("".into()), Resource::Group("".into())),
    ] {
        assert_eq!(
            pm(&query(target), window(0, 20)),
            Err(Unanswerable::Answer(Error::NotFound(resource)))
        );
    }
    let mut q = query(Target::Room("502".into()));
    q.filter.before_message = Some(IdBound {
        id: "m-1".into(),
        inclusive: false,
    });
    assert_eq!(pm(&q, window(0, 20)), Err(Unanswerable::Empty));
}

#[test]
fn what_no_request_expresses() {
    let base = query(Target::Room("1".into()));
    let changes: Vec<fn(&mut ThreadQuery)> = vec![
        |q| q.access = Access::CompanyAdmin("c".into()),
        |q| q.require_kind = Some(RoomKind::Direct),
        |q| {
            q.target = Target::Direct {
                peer: UserRef::Username("bob".into()),
            }
        },
        |q| q.target = Target::Replies("1".into()),
        |q| q.target = Target::Conversations,
        |q| q.filter.created_after = Some(TimeBound::inclusive(1)),
        |q| q.filter.updated_before = Some(TimeBound::exclusive(1)),
        |q| q.filter.kind = KindFilter::Edits,
        |q| q.filter.include_deleted = true,
        |q| q.filter.include_hidden = false,
        |q| {
            q.filter.before_message = Some(IdBound {
                id: "1".into(),
                inclusive: true,
            })
        },
        |q| {
            q.filter.after_message = Some(IdBound {
                id: "1".into(),
                inclusive: false,
            })
        },
        |q| q.order = Order::Ascending,
        |q| {
            q.unreads = Some(UnreadsWindow {
                after: None,
                resolution_usec: 1,
            })
        },
    ];
    for (i, change) in changes.iter().enumerate() {
        let mut q = base.clone();
        change(&mut q);
        assert!(
            matches!(pm(&q, window(0, 20)), Err(Unanswerable::Unsupported(_))),
            "change {i}"
        );
    }
    for limit in [0, 101] {
        assert!(pm(&base, window(0, limit)).is_err());
    }
    // Replies and slices are the planner's: ignored here.
    let mut q = base.clone();
    q.filter.include_replies = false;
    q.slice = Slice::Cursor {
        after: None,
        limit: 3,
    };
    assert!(pm(&q, window(0, 20)).is_ok());
}

#[test]
fn credentials() {
    assert_eq!(
        auth_header(&Credential::Bearer {
            token: "t0k".into()
        }),
        Ok(("authorization", "Bearer t0k".to_owned()))
    );
    assert_eq!(
        auth_header(&Credential::UserToken {
            user_id: "u".into(),
            token: "t".into()
        }),
        Err(Error::Unauthenticated(AuthFailure::Missing))
    );
}

#[test]
fn links_are_followed_as_written() {
    let first = pm(
        &query(Target::Direct {
            peer: UserRef::Id("105".into()),
        }),
        window(2, 4),
    )
    .unwrap();
    let next = follow(
        &first,
        "https://community.example.com/legacy/api/v2/pm/?limit=4&offset=6&user=105&x=%20y",
    )
    .unwrap();
    assert_eq!(
        next.path_and_query(),
        "/api/v2/pm/?limit=4&offset=6&user=105&x=+y"
    );
    assert_eq!(next.subject, first.subject);
    for bad in [
        "/api/v2/pm/?user=105",
        "https://h/api/v2/other/?user=105",
        "https://h/api/v2/pm/?user=106&offset=6",
        "https://h/api/v2/pm/?thread=105",
        "not a url",
    ] {
        assert!(
            matches!(follow(&first, bad), Err(Error::BadBackendAnswer(_))),
            "{bad}"
        );
    }
}
