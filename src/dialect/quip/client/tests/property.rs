//! `Page → server-face endpoint → client face → Page` is the identity on what Quip carries
//! ([`carried`], the mapping documented in `super::super`), for any canonical page and any
//! request the client face sends; a request decodes on the server face to the query it was
//! built from; and no input, however broken, makes a decoder panic.

use super::*;
use crate::canonical::strategies;
use crate::canonical::{
    Error, Filter, KindFilter, Message, MessageKind, MessageStatus, Page, Reaction, TimeBound, User,
};
use crate::dialect::client_common::test_support::{
    arbitrary_bytes, mutated, replaced, JSON_LIKE_TEXT,
};
use crate::dialect::quip::fields::{is_message_key, EXTRA};
use crate::dialect::quip::params::{messages_query, parse_params};
use crate::dialect::quip::GetMessages;
use crate::dialect::Endpoint;
use proptest::prelude::*;
use serde_json::{Map, Value};

/// `extra["quip"]` as the encoder reads it: verbatim keys outside the table, and perhaps
/// `parts` (or `null`) and an `apparent_user` (a string, or an object with a `user_id`).
fn quip_extra() -> impl Strategy<Value = Option<Map<String, Value>>> {
    let parts = prop_oneof![
        Just(None),
        Just(Some(Value::Null)),
        proptest::collection::vec(proptest::collection::vec(strategies::text(), 0..3), 0..3)
            .prop_map(|p| Some(serde_json::json!(p))),
    ];
    let apparent = prop_oneof![
        Just(None),
        strategies::text().prop_map(|s| Some(Value::String(s))),
        strategies::text().prop_map(|s| Some(serde_json::json!({ "user_id": s }))),
        (strategies::text(), strategies::json())
            .prop_map(|(s, v)| Some(serde_json::json!({ "user_id": s, "more": v }))),
    ];
    let verbatim = proptest::collection::vec((strategies::text(), strategies::json()), 0..3);
    proptest::option::of((parts, apparent, verbatim)).prop_map(|e| {
        e.map(|(parts, apparent, verbatim)| {
            let mut m = Map::new();
            if let Some(p) = parts {
                m.insert("parts".into(), p);
            }
            if let Some(a) = apparent {
                m.insert("apparent_user".into(), a);
            }
            for (k, v) in verbatim {
                m.insert(k, v);
            }
            m
        })
    })
}

/// Any message of the thread, with an `extra["quip"]` the encoder takes; every one an edit
/// record when `edits` (what an edit request reads), none otherwise.
fn message(edits: bool) -> impl Strategy<Value = Message> {
    (strategies::message(), quip_extra()).prop_map(move |(mut m, quip)| {
        m.room_id = THREAD.to_owned();
        m.kind = match m.kind {
            _ if edits => MessageKind::Edit,
            MessageKind::Edit => MessageKind::Regular,
            k => k,
        };
        match quip {
            Some(q) => {
                m.extra.insert(EXTRA.to_owned(), Value::Object(q));
            }
            None => {
                m.extra.shift_remove(EXTRA);
            }
        }
        m
    })
}

fn bare(id: &str) -> User {
    User {
        id: id.to_owned(),
        username: String::new(),
        name: None,
        avatar_url: None,
    }
}

/// Distinct strings in first-seen order.
fn unique<'a>(items: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = Vec::new();
    for s in items {
        if !seen.contains(&s) {
            seen.push(s);
        }
    }
    seen
}

