//! The caller's threads as canonical rooms (`Backend::rooms`, what
//! `threadgate import --from quip` copies): `GET /1/threads/recent`
//! ([`face::recent_threads`]), most recently updated first, [`RECENT_COUNT`] a call.
//!
//! A full answer goes on with `max_updated_usec` at the oldest update time it holds
//! (inclusive: the threads at that time come again and are known by id), until an answer
//! is shorter than asked or brings no thread not seen yet. An answer of exactly the count
//! asked whose threads carry no update time cannot be gone on from: refused (never a
//! shorter list); an answer longer than asked is the whole list (a gateway's Quip face
//! answers every thread at once). At most `max_calls_per_request` calls.

use crate::backend::upstream::{now_ms, Upstream};
use crate::backend::QueryContext;
use crate::canonical::{Credential, Error, RoomInfo};
use crate::dialect::quip::client::{self as face, Answer, RECENT_COUNT};

/// Every thread the credential reads, in (created, id) order, and the calls it took.
pub(super) async fn rooms(
    upstream: &Upstream,
    credential: &Credential,
    ctx: &QueryContext,
    max_calls: usize,
) -> (Result<Vec<RoomInfo>, Error>, usize) {
    let mut calls = 0;
    let result = list(upstream, credential, ctx, max_calls, &mut calls).await;
    (result, calls)
}

async fn list(
    upstream: &Upstream,
    credential: &Credential,
    ctx: &QueryContext,
    max_calls: usize,
    calls: &mut usize,
) -> Result<Vec<RoomInfo>, Error> {
    let (name, value) = face::auth_header(credential)?;
    let mut out: Vec<RoomInfo> = Vec::new();
    let mut max_updated = None;
    loop {
        if *calls >= max_calls {
            return Err(Error::Unsupported(format!(
                "a thread list needing more than {max_calls} upstream calls"
            )));
        }
        *calls += 1;
        let req = face::recent_threads(max_updated);
        let got = upstream.send(&req, &[(name, value.as_str())], ctx).await?;
        let ans = Answer::with_headers(got.status.as_u16(), &got.headers, &got.body, now_ms());
        let threads = face::decode_recent_threads(&req, &ans)?;
        let n = threads.len();
        let oldest = threads.iter().map(|t| t.updated_usec).min().flatten();
        let mut new = 0;
        for t in threads {
            if !out.iter().any(|r| r.id == t.room.id) {
                out.push(t.room);
                new += 1;
            }
        }
        if n != RECENT_COUNT as usize || new == 0 {
            break;
        }
        match oldest {
            Some(t) => max_updated = Some(t),
            None => {
                return Err(Error::Unsupported(
                    "a thread list longer than one answer whose threads carry no update time"
                        .into(),
                ))
            }
        }
    }
    out.sort_by(|a, b| (a.created_usec, &a.id).cmp(&(b.created_usec, &b.id)));
    Ok(out)
}
