//! Filters, order, slices, totals, unreads and message contents.

use super::fixture::{at, fixture, ids, principal, q};
use super::run;
use crate::canonical::{
    Attachment, Error, IdBound, KindFilter, MessageKind, MessageStatus, Order, Principal, Slice,
    Target, ThreadQuery, ThreadSummary, TimeBound, UnreadsWindow, User, UserRef,
};

fn alice() -> Principal {
    principal("u_alice", "alice", &[])
}

fn group() -> ThreadQuery {
    q(&alice(), Target::Room("r_group".into()))
}

fn bound(id: &str, inclusive: bool) -> Option<IdBound> {
    Some(IdBound {
        id: id.into(),
        inclusive,
    })
}

#[tokio::test]
async fn time_bounds_on_created_and_updated() {
    let (_dir, store) = fixture();
    let mut query = group();
    query.filter.created_after = Some(TimeBound::exclusive(at(10)));
    query.filter.created_before = Some(TimeBound::inclusive(at(35)));
    assert_eq!(
        ids(&run(&store, query.clone()).await.unwrap()),
        ["g2", "g3", "g5"]
    );
    query.filter.created_after = Some(TimeBound::inclusive(at(10)));
    query.filter.created_before = Some(TimeBound::exclusive(at(35)));
    assert_eq!(ids(&run(&store, query).await.unwrap()), ["g1", "g2", "g3"]);

    // `updated` falls back to `created`.
    let mut query = group();
    query.filter.updated_after = Some(TimeBound::exclusive(at(60)));
    assert_eq!(ids(&run(&store, query).await.unwrap()), ["g2"]);
    let mut query = group();
    query.filter.updated_after = Some(TimeBound::inclusive(at(60)));
    assert_eq!(ids(&run(&store, query).await.unwrap()), ["g2", "g8"]);
    let mut query = group();
    query.filter.updated_before = Some(TimeBound::inclusive(at(20)));
    assert_eq!(ids(&run(&store, query).await.unwrap()), ["g1", "g3"]);
    let mut query = group();
    query.filter.updated_before = Some(TimeBound::exclusive(at(20)));
    assert_eq!(ids(&run(&store, query).await.unwrap()), ["g1"]);
}

#[tokio::test]
async fn message_bounds_use_created_then_id() {
    let (_dir, store) = fixture();
    let mut query = group();
    query.filter.after_message = bound("g2", false);
    assert_eq!(
        ids(&run(&store, query.clone()).await.unwrap()),
        ["g3", "g5", "g8"]
    );
    query.filter.after_message = bound("g2", true);
    assert_eq!(
        ids(&run(&store, query.clone()).await.unwrap()),
        ["g2", "g3", "g5", "g8"]
    );
    query.filter.before_message = bound("g5", false);
    assert_eq!(
        ids(&run(&store, query.clone()).await.unwrap()),
        ["g2", "g3"]
    );
    query.filter.before_message = bound("g5", true);
    assert_eq!(ids(&run(&store, query).await.unwrap()), ["g2", "g3", "g5"]);

    // A bound may name a message the filter hides.
    let mut query = group();
    query.filter.before_message = bound("g6", false);
    assert_eq!(
        ids(&run(&store, query).await.unwrap()),
        ["g1", "g2", "g3", "g5"]
    );

    // A message of another room (or none) empties the page.
    for other in ["m1", "nope"] {
        let mut query = group();
        query.filter.after_message = bound(other, true);
        query.want_total = true;
        query.unreads = Some(UnreadsWindow {
            after: Some(TimeBound::exclusive(0)),
            resolution_usec: 1,
        });
        let page = run(&store, query).await.unwrap();
        assert!(page.messages.is_empty());
        assert_eq!(page.total, Some(0));
        assert_eq!(page.unreads.map(|u| u.not_loaded), Some(0));
    }
}

#[tokio::test]
async fn kind_status_and_replies_filters() {
    let (_dir, store) = fixture();
    let carol = principal("u_carol", "carol", &[]);
    let mut doc = q(&carol, Target::Room("r_doc".into()));
    assert_eq!(ids(&run(&store, doc.clone()).await.unwrap()), ["d1", "d2"]);
    doc.filter.kind = KindFilter::Edits;
    let page = run(&store, doc).await.unwrap();
    assert_eq!(ids(&page), ["e1"]);
    assert_eq!(page.messages[0].kind, MessageKind::Edit);
    assert_eq!(
        page.messages[0].diff_groups[0].diffs[0].diff_class,
        "insert_only"
    );

    let mut query = group();
    query.filter.include_deleted = true;
    let page = run(&store, query.clone()).await.unwrap();
    assert_eq!(ids(&page), ["g1", "g2", "g3", "g5", "g6", "g8"]);
    assert_eq!(page.messages[4].status, MessageStatus::Deleted);
    query.filter.include_hidden = true;
    assert_eq!(
        ids(&run(&store, query.clone()).await.unwrap()),
        ["g1", "g2", "g3", "g5", "g6", "g7", "g8"]
    );
    query.filter.include_deleted = false;
    assert_eq!(
        ids(&run(&store, query).await.unwrap()),
        ["g1", "g2", "g3", "g5", "g7", "g8"]
    );

    let mut query = group();
    query.filter.include_replies = true;
    assert_eq!(
        ids(&run(&store, query.clone()).await.unwrap()),
        ["g1", "g2", "g3", "g4", "g5", "g8", "g10"]
    );
    query.filter.include_deleted = true;
    query.filter.include_hidden = true;
    let all = run(&store, query).await.unwrap();
    assert_eq!(all.messages.len(), 10);
}

