//! Pages at deep offsets and counts between bounds, read through the marks
//! ([`super::marks`]) instead of walking every skipped or counted message.
//!
//! Every bound a page or count statement has (created after or before a time, after or before
//! a message, after a cursor) is a gap in the conversation's (created, id) order, an [`Edge`].
//! The number of matching messages before an edge is the count at the last mark before it
//! plus a count over the stretch from that mark to the edge. A page at offset `o` after the
//! lower edge starts at the mark found by a binary search over the marks' counts, with what is
//! left of the offset (less than one stretch); a descending page ends at such a mark. Filters
//! on update times are not positions: those statements run as they are.

use super::db_error;
use super::marks::{Groups, Key, Mark};
use super::sql::{self, Output, Position, Shape, Values};
use crate::canonical::Error;
use rusqlite::Connection;
use std::cmp::Ordering;

/// A gap in (created, id) order: just before or just after a position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Edge {
    Before(Position),
    After(Position),
}

impl Edge {
    fn position(&self) -> &Position {
        match self {
            Edge::Before(p) | Edge::After(p) => p,
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Edge::Before(_) => 0,
            Edge::After(_) => 1,
        }
    }

    /// The edge just before the first message created at or after `usec`.
    fn at_time(usec: i64) -> Edge {
        Edge::Before(Position {
            created_usec: usec,
            id: String::new(),
        })
    }
}

impl Ord for Edge {
    fn cmp(&self, other: &Self) -> Ordering {
        self.position()
            .cmp(other.position())
            .then(self.rank().cmp(&other.rank()))
    }
}

impl PartialOrd for Edge {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The messages between two edges (`None`: the conversation's start or end).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Range {
    pub lo: Option<Edge>,
    pub hi: Option<Edge>,
}

/// The bounds of a statement: one range of positions, no message at all, or a bound that is
/// not a position (update times).
pub(super) enum Bounds {
    Range(Range),
    Empty,
    NotPositional,
}

/// The range of a statement's bounds.
pub(super) fn bounds(shape: &Shape, values: &Values) -> Bounds {
    if shape.updated_after.is_some() || shape.updated_before.is_some() {
        return Bounds::NotPositional;
    }
    let mut lower: Vec<Edge> = Vec::new();
    let mut upper: Vec<Edge> = Vec::new();
    match shape.created_after {
        Some(true) => lower.push(Edge::at_time(values.created_after)),
        Some(false) => match values.created_after.checked_add(1) {
            Some(t) => lower.push(Edge::at_time(t)),
            None => return Bounds::Empty,
        },
        None => {}
    }
    match shape.created_before {
        Some(true) => {
            if let Some(t) = values.created_before.checked_add(1) {
                upper.push(Edge::at_time(t));
            }
        }
        Some(false) => upper.push(Edge::at_time(values.created_before)),
        None => {}
    }
    let position = |p: &Option<Position>| {
        p.clone().unwrap_or(Position {
            created_usec: 0,
            id: String::new(),
        })
    };
    if let Some(inclusive) = shape.after_position {
        let p = position(&values.after_position);
        lower.push(if inclusive {
            Edge::Before(p)
        } else {
            Edge::After(p)
        });
    }
    if let Some(inclusive) = shape.before_position {
        let p = position(&values.before_position);
        upper.push(if inclusive {
            Edge::After(p)
        } else {
            Edge::Before(p)
        });
    }
    if shape.cursor {
        let p = position(&values.cursor);
        if shape.descending {
            upper.push(Edge::Before(p));
        } else {
            lower.push(Edge::After(p));
        }
    }
    let lo = lower.into_iter().max();
    let hi = upper.into_iter().min();
    match (&lo, &hi) {
        (Some(lo), Some(hi)) if lo >= hi => Bounds::Empty,
        _ => Bounds::Range(Range { lo, hi }),
    }
}

/// `shape` with its bounds replaced by `lo` and `hi`, and its output.
fn bounded(
    shape: &Shape,
    values: &Values,
    lo: Option<&Edge>,
    hi: Option<&Edge>,
    output: Output,
) -> (Shape, Values) {
    let shape = Shape {
        created_after: None,
        created_before: None,
        updated_after: None,
        updated_before: None,
        after_position: lo.map(|e| matches!(e, Edge::Before(_))),
        before_position: hi.map(|e| matches!(e, Edge::After(_))),
        cursor: false,
        output,
        ..*shape
    };
    let values = Values {
        after_position: lo.map(|e| e.position().clone()),
        before_position: hi.map(|e| e.position().clone()),
        cursor: None,
        ..values.clone()
    };
    (shape, values)
}

/// Runs a count statement.
pub(super) fn count_rows(conn: &Connection, statement: &sql::Statement) -> Result<i64, Error> {
    conn.prepare_cached(&statement.sql)
        .map_err(db_error)?
        .query_row(statement.bound().as_slice(), |r| r.get(0))
        .map_err(db_error)
}

/// One conversation's marks, read for one statement.
struct Seeker<'a> {
    conn: &'a Connection,
    key: Key<'a>,
    groups: Groups,
    shape: &'a Shape,
    values: &'a Values,
    last: Mark,
}

