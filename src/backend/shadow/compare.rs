//! Field-path comparison of two canonical answers (a [`Page`] or an [`Error`], as JSON).
//!
//! Every difference has two names: the **path**, free of indices, that statistics aggregate
//! (`total`, `messages[].text`, `messages[].author.name`, `messages[].reactions`), and the
//! **place** of this one occurrence (`messages[3].text`, the index in the primary's page).
//! Messages are matched by id, so a message one side lacks is one difference
//! (`messages[missing]` or `messages[added]`, at `messages[id=...]`) rather than every later
//! index shifted; `messages[order]` says the common messages come in another order. Arrays
//! inside a message (reactions, attachments, mentions, ...) and `extra` are compared whole.

use crate::canonical::{Error, Page};
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// A message of the primary's page that the other answer lacks.
pub const MISSING: &str = "messages[missing]";
/// A message of the other answer that the primary's page lacks.
pub const ADDED: &str = "messages[added]";
/// The messages both answers have, in another order.
pub const ORDER: &str = "messages[order]";
/// One answer is an error and the other is not, or the errors differ.
pub const ERROR: &str = "error";

/// One difference between the two answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// The aggregated path (`messages[].text`).
    pub path: String,
    /// Where exactly (`messages[3].text`, `messages[id=abc]`).
    pub at: String,
    /// The value in the primary's answer (`null` when absent).
    pub primary: Value,
    /// The value in the other answer (`null` when absent).
    pub other: Value,
}

/// The result of comparing two answers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Comparison {
    /// Every path compared (present on either side and not ignored).
    pub compared: BTreeSet<String>,
    /// Every difference found, in the order of the primary's answer.
    pub differences: Vec<Difference>,
}

impl Comparison {
    /// The paths that differed at least once.
    pub fn differed(&self) -> BTreeSet<&str> {
        self.differences.iter().map(|d| d.path.as_str()).collect()
    }
}

/// Paths never compared: each one and everything below it.
#[derive(Debug, Clone, Default)]
pub struct Ignore(Vec<String>);

impl Ignore {
    pub fn new(paths: &[String]) -> Ignore {
        Ignore(paths.iter().map(|p| p.trim().to_owned()).collect())
    }

    pub fn covers(&self, path: &str) -> bool {
        self.0.iter().any(|p| {
            path == p
                || (path.starts_with(p.as_str())
                    && matches!(path.as_bytes().get(p.len()), Some(b'.' | b'[')))
        })
    }
}

/// An answer as the comparison sees it: the page as its canonical JSON, or
/// `{"error": {"kind": ..., "message": ...}}`.
pub fn answer_value(answer: &Result<Page, Error>) -> Value {
    match answer {
        Ok(page) => serde_json::to_value(page).unwrap_or_else(|e| error_value("internal", &e)),
        Err(e) => error_value(e.kind(), e),
    }
}

fn error_value(kind: &str, message: &dyn std::fmt::Display) -> Value {
    let mut inner = Map::new();
    inner.insert("kind".into(), Value::from(kind));
    inner.insert("message".into(), Value::from(message.to_string()));
    let mut outer = Map::new();
    outer.insert(ERROR.into(), Value::Object(inner));
    Value::Object(outer)
}

/// Compares the primary's answer with another one (both as [`answer_value`] makes them).
pub fn compare(primary: &Value, other: &Value, ignore: &Ignore) -> Comparison {
    let mut walk = Walk {
        ignore,
        out: Comparison::default(),
    };
    let (a, b) = (primary.get(ERROR), other.get(ERROR));
    if a.is_some() || b.is_some() {
        walk.leaf(ERROR, ERROR, a, b);
        return walk.out;
    }
    let empty = Map::new();
    let a = primary.as_object().unwrap_or(&empty);
    let b = other.as_object().unwrap_or(&empty);
    walk.messages(a.get("messages"), b.get("messages"));
    for key in union(a, b) {
        if key != "messages" {
            walk.value(key, key, a.get(key), b.get(key));
        }
    }
    walk.out
}

/// The keys of both objects, those of `a` first, each once.
fn union<'a>(a: &'a Map<String, Value>, b: &'a Map<String, Value>) -> Vec<&'a str> {
    let mut keys: Vec<&str> = a.keys().map(String::as_str).collect();
    keys.extend(b.keys().map(String::as_str).filter(|k| !a.contains_key(*k)));
    keys
}

