//! `Page → server-face JSON → client face → Page` is the identity on what SelfCommunity
//! carries ([`carried`], the documented mapping of `super::super`), for any canonical page,
//! with ids through the gateway's id map; and no input, however broken, makes a decoder
//! panic.

use super::*;
use crate::canonical::strategies;
use crate::canonical::{Error, Message, Page, Slice, User};
use crate::config::SelfCommunityConfig;
use crate::dialect::client_common::test_support::{
    arbitrary_bytes, mutated, replaced, JSON_LIKE_TEXT,
};
use crate::dialect::selfcommunity::fields::{
    html_text, html_unescape, is_escaped_text, is_message_key, parse_id, EXTRA,
};
use crate::dialect::selfcommunity::tests::req as view;
use crate::dialect::selfcommunity::GetPm;
use crate::dialect::Endpoint;
use crate::idmap::{IdMap, Kind};
use http::{HeaderMap, Method};
use proptest::prelude::*;
use serde_json::Value;
use std::sync::Arc;

/// Local times DRF can write: years 0–9999 in any offset of the test.
const MIN_USEC: i64 = -62_100_000_000_000_000;
const MAX_USEC: i64 = 253_400_000_000_000_000;

fn in_range(usec: i64) -> i64 {
    MIN_USEC + usec.rem_euclid(MAX_USEC - MIN_USEC)
}

/// Any message, created in range, with no verbatim field named like a field of the table.
fn message() -> impl Strategy<Value = Message> {
    strategies::message().prop_map(|mut m| {
        m.created_usec = in_range(m.created_usec);
        if let Some(Value::Object(sc)) = m.extra.get_mut(EXTRA) {
            sc.retain(|k, _| !is_message_key(k));
        }
        m
    })
}

fn int(ids: &IdMap, kind: Kind, id: &str) -> String {
    ids.int_of(kind, id).expect("an integer").to_string()
}

fn user(ids: &IdMap, u: &User) -> User {
    User {
        id: int(ids, Kind::User, &u.id),
        username: u.username.clone(),
        name: u.name.clone().filter(|n| !n.is_empty()),
        avatar_url: u.avatar_url.clone(),
    }
}

/// What reads back of `m` through SelfCommunity: the mapping the module documents.
fn carried(ids: &IdMap, m: &Message) -> Message {
    let (text, html) = match &m.html {
        None => (m.text.clone(), None),
        Some(h) if is_escaped_text(h) => (html_unescape(h), None),
        Some(h) => (html_text(h), Some(h.clone())),
    };
    let mut out = Message {
        recipient: match (&m.recipient, &m.group_id) {
            (Some(r), None) => Some(user(ids, r)),
            _ => None,
        },
        text,
        html,
        status: m.status,
        attachments: m.attachments.iter().take(1).cloned().collect(),
        group_id: m.group_id.as_ref().map(|g| int(ids, Kind::Group, g)),
        ..Message::new(
            &int(ids, Kind::Message, &m.id),
            &int(ids, Kind::Room, &m.room_id),
            user(ids, &m.author),
            m.created_usec,
        )
    };
    let mut sc = m.extra_for(EXTRA).cloned().unwrap_or_default();
    // The gateway's own users and group, as the upstream sent them: what the server face
    // writes beyond the canonical fields comes back as their remainders.
    sc.insert("sender".into(), user_rest(&m.author.id));
    if let (Some(r), None) = (&m.recipient, &m.group_id) {
        sc.insert("receiver".into(), user_rest(&r.id));
    }
    if let Some(g) = &m.group_id {
        sc.insert("group".into(), serde_json::json!({ "name": g }));
    }
    out.extra.insert(EXTRA.to_owned(), Value::Object(sc));
    out
}

/// What the server face writes of a user after `avatar`: `ext_id` and the defaults.
fn user_rest(id: &str) -> Value {
    serde_json::json!({
        "ext_id": id, "date_joined": null, "bio": "", "location": "", "description": "",
        "gender": "Unspecified", "website": "", "tags": [], "reputation": 0,
        "community_badge": false, "deleted": false,
    })
}

/// The endpoint of the server face, rendering in `offset`, with its id map.
fn endpoint(offset: &str) -> (GetPm, Arc<IdMap>) {
    let ids = Arc::new(IdMap::in_memory().expect("an id map"));
    let cfg = SelfCommunityConfig {
        utc_offset: offset.to_owned(),
        ..SelfCommunityConfig::default()
    };
    (GetPm::new(&cfg, &[], ids.clone()), ids)
}

/// The 200 body the server face writes for `page` (newest first, as a backend answers).
fn encode(ep: &GetPm, page: &Page, offset: u64, limit: u32) -> Vec<u8> {
    let qs = format!("thread=1&limit={limit}&offset={offset}");
    let (m, h) = (Method::GET, HeaderMap::new());
    let v = view(&m, "/api/v2/pm/", Some(&qs), &h, None);
    let mut q = query(Target::Room("x".into()));
    q.slice = Slice::Offset {
        offset,
        limit: Some(limit),
    };
    let reply = ep.encode(&v, &q, page);
    assert_eq!(reply.status().as_u16(), 200);
    reply.body().to_vec()
}

fn page() -> impl Strategy<Value = Page> {
    (
        proptest::collection::vec(message(), 0..5),
        proptest::option::of(any::<u64>()),
    )
        .prop_map(|(messages, total)| Page {
            messages,
            total,
            ..Page::default()
        })
}