impl<'a> Seeker<'a> {
    /// `None` when the conversation has no marks (it is shorter than one stretch).
    fn open(
        conn: &'a Connection,
        shape: &'a Shape,
        values: &'a Values,
    ) -> Result<Option<Seeker<'a>>, Error> {
        let key = Key {
            scope: shape.scope,
            scope_id: &values.scope_id,
            kind_class: values.kind_class,
        };
        let Some(last) = key.last(conn).map_err(db_error)? else {
            return Ok(None);
        };
        let groups = Groups::new(
            shape.scope,
            shape.include_deleted,
            shape.include_hidden,
            shape.top_level_only,
        );
        Ok(Some(Seeker {
            conn,
            key,
            groups,
            shape,
            values,
            last,
        }))
    }

    /// Matching messages between two edges, counted.
    fn count_between(&self, lo: Option<&Edge>, hi: Option<&Edge>) -> Result<i64, Error> {
        let (shape, values) = bounded(self.shape, self.values, lo, hi, Output::Count);
        let statement = if sql::counted_by_table(&shape) {
            sql::build_table_count(&shape, &values)
        } else {
            sql::build(&shape, &values)
        };
        count_rows(self.conn, &statement)
    }

    /// Matching messages before `edge` (`None`: the end, all of them).
    fn ord(&self, edge: Option<&Edge>) -> Result<i64, Error> {
        let Some(edge) = edge else {
            return self.count_between(None, None);
        };
        let mark = self
            .key
            .at_or_before(self.conn, edge.position())
            .map_err(db_error)?;
        match mark {
            Some(m) => {
                let from = Edge::Before(m.position.clone());
                Ok(self.groups.before(&m) + self.count_between(Some(&from), Some(edge))?)
            }
            None => self.count_between(None, Some(edge)),
        }
    }

    fn mark(&self, seq: i64) -> Result<Mark, Error> {
        self.key
            .by_seq(self.conn, seq)
            .map_err(db_error)?
            .ok_or_else(|| Error::Internal(format!("mark {seq} of {:?} is missing", self.key)))
    }

    /// The last mark with at most `n` matching messages before it.
    fn last_at_most(&self, n: i64) -> Result<Option<Mark>, Error> {
        if self.groups.before(&self.last) <= n {
            return Ok(Some(self.last.clone()));
        }
        let (mut lo, mut hi, mut best) = (0, self.last.seq, None);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let m = self.mark(mid)?;
            if self.groups.before(&m) <= n {
                lo = mid + 1;
                best = Some(m);
            } else {
                hi = mid;
            }
        }
        Ok(best)
    }

    /// The first mark with at least `n` matching messages before it.
    fn first_at_least(&self, n: i64) -> Result<Option<Mark>, Error> {
        if self.groups.before(&self.last) < n {
            return Ok(None);
        }
        let (mut lo, mut hi, mut best) = (0, self.last.seq, self.last.clone());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let m = self.mark(mid)?;
            if self.groups.before(&m) >= n {
                hi = mid;
                best = m;
            } else {
                lo = mid + 1;
            }
        }
        Ok(Some(best))
    }
}

/// The count of a statement with position bounds, read through the marks; `None` when the
/// statement runs as it is (no marks, or a bound that is not a position).
pub(super) fn count(
    conn: &Connection,
    shape: &Shape,
    values: &Values,
) -> Result<Option<u64>, Error> {
    let range = match bounds(shape, values) {
        Bounds::Range(r) => r,
        Bounds::Empty => return Ok(Some(0)),
        Bounds::NotPositional => return Ok(None),
    };
    let Some(seeker) = Seeker::open(conn, shape, values)? else {
        return Ok(None);
    };
    let hi = seeker.ord(range.hi.as_ref())?;
    let lo = match &range.lo {
        Some(edge) => seeker.ord(Some(edge))?,
        None => 0,
    };
    Ok(Some(u64::try_from(hi - lo).unwrap_or(0)))
}