/// What reads back of `m` through Quip: the mapping the module documents.
fn carried(m: &Message) -> Message {
    let edit = m.kind == MessageKind::Edit;
    let likes = unique(
        m.reactions
            .iter()
            .flat_map(|r| r.users.iter().map(|u| u.id.as_str())),
    );
    let mut out = Message {
        text: if edit { String::new() } else { m.text.clone() },
        updated_usec: m.updated_usec.filter(|u| *u != m.created_usec),
        kind: if edit {
            MessageKind::Edit
        } else {
            MessageKind::Regular
        },
        status: match m.status {
            MessageStatus::Visible => MessageStatus::Visible,
            _ => MessageStatus::Deleted,
        },
        attachments: m
            .attachments
            .iter()
            .map(|a| crate::canonical::Attachment {
                id: a.id.clone(),
                name: a.name.clone(),
                mime_type: None,
                size: None,
                url: None,
                thumbnail_url: None,
                duration_secs: None,
            })
            .collect(),
        mentions: unique(m.mentions.iter().map(|u| u.id.as_str()))
            .into_iter()
            .map(bare)
            .collect(),
        reactions: if likes.is_empty() {
            Vec::new()
        } else {
            vec![Reaction {
                emoji: LIKE_EMOJI.to_owned(),
                users: likes.into_iter().map(bare).collect(),
            }]
        },
        annotation: m.annotation.clone(),
        diff_groups: if edit {
            m.diff_groups.clone()
        } else {
            Vec::new()
        },
        ..Message::new(
            &m.id,
            &m.room_id,
            User {
                id: m.author.id.clone(),
                username: String::new(),
                name: m.author.name.clone().filter(|n| !n.is_empty()),
                avatar_url: None,
            },
            m.created_usec,
        )
    };
    let Some(q) = m.extra_for(EXTRA) else {
        return out;
    };
    let mut extra = Map::new();
    if let Some(p) = q.get("parts").filter(|p| !p.is_null()) {
        extra.insert("parts".into(), p.clone());
    }
    match q.get("apparent_user") {
        Some(Value::String(s)) => {
            extra.insert("apparent_user".into(), Value::String(s.clone()));
        }
        Some(Value::Object(o)) if o.len() == 1 => {
            extra.insert("apparent_user".into(), o["user_id"].clone());
        }
        Some(v @ Value::Object(_)) => {
            extra.insert("apparent_user".into(), v.clone());
        }
        _ => {}
    }
    for (k, v) in q.iter().filter(|(k, _)| !is_message_key(k)) {
        extra.insert(k.clone(), v.clone());
    }
    if !extra.is_empty() {
        out.extra.insert(EXTRA.to_owned(), Value::Object(extra));
    }
    out
}

/// The kinds of request the server face answers: automation or admin, messages or edits,
/// with deleted messages (admin), by update time (automation).
#[derive(Debug, Clone, Copy)]
struct Shape {
    admin: bool,
    edits: bool,
    deleted: bool,
    by_update: bool,
    count: u32,
}

fn shape() -> impl Strategy<Value = Shape> {
    (any::<(bool, bool, bool, bool)>(), 1u32..=100).prop_map(
        |((admin, edits, deleted, by_update), count)| Shape {
            admin,
            edits,
            deleted: admin && deleted,
            by_update: !admin && by_update,
            count,
        },
    )
}

fn shaped_query(s: Shape) -> ThreadQuery {
    let mut q = if s.admin {
        admin_query(THREAD, "northwind")
    } else {
        query(THREAD)
    };
    if s.edits {
        q.filter.kind = KindFilter::Edits;
    }
    q.filter.include_deleted = s.deleted;
    q.filter.include_hidden = s.deleted;
    if s.by_update {
        q.filter.updated_after = Some(TimeBound::inclusive(5));
        q.order = crate::canonical::Order::Ascending;
    }
    q
}

fn page(edits: bool) -> impl Strategy<Value = Page> {
    proptest::collection::vec(message(edits), 0..5).prop_map(|messages| Page {
        messages,
        ..Page::default()
    })
}

fn shape_and_page() -> impl Strategy<Value = (Shape, Page)> {
    shape().prop_flat_map(|s| (Just(s), page(s.edits)))
}

/// The endpoint of the server face a request goes to.
fn endpoint(req: &Request) -> GetMessages {
    match req.route {
        Route::Messages(which) => GetMessages::new(which),
        Route::CurrentUser | Route::RecentThreads => panic!("no server-face endpoint"),
    }
}

/// Whether `f` admits a message created at `c` and updated at `u` (time bounds only), with
/// the cursor's inclusive `max` on creation.
fn admits(f: &Filter, max: Option<i64>, c: i64, u: i64) -> bool {
    let below = |b: Option<TimeBound>, t: i64| {
        b.map_or(true, |b| if b.inclusive { t <= b.usec } else { t < b.usec })
    };
    f.created_after.map_or(true, |b| b.admits_after(c))
        && below(f.created_before, c)
        && max.map_or(true, |m| c <= m)
        && f.updated_after.map_or(true, |b| b.admits_after(u))
        && below(f.updated_before, u)
}

