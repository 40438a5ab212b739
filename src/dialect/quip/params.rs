//! Parameter decoding of both endpoints: the query string (spec §3), checked in the spec's
//! order (`company_id` (admin), `count`, `sorted_by`/`sort_by`, then the `*_usec` values),
//! and the canonical [`ThreadQuery`] it asks for (§4). Unknown keys are ignored, an empty
//! value is absent, and for a repeated key the last value wins.
//!
//! The pairs come from [`RequestView::pairs`](crate::dialect::RequestView::pairs): parsed
//! once per request, shared with the rate-limit phase.

use crate::canonical::TimeBound;
use crate::canonical::{Access, Error, KindFilter, Order, Principal, Slice, Target, ThreadQuery};

/// Which of the two endpoints (the router tells them apart by path).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// `/1/admin/messages/:thread_id` (Admin API).
    Admin,
    /// `/1/messages/:thread_id` (Automation API).
    Automation,
}

/// `count` when absent (spec §3, seed 003).
pub const DEFAULT_COUNT: u32 = 25;
/// The documented maximum; larger values are clamped to it.
pub const MAX_COUNT: u32 = 100;

/// Decoded parameters of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuipParams {
    /// `company_id` (admin endpoint only; always `Some` there).
    pub company_id: Option<String>,
    /// 1..=100.
    pub count: u32,
    /// `sorted_by`/`sort_by` when given.
    pub sorted_by: Option<Order>,
    /// `max_created_usec`, else its alias `max_updated_usec`.
    pub max_created_usec: Option<i64>,
    /// `message_type=edit`.
    pub edits: bool,
    /// `include_deleted` (admin endpoint only).
    pub include_deleted: bool,
    /// `updated_since_usec` (automation endpoint only): `updated_usec >= value`.
    pub updated_since_usec: Option<i64>,
    /// `last_updated_since_usec` (automation endpoint only): `updated_usec < value`.
    pub last_updated_since_usec: Option<i64>,
}

impl QuipParams {
    fn by_update(&self) -> bool {
        self.updated_since_usec.is_some() || self.last_updated_since_usec.is_some()
    }

    /// The direction of the answer: explicit, else ascending for the update-time
    /// parameters, else descending (spec §4.4).
    pub fn requested_order(&self) -> Order {
        self.sorted_by.unwrap_or(if self.by_update() {
            Order::Ascending
        } else {
            Order::Descending
        })
    }

    /// Which end of the matching messages the `count` come from (spec §4.5): the oldest
    /// with `updated_since_usec`, else the newest.
    pub fn selection_order(&self) -> Order {
        if self.updated_since_usec.is_some() {
            Order::Ascending
        } else {
            Order::Descending
        }
    }

    /// The inclusive upper bound on creation time; ignored with the update-time parameters
    /// (spec §4.3).
    pub fn created_bound(&self) -> Option<i64> {
        if self.by_update() {
            None
        } else {
            self.max_created_usec
        }
    }
}

/// The last value of `name` in `pairs`; an empty value counts as absent.
pub fn get<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    crate::dialect::last_value(pairs, name).filter(|v| !v.is_empty())
}

fn invalid(name: &str, value: &str) -> Error {
    Error::invalid(name, value, &format!("Invalid {name}"))
}

/// `count`: `-?[0-9]+`; ≤0 invalid; above 100 (or beyond 64 bits) → 100.
pub fn parse_count(raw: &str) -> Option<u32> {
    let (negative, digits) = match raw.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let nonzero = digits.bytes().any(|b| b != b'0');
    if negative || !nonzero {
        return None;
    }
    Some(match digits.parse::<u64>() {
        Ok(v) => v.min(u64::from(MAX_COUNT)) as u32,
        Err(_) => MAX_COUNT,
    })
}

/// A `*_usec` value: `[0-9]+` that fits a signed 64-bit integer.
pub fn parse_usec(raw: &str) -> Option<i64> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    raw.parse::<i64>().ok()
}

/// `ASC`/`DESC` in any case.
pub fn parse_order(raw: &str) -> Option<Order> {
    if raw.eq_ignore_ascii_case("asc") {
        Some(Order::Ascending)
    } else if raw.eq_ignore_ascii_case("desc") {
        Some(Order::Descending)
    } else {
        None
    }
}

/// `true`/`1` in any case; anything else is false.
pub fn parse_bool(raw: &str) -> bool {
    raw.eq_ignore_ascii_case("true") || raw == "1"
}

/// Decodes the query `pairs` of `which` endpoint in the spec's check order.
pub fn parse_params(which: Which, pairs: &[(String, String)]) -> Result<QuipParams, Error> {
    let p = |name: &str| get(pairs, name);
    let company_id = match which {
        Which::Admin => Some(
            p("company_id")
                .ok_or_else(|| Error::missing("company_id"))?
                .to_owned(),
        ),
        Which::Automation => None,
    };
    let count = match p("count") {
        None => DEFAULT_COUNT,
        Some(raw) => parse_count(raw).ok_or_else(|| invalid("count", raw))?,
    };
    let mut sorted_by = None;
    // `sorted_by` wins over `sort_by`; both must be valid when present.
    for name in ["sorted_by", "sort_by"] {
        if let Some(raw) = p(name) {
            let order =
                parse_order(raw).ok_or_else(|| Error::invalid(name, raw, "Invalid sorted_by"))?;
            sorted_by = sorted_by.or(Some(order));
        }
    }
    let usec = |name: &str| -> Result<Option<i64>, Error> {
        p(name)
            .map(|raw| parse_usec(raw).ok_or_else(|| invalid(name, raw)))
            .transpose()
    };
    let max_created = usec("max_created_usec")?;
    let max_updated = usec("max_updated_usec")?;
    let (updated_since_usec, last_updated_since_usec) = match which {
        Which::Automation => (
            usec("updated_since_usec")?,
            usec("last_updated_since_usec")?,
        ),
        Which::Admin => (None, None),
    };
    Ok(QuipParams {
        company_id,
        count,
        sorted_by,
        max_created_usec: max_created.or(max_updated),
        edits: p("message_type") == Some("edit"),
        include_deleted: which == Which::Admin && p("include_deleted").is_some_and(parse_bool),
        updated_since_usec,
        last_updated_since_usec,
    })
}

/// The canonical query for decoded parameters on `thread_id`.
pub fn messages_query(
    which: Which,
    principal: Principal,
    thread_id: &str,
    p: &QuipParams,
) -> ThreadQuery {
    let mut q = ThreadQuery::new(principal, Target::Room(thread_id.to_owned()));
    if let (Which::Admin, Some(company)) = (which, &p.company_id) {
        q.access = Access::CompanyAdmin(company.clone());
    }
    let f = &mut q.filter;
    // A Quip thread is one flat list: replies of other platforms' threads are messages too.
    f.include_replies = true;
    f.kind = if p.edits {
        KindFilter::Edits
    } else {
        KindFilter::Messages
    };
    f.include_deleted = p.include_deleted;
    f.include_hidden = p.include_deleted;
    f.created_before = p.created_bound().map(TimeBound::inclusive);
    f.updated_after = p.updated_since_usec.map(TimeBound::inclusive);
    f.updated_before = p.last_updated_since_usec.map(TimeBound::exclusive);
    q.order = p.selection_order();
    q.slice = Slice::Offset {
        offset: 0,
        limit: Some(p.count),
    };
    q
}

#[cfg(test)]
mod tests;
