//! Query-string handling shared by the Rocket.Chat endpoints, reproducing the JavaScript the
//! upstream server runs:
//!
//! - [`QueryParams::parse`]: the `qs` module as Express and the typed router call it
//!   (`+` = space, `%XX` UTF-8, a component that does not decode is kept as sent, repeated keys
//!   and `key[]=` become arrays, `key[sub]=` becomes an object).
//! - [`parse_int`]: JavaScript's `parseInt(string)` (used by `getPaginationItems`).
//! - [`coerce_number`]: ajv's `coerceTypes` string-to-number step, restricted to decimal
//!   literals as spec §3 says.
//! - [`Schema::validate`]: the ajv checks the endpoints' query schemas use (`required`,
//!   `additionalProperties: false`, `type`, `minLength`, `enum`, `nullable`), first error only.
//!
//! Nothing here panics on any input.

use crate::canonical::Error;
use std::borrow::Cow;

/// `qs`'s default `parameterLimit`: parts after the first 1000 are ignored.
const PARAMETER_LIMIT: usize = 1000;
/// `qs`'s default `depth`.
const DEPTH: usize = 5;
/// `qs`'s default `arrayLimit`: `a[21]=` makes an object, not an array.
const ARRAY_LIMIT: u64 = 20;

/// ECMAScript `StrWhiteSpaceChar`: what `parseInt` and `Number()` skip.
pub fn js_is_space(c: char) -> bool {
    const OTHER: [char; 8] = [
        '\u{a0}', '\u{1680}', '\u{2028}', '\u{2029}', '\u{202f}', '\u{205f}', '\u{3000}',
        '\u{feff}',
    ];
    matches!(c, '\t'..='\r' | ' ') || ('\u{2000}'..='\u{200a}').contains(&c) || OTHER.contains(&c)
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `qs`'s `utils.decode`: `+` becomes a space, then `decodeURIComponent`; when that throws
/// (a `%` without two hex digits, or bytes that are not UTF-8) the component is kept as sent,
/// with only the `+` replaced.
pub fn qs_decode(s: &str) -> Cow<'_, str> {
    let b = s.as_bytes();
    if !b.iter().any(|&c| c == b'+' || c == b'%') {
        return Cow::Borrowed(s);
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let hi = b.get(i + 1).copied().and_then(hex_val);
                let lo = b.get(i + 2).copied().and_then(hex_val);
                match (hi, lo) {
                    (Some(h), Some(l)) => {
                        out.push(h << 4 | l);
                        i += 3;
                    }
                    _ => return Cow::Owned(s.replace('+', " ")),
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    match String::from_utf8(out) {
        Ok(decoded) => Cow::Owned(decoded),
        Err(_) => Cow::Owned(s.replace('+', " ")),
    }
}

/// One decoded query parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QsValue {
    Str(String),
    /// A repeated key, `key[]=` or `key[n]=`; the elements as JavaScript would print them.
    Array(Vec<String>),
    /// `key[sub]=` and deeper shapes.
    Object,
}

impl QsValue {
    /// The value when it is a plain string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            QsValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// JavaScript's `String(value)`: arrays join with `,`, objects print `[object Object]`.
    pub fn js_string(&self) -> Cow<'_, str> {
        match self {
            QsValue::Str(s) => Cow::Borrowed(s),
            QsValue::Array(items) => Cow::Owned(items.join(",")),
            QsValue::Object => Cow::Borrowed("[object Object]"),
        }
    }

    /// JavaScript truthiness (`if (params.x)`): only the empty string is falsy.
    pub fn is_truthy(&self) -> bool {
        !matches!(self, QsValue::Str(s) if s.is_empty())
    }

    fn merge(self, other: QsValue) -> QsValue {
        match (self, other) {
            (QsValue::Object, _) | (_, QsValue::Object) => QsValue::Object,
            (a, b) => {
                let mut items = a.into_items();
                items.extend(b.into_items());
                QsValue::Array(items)
            }
        }
    }

    fn into_items(self) -> Vec<String> {
        match self {
            QsValue::Str(s) => vec![s],
            QsValue::Array(items) => items,
            QsValue::Object => vec!["[object Object]".to_owned()],
        }
    }
}

/// A decoded query string: top-level keys in order of first appearance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryParams {
    entries: Vec<(String, QsValue)>,
}

/// The first `[...]` (no bracket inside) at or after `from`: (start, end exclusive).
fn find_bracket(key: &str, from: usize) -> Option<(usize, usize)> {
    let b = key.as_bytes();
    let mut p = from;
    while p < b.len() {
        if b[p] == b'[' {
            let mut q = p + 1;
            while q < b.len() && b[q] != b'[' && b[q] != b']' {
                q += 1;
            }
            if q < b.len() && b[q] == b']' {
                return Some((p, q + 1));
            }
            p = q;
        } else {
            p += 1;
        }
    }
    None
}

