//! `Page → server-face JSON → client face → Page` is the identity on what Rocket.Chat
//! carries ([`carried`], the documented mapping of `super::super`), for any canonical page;
//! and no input, however broken, makes a decoder panic.

use super::*;
use crate::canonical::{
    Attachment, Error, Message, MessageKind, MessageStatus, Page, Reaction, Unreads, User,
};
use crate::dialect::client_common::test_support::{
    arbitrary_bytes, mutated, replaced, JSON_LIKE_TEXT,
};
use crate::dialect::rocketchat::encode_thread_page;
use crate::dialect::rocketchat::endpoints::dm::encode_dm_page;
use crate::dialect::rocketchat::fields::{date_precision, is_message_key};
use proptest::prelude::*;
use serde_json::Value;

use crate::canonical::strategies;

/// The oldest time whose millisecond is representable.
const MIN_USEC: i64 = i64::MIN / 1000 * 1000;

fn in_range(usec: i64) -> i64 {
    usec.max(MIN_USEC)
}

/// Any message, with times in range and no verbatim field named like a field of the table
/// (the encoder would write such a field where the decoder reads its own).
fn message() -> impl Strategy<Value = Message> {
    strategies::message().prop_map(|mut m| {
        m.created_usec = in_range(m.created_usec);
        m.updated_usec = m.updated_usec.map(in_range);
        m.edited_usec = m.edited_usec.map(in_range);
        if let Some(t) = &mut m.thread {
            t.last_reply_usec = t.last_reply_usec.map(in_range);
        }
        if let Some(Value::Object(rc)) = m.extra.get_mut("rocketchat") {
            rc.retain(|k, _| !is_message_key(k));
        }
        m
    })
}

fn ms(usec: i64) -> i64 {
    date_precision(usec).expect("in range")
}

fn plain(u: &User) -> User {
    User {
        avatar_url: None,
        ..u.clone()
    }
}

/// What reads back of `m` through Rocket.Chat: the mapping the module documents.
fn carried(m: &Message) -> Message {
    let system = matches!(m.kind, MessageKind::System { .. });
    let created = ms(m.created_usec);
    let updated = ms(m.updated_or_created());
    let edited_usec = m.edited_usec.map(ms);
    let mut reactions: Vec<Reaction> = Vec::new();
    for r in &m.reactions {
        let users = r
            .users
            .iter()
            .map(|u| User {
                id: String::new(),
                username: u.username.clone(),
                name: None,
                avatar_url: None,
            })
            .collect();
        match reactions.iter_mut().find(|x| x.emoji == r.emoji) {
            Some(x) => x.users = users,
            None => reactions.push(Reaction {
                emoji: r.emoji.clone(),
                users,
            }),
        }
    }
    let mut extra = serde_json::Map::new();
    if let Some(rc) = m.extra_for("rocketchat").filter(|rc| !rc.is_empty()) {
        extra.insert("rocketchat".to_owned(), Value::Object(rc.clone()));
    }
    Message {
        id: m.id.clone(),
        room_id: m.room_id.clone(),
        parent_id: m.parent_id.clone(),
        author: plain(&m.author),
        recipient: None,
        text: m.text.clone(),
        html: None,
        created_usec: created,
        updated_usec: (updated != created).then_some(updated),
        edited_usec,
        edited_by: edited_usec.and(m.edited_by.as_ref()).map(|u| User {
            name: None,
            ..plain(u)
        }),
        kind: if system {
            m.kind.clone()
        } else {
            MessageKind::Regular
        },
        status: MessageStatus::Visible,
        show_in_room: m.parent_id.is_some() && m.show_in_room,
        attachments: m
            .attachments
            .iter()
            .map(|a| Attachment {
                url: None,
                thumbnail_url: None,
                duration_secs: None,
                ..a.clone()
            })
            .collect(),
        mentions: if system {
            Vec::new()
        } else {
            m.mentions.iter().map(plain).collect()
        },
        reactions,
        thread: m.thread.clone().map(|mut t| {
            t.last_reply_usec = t.last_reply_usec.map(ms);
            t
        }),
        annotation: None,
        diff_groups: Vec::new(),
        group_id: None,
        extra,
    }
}

fn decode(req: &Request, body: &[u8]) -> UpstreamPage {
    decode_page(req, &Answer::new(200, body, 0))
        .unwrap_or_else(|e| panic!("{e:?} for {}", String::from_utf8_lossy(body)))
}

