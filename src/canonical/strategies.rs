//! proptest strategies for every type of the canonical model (the canonical protocol carries
//! them all; dialects' round-trip tests restrict them to what their platform carries).

use crate::canonical::*;
use proptest::collection::vec;
use proptest::option::of;
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Short strings, mostly ASCII, sometimes quotes, escapes, control and non-BMP characters.
pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9_.-]{0,12}",
        "\\PC{0,8}",
        Just("\"\\\n\u{0}\u{1f600}é".to_owned()),
    ]
}

pub fn principal() -> impl Strategy<Value = Principal> {
    (text(), text(), vec(text(), 0..3)).prop_map(|(user_id, username, admin_of)| Principal {
        user_id,
        username,
        admin_of,
    })
}

pub fn credential() -> impl Strategy<Value = Credential> {
    prop_oneof![
        (text(), text()).prop_map(|(user_id, token)| Credential::UserToken { user_id, token }),
        text().prop_map(|token| Credential::Bearer { token }),
    ]
}

fn user_ref() -> impl Strategy<Value = UserRef> {
    prop_oneof![
        text().prop_map(UserRef::Id),
        text().prop_map(UserRef::Username)
    ]
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        text().prop_map(Target::Room),
        user_ref().prop_map(|peer| Target::Direct { peer }),
        text().prop_map(Target::Group),
        text().prop_map(Target::Replies),
        Just(Target::Conversations),
    ]
}

fn access() -> impl Strategy<Value = Access> {
    prop_oneof![Just(Access::Member), text().prop_map(Access::CompanyAdmin)]
}

fn time_bound() -> impl Strategy<Value = TimeBound> {
    (any::<i64>(), any::<bool>()).prop_map(|(usec, inclusive)| TimeBound { usec, inclusive })
}

fn id_bound() -> impl Strategy<Value = IdBound> {
    (text(), any::<bool>()).prop_map(|(id, inclusive)| IdBound { id, inclusive })
}

fn filter() -> impl Strategy<Value = Filter> {
    let bounds = (
        of(time_bound()),
        of(time_bound()),
        of(time_bound()),
        of(time_bound()),
        of(id_bound()),
        of(id_bound()),
    );
    let kind = prop_oneof![Just(KindFilter::Messages), Just(KindFilter::Edits)];
    (bounds, kind, any::<(bool, bool, bool)>()).prop_map(|(b, kind, flags)| Filter {
        created_after: b.0,
        created_before: b.1,
        updated_after: b.2,
        updated_before: b.3,
        after_message: b.4,
        before_message: b.5,
        kind,
        include_deleted: flags.0,
        include_hidden: flags.1,
        include_replies: flags.2,
    })
}

fn slice() -> impl Strategy<Value = Slice> {
    prop_oneof![
        (any::<u64>(), of(any::<u32>()))
            .prop_map(|(offset, limit)| Slice::Offset { offset, limit }),
        (of(text()), any::<u32>()).prop_map(|(after, limit)| Slice::Cursor { after, limit }),
    ]
}

fn room_kind() -> impl Strategy<Value = RoomKind> {
    prop_oneof![
        Just(RoomKind::Direct),
        Just(RoomKind::Group),
        Just(RoomKind::Channel),
        Just(RoomKind::Document),
    ]
}

pub fn query() -> impl Strategy<Value = ThreadQuery> {
    let order = prop_oneof![Just(Order::Ascending), Just(Order::Descending)];
    let unreads = of(
        (of(time_bound()), any::<i64>()).prop_map(|(after, resolution_usec)| UnreadsWindow {
            after,
            resolution_usec,
        }),
    );
    (
        (principal(), access(), target(), of(room_kind())),
        (filter(), order, slice(), any::<bool>(), unreads),
    )
        .prop_map(
            |((principal, access, target, require_kind), rest)| ThreadQuery {
                principal,
                access,
                target,
                require_kind,
                filter: rest.0,
                order: rest.1,
                slice: rest.2,
                want_total: rest.3,
                unreads: rest.4,
            },
        )
}

fn user() -> impl Strategy<Value = User> {
    (text(), text(), of(text()), of(text())).prop_map(|(id, username, name, avatar_url)| User {
        id,
        username,
        name,
        avatar_url,
    })
}

fn attachment() -> impl Strategy<Value = Attachment> {
    let names = (text(), of(text()), of(text()), of(text()), of(text()));
    (names, of(any::<u64>()), of(any::<u64>())).prop_map(|(n, size, duration_secs)| Attachment {
        id: n.0,
        name: n.1,
        mime_type: n.2,
        url: n.3,
        thumbnail_url: n.4,
        size,
        duration_secs,
    })
}

fn reaction() -> impl Strategy<Value = Reaction> {
    (text(), vec(user(), 0..3)).prop_map(|(emoji, users)| Reaction { emoji, users })
}

