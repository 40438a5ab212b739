//! Query semantics of the embedded backend, through the `Backend` trait, on a small seed.

mod copy;
mod counts;
mod filters;
mod fixture;
mod marks;
mod store;

use super::EmbeddedBackend;
use crate::backend::{Backend, QueryContext};
use crate::canonical::{
    Access, AuthFailure, Credential, Error, Page, Principal, Resource, RoomKind, Target,
    ThreadQuery, UnreadsWindow, UserRef,
};
use fixture::{fixture, ids, principal, q};

async fn run(store: &EmbeddedBackend, query: ThreadQuery) -> Result<Page, Error> {
    store.query(&query, &QueryContext::default()).await
}

async fn auth(store: &EmbeddedBackend, credential: Credential) -> Result<Principal, Error> {
    store
        .authenticator()
        .authenticate(&credential, &QueryContext::default())
        .await
}

#[tokio::test]
async fn authenticates_rocketchat_and_bearer_tokens() {
    let (_dir, store) = fixture();
    let rc = |user: &str, token: &str| Credential::UserToken {
        user_id: user.into(),
        token: token.into(),
    };
    let alice = auth(&store, rc("u_alice", "rc-alice")).await.unwrap();
    assert_eq!(alice, principal("u_alice", "alice", &[]));
    let invalid = Err(Error::Unauthenticated(AuthFailure::Invalid));
    assert_eq!(auth(&store, rc("u_alice", "rc-bob")).await, invalid);
    assert_eq!(auth(&store, rc("u_bob", "rc-alice")).await, invalid);
    assert_eq!(auth(&store, rc("nobody", "rc-alice")).await, invalid);
    // A bearer token is not a Rocket.Chat token, and the reverse.
    assert_eq!(auth(&store, rc("u_alice", "bearer-alice")).await, invalid);
    let bearer = |token: &str| Credential::Bearer {
        token: token.into(),
    };
    assert_eq!(auth(&store, bearer("rc-alice")).await, invalid);
    assert_eq!(auth(&store, bearer("")).await, invalid);
    let alice = auth(&store, bearer("bearer-alice")).await.unwrap();
    assert_eq!(alice, principal("u_alice", "alice", &[]));
    let dave = auth(&store, bearer("bearer-dave")).await.unwrap();
    assert_eq!(dave, principal("u_dave", "dave", &["c1"]));
}

#[tokio::test]
async fn room_target_checks_existence_kind_and_membership() {
    let (_dir, store) = fixture();
    let alice = principal("u_alice", "alice", &[]);
    let bob = principal("u_bob", "bob", &[]);
    let room = |id: &str| Target::Room(id.into());

    let page = run(&store, q(&alice, room("r_group"))).await.unwrap();
    assert_eq!(ids(&page), ["g1", "g2", "g3", "g5", "g8"]);
    assert_eq!(page.total, None);
    assert_eq!(page.unreads, None);

    let err = run(&store, q(&alice, room("nope"))).await.unwrap_err();
    assert_eq!(err, Error::NotFound(Resource::Room("nope".into())));

    let mut wrong_kind = q(&alice, room("r_group"));
    wrong_kind.require_kind = Some(RoomKind::Direct);
    let err = run(&store, wrong_kind).await.unwrap_err();
    assert_eq!(err, Error::NotFound(Resource::Room("r_group".into())));
    let mut right_kind = q(&alice, room("r_group"));
    right_kind.require_kind = Some(RoomKind::Group);
    assert!(run(&store, right_kind).await.is_ok());

    let err = run(&store, q(&bob, room("r_group"))).await.unwrap_err();
    assert_eq!(err, Error::Forbidden(Resource::Room("r_group".into())));

    // A public channel is readable by anyone authenticated.
    let page = run(&store, q(&alice, room("r_chan"))).await.unwrap();
    assert_eq!(ids(&page), ["c1"]);
}

#[tokio::test]
async fn company_admins_read_their_company_rooms_only() {
    let (_dir, store) = fixture();
    let dave = principal("u_dave", "dave", &["c1"]);
    let admin = |target: Target, company: &str| {
        let mut query = q(&dave, target);
        query.access = Access::CompanyAdmin(company.into());
        query
    };
    // Not a member of r_doc, but an admin of its company.
    let page = run(&store, admin(Target::Room("r_doc".into()), "c1"))
        .await
        .unwrap();
    assert_eq!(ids(&page), ["d1", "d2"]);
    let err = run(&store, q(&dave, Target::Room("r_doc".into())))
        .await
        .unwrap_err();
    assert_eq!(err, Error::Forbidden(Resource::Room("r_doc".into())));

    let err = run(&store, admin(Target::Room("r_chan".into()), "c1"))
        .await
        .unwrap_err();
    assert_eq!(err, Error::Forbidden(Resource::Room("r_chan".into())));
    let err = run(&store, admin(Target::Room("r_doc".into()), "c2"))
        .await
        .unwrap_err();
    assert_eq!(err, Error::Forbidden(Resource::Company("c2".into())));
    let err = run(&store, admin(Target::Room("nope".into()), "c1"))
        .await
        .unwrap_err();
    assert_eq!(err, Error::NotFound(Resource::Room("nope".into())));
}