/// Whether a bracket segment makes an array element: `[]` or `[n]` with `n` a canonical
/// integer up to the array limit.
fn is_array_segment(seg: &str) -> bool {
    let inner = &seg[1..seg.len() - 1];
    inner.is_empty()
        || (inner.bytes().all(|c| c.is_ascii_digit())
            && (inner == "0" || !inner.starts_with('0'))
            && inner.parse::<u64>().is_ok_and(|n| n <= ARRAY_LIMIT))
}

/// `qs`'s `parseKeys`: the top-level name and the shape of the value under it, or `None`
/// when `qs` drops the key.
fn split_key(key: &str, leaf: Vec<String>) -> Option<(String, QsValue)> {
    let mut segments: Vec<&str> = Vec::new();
    let first = find_bracket(key, 0);
    let parent = match first {
        Some((start, _)) => &key[..start],
        None => key,
    };
    if let Some((start, _)) = first {
        let mut at = start;
        while let Some((s, e)) = find_bracket(key, at) {
            if segments.len() == DEPTH {
                segments.push(&key[s..]);
                break;
            }
            segments.push(&key[s..e]);
            at = e;
        }
    }
    let (name, rest) = if parent.is_empty() {
        let (head, rest) = segments.split_first()?;
        let inner = head.get(1..head.len().saturating_sub(1)).unwrap_or("");
        let name = if inner.is_empty() { "0" } else { inner };
        (name, rest)
    } else {
        (parent, &segments[..])
    };
    if name.is_empty() || name == "__proto__" {
        return None;
    }
    let value = match rest {
        [] if leaf.len() == 1 => QsValue::Str(leaf.into_iter().next().unwrap_or_default()),
        [] => QsValue::Array(leaf),
        [seg] if seg.ends_with(']') && is_array_segment(seg) => QsValue::Array(leaf),
        _ => QsValue::Object,
    };
    Some((name.to_owned(), value))
}

impl QueryParams {
    /// Decodes a raw query string (without `?`) the way `qs.parse` does.
    pub fn parse(raw: &str) -> QueryParams {
        // qs turns encoded brackets into brackets before it splits.
        let raw: Cow<'_, str> = if raw.contains('%') {
            Cow::Owned(
                raw.replace("%5B", "[")
                    .replace("%5b", "[")
                    .replace("%5D", "]")
                    .replace("%5d", "]"),
            )
        } else {
            Cow::Borrowed(raw)
        };
        // Stage 1: identical raw keys combine, in order of first appearance.
        let mut raw_keys: Vec<(String, Vec<String>)> = Vec::new();
        for part in raw.split('&').take(PARAMETER_LIMIT) {
            let pos = match part.find("]=") {
                Some(p) => Some(p + 1),
                None => part.find('='),
            };
            let (k, v) = match pos {
                Some(p) => (&part[..p], &part[p + 1..]),
                None => (part, ""),
            };
            let key = qs_decode(k);
            let value = qs_decode(v).into_owned();
            match raw_keys.iter_mut().find(|(rk, _)| rk.as_str() == key) {
                Some((_, values)) => values.push(value),
                None => raw_keys.push((key.into_owned(), vec![value])),
            }
        }
        // Stage 2: brackets, then merge under the top-level name.
        let mut entries: Vec<(String, QsValue)> = Vec::new();
        for (key, values) in raw_keys {
            let Some((name, value)) = split_key(&key, values) else {
                continue;
            };
            match entries.iter_mut().find(|(n, _)| *n == name) {
                Some((_, existing)) => {
                    let old = std::mem::replace(existing, QsValue::Object);
                    *existing = old.merge(value);
                }
                None => entries.push((name, value)),
            }
        }
        QueryParams { entries }
    }

    /// Parses an optional raw query.
    pub fn parse_opt(raw: Option<&str>) -> QueryParams {
        raw.map(QueryParams::parse).unwrap_or_default()
    }

    pub fn get(&self, name: &str) -> Option<&QsValue> {
        self.entries.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &QsValue)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// JavaScript's `parseInt(s)` (no radix): leading whitespace, a sign, an optional `0x`
/// prefix, then the longest run of digits. `None` is `NaN`.
pub fn parse_int(s: &str) -> Option<f64> {
    let t = s.trim_start_matches(js_is_space);
    let (negative, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (radix, t) = match t.get(..2) {
        Some("0x") | Some("0X") => (16, &t[2..]),
        _ => (10, t),
    };
    let end = t
        .bytes()
        .position(|b| !char::from(b).is_digit(radix))
        .unwrap_or(t.len());
    let digits = &t[..end];
    if digits.is_empty() {
        return None;
    }
    let value = if radix == 10 {
        digits.parse::<f64>().ok()?
    } else {
        let mut exact: Option<u128> = Some(0);
        let mut approx = 0f64;
        for d in digits.bytes().filter_map(hex_val) {
            exact = exact
                .and_then(|v| v.checked_mul(16))
                .and_then(|v| v.checked_add(u128::from(d)));
            approx = approx * 16.0 + f64::from(d);
        }
        exact.map_or(approx, |v| v as f64)
    };
    Some(if negative { -value } else { value })
}

/// Whether `s` is an ECMAScript `StrUnsignedDecimalLiteral` (`Infinity`, `12`, `1.5`, `.5`,
/// `5.`, `1e3`, ...).
fn is_unsigned_decimal_literal(s: &str) -> bool {
    if s == "Infinity" {
        return true;
    }
    let b = s.as_bytes();
    let mut i = 0;
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut digits = i - int_start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        digits += i - frac_start;
    }
    if digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let exp_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return false;
        }
    }
    i == b.len()
}