fn dm_page() -> impl Strategy<Value = Page> {
    (
        proptest::collection::vec(message(), 0..4),
        proptest::option::of((proptest::option::of(message()), any::<u64>())),
        proptest::option::of(any::<u64>()),
    )
        .prop_map(|(messages, unreads, total)| Page {
            messages,
            total,
            unreads: unreads.map(|(first, not_loaded)| Unreads { first, not_loaded }),
            conversations: Vec::new(),
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// `chat.getThreadMessages` (its shape is the same in every profile).
    #[test]
    fn thread_pages_round_trip(
        messages in proptest::collection::vec(message(), 0..5),
        offset in any::<u64>(),
        total in any::<u64>(),
    ) {
        let mut body = Vec::new();
        encode_thread_page(&mut body, &messages, offset, total);
        let back = decode(&thread_request("t"), &body);
        prop_assert_eq!(back.count, Some(messages.len() as u64));
        prop_assert_eq!(back.offset, Some(offset));
        prop_assert_eq!(back.page.total, Some(total));
        prop_assert_eq!(back.page.unreads, None);
        let want: Vec<Message> = messages.iter().map(carried).collect();
        prop_assert_eq!(back.page.messages, want);
    }

    /// `dm.history` (and the other histories' shape), with and without `unreads`.
    #[test]
    fn history_pages_round_trip(page in dm_page(), unreads in any::<bool>()) {
        let mut body = Vec::new();
        encode_dm_page(&mut body, &page, unreads);
        let back = decode(&dm_request("d", unreads), &body);
        prop_assert_eq!((back.count, back.offset, back.page.total), (None, None, None));
        let want: Vec<Message> = page.messages.iter().map(carried).collect();
        prop_assert_eq!(back.page.messages, want);
        let want_unreads = unreads.then(|| Unreads {
            first: page.unreads.as_ref().and_then(|u| u.first.as_ref()).map(carried),
            not_loaded: page.unreads.as_ref().map_or(0, |u| u.not_loaded),
        });
        prop_assert_eq!(back.page.unreads, want_unreads);
    }

    /// Decoding is a fixed point: a decoded message encodes to the same bytes it came from
    /// (the encoder's own output), so nothing kept verbatim moves or changes. (Two reactions
    /// with one emoji are written twice and read once: left out here.)
    #[test]
    fn decoded_messages_encode_back_to_the_same_bytes(mut m in message()) {
        let mut seen = std::collections::HashSet::new();
        m.reactions.retain(|r| seen.insert(r.emoji.clone()));
        let mut first = Vec::new();
        crate::dialect::rocketchat::write_message(&mut first, &m);
        let body = [b"{\"messages\":[".as_slice(), &first, b"],\"success\":true}"].concat();
        let back = decode(&dm_request("d", false), &body);
        let mut again = Vec::new();
        crate::dialect::rocketchat::write_message(&mut again, &back.page.messages[0]);
        prop_assert_eq!(String::from_utf8(again).unwrap(), String::from_utf8(first).unwrap());
    }
}

/// Every decoder on one answer: never a panic; a success only for status 200.
fn all_decoders(status: u16, body: &[u8]) -> Result<(), TestCaseError> {
    let reqs = [
        thread_request("t"),
        dm_request("d", true),
        dm_request("d", false),
    ];
    for req in &reqs {
        let ans = Answer::new(status, body, 1_700_000_000_000);
        let page = decode_page(req, &ans);
        prop_assert!(status == 200 || page.is_err());
        let _ = decode_error(req, &ans);
    }
    let ans = Answer::new(status, body, 0);
    let _ = decode_me(&me(), &ans);
    let _ = decode_room_kind(&rooms_info("r"), &ans);
    Ok(())
}

fn sample_body() -> impl Strategy<Value = Vec<u8>> {
    (dm_page(), any::<bool>()).prop_map(|(page, thread)| {
        let mut body = Vec::new();
        if thread {
            encode_thread_page(&mut body, &page.messages, 3, 9);
        } else {
            encode_dm_page(&mut body, &page, true);
        }
        body
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn arbitrary_bytes_never_panic(
        status in prop_oneof![Just(200u16), Just(400), Just(401), Just(403), Just(404), Just(429), Just(502), any::<u16>()],
        body in arbitrary_bytes(),
    ) {
        all_decoders(status, &body)?;
    }

    #[test]
    fn json_like_text_never_panics(body in JSON_LIKE_TEXT) {
        all_decoders(200, body.as_bytes())?;
        all_decoders(400, body.as_bytes())?;
    }

    #[test]
    fn damaged_pages_never_panic(body in mutated(sample_body())) {
        all_decoders(200, &body)?;
    }

    /// A page with one value replaced decodes, or is refused as a bad answer; never another
    /// error, never a panic.
    #[test]
    fn pages_with_a_value_replaced_are_decoded_or_refused(body in replaced(sample_body())) {
        all_decoders(200, &body)?;
        for req in [thread_request("t"), dm_request("d", true)] {
            match decode_page(&req, &Answer::new(200, &body, 0)) {
                Ok(_) | Err(Error::BadBackendAnswer(_)) => {}
                // `success` replaced by `false`: the answer is an error the server reports.
                Err(e) => prop_assert!(body.windows(15).any(|w| w == b"\"success\":false"), "{:?}", e),
            }
        }
    }
}