/// Times around every bound of `q` and the cursor.
fn probes(q: &ThreadQuery, max: Option<i64>) -> Vec<i64> {
    let f = &q.filter;
    let mut at: Vec<i64> = vec![i64::MIN, -1, 0, 1, i64::MAX];
    for b in [f.created_before, f.updated_after, f.updated_before]
        .into_iter()
        .flatten()
    {
        at.push(b.usec);
    }
    at.extend(max);
    let mut out = Vec::new();
    for t in at {
        for d in [-1, 0, 1] {
            out.push(t.saturating_add(d));
        }
    }
    out
}

/// Time bounds small enough that a request can carry them, sometimes.
fn time_bound() -> impl Strategy<Value = Option<TimeBound>> {
    proptest::option::of(
        (
            prop_oneof![
                -3i64..3,
                0i64..2_000_000_000_000_000,
                Just(i64::MAX),
                Just(i64::MIN)
            ],
            any::<bool>(),
        )
            .prop_map(|(usec, inclusive)| TimeBound { usec, inclusive }),
    )
}

fn sendable_query() -> impl Strategy<Value = ThreadQuery> {
    (
        strategies::query(),
        any::<(bool, bool, bool, bool)>(),
        (time_bound(), time_bound(), time_bound()),
    )
        .prop_map(|(mut q, (room, clear, edits, admin), (cb, ua, ub))| {
            if room {
                q.target = Target::Room(THREAD.to_owned());
            }
            if clear {
                q.require_kind = None;
                q.unreads = None;
                q.filter.after_message = None;
                q.filter.before_message = None;
                q.filter.created_after = None;
                q.filter.include_hidden = q.filter.include_deleted;
                q.filter.kind = if edits {
                    KindFilter::Edits
                } else {
                    KindFilter::Messages
                };
                q.access = if admin {
                    Access::CompanyAdmin("c o".into())
                } else {
                    Access::Member
                };
                q.filter.created_before = cb;
                q.filter.updated_after = ua;
                q.filter.updated_before = ub;
            }
            q
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn pages_round_trip((s, page) in shape_and_page()) {
        let q = shaped_query(s);
        let req = messages(&q, None, s.count).expect("a request");
        let ep = endpoint(&req);
        let body = with_view(&req, |v| {
            let decoded = ep.decode(v, principal()).expect("the server face decodes it");
            prop_assert_eq!(decoded.order, q.order);
            let reply = ep.encode(v, &decoded, &page);
            prop_assert_eq!(reply.status().as_u16(), 200);
            Ok(reply.body().to_vec())
        })?;
        let back = decode_messages(&req, &Answer::new(200, &body, 0))
            .unwrap_or_else(|e| panic!("{e:?} for {}", String::from_utf8_lossy(&body)));
        let want: Vec<Message> = page.messages.iter().map(carried).collect();
        prop_assert_eq!(
            Page { messages: back, ..Page::default() },
            Page { messages: want, ..Page::default() }
        );
    }

    /// Decoding is a fixed point: a decoded answer encodes to the same bytes.
    #[test]
    fn decoded_answers_encode_to_the_same_bytes((s, page) in shape_and_page()) {
        let req = messages(&shaped_query(s), None, s.count).unwrap();
        let ep = endpoint(&req);
        let encode = |page: &Page| with_view(&req, |v| {
            let decoded = ep.decode(v, principal()).unwrap();
            ep.encode(v, &decoded, page).body().to_vec()
        });
        let body = encode(&page);
        let once = decode_messages(&req, &Answer::new(200, &body, 0)).unwrap();
        let again = encode(&Page { messages: once, ..Page::default() });
        prop_assert_eq!(String::from_utf8_lossy(&again), String::from_utf8_lossy(&body));
    }

    /// A request the client face sends decodes on the server face to the same selection:
    /// target, access, kind, statuses, order, count, and time bounds that admit the same
    /// messages (the cursor's `max_created_usec` included).
    #[test]
    fn requests_decode_to_the_query(
        q in sendable_query(),
        cursor in proptest::option::of(prop_oneof![0i64..10, Just(i64::MAX)]),
        count in 0u32..=101,
    ) {
        let cursor = cursor.map(|max_created_usec| Cursor { max_created_usec, seen: Vec::new() });
        let req = match messages(&q, cursor.as_ref(), count) {
            Ok(req) => req,
            Err(Unanswerable::Empty) => {
                let max = cursor.as_ref().map(|c| c.max_created_usec);
                for c in probes(&q, max) {
                    for u in probes(&q, max) {
                        prop_assert!(!admits(&q.filter, max, c, u));
                    }
                }
                return Ok(());
            }
            Err(_) => return Ok(()),
        };
        let which = match req.route {
            Route::Messages(w) => w,
            Route::CurrentUser | Route::RecentThreads => unreachable!(),
        };
        let pairs: Vec<(String, String)> = with_view(&req, |v| v.pairs().to_vec());
        let p = parse_params(which, &pairs).expect("the server face accepts it");
        let got = messages_query(which, q.principal.clone(), &req.thread_id, &p);
        prop_assert_eq!(&got.target, &q.target);
        prop_assert_eq!(&got.access, &q.access);
        prop_assert_eq!(got.filter.kind, q.filter.kind);
        prop_assert_eq!(got.filter.include_deleted, q.filter.include_deleted);
        prop_assert_eq!(got.filter.include_hidden, q.filter.include_hidden);
        prop_assert_eq!(got.order, q.order);
        prop_assert_eq!(p.requested_order(), q.order);
        prop_assert_eq!(p.count, count);
        prop_assert!(got.filter.after_message.is_none() && got.filter.before_message.is_none());
        let max = cursor.as_ref().map(|c| c.max_created_usec);
        for c in probes(&q, max) {
            for u in probes(&q, max) {
                prop_assert_eq!(
                    admits(&got.filter, None, c, u),
                    admits(&q.filter, max, c, u),
                    "created {} updated {} via {}", c, u, req.path_and_query()
                );
            }
        }
    }
}

/// Every decoder on one answer: never a panic; a success only for status 200.
fn all_decoders(status: u16, body: &[u8]) -> Result<(), TestCaseError> {
    let ans = Answer::new(status, body, 0);
    let admin = messages(&admin_query(THREAD, "c"), None, 25).unwrap();
    let mut edits = query(THREAD);
    edits.filter.kind = KindFilter::Edits;
    let edits = messages(&edits, None, 25).unwrap();
    for req in [&thread_request(THREAD), &admin, &edits] {
        let got = decode_messages(req, &ans);
        prop_assert!(status == 200 || got.is_err());
        let _ = decode_error(req, &ans);
    }
    let principal = decode_current_user(&current_user(), &ans);
    prop_assert!(status == 200 || principal.is_err());
    let _ = decode_error(&current_user(), &ans);
    Ok(())
}

fn sample_body() -> impl Strategy<Value = Vec<u8>> {
    shape_and_page().prop_map(|(s, page)| {
        let req = messages(&shaped_query(s), None, s.count).unwrap();
        let ep = endpoint(&req);
        with_view(&req, |v| {
            let decoded = ep.decode(v, principal()).unwrap();
            ep.encode(v, &decoded, &page).body().to_vec()
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_bytes_never_panic(
        status in prop_oneof![
            Just(200u16), Just(400), Just(401), Just(403), Just(404), Just(405), Just(429),
            Just(501), Just(503), Just(504), any::<u16>()
        ],
        body in arbitrary_bytes(),
    ) {
        all_decoders(status, &body)?;
    }

    #[test]
    fn json_like_text_never_panics(body in JSON_LIKE_TEXT) {
        for status in [200, 400, 403, 404, 405, 429, 501, 503] {
            all_decoders(status, body.as_bytes())?;
        }
    }

    #[test]
    fn error_envelopes_never_panic(
        status in 100u16..600,
        text in strategies::text(),
        prefix in prop_oneof![
            Just(""), Just("Missing "), Just("Invalid "), Just("Not authorized: "),
            Just("Not answerable through this gateway's upstream: "),
        ],
    ) {
        let body = serde_json::json!({
            "error": "x", "error_code": status, "error_description": format!("{prefix}{text}")
        });
        all_decoders(status, body.to_string().as_bytes())?;
    }

    #[test]
    fn damaged_answers_never_panic(body in mutated(sample_body())) {
        all_decoders(200, &body)?;
    }

    /// An answer with one value replaced decodes, or is refused as a bad answer.
    #[test]
    fn answers_with_a_value_replaced_are_decoded_or_refused(body in replaced(sample_body())) {
        all_decoders(200, &body)?;
        match decode_messages(&thread_request(THREAD), &Answer::new(200, &body, 0)) {
            Ok(_) | Err(Error::BadBackendAnswer(_)) => {}
            Err(e) => prop_assert!(false, "{:?}", e),
        }
    }
}