/// A page statement rewritten to start at a mark.
pub(super) enum Seek {
    Statement(Shape, Values),
    Empty,
}

/// A page statement whose offset reaches `seek_after` or more, rewritten to start (or, in
/// descending order, end) at the nearest mark with the rest of the offset; `None` when it
/// runs as it is.
pub(super) fn page(
    conn: &Connection,
    shape: &Shape,
    values: &Values,
    seek_after: i64,
) -> Result<Option<Seek>, Error> {
    let offset = values.offset;
    if shape.output != Output::Page || offset < seek_after.max(1) {
        return Ok(None);
    }
    let range = match bounds(shape, values) {
        Bounds::Range(r) => r,
        Bounds::Empty => return Ok(Some(Seek::Empty)),
        Bounds::NotPositional => return Ok(None),
    };
    let Some(seeker) = Seeker::open(conn, shape, values)? else {
        return Ok(None);
    };
    let (lo, hi, rest) = if shape.descending {
        // The page's first message has index `u - 1` among all matching messages.
        let u = seeker.ord(range.hi.as_ref())? - offset;
        if u <= 0 {
            return Ok(Some(Seek::Empty));
        }
        match seeker.first_at_least(u)? {
            Some(m)
                if range
                    .hi
                    .as_ref()
                    .map_or(true, |hi| Edge::Before(m.position.clone()) < *hi) =>
            {
                let rest = seeker.groups.before(&m) - u;
                (range.lo, Some(Edge::Before(m.position)), rest)
            }
            _ => (range.lo, range.hi, offset),
        }
    } else {
        let lo_ord = match &range.lo {
            Some(edge) => seeker.ord(Some(edge))?,
            None => 0,
        };
        let t = lo_ord.saturating_add(offset);
        match seeker.last_at_most(t)? {
            Some(m)
                if range
                    .lo
                    .as_ref()
                    .map_or(true, |lo| Edge::Before(m.position.clone()) >= *lo) =>
            {
                let rest = t - seeker.groups.before(&m);
                (Some(Edge::Before(m.position)), range.hi, rest)
            }
            _ => (range.lo, range.hi, offset),
        }
    };
    let (shape, mut values) = bounded(shape, values, lo.as_ref(), hi.as_ref(), Output::Page);
    values.offset = rest;
    Ok(Some(Seek::Statement(shape, values)))
}

#[cfg(test)]
mod tests {
    use super::{bounds, Bounds, Edge, Position};
    use crate::backend::embedded::sql::{Output, Scope, Shape, Values};

    fn p(created_usec: i64, id: &str) -> Position {
        Position {
            created_usec,
            id: id.into(),
        }
    }

    #[test]
    fn edges_order_around_their_position() {
        assert!(Edge::Before(p(5, "b")) < Edge::After(p(5, "b")));
        assert!(Edge::After(p(5, "b")) < Edge::Before(p(5, "c")));
        assert!(Edge::After(p(5, "zz")) < Edge::Before(p(6, "")));
        assert!(Edge::at_time(6) <= Edge::Before(p(6, "a")));
    }

    #[test]
    fn time_bounds_become_edges() {
        let shape = Shape {
            created_after: Some(false),
            created_before: Some(true),
            ..Shape::new(Scope::Room, Output::Count)
        };
        let values = Values {
            created_after: 10,
            created_before: 20,
            ..Values::default()
        };
        let Bounds::Range(r) = bounds(&shape, &values) else {
            panic!("a range");
        };
        assert_eq!(r.lo, Some(Edge::at_time(11)));
        assert_eq!(r.hi, Some(Edge::at_time(21)));
        let past_the_end = Values {
            created_after: i64::MAX,
            ..values.clone()
        };
        assert!(matches!(bounds(&shape, &past_the_end), Bounds::Empty));
        let crossed = Values {
            created_after: 30,
            ..values
        };
        assert!(matches!(bounds(&shape, &crossed), Bounds::Empty));
    }

    #[test]
    fn the_tighter_bound_wins() {
        let shape = Shape {
            created_after: Some(true),
            after_position: Some(false),
            cursor: true,
            ..Shape::new(Scope::Room, Output::Page)
        };
        let values = Values {
            created_after: 10,
            after_position: Some(p(10, "m")),
            cursor: Some(p(9, "z")),
            ..Values::default()
        };
        let Bounds::Range(r) = bounds(&shape, &values) else {
            panic!("a range");
        };
        assert_eq!(r.lo, Some(Edge::After(p(10, "m"))));
        assert_eq!(r.hi, None);
    }
}
