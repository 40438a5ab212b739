//! Rocket.Chat `chat.getThreadMessages` page encoding: the byte-level encoder
//! (`encode_thread_page`) against a serde baseline (`serde_json::to_vec` of plain
//! `#[derive(Serialize)]` structs with the same keys, converted before timing).
//!
//! A third variant, C, converts inside the timed loop (what a serde-based endpoint would
//! pay); it is context, not the baseline.
//!
//! Run: `cargo bench --bench rocketchat_encode -- --warm-up-time 1 --measurement-time 3`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use threadgate::canonical::time::iso_millis;
use threadgate::canonical::{
    Attachment, Message, MessageKind, MessageStatus, Reaction, ThreadSummary, User,
};
use threadgate::dialect::rocketchat::encode_thread_page;

const N: usize = 100;
/// 2026-02-20T15:00:00Z in microseconds.
const T0: i64 = 1_771_599_600_000_000;

fn user(i: usize) -> User {
    const PEOPLE: [(&str, &str, &str); 6] = [
        ("vSt4xaDt4dQRTjJYe", "ana.lima", "Ana Lima"),
        ("RbqpoNKKc4m2vhN52", "ben.okafor", "Ben Okafor"),
        ("vDstRKMvtHPAYJks4", "priya.raman", "Priya Raman"),
        ("2vs9gdu89HRJqmvaa", "chloe.martin", "Chloé Martin"),
        ("k3nJ1Xq9ZzPp0oYwA", "kenji.sato", "Kenji Sato"),
        ("bot7Rr2mQqWwEeTtY", "deploy.bot", ""),
    ];
    let (id, username, name) = PEOPLE[i % PEOPLE.len()];
    User {
        id: id.to_owned(),
        username: username.to_owned(),
        name: (!name.is_empty()).then(|| name.to_owned()),
        avatar_url: None,
    }
}

const TEXTS: [&str; 5] = [
    "Rolled back the limiter change on eu-west; error rate is back under 0.1% and holding.",
    "Can someone double-check the dashboard? The p99 panel still says \"stale\" for me.",
    "Paging @kenji.sato: the queue depth alarm fired again at 03:12 UTC.\nSame pattern as Tuesday.",
    "Yes, recording plus slides (draft attached). Bring questions about the current limiter.",
    "ok 👍",
];

/// 100 replies of one thread: mentions on every third, reactions on every fourth, edits on
/// every fifth, one attachment, a few also shown in the room.
fn messages() -> Vec<Message> {
    (0..N)
        .map(|i| {
            let created = T0 + (i as i64) * 61_234_567;
            let edited = (i % 5 == 0).then_some(created + 95_000_000);
            Message {
                id: format!("r{i:03}Xq8LmZpT2vNc"),
                room_id: "GENERAL".to_owned(),
                parent_id: Some("LscqGbTLCzXQhjg4m".to_owned()),
                author: user(i),
                recipient: None,
                text: TEXTS[i % TEXTS.len()].to_owned(),
                html: None,
                created_usec: created,
                updated_usec: edited,
                edited_usec: edited,
                edited_by: edited.map(|_| user(i)),
                kind: MessageKind::Regular,
                status: MessageStatus::Visible,
                show_in_room: i % 10 == 7,
                attachments: if i == 42 {
                    vec![Attachment {
                        id: "tiSKbM7nzALo9txRw".to_owned(),
                        name: Some("motor-controller-board-v3-draft.pdf".to_owned()),
                        mime_type: Some("application/pdf".to_owned()),
                        size: Some(5_128_334),
                        url: Some("/file-upload/tiSKbM7nzALo9txRw/draft.pdf".to_owned()),
                        thumbnail_url: None,
                        duration_secs: None,
                    }]
                } else {
                    Vec::new()
                },
                mentions: if i % 3 == 0 {
                    (1..=1 + i % 2).map(|k| user(i + k)).collect()
                } else {
                    Vec::new()
                },
                reactions: if i % 4 == 0 {
                    vec![
                        Reaction {
                            emoji: ":+1:".to_owned(),
                            users: (1..=1 + i % 3).map(|k| user(i + k)).collect(),
                        },
                        Reaction {
                            emoji: ":eyes:".to_owned(),
                            users: vec![user(i + 2)],
                        },
                    ]
                } else {
                    Vec::new()
                },
                thread: None::<ThreadSummary>,
                annotation: None,
                diff_groups: Vec::new(),
                group_id: None,
                extra: serde_json::Map::new(),
            }
        })
        .collect()
}

// ---- baseline: plain serde structs with the same keys --------------------------------------

