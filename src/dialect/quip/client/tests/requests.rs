//! Requests: paths, parameters, the cursor, refusals, credentials.

use super::*;
use crate::canonical::{
    AuthFailure, Credential, Error, IdBound, KindFilter, Resource, RoomKind, Slice, TimeBound,
    UnreadsWindow, UserRef,
};
use crate::dialect::quip::params::Which;

#[test]
fn automation_and_admin_paths() {
    let req = thread_request(THREAD);
    assert_eq!(req.method(), http::Method::GET);
    assert_eq!(req.route, Route::Messages(Which::Automation));
    assert_eq!(
        req.path_and_query(),
        "/1/messages/vCPRIcENZyp?count=25&sorted_by=DESC"
    );
    assert_eq!(req.subject, Resource::Room(THREAD.into()));
    assert!(!req.edits);
    let mut q = admin_query(THREAD, "north wind");
    q.filter.include_deleted = true;
    q.filter.include_hidden = true;
    q.filter.kind = KindFilter::Edits;
    q.filter.created_before = Some(TimeBound::exclusive(1_588_922_400_693_783));
    let req = messages(&q, None, 100).unwrap();
    assert_eq!(
        req.path_and_query(),
        "/1/admin/messages/vCPRIcENZyp?company_id=north+wind&count=100&sorted_by=DESC\
         &max_created_usec=1588922400693782&message_type=edit&include_deleted=true"
    );
    assert_eq!(req.company_id(), Some("north wind"));
    assert!(req.edits);
    assert_eq!(current_user().path_and_query(), "/1/users/current");
    assert_eq!(current_user().subject, Resource::User(String::new()));
    assert_eq!(current_user().company_id(), None);
}

#[test]
fn the_cursor_and_the_creation_bound() {
    let mut q = query(THREAD);
    q.filter.created_before = Some(TimeBound::inclusive(100));
    let at = |max: i64| Cursor {
        max_created_usec: max,
        seen: vec!["m".into()],
    };
    let max = |q: &ThreadQuery, c: Option<&Cursor>| {
        messages(q, c, 5)
            .unwrap()
            .param("max_created_usec")
            .map(str::to_owned)
    };
    assert_eq!(max(&q, None).as_deref(), Some("100"));
    assert_eq!(max(&q, Some(&at(50))).as_deref(), Some("50"));
    assert_eq!(max(&q, Some(&at(200))).as_deref(), Some("100"));
    q.filter.created_before = None;
    assert_eq!(max(&q, Some(&at(7))).as_deref(), Some("7"));
    assert_eq!(max(&q, None), None);
    assert!(matches!(
        messages(&q, Some(&at(-1)), 5),
        Err(Unanswerable::Unsupported(_))
    ));
}

#[test]
fn update_bounds() {
    let mut q = query(THREAD);
    q.filter.updated_after = Some(TimeBound::exclusive(10));
    q.filter.updated_before = Some(TimeBound::inclusive(20));
    q.order = Order::Ascending;
    assert_eq!(
        messages(&q, None, 3).unwrap().path_and_query(),
        "/1/messages/vCPRIcENZyp?count=3&sorted_by=ASC&updated_since_usec=11\
         &last_updated_since_usec=21"
    );
    // Only an upper bound: the newest are selected.
    q.filter.updated_after = None;
    q.filter.updated_before = Some(TimeBound::exclusive(0));
    q.order = Order::Descending;
    assert_eq!(
        messages(&q, None, 3).unwrap().path_and_query(),
        "/1/messages/vCPRIcENZyp?count=3&sorted_by=DESC&last_updated_since_usec=0"
    );
    // `≤ i64::MAX` is no bound.
    q.filter.updated_before = Some(TimeBound::inclusive(i64::MAX));
    assert_eq!(
        messages(&q, None, 3)
            .unwrap()
            .param("last_updated_since_usec"),
        None
    );
}

#[test]
fn bounds_nothing_satisfies() {
    let mut q = query(THREAD);
    q.filter.created_before = Some(TimeBound::exclusive(i64::MIN));
    assert_eq!(messages(&q, None, 3), Err(Unanswerable::Empty));
    let mut q = query(THREAD);
    q.filter.updated_after = Some(TimeBound::exclusive(i64::MAX));
    q.order = Order::Ascending;
    assert_eq!(messages(&q, None, 3), Err(Unanswerable::Empty));
}