#[tokio::test]
async fn direct_target_resolves_the_peer() {
    let (_dir, store) = fixture();
    let alice = principal("u_alice", "alice", &[]);
    let bob = principal("u_bob", "bob", &[]);
    let direct = |peer: UserRef| Target::Direct { peer };

    let by_name = run(&store, q(&alice, direct(UserRef::Username("bob".into()))))
        .await
        .unwrap();
    assert_eq!(ids(&by_name), ["m1", "m2"]);
    let by_id = run(&store, q(&bob, direct(UserRef::Id("u_alice".into()))))
        .await
        .unwrap();
    assert_eq!(by_id, by_name);

    // Talking to oneself is the self-conversation.
    let own = run(&store, q(&alice, direct(UserRef::Id("u_alice".into()))))
        .await
        .unwrap();
    assert_eq!(ids(&own), ["s1"]);

    let err = run(
        &store,
        q(&alice, direct(UserRef::Username("nobody".into()))),
    )
    .await
    .unwrap_err();
    assert_eq!(err, Error::NotFound(Resource::User("nobody".into())));
    let err = run(&store, q(&alice, direct(UserRef::Id("u_nobody".into()))))
        .await
        .unwrap_err();
    assert_eq!(err, Error::NotFound(Resource::User("u_nobody".into())));

    // No conversation yet: an empty page, never an error.
    let mut none = q(&alice, direct(UserRef::Username("carol".into())));
    let page = run(&store, none.clone()).await.unwrap();
    assert_eq!(page, Page::default());
    none.want_total = true;
    none.unreads = Some(UnreadsWindow {
        after: None,
        resolution_usec: 1,
    });
    let page = run(&store, none).await.unwrap();
    assert!(page.messages.is_empty());
    assert_eq!(page.total, Some(0));
    let unreads = page.unreads.unwrap();
    assert_eq!((unreads.first, unreads.not_loaded), (None, 0));
}

#[tokio::test]
async fn group_target_needs_membership() {
    let (_dir, store) = fixture();
    let carol = principal("u_carol", "carol", &[]);
    let bob = principal("u_bob", "bob", &[]);
    let page = run(&store, q(&carol, Target::Group("g-one".into())))
        .await
        .unwrap();
    assert_eq!(ids(&page), ["g1", "g2", "g3", "g5", "g8"]);
    assert!(page
        .messages
        .iter()
        .all(|m| m.group_id.as_deref() == Some("g-one")));
    let err = run(&store, q(&carol, Target::Group("g-two".into())))
        .await
        .unwrap_err();
    assert_eq!(err, Error::NotFound(Resource::Group("g-two".into())));
    let err = run(&store, q(&bob, Target::Group("g-one".into())))
        .await
        .unwrap_err();
    assert_eq!(err, Error::Forbidden(Resource::Group("g-one".into())));
}

#[tokio::test]
async fn replies_target_lists_replies_without_the_root() {
    let (_dir, store) = fixture();
    let alice = principal("u_alice", "alice", &[]);
    let carol = principal("u_carol", "carol", &[]);
    let replies = |id: &str| Target::Replies(id.into());

    let mut query = q(&alice, replies("g1"));
    query.want_total = true;
    let page = run(&store, query.clone()).await.unwrap();
    assert_eq!(ids(&page), ["g4", "g5", "g10"]);
    assert_eq!(page.total, Some(3));
    assert!(page
        .messages
        .iter()
        .all(|m| m.parent_id.as_deref() == Some("g1")));
    query.filter.include_deleted = true;
    let page = run(&store, query).await.unwrap();
    assert_eq!(ids(&page), ["g4", "g5", "g9", "g10"]);

    // A message that is not a root has no replies.
    let mut not_root = q(&alice, replies("g4"));
    not_root.want_total = true;
    let page = run(&store, not_root).await.unwrap();
    assert!(page.messages.is_empty());
    assert_eq!(page.total, Some(0));

    let err = run(&store, q(&alice, replies("zz"))).await.unwrap_err();
    assert_eq!(err, Error::NotFound(Resource::Message("zz".into())));
    let err = run(&store, q(&carol, replies("m1"))).await.unwrap_err();
    assert_eq!(err, Error::Forbidden(Resource::Room("r_dm".into())));
}

#[tokio::test]
async fn probe_name_and_capabilities() {
    let (_dir, store) = fixture();
    assert_eq!(store.kind(), "embedded");
    assert!(store.label().starts_with("embedded:"), "{}", store.label());
    // Two stores of one process never share a label.
    let other = EmbeddedBackend::open(":memory:", 1).unwrap();
    assert_ne!(store.label(), other.label());
    store.probe(&QueryContext::default()).await.unwrap();
    let c = store.capabilities();
    assert!(c.offset_paging && c.totals && c.cursors && c.direct_by_peer && c.replies && c.groups);
}