fn thread() -> impl Strategy<Value = ThreadSummary> {
    (any::<u64>(), of(any::<i64>()), vec(text(), 0..3)).prop_map(
        |(reply_count, last_reply_usec, participants)| ThreadSummary {
            reply_count,
            last_reply_usec,
            participants,
        },
    )
}

fn annotation() -> impl Strategy<Value = Annotation> {
    (text(), vec(text(), 0..3)).prop_map(|(id, section_ids)| Annotation { id, section_ids })
}

fn diff_group() -> impl Strategy<Value = DiffGroup> {
    let diff = (text(), text(), text(), text(), of(text())).prop_map(|d| Diff {
        rtml: d.0,
        diff_class: d.1,
        section_id: d.2,
        style: d.3,
        list: d.4,
    });
    vec(diff, 0..3).prop_map(|diffs| DiffGroup { diffs })
}

fn message_kind() -> impl Strategy<Value = MessageKind> {
    prop_oneof![
        Just(MessageKind::Regular),
        text().prop_map(|system_type| MessageKind::System { system_type }),
        Just(MessageKind::Edit),
    ]
}

fn status() -> impl Strategy<Value = MessageStatus> {
    prop_oneof![
        Just(MessageStatus::Visible),
        Just(MessageStatus::Deleted),
        Just(MessageStatus::Hidden),
    ]
}

/// Any JSON value, nested a few levels: what a platform's verbatim fields can hold.
pub fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            vec((text(), inner), 0..4).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn extra() -> impl Strategy<Value = Map<String, Value>> {
    let dialect = prop_oneof![Just("rocketchat"), Just("quip"), Just("selfcommunity")];
    vec((dialect, vec((text(), json()), 0..4)), 0..3).prop_map(|dialects| {
        dialects
            .into_iter()
            .map(|(d, kv)| (d.to_owned(), Value::Object(kv.into_iter().collect())))
            .collect()
    })
}

pub fn message() -> BoxedStrategy<Message> {
    let ids = (text(), text(), of(text()), user(), of(user())).boxed();
    let body = (
        text(),
        of(text()),
        any::<i64>(),
        of(any::<i64>()),
        of(any::<i64>()),
    )
        .boxed();
    let state = (of(user()), message_kind(), status(), any::<bool>()).boxed();
    let parts = (
        vec(attachment(), 0..3),
        vec(user(), 0..3),
        vec(reaction(), 0..3),
        of(thread()),
        of(annotation()),
        vec(diff_group(), 0..2),
    )
        .boxed();
    (ids, body, state, parts, of(text()), extra())
        .prop_map(|(i, b, s, p, group_id, extra)| Message {
            id: i.0,
            room_id: i.1,
            parent_id: i.2,
            author: i.3,
            recipient: i.4,
            text: b.0,
            html: b.1,
            created_usec: b.2,
            updated_usec: b.3,
            edited_usec: b.4,
            edited_by: s.0,
            kind: s.1,
            status: s.2,
            show_in_room: s.3,
            attachments: p.0,
            mentions: p.1,
            reactions: p.2,
            thread: p.3,
            annotation: p.4,
            diff_groups: p.5,
            group_id,
            extra,
        })
        .boxed()
}

pub fn page() -> impl Strategy<Value = Page> {
    let unreads =
        of((of(message()), any::<u64>())
            .prop_map(|(first, not_loaded)| Unreads { first, not_loaded }));
    let info = any::<(i64, bool)>()
        .prop_map(|(first_usec, unread)| ConversationInfo { first_usec, unread });
    (
        vec(message(), 0..4),
        of(any::<u64>()),
        unreads,
        vec(info, 0..3),
    )
        .prop_map(|(messages, total, unreads, conversations)| Page {
            messages,
            total,
            unreads,
            conversations,
        })
}

fn resource() -> impl Strategy<Value = Resource> {
    prop_oneof![
        text().prop_map(Resource::Message),
        text().prop_map(Resource::Room),
        text().prop_map(Resource::User),
        text().prop_map(Resource::Group),
        text().prop_map(Resource::Company),
    ]
}

pub fn error() -> impl Strategy<Value = Error> {
    let failure = prop_oneof![Just(AuthFailure::Missing), Just(AuthFailure::Invalid)];
    prop_oneof![
        failure.prop_map(Error::Unauthenticated),
        resource().prop_map(Error::Forbidden),
        resource().prop_map(Error::NotFound),
        text().prop_map(|name| Error::MissingParameter { name }),
        text().prop_map(|name| Error::UnknownParameter { name }),
        (text(), text(), text()).prop_map(|(n, v, r)| Error::invalid(&n, &v, &r)),
        text().prop_map(|method| Error::MethodNotAllowed { method }),
        Just(Error::RouteNotFound),
        Just(Error::PayloadTooLarge),
        any::<u64>().prop_map(|retry_after_ms| Error::RateLimited { retry_after_ms }),
        text().prop_map(Error::BackendUnavailable),
        Just(Error::BackendTimeout),
        text().prop_map(Error::BadBackendAnswer),
        text().prop_map(Error::Internal),
        text().prop_map(Error::Unsupported),
    ]
}
