//! `threadgate generate`: a synthetic seed directory (`docs/data-format.md`) for scale
//! measurements.
//!
//! Four users with known tokens; one direct room of `messages` messages between the first
//! two; one channel holding a thread root with `thread_replies` replies. The rooms and the
//! two direct users have pinned integers, so SelfCommunity URLs are known in advance. The
//! output is a function of the options alone (a fixed-seed PRNG), written as a stream.

use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Messages of the direct room.
    pub messages: u64,
    /// Replies of the channel's thread root.
    pub thread_replies: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            messages: 1_000,
            thread_replies: 20_000,
        }
    }
}

/// A generated user and its tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedUser {
    pub id: &'static str,
    pub username: &'static str,
    pub int_id: Option<i64>,
    pub bearer: String,
    pub rocketchat: String,
}

/// What a generated directory holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    pub users: Vec<GeneratedUser>,
    pub records: u64,
}

/// The direct room between the first two users.
pub const DIRECT_ROOM: &str = "scale-dm";
/// Its pinned integer (SelfCommunity `thread=`).
pub const DIRECT_ROOM_INT: i64 = 1;
/// The channel of the thread.
pub const CHANNEL: &str = "scale-channel";
pub const CHANNEL_INT: i64 = 2;
/// The thread root (Rocket.Chat `tmid`).
pub const THREAD_ROOT: &str = "scale-thread-root";

/// `(id, username, display name, pinned integer)`
const USERS: [(&str, &str, &str, Option<i64>); 4] = [
    ("u-scale-alice", "alice", "Alice Liddell", Some(1)),
    ("u-scale-bob", "bob", "Bob Marley", Some(2)),
    ("u-scale-carol", "carol", "Carol Peletier", None),
    ("u-scale-dave", "dave", "Dave Lister", None),
];

/// 2024-01-01T00:00:00Z in microseconds.
const START_USEC: i64 = 1_704_067_200_000_000;

const WORDS: &[&str] = &[
    "the",
    "build",
    "is",
    "green",
    "again",
    "after",
    "we",
    "merged",
    "fix",
    "for",
    "flaky",
    "test",
    "can",
    "you",
    "review",
    "my",
    "pull",
    "request",
    "today",
    "deploy",
    "staging",
    "looks",
    "good",
    "to",
    "me",
    "let's",
    "ship",
    "it",
    "tomorrow",
    "morning",
    "meeting",
    "moved",
    "3pm",
    "coffee",
    "lunch",
    "café",
    "naïve",
    "question",
    "about",
    "schema",
    "migration",
    "rollback",
    "plan",
    "logs",
    "show",
    "timeout",
    "on",
    "the",
    "gateway",
    "latency",
    "p99",
    "dropped",
    "nice",
    "thanks",
    "👍",
    "🎉",
    "日本",
    "office",
    "Zürich",
    "customer",
    "ticket",
    "priority",
    "high",
    "low",
    "maybe",
    "definitely",
    "not",
    "sure",
    "why",
    "what",
    "when",
    "please",
    "check",
    "dashboard",
    "alerts",
    "quiet",
    "weekend",
];

/// xorshift64*: small, fast, deterministic (also the store's tests' generator).
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform enough in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }
}

#[derive(Serialize)]
struct UserLine<'a> {
    id: &'a str,
    username: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    int_id: Option<i64>,
}

#[derive(Serialize)]
struct RoomLine<'a> {
    id: &'a str,
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    members: Vec<&'a str>,
    int_id: i64,
    created_at: &'a str,
}

#[derive(Serialize)]
struct MessageLine<'a> {
    id: &'a str,
    room_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent_id: Option<&'a str>,
    author_id: &'a str,
    text: &'a str,
    created_at: &'a str,
    kind: &'a str,
    status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reactions: Option<BTreeMap<&'a str, Vec<&'a str>>>,
}

#[derive(Serialize)]
struct TokenLine<'a> {
    user_id: &'a str,
    scheme: &'a str,
    token: &'a str,
}