#[tokio::test]
async fn order_and_offset_slices_with_totals() {
    let (_dir, store) = fixture();
    let mut query = group();
    query.order = Order::Descending;
    query.want_total = true;
    let page = run(&store, query.clone()).await.unwrap();
    assert_eq!(ids(&page), ["g8", "g5", "g3", "g2", "g1"]);
    assert_eq!(page.total, Some(5));

    query.order = Order::Ascending;
    query.slice = Slice::Offset {
        offset: 1,
        limit: Some(2),
    };
    let page = run(&store, query.clone()).await.unwrap();
    assert_eq!(ids(&page), ["g2", "g3"]);
    assert_eq!(page.total, Some(5));
    query.slice = Slice::Offset {
        offset: 10,
        limit: None,
    };
    let page = run(&store, query.clone()).await.unwrap();
    assert!(page.messages.is_empty());
    assert_eq!(page.total, Some(5));
    query.slice = Slice::Offset {
        offset: u64::MAX,
        limit: Some(0),
    };
    assert!(run(&store, query).await.unwrap().messages.is_empty());
}

#[tokio::test]
async fn cursor_slices_continue_in_the_requested_order() {
    let (_dir, store) = fixture();
    let mut query = group();
    query.want_total = true;
    query.slice = Slice::Cursor {
        after: None,
        limit: 2,
    };
    assert_eq!(
        ids(&run(&store, query.clone()).await.unwrap()),
        ["g1", "g2"]
    );
    query.slice = Slice::Cursor {
        after: Some("g2".into()),
        limit: 2,
    };
    let page = run(&store, query.clone()).await.unwrap();
    assert_eq!(ids(&page), ["g3", "g5"]);
    assert_eq!(page.total, Some(5), "the total ignores the cursor");
    query.order = Order::Descending;
    query.slice = Slice::Cursor {
        after: Some("g3".into()),
        limit: 5,
    };
    assert_eq!(
        ids(&run(&store, query.clone()).await.unwrap()),
        ["g2", "g1"]
    );
    query.slice = Slice::Cursor {
        after: Some("m1".into()),
        limit: 5,
    };
    let err = run(&store, query).await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidParameter { ref name, .. } if name == "cursor"),
        "{err:?}"
    );
}

#[tokio::test]
async fn unreads_count_messages_between_the_bound_and_the_page() {
    let (_dir, store) = fixture();
    let mut query = group();
    let window = |after| {
        Some(UnreadsWindow {
            after,
            resolution_usec: 1,
        })
    };
    query.unreads = window(None);
    query.order = Order::Descending;
    query.slice = Slice::Offset {
        offset: 0,
        limit: Some(2),
    };
    // No created_after bound: nothing to count.
    let page = run(&store, query.clone()).await.unwrap();
    let unreads = page.unreads.unwrap();
    assert_eq!((unreads.first.is_none(), unreads.not_loaded), (true, 0));

    query.filter.created_after = Some(TimeBound::exclusive(at(5)));
    query.unreads = window(query.filter.created_after);
    let page = run(&store, query.clone()).await.unwrap();
    assert_eq!(ids(&page), ["g8", "g5"]);
    let unreads = page.unreads.unwrap();
    assert_eq!(unreads.not_loaded, 3);
    assert_eq!(unreads.first.map(|m| m.id), Some("g1".to_owned()));

    // A coarser clock: the oldest returned message (g5 at 35 s) truncated to 20 s is 20 s,
    // so g2 and g3 (at 20 s, the same tick) are not older than it; only g1 counts.
    query.unreads = Some(UnreadsWindow {
        after: query.filter.created_after,
        resolution_usec: 20_000_000,
    });
    let unreads = run(&store, query.clone()).await.unwrap().unreads.unwrap();
    assert_eq!(unreads.not_loaded, 1);
    assert_eq!(unreads.first.map(|m| m.id), Some("g1".to_owned()));

    // The window is its own bound: the page may start at 10 s inclusive while only messages
    // strictly after 10 s count as unread; g1 (at 10 s) is not counted.
    query.filter.created_after = Some(TimeBound::inclusive(at(10)));
    query.unreads = window(Some(TimeBound::exclusive(at(10))));
    let unreads = run(&store, query.clone()).await.unwrap().unreads.unwrap();
    assert_eq!(unreads.not_loaded, 2);
    assert_eq!(unreads.first.map(|m| m.id), Some("g2".to_owned()));

    // The oldest returned message is not newer than the bound.
    query.slice = Slice::default();
    let unreads = run(&store, query.clone()).await.unwrap().unreads.unwrap();
    assert_eq!((unreads.first.is_none(), unreads.not_loaded), (true, 0));

    // An empty page.
    query.filter.created_after = Some(TimeBound::exclusive(at(1000)));
    let page = run(&store, query).await.unwrap();
    assert!(page.messages.is_empty());
    assert_eq!(page.unreads.map(|u| u.not_loaded), Some(0));
}

