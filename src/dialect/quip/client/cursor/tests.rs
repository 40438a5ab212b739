use super::*;
use crate::canonical::User;

fn m(id: &str, usec: i64) -> Message {
    let author = User {
        id: "U".into(),
        username: String::new(),
        name: None,
        avatar_url: None,
    };
    Message::new(id, "T", author, usec)
}

fn ids(step: &Step) -> Vec<&str> {
    step.fresh.iter().map(|m| m.id.as_str()).collect()
}

/// The server's rule: the `count` newest at or before `max`, newest first, ties by id desc.
fn server(all: &[Message], max: Option<i64>, count: usize) -> Vec<Message> {
    let mut hits: Vec<Message> = all
        .iter()
        .filter(|m| max.map_or(true, |max| m.created_usec <= max))
        .cloned()
        .collect();
    hits.sort_by(|a, b| (b.created_usec, &b.id).cmp(&(a.created_usec, &a.id)));
    hits.truncate(count);
    hits
}

#[test]
fn ties_at_the_boundary_are_dropped_once() {
    let first = vec![m("m9", 9), m("m8", 8), m("m7", 7), m("m6", 7)];
    let s1 = step(None, first, 4).unwrap();
    assert_eq!(ids(&s1), ["m9", "m8", "m7", "m6"]);
    let c = s1.next.clone().unwrap();
    assert_eq!(c.max_created_usec, 7);
    assert_eq!(c.seen, ["m7", "m6"]);
    let second = vec![m("m7", 7), m("m6", 7), m("m5", 7), m("m4", 4)];
    let s2 = step(Some(&c), second, 4).unwrap();
    assert_eq!(ids(&s2), ["m5", "m4"]);
    assert_eq!(s2.next.unwrap().seen, ["m4"]);
}

#[test]
fn a_short_answer_is_the_end() {
    let s = step(None, vec![m("a", 1)], 2).unwrap();
    assert_eq!(ids(&s), ["a"]);
    assert_eq!(s.next, None);
    let s = step(None, Vec::new(), 2).unwrap();
    assert_eq!((s.fresh.len(), s.next), (0, None));
}

#[test]
fn ties_carried_across_answers_in_one_microsecond() {
    let c = Cursor {
        max_created_usec: 5,
        seen: vec!["x".into()],
    };
    let s = step(Some(&c), vec![m("x", 5), m("w", 5)], 2).unwrap();
    assert_eq!(ids(&s), ["w"]);
    assert_eq!(s.next.unwrap().seen, ["x", "w"]);
}

#[test]
fn more_ties_than_count_are_refused() {
    let c = Cursor {
        max_created_usec: 5,
        seen: vec!["x".into(), "w".into()],
    };
    assert!(matches!(
        step(Some(&c), vec![m("x", 5), m("w", 5)], 2),
        Err(Error::Unsupported(_))
    ));
    assert!(matches!(
        step(Some(&c), vec![m("y", 6)], 2),
        Err(Error::BadBackendAnswer(_))
    ));
}

#[test]
fn a_walk_returns_every_message_once() {
    let all: Vec<Message> = [9, 8, 8, 8, 7, 5, 5, 3, 3, 3, 1]
        .iter()
        .enumerate()
        .map(|(i, t)| m(&format!("m{i:02}"), *t))
        .collect();
    for count in 4..=12 {
        let mut got = Vec::new();
        let mut cursor: Option<Cursor> = None;
        for _ in 0..20 {
            let answer = server(&all, cursor.as_ref().map(|c| c.max_created_usec), count);
            let s = step(cursor.as_ref(), answer, count as u32).unwrap();
            got.extend(s.fresh.into_iter().map(|m| m.id));
            match s.next {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        let want: Vec<String> = server(&all, None, 100).into_iter().map(|m| m.id).collect();
        assert_eq!(got, want, "count {count}");
    }
}