/// Writes the seed files into `dir` (created when missing), replacing those there.
pub fn generate(dir: &Path, options: &Options) -> std::io::Result<Generated> {
    std::fs::create_dir_all(dir)?;
    let users: Vec<GeneratedUser> = USERS
        .iter()
        .map(|&(id, username, _, int_id)| GeneratedUser {
            id,
            username,
            int_id,
            bearer: format!("scale-bearer-{username}"),
            rocketchat: format!("scale-rocketchat-{username}"),
        })
        .collect();
    let mut records = 0u64;
    let mut out = writer(dir, "users.jsonl")?;
    for &(id, username, name, int_id) in &USERS {
        let line = UserLine {
            id,
            username,
            name,
            int_id,
        };
        records += write_line(&mut out, &line)?;
    }
    out.flush()?;
    records += write_rooms(dir)?;
    records += write_messages(dir, options)?;
    let mut out = writer(dir, "tokens.jsonl")?;
    for user in &users {
        for (scheme, token) in [("bearer", &user.bearer), ("rocketchat", &user.rocketchat)] {
            let line = TokenLine {
                user_id: user.id,
                scheme,
                token,
            };
            records += write_line(&mut out, &line)?;
        }
    }
    out.flush()?;
    Ok(Generated { users, records })
}

/// The users, their tokens and the URLs that read the generated rooms, for a terminal.
pub fn summary(generated: &Generated) -> String {
    let mut out = String::from("users (id, username, SelfCommunity integer, tokens):\n");
    for user in &generated.users {
        let int_id = user
            .int_id
            .map_or_else(|| "-".to_owned(), |n| n.to_string());
        let _ = writeln!(
            out,
            "  {} {} {int_id} bearer={} rocketchat={}",
            user.id, user.username, user.bearer, user.rocketchat
        );
    }
    let (alice, bob) = (&generated.users[0], &generated.users[1]);
    let _ = writeln!(
        out,
        "direct room {DIRECT_ROOM} (integer {DIRECT_ROOM_INT}), channel {CHANNEL} (integer \
         {CHANNEL_INT}), thread root {THREAD_ROOT}\n\
         SelfCommunity: GET /api/v2/pm/?user={bob_int}  (Authorization: Bearer {bearer})\n\
         \x20              GET /api/v2/pm/?thread={DIRECT_ROOM_INT}\n\
         Rocket.Chat:   GET /api/v1/dm.history?roomId={DIRECT_ROOM}  (X-User-Id: {alice_id}, \
         X-Auth-Token: {rc})\n\
         \x20              GET /api/v1/chat.getThreadMessages?tmid={THREAD_ROOT}",
        bob_int = bob.int_id.unwrap_or_default(),
        bearer = alice.bearer,
        alice_id = alice.id,
        rc = alice.rocketchat,
    );
    out
}

fn writer(dir: &Path, file: &str) -> std::io::Result<BufWriter<File>> {
    Ok(BufWriter::with_capacity(
        1 << 20,
        File::create(dir.join(file))?,
    ))
}

fn write_line<T: Serialize>(out: &mut impl Write, line: &T) -> std::io::Result<u64> {
    serde_json::to_writer(&mut *out, line)?;
    out.write_all(b"\n")?;
    Ok(1)
}

fn write_rooms(dir: &Path) -> std::io::Result<u64> {
    let mut out = writer(dir, "rooms.jsonl")?;
    let created = rfc3339(START_USEC - 86_400_000_000);
    let direct = RoomLine {
        id: DIRECT_ROOM,
        kind: "direct",
        name: None,
        members: vec![USERS[0].0, USERS[1].0],
        int_id: DIRECT_ROOM_INT,
        created_at: &created,
    };
    let channel = RoomLine {
        id: CHANNEL,
        kind: "channel",
        name: Some("scale"),
        members: USERS.iter().map(|u| u.0).collect(),
        int_id: CHANNEL_INT,
        created_at: &created,
    };
    let records = write_line(&mut out, &direct)? + write_line(&mut out, &channel)?;
    out.flush()?;
    Ok(records)
}

/// The direct room's messages, then the thread root and its replies.
fn write_messages(dir: &Path, options: &Options) -> std::io::Result<u64> {
    let mut out = writer(dir, "messages.jsonl")?;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut text = String::new();
    let mut id = String::new();
    let mut usec = START_USEC;
    let mut records = 0u64;
    for n in 0..options.messages {
        usec += step(&mut rng);
        let author = USERS[rng.below(2) as usize].0;
        sentence(&mut rng, &mut text);
        id.clear();
        let _ = write!(id, "dm{n:09}");
        let reactions = rng
            .one_in(100)
            .then(|| BTreeMap::from([(":+1:", vec![USERS[usize::from(author == USERS[0].0)].0])]));
        let line = MessageLine {
            id: &id,
            room_id: DIRECT_ROOM,
            parent_id: None,
            author_id: author,
            text: &text,
            created_at: &rfc3339(usec),
            kind: "regular",
            status: "visible",
            reactions,
        };
        records += write_line(&mut out, &line)?;
    }
    records += write_thread(&mut out, &mut rng, options.thread_replies)?;
    out.flush()?;
    Ok(records)
}