#[tokio::test]
async fn messages_come_back_fully_populated() {
    let (_dir, store) = fixture();
    let dm = q(
        &alice(),
        Target::Direct {
            peer: UserRef::Username("bob".into()),
        },
    );
    let page = run(&store, dm).await.unwrap();
    let (m1, m2) = (&page.messages[0], &page.messages[1]);
    let alice_full = User {
        id: "u_alice".into(),
        username: "alice".into(),
        name: Some("Alice A.".into()),
        avatar_url: Some("https://img/alice.png".into()),
    };
    let alice_short = User {
        avatar_url: None,
        ..alice_full.clone()
    };
    let bob = User {
        id: "u_bob".into(),
        username: "bob".into(),
        name: None,
        avatar_url: None,
    };
    assert_eq!(m1.room_id, "r_dm");
    assert_eq!(m1.author, alice_full);
    assert_eq!(
        m1.recipient.as_ref(),
        Some(&bob),
        "the other member of a direct room"
    );
    assert_eq!(
        m2.recipient.as_ref(),
        Some(&alice_full),
        "the seed's recipient"
    );
    assert_eq!(m1.text, "text m1");
    assert_eq!(m1.html.as_deref(), Some("<b>hi</b>"));
    assert_eq!(m1.created_usec, at(10));
    assert_eq!(m1.updated_usec, None);
    assert_eq!(m1.edited_usec, Some(at(12)));
    assert_eq!(m1.edited_by.as_ref(), Some(&alice_short));
    assert_eq!(m1.mentions, std::slice::from_ref(&bob));
    let reactions: Vec<(&str, Vec<&str>)> = m1
        .reactions
        .iter()
        .map(|r| {
            (
                r.emoji.as_str(),
                r.users.iter().map(|u| u.id.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        reactions,
        [
            (":tada:", vec!["u_bob", "u_alice"]),
            (":+1:", vec!["u_bob"])
        ]
    );
    assert_eq!(
        m1.attachments,
        [Attachment {
            id: "f1".into(),
            name: Some("a.png".into()),
            mime_type: Some("image/png".into()),
            size: Some(12),
            url: None,
            thumbnail_url: None,
            duration_secs: None,
        }]
    );
    let extra = m1.extra_for("rocketchat").unwrap();
    assert_eq!(extra.keys().collect::<Vec<_>>(), ["z", "a", "groupable"]);
    assert_eq!(m1.kind, MessageKind::Regular);
    assert_eq!(m1.group_id, None);
    assert!(m2.extra.is_empty() && m2.attachments.is_empty() && m2.thread.is_none());

    let mut query = group();
    query.filter.include_replies = true;
    let page = run(&store, query).await.unwrap();
    let by_id = |id: &str| page.messages.iter().find(|m| m.id == id).unwrap();
    assert_eq!(
        by_id("g1").thread,
        Some(ThreadSummary {
            reply_count: 3,
            last_reply_usec: Some(at(70)),
            participants: vec!["u_alice".into(), "u_carol".into()],
        })
    );
    assert_eq!(by_id("g2").thread, None);
    assert!(by_id("g5").show_in_room && !by_id("g4").show_in_room);
    assert_eq!(
        by_id("g8").kind,
        MessageKind::System {
            system_type: "uj".into()
        }
    );
    assert_eq!(by_id("g1").recipient, None);
    assert_eq!(by_id("g1").group_id.as_deref(), Some("g-one"));

    let carol = principal("u_carol", "carol", &[]);
    let doc = run(&store, q(&carol, Target::Room("r_doc".into())))
        .await
        .unwrap();
    let annotation = doc.messages[0].annotation.as_ref().unwrap();
    assert_eq!(
        (annotation.id.as_str(), annotation.section_ids.len()),
        ("an1", 2)
    );
}