/// ajv's `coerceTypes` from string to number (`data && data == +data`), for decimal literals
/// with optional surrounding whitespace, as spec §3 specifies. `None` = `must be number`.
pub fn coerce_number(s: &str) -> Option<f64> {
    let t = s.trim_matches(js_is_space);
    let (negative, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if !is_unsigned_decimal_literal(body) {
        return None;
    }
    let value = if body == "Infinity" {
        f64::INFINITY
    } else {
        body.parse::<f64>().ok()?
    };
    Some(if negative { -value } else { value })
}

/// What a schema property accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Str {
        min_len: usize,
    },
    Number,
    /// A string from a fixed list (`"true"`, `"false"`).
    Enum(&'static [&'static str]),
}

/// One property of an ajv query schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prop {
    pub name: &'static str,
    pub kind: Kind,
    /// ajv `nullable: true`: an empty value coerces to `null` where the type allows it.
    pub nullable: bool,
}

/// An ajv query schema with `additionalProperties: false`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schema {
    /// In schema order (the order ajv checks them).
    pub props: &'static [Prop],
    pub required: &'static [&'static str],
}

/// A property after validation and coercion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Coerced<'a> {
    Absent,
    /// `nullable` and empty.
    Null,
    Str(&'a str),
    Num(f64),
}

/// The coerced properties of a valid query, in schema order.
#[derive(Debug, Clone, PartialEq)]
pub struct Validated<'a> {
    schema: Schema,
    values: Vec<Coerced<'a>>,
}

impl<'a> Validated<'a> {
    pub fn get(&self, name: &str) -> Coerced<'a> {
        self.schema
            .props
            .iter()
            .position(|p| p.name == name)
            .and_then(|i| self.values.get(i).copied())
            .unwrap_or(Coerced::Absent)
    }
}

/// ajv's messages.
pub mod msg {
    pub const MUST_BE_STRING: &str = "must be string";
    pub const MUST_BE_NUMBER: &str = "must be number";
    pub const MUST_BE_ALLOWED: &str = "must be equal to one of the allowed values";
}

impl Schema {
    /// Checks `required`, then additional properties, then each property in schema order;
    /// the first failure only. `required` fails as [`Error::MissingParameter`], an extra key as
    /// [`Error::UnknownParameter`], a bad value as [`Error::InvalidParameter`] whose `reason` is
    /// ajv's message.
    pub fn validate<'a>(&self, params: &'a QueryParams) -> Result<Validated<'a>, Error> {
        if let Some(missing) = self.required.iter().find(|r| params.get(r).is_none()) {
            return Err(Error::missing(missing));
        }
        if let Some((extra, _)) = params
            .iter()
            .find(|(k, _)| !self.props.iter().any(|p| p.name == *k))
        {
            return Err(Error::UnknownParameter {
                name: extra.to_owned(),
            });
        }
        let mut values = Vec::with_capacity(self.props.len());
        for prop in self.props {
            let value = match params.get(prop.name) {
                None => Coerced::Absent,
                Some(v) => check(prop, v)
                    .map_err(|reason| Error::invalid(prop.name, &v.js_string(), &reason))?,
            };
            values.push(value);
        }
        Ok(Validated {
            schema: *self,
            values,
        })
    }
}

fn check<'a>(prop: &Prop, value: &'a QsValue) -> Result<Coerced<'a>, String> {
    let s = match (value, prop.kind) {
        (QsValue::Str(s), _) => s.as_str(),
        (_, Kind::Number) => return Err(msg::MUST_BE_NUMBER.to_owned()),
        (_, _) => return Err(msg::MUST_BE_STRING.to_owned()),
    };
    match prop.kind {
        Kind::Str { min_len } => {
            if s.chars().count() < min_len {
                Err(format!("must NOT have fewer than {min_len} characters"))
            } else {
                Ok(Coerced::Str(s))
            }
        }
        Kind::Number => {
            if s.is_empty() && prop.nullable {
                Ok(Coerced::Null)
            } else if s.is_empty() {
                Err(msg::MUST_BE_NUMBER.to_owned())
            } else {
                coerce_number(s)
                    .map(Coerced::Num)
                    .ok_or_else(|| msg::MUST_BE_NUMBER.to_owned())
            }
        }
        Kind::Enum(allowed) => {
            if allowed.contains(&s) {
                Ok(Coerced::Str(s))
            } else {
                Err(msg::MUST_BE_ALLOWED.to_owned())
            }
        }
    }
}

#[cfg(test)]
mod tests;