#[derive(Serialize)]
struct SUser {
    _id: String,
    username: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

#[derive(Serialize)]
struct SMention {
    _id: String,
    username: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct SEditor {
    _id: String,
    username: String,
}

#[derive(Serialize)]
struct SFile {
    _id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    mime: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<u64>,
}

#[derive(Serialize)]
struct SUsernames {
    usernames: Vec<String>,
}

/// `{":emoji:": {"usernames": [...]}}` in reaction order.
struct SReactions(Vec<(String, SUsernames)>);

impl Serialize for SReactions {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (emoji, users) in &self.0 {
            map.serialize_entry(emoji, users)?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct SMessage {
    _id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    t: Option<String>,
    rid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    tmid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tshow: Option<bool>,
    msg: String,
    ts: String,
    u: SUser,
    #[serde(skip_serializing_if = "Option::is_none")]
    groupable: Option<bool>,
    #[serde(rename = "_updatedAt")]
    updated_at: String,
    #[serde(rename = "editedAt", skip_serializing_if = "Option::is_none")]
    edited_at: Option<String>,
    #[serde(rename = "editedBy", skip_serializing_if = "Option::is_none")]
    edited_by: Option<SEditor>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mentions: Option<Vec<SMention>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    channels: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<SFile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    files: Option<Vec<SFile>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reactions: Option<SReactions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    replies: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tcount: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tlm: Option<String>,
}

#[derive(Serialize)]
struct SPage<'a> {
    messages: &'a [SMessage],
    count: usize,
    offset: u64,
    total: u64,
    success: bool,
}

fn s_user(u: &User) -> SUser {
    SUser {
        _id: u.id.clone(),
        username: u.username.clone(),
        name: u.name.clone(),
    }
}

fn s_file(a: &Attachment) -> SFile {
    SFile {
        _id: a.id.clone(),
        name: a.name.clone(),
        mime: a.mime_type.clone(),
        size: a.size,
    }
}

fn to_serde(m: &Message) -> SMessage {
    let system = match &m.kind {
        MessageKind::System { system_type } => Some(system_type.clone()),
        _ => None,
    };
    let regular = system.is_none();
    SMessage {
        _id: m.id.clone(),
        groupable: system.as_ref().map(|_| false),
        t: system,
        rid: m.room_id.clone(),
        tmid: m.parent_id.clone(),
        tshow: (m.parent_id.is_some() && m.show_in_room).then_some(true),
        msg: m.text.clone(),
        ts: iso_millis(m.created_usec),
        u: s_user(&m.author),
        updated_at: iso_millis(m.updated_or_created()),
        edited_at: m.edited_usec.map(iso_millis),
        edited_by: m.edited_usec.and(m.edited_by.as_ref()).map(|u| SEditor {
            _id: u.id.clone(),
            username: u.username.clone(),
        }),
        mentions: regular.then(|| {
            m.mentions
                .iter()
                .map(|u| SMention {
                    _id: u.id.clone(),
                    username: u.username.clone(),
                    name: u.name.clone(),
                    kind: "user",
                })
                .collect()
        }),
        channels: regular.then(Vec::new),
        file: m.attachments.first().map(s_file),
        files: (!m.attachments.is_empty()).then(|| m.attachments.iter().map(s_file).collect()),
        reactions: (!m.reactions.is_empty()).then(|| {
            SReactions(
                m.reactions
                    .iter()
                    .map(|r| {
                        let usernames = r.users.iter().map(|u| u.username.clone()).collect();
                        (r.emoji.clone(), SUsernames { usernames })
                    })
                    .collect(),
            )
        }),
        replies: m.thread.as_ref().map(|t| t.participants.clone()),
        tcount: m.thread.as_ref().map(|t| t.reply_count),
        tlm: m
            .thread
            .as_ref()
            .and_then(|t| t.last_reply_usec)
            .map(iso_millis),
    }
}

fn bench(c: &mut Criterion) {
    let msgs = messages();
    let serde_msgs: Vec<SMessage> = msgs.iter().map(to_serde).collect();
    let page = |m: &[SMessage]| {
        serde_json::to_vec(&SPage {
            messages: m,
            count: m.len(),
            offset: 0,
            total: N as u64,
            success: true,
        })
    };

    // Both sides must produce the same bytes, or the comparison means nothing.
    let mut ours = Vec::new();
    encode_thread_page(&mut ours, &msgs, 0, N as u64);
    let theirs = page(&serde_msgs).expect("baseline serializes");
    assert_eq!(
        String::from_utf8_lossy(&ours),
        String::from_utf8_lossy(&theirs),
        "encoder and baseline disagree"
    );

    let mut group = c.benchmark_group("rocketchat_thread_page_100");
    group.throughput(Throughput::Bytes(ours.len() as u64));
    group.bench_function("A_encode_thread_page", |b| {
        b.iter(|| {
            let mut out = Vec::new();
            encode_thread_page(&mut out, black_box(&msgs), 0, N as u64);
            out
        })
    });
    group.bench_function("B_serde_json_to_vec", |b| {
        b.iter(|| page(black_box(&serde_msgs)))
    });
    // Context only (not the baseline): what a serde-based endpoint would pay, converting
    // canonical messages (timestamps included) inside the request.
    group.bench_function("C_convert_then_serde_json", |b| {
        b.iter(|| {
            let converted: Vec<SMessage> = black_box(&msgs).iter().map(to_serde).collect();
            page(&converted)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