struct Walk<'i> {
    ignore: &'i Ignore,
    out: Comparison,
}

impl Walk<'_> {
    /// Compares two values at `path` / `at`: objects key by key, everything else whole.
    fn value(&mut self, path: &str, at: &str, a: Option<&Value>, b: Option<&Value>) {
        if self.ignore.covers(path) {
            return;
        }
        match (a, b) {
            (Some(Value::Object(x)), Some(Value::Object(y))) if !path.ends_with("extra") => {
                for key in union(x, y) {
                    self.value(
                        &format!("{path}.{key}"),
                        &format!("{at}.{key}"),
                        x.get(key),
                        y.get(key),
                    );
                }
            }
            _ => self.leaf(path, at, a, b),
        }
    }

    fn leaf(&mut self, path: &str, at: &str, a: Option<&Value>, b: Option<&Value>) {
        if self.ignore.covers(path) || (a.is_none() && b.is_none()) {
            return;
        }
        self.out.compared.insert(path.to_owned());
        if a != b {
            self.differ(path, at, a.cloned(), b.cloned());
        }
    }

    fn differ(&mut self, path: &str, at: &str, a: Option<Value>, b: Option<Value>) {
        self.out.differences.push(Difference {
            path: path.to_owned(),
            at: at.to_owned(),
            primary: a.unwrap_or(Value::Null),
            other: b.unwrap_or(Value::Null),
        });
    }

    /// The messages, matched by id.
    fn messages(&mut self, a: Option<&Value>, b: Option<&Value>) {
        let none = Vec::new();
        let a = a.and_then(Value::as_array).unwrap_or(&none);
        let b = b.and_then(Value::as_array).unwrap_or(&none);
        let id = |m: &Value| m.get("id").and_then(Value::as_str).map(str::to_owned);
        let b_ids: std::collections::HashMap<String, usize> = b
            .iter()
            .enumerate()
            .rev()
            .filter_map(|(i, m)| id(m).map(|id| (id, i)))
            .collect();
        let a_ids: BTreeSet<String> = a.iter().filter_map(id).collect();
        for path in [MISSING, ADDED, ORDER] {
            if !self.ignore.covers(path) {
                self.out.compared.insert(path.to_owned());
            }
        }
        let mut common = Vec::new();
        for (i, m) in a.iter().enumerate() {
            let Some(mid) = id(m) else { continue };
            match b_ids.get(&mid) {
                Some(&j) => {
                    common.push((mid, j));
                    self.message(i, m, &b[j]);
                }
                None if !self.ignore.covers(MISSING) => self.differ(
                    MISSING,
                    &format!("messages[id={mid}]"),
                    Some(m.clone()),
                    None,
                ),
                None => {}
            }
        }
        for m in b {
            match id(m) {
                Some(mid) if !a_ids.contains(&mid) && !self.ignore.covers(ADDED) => {
                    self.differ(ADDED, &format!("messages[id={mid}]"), None, Some(m.clone()))
                }
                _ => {}
            }
        }
        if !self.ignore.covers(ORDER) && common.windows(2).any(|w| w[0].1 > w[1].1) {
            let primary: Vec<Value> = common
                .iter()
                .map(|(id, _)| Value::from(id.as_str()))
                .collect();
            let mut by_other = common.clone();
            by_other.sort_by_key(|(_, j)| *j);
            let other: Vec<Value> = by_other
                .iter()
                .map(|(id, _)| Value::from(id.as_str()))
                .collect();
            self.differ(
                ORDER,
                "messages",
                Some(Value::Array(primary)),
                Some(Value::Array(other)),
            );
        }
    }

    fn message(&mut self, index: usize, a: &Value, b: &Value) {
        let empty = Map::new();
        let x = a.as_object().unwrap_or(&empty);
        let y = b.as_object().unwrap_or(&empty);
        for key in union(x, y) {
            self.value(
                &format!("messages[].{key}"),
                &format!("messages[{index}].{key}"),
                x.get(key),
                y.get(key),
            );
        }
    }
}

#[cfg(test)]
mod tests;