fn write_thread(out: &mut impl Write, rng: &mut Rng, replies: u64) -> std::io::Result<u64> {
    let mut usec = START_USEC;
    let root = MessageLine {
        id: THREAD_ROOT,
        room_id: CHANNEL,
        parent_id: None,
        author_id: USERS[0].0,
        text: "Thread for the scale test: reply here",
        created_at: &rfc3339(usec),
        kind: "regular",
        status: "visible",
        reactions: None,
    };
    let mut records = write_line(out, &root)?;
    let mut text = String::new();
    for n in 0..replies {
        usec += step(rng);
        sentence(rng, &mut text);
        let id = format!("th{n:09}");
        let line = MessageLine {
            id: &id,
            room_id: CHANNEL,
            parent_id: Some(THREAD_ROOT),
            author_id: USERS[rng.below(USERS.len() as u64) as usize].0,
            text: &text,
            created_at: &rfc3339(usec),
            kind: "regular",
            status: "visible",
            reactions: None,
        };
        records += write_line(out, &line)?;
    }
    Ok(records)
}

/// Between two messages: 1 to 90 seconds, with microseconds.
fn step(rng: &mut Rng) -> i64 {
    (1 + rng.below(90) as i64) * 1_000_000 + rng.below(1_000_000) as i64
}

/// A chat-like text of 2 to 24 words, sometimes two sentences or a mention.
fn sentence(rng: &mut Rng, text: &mut String) {
    text.clear();
    let words = 2 + rng.below(23);
    for i in 0..words {
        let word = WORDS[rng.below(WORDS.len() as u64) as usize];
        if i == 0 {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                text.extend(first.to_uppercase());
                text.push_str(chars.as_str());
            }
        } else {
            text.push(' ');
            text.push_str(word);
        }
    }
    text.push(['.', '?', '!'][rng.below(3) as usize]);
    if rng.one_in(20) {
        text.push_str(" Also, see the notes from yesterday.");
    }
    if rng.one_in(40) {
        text.push_str(" @bob");
    }
}

/// `usec` microseconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
fn rfc3339(usec: i64) -> String {
    let secs = usec.div_euclid(1_000_000);
    let micros = usec.rem_euclid(1_000_000);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{micros:06}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::embedded::EmbeddedBackend;
    use crate::backend::{Backend, QueryContext};
    use crate::canonical::{Principal, Target, ThreadQuery};

    #[test]
    fn times_are_rfc3339() {
        assert_eq!(rfc3339(START_USEC), "2024-01-01T00:00:00.000000Z");
        assert_eq!(rfc3339(951_782_400_000_001), "2000-02-29T00:00:00.000001Z");
        assert_eq!(
            rfc3339(1_735_689_599_999_999),
            "2024-12-31T23:59:59.999999Z"
        );
    }

    #[tokio::test]
    async fn a_generated_seed_imports_and_counts() {
        let dir = tempfile::tempdir().unwrap();
        let options = Options {
            messages: 2_000,
            thread_replies: 300,
        };
        let generated = generate(dir.path(), &options).unwrap();
        assert_eq!(generated.records, 4 + 2 + 2_000 + 301 + 8);
        assert_eq!(
            EmbeddedBackend::count_records(dir.path()).unwrap(),
            generated.records
        );
        let again = tempfile::tempdir().unwrap();
        generate(again.path(), &options).unwrap();
        let bytes = |d: &Path| std::fs::read(d.join("messages.jsonl")).unwrap();
        assert_eq!(bytes(dir.path()), bytes(again.path()), "deterministic");

        let store = EmbeddedBackend::open(":memory:", 1).unwrap();
        let stats = store.import_dir(dir.path()).unwrap();
        assert_eq!(stats.messages, 2_301);
        let alice = Principal {
            user_id: USERS[0].0.into(),
            username: USERS[0].1.into(),
            admin_of: Vec::new(),
        };
        let mut query = ThreadQuery::new(alice.clone(), Target::Room(DIRECT_ROOM.into()));
        query.want_total = true;
        let page = store.query(&query, &QueryContext::default()).await.unwrap();
        assert_eq!(page.total, Some(2_000));
        let mut replies = ThreadQuery::new(alice, Target::Replies(THREAD_ROOT.into()));
        replies.want_total = true;
        let page = store
            .query(&replies, &QueryContext::default())
            .await
            .unwrap();
        assert_eq!(page.total, Some(300));
    }
}