#[test]
fn thread_ids_no_path_carries() {
    let long = "x".repeat(65);
    for id in ["", "a.b", "a/b", "a b", "é", long.as_str()] {
        assert_eq!(
            messages(&query(id), None, 25),
            Err(Unanswerable::Answer(Error::NotFound(Resource::Room(
                id.to_owned()
            )))),
            "{id:?}"
        );
    }
    assert!(messages(&query("a_b-C9"), None, 25).is_ok());
}

#[test]
fn what_no_request_expresses() {
    let base = query(THREAD);
    let changes: Vec<fn(&mut ThreadQuery)> = vec![
        |q| q.require_kind = Some(RoomKind::Document),
        |q| {
            q.unreads = Some(UnreadsWindow {
                after: None,
                resolution_usec: 1,
            })
        },
        |q| {
            q.target = Target::Direct {
                peer: UserRef::Id("u".into()),
            }
        },
        |q| q.target = Target::Group("g".into()),
        |q| q.target = Target::Replies("m".into()),
        |q| q.target = Target::Conversations,
        |q| q.access = Access::CompanyAdmin(String::new()),
        |q| {
            q.filter.after_message = Some(IdBound {
                id: "m".into(),
                inclusive: true,
            })
        },
        |q| {
            q.filter.before_message = Some(IdBound {
                id: "m".into(),
                inclusive: false,
            })
        },
        |q| q.filter.created_after = Some(TimeBound::inclusive(1)),
        |q| q.filter.created_before = Some(TimeBound::inclusive(-1)),
        |q| q.filter.created_before = Some(TimeBound::exclusive(0)),
        |q| {
            q.filter.include_deleted = true;
            q.filter.include_hidden = true;
        },
        |q| q.filter.include_hidden = true,
        |q| {
            q.access = Access::CompanyAdmin("c".into());
            q.filter.include_deleted = true;
        },
        |q| {
            q.access = Access::CompanyAdmin("c".into());
            q.filter.updated_before = Some(TimeBound::exclusive(5));
        },
        |q| {
            q.filter.updated_before = Some(TimeBound::exclusive(5));
            q.filter.created_before = Some(TimeBound::exclusive(5));
        },
        |q| {
            q.filter.updated_after = Some(TimeBound::inclusive(-5));
            q.order = Order::Ascending;
        },
        |q| q.filter.updated_before = Some(TimeBound::exclusive(-5)),
        // The server selects the newest; oldest first needs `updated_since_usec`.
        |q| q.order = Order::Ascending,
        |q| q.filter.updated_after = Some(TimeBound::inclusive(5)),
    ];
    for (i, change) in changes.iter().enumerate() {
        let mut q = base.clone();
        change(&mut q);
        assert!(
            matches!(messages(&q, None, 20), Err(Unanswerable::Unsupported(_))),
            "change {i}: {:?}",
            messages(&q, None, 20)
        );
    }
    for count in [0, 101] {
        assert!(matches!(
            messages(&base, None, count),
            Err(Unanswerable::Unsupported(_))
        ));
    }
    // A cursor walks newest first, without update bounds.
    let mut q = base.clone();
    q.filter.updated_before = Some(TimeBound::exclusive(5));
    let c = Cursor {
        max_created_usec: 3,
        seen: Vec::new(),
    };
    assert!(matches!(
        messages(&q, Some(&c), 20),
        Err(Unanswerable::Unsupported(_))
    ));
    // Replies, slices and totals are the planner's: ignored here.
    let mut q = base.clone();
    q.filter.include_replies = false;
    q.want_total = true;
    q.slice = Slice::Cursor {
        after: Some("m".into()),
        limit: 3,
    };
    assert_eq!(messages(&q, None, 20), messages(&base, None, 20));
    // What a caller sees when nothing plans around a refusal.
    assert!(matches!(
        Error::from(Unanswerable::Unsupported("x")),
        Error::Internal(_)
    ));
    assert_eq!(
        Error::from(Unanswerable::Answer(Error::BackendTimeout)),
        Error::BackendTimeout
    );
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
    // The server face reads the header back as the same credential.
    let mut h = HeaderMap::new();
    let (name, value) = auth_header(&Credential::Bearer {
        token: "t0k".into(),
    })
    .unwrap();
    h.insert(name, value.parse().unwrap());
    assert_eq!(
        crate::dialect::quip::credentials(&h),
        Some(Credential::Bearer {
            token: "t0k".into()
        })
    );
}