fn utc_offset() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("+00:00"),
        Just("+02:00"),
        Just("-05:30"),
        Just("+14:00")
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn pages_round_trip(
        page in page(),
        tz in utc_offset(),
        offset in 0u64..1000,
        limit in 1u32..=100,
    ) {
        let (ep, ids) = endpoint(tz);
        let body = encode(&ep, &page, offset, limit);
        let back = decode_page(&thread_request("1"), &Answer::new(200, &body))
            .unwrap_or_else(|e| panic!("{e:?} for {}", String::from_utf8_lossy(&body)));
        let sent: Value = serde_json::from_slice(&body).expect("JSON");
        let count = page.total.unwrap_or(page.messages.len() as u64);
        prop_assert_eq!(back.count, count);
        prop_assert_eq!(back.page.total, Some(count));
        prop_assert_eq!(back.next.as_deref(), sent["next"].as_str());
        prop_assert_eq!(back.previous.as_deref(), sent["previous"].as_str());
        // Each slice goes out oldest first: the reverse of the backend's order.
        let want: Vec<Message> = page.messages.iter().rev().map(|m| carried(&ids, m)).collect();
        prop_assert_eq!(&back.page.messages, &want);
        // Every id the upstream sent leads back to the canonical id through the id map.
        for (got, was) in back.page.messages.iter().zip(page.messages.iter().rev()) {
            let n = parse_id(&got.id).expect("an integer id") as i64;
            prop_assert_eq!(ids.id_of(Kind::Message, n).unwrap(), Some(was.id.clone()));
            let n = parse_id(&got.author.id).expect("an integer id") as i64;
            prop_assert_eq!(ids.id_of(Kind::User, n).unwrap(), Some(was.author.id.clone()));
        }
    }

    /// Decoding is a fixed point: a decoded page, encoded again through an id map that is the
    /// identity on its ids (what a map with the upstream's integers does), decodes to
    /// itself, and encodes to the same bytes once more (users and groups with the
    /// remainders the upstream sent: `ext_id`, a group's `name`).
    #[test]
    fn decoded_pages_are_a_fixed_point(page in page(), tz in utc_offset()) {
        let (ep, _) = endpoint(tz);
        let decode = |body: &[u8]| {
            let back = decode_page(&thread_request("1"), &Answer::new(200, body)).unwrap();
            let mut page = back.page;
            page.messages.reverse();
            page
        };
        let once = decode(&encode(&ep, &page, 0, 20));
        let (ep2, ids2) = endpoint(tz);
        pin_identity(&ids2, &once);
        let body = encode(&ep2, &once, 0, 20);
        let twice = decode(&body);
        prop_assert_eq!(&twice, &once);
        prop_assert_eq!(encode(&ep2, &twice, 0, 20), body);
    }
}

/// Gives every decimal id of `page` its own integer in `ids` (allocation is
/// `max + 1` per kind, so allocating 1..=n in order makes `n ↦ "n"` for the ids used).
fn pin_identity(ids: &IdMap, page: &Page) {
    let mut wanted: Vec<(Kind, u64)> = Vec::new();
    for m in &page.messages {
        wanted.push((Kind::Message, parse_id(&m.id).unwrap()));
        wanted.push((Kind::Room, parse_id(&m.room_id).unwrap()));
        wanted.push((Kind::User, parse_id(&m.author.id).unwrap()));
        if let Some(r) = &m.recipient {
            wanted.push((Kind::User, parse_id(&r.id).unwrap()));
        }
        if let Some(g) = &m.group_id {
            wanted.push((Kind::Group, parse_id(g).unwrap()));
        }
    }
    for kind in Kind::ALL {
        let top = wanted
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, n)| *n)
            .max();
        for n in 1..=top.unwrap_or(0) {
            assert_eq!(ids.int_of(kind, &n.to_string()).unwrap() as u64, n);
        }
    }
}

/// Every decoder on one answer: never a panic; a success only for status 200.
fn all_decoders(status: u16, body: &[u8]) -> Result<(), TestCaseError> {
    let ans = Answer::new(status, body);
    let page = decode_page(&thread_request("1"), &ans);
    prop_assert!(status == 200 || page.is_err());
    let principal = decode_me(&me(), &ans);
    prop_assert!(status == 200 || principal.is_err());
    let _ = decode_error(&thread_request("1"), &ans);
    Ok(())
}

fn sample_body() -> impl Strategy<Value = Vec<u8>> {
    page().prop_map(|page| {
        let (ep, _) = endpoint("+02:00");
        encode(&ep, &page, 3, 10)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_bytes_never_panic(
        status in prop_oneof![Just(200u16), Just(400), Just(401), Just(404), Just(405), Just(429), Just(501), any::<u16>()],
        body in arbitrary_bytes(),
    ) {
        all_decoders(status, &body)?;
    }

    #[test]
    fn json_like_text_never_panics(body in JSON_LIKE_TEXT) {
        for status in [200, 400, 405, 429, 501] {
            all_decoders(status, body.as_bytes())?;
        }
    }

    #[test]
    fn damaged_pages_never_panic(body in mutated(sample_body())) {
        all_decoders(200, &body)?;
    }

    /// A page with one value replaced decodes, or is refused as a bad answer.
    #[test]
    fn pages_with_a_value_replaced_are_decoded_or_refused(body in replaced(sample_body())) {
        all_decoders(200, &body)?;
        match decode_page(&thread_request("1"), &Answer::new(200, &body)) {
            Ok(_) | Err(Error::BadBackendAnswer(_)) => {}
            Err(e) => prop_assert!(false, "{:?}", e),
        }
    }
}
