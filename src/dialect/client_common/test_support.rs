//! What the client faces' tests share: the panic-freedom strategies of every face's
//! property tests (no input, however broken, makes a decoder panic; each face brings its
//! own `sample_body()`, a body its server face encodes, and its own decoders, and these
//! damage the bodies), and the checks of a bearer-token `auth_header`.

use crate::canonical::{strategies, AuthFailure, Credential, Error};
use proptest::prelude::*;
use serde_json::Value;

/// Text made of JSON's punctuation, digits and a few letters: mostly not JSON, sometimes
/// nearly.
pub const JSON_LIKE_TEXT: &str = "[\\[\\]{}\",:0-9a-z_. -]{0,120}";

/// Any bytes, up to 200.
pub fn arbitrary_bytes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..200)
}

/// Byte-level damage to a body of `sample`: flips, cuts, insertions.
pub fn mutated(sample: impl Strategy<Value = Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let edits =
        proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..6);
    (sample, edits).prop_map(|(mut body, edits)| {
        for (at, byte, op) in edits {
            if body.is_empty() {
                break;
            }
            let i = at.index(body.len());
            match op {
                0 => body[i] = byte,
                1 => {
                    body.remove(i);
                }
                _ => body.insert(i, byte),
            }
        }
        body
    })
}

/// JSON-level damage to a body of `sample` (which must be JSON): one value anywhere
/// replaced by any JSON value.
pub fn replaced(sample: impl Strategy<Value = Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    (sample, any::<prop::sample::Index>(), strategies::json()).prop_map(|(body, at, with)| {
        let mut v: Value = serde_json::from_slice(&body).expect("encoder output is JSON");
        let mut slots = Vec::new();
        collect_paths(&v, &mut Vec::new(), &mut slots);
        let path = &slots[at.index(slots.len())];
        if let Some(slot) = pointer_mut(&mut v, path) {
            *slot = with;
        }
        serde_json::to_vec(&v).expect("a value serialises")
    })
}

/// The path of every value in `v` (`v` itself first).
fn collect_paths(v: &Value, here: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(here.clone());
    let children: Vec<(String, &Value)> = match v {
        Value::Object(m) => m.iter().map(|(k, v)| (k.clone(), v)).collect(),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        _ => Vec::new(),
    };
    for (k, child) in children {
        here.push(k);
        collect_paths(child, here, out);
        here.pop();
    }
}

fn pointer_mut<'v>(v: &'v mut Value, path: &[String]) -> Option<&'v mut Value> {
    path.iter().try_fold(v, |v, k| match v {
        Value::Object(m) => m.get_mut(k),
        Value::Array(a) => k.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
        _ => None,
    })
}

/// The checks a face that takes a bearer token makes of its `auth_header`: a bearer token is
/// sent as `Authorization: Bearer <token>`, a user id and token pair is refused.
pub fn assert_bearer_auth_header(
    auth_header: impl Fn(&Credential) -> Result<(&'static str, String), Error>,
) {
    assert_eq!(
        auth_header(&Credential::Bearer {
            token: "t0k".into()
        }),
        Ok(("authorization", "Bearer t0k".to_owned()))
    );
    assert_eq!(
        auth_header(&Credential::UserToken {
            user_id: "u".into(),
            token: "t".into()
        }),
        Err(Error::Unauthenticated(AuthFailure::Missing))
    );
}
