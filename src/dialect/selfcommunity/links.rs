//! DRF `LimitOffsetPagination` links (spec §4 Links): pure functions of the request URL and
//! the page numbers.
//!
//! DRF builds them with `request.build_absolute_uri()` and `replace_query_param` /
//! `remove_query_param` (`rest_framework/utils/urls.py`): `parse_qs(keep_blank_values=True)`,
//! set or pop the key, `urlencode(sorted(items), doseq=True)`.

use crate::dialect::RequestView;
use ipnet::IpNet;

/// `quote_plus(s, safe="")`: `A–Z a–z 0–9 _ . - ~` literal, space `+`, the rest `%XX`.
pub fn quote_plus(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 15)]));
            }
        }
    }
}

/// The query (its decoded `pairs`) with `limit` set and `offset` set or removed,
/// re-emitted as DRF does.
pub fn rewrite_query(pairs: &[(String, String)], limit: u32, offset: Option<u128>) -> String {
    // parse_qs: a dict of lists in first-seen key order; values of a key keep their order.
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for (k, v) in pairs {
        match groups.iter_mut().find(|(key, _)| key == k) {
            Some((_, values)) => values.push(v.clone()),
            None => groups.push((k.clone(), vec![v.clone()])),
        }
    }
    let mut set = |key: &str, value: Option<String>| {
        let at = groups.iter().position(|(k, _)| k == key);
        match (at, value) {
            (Some(i), Some(v)) => groups[i].1 = vec![v],
            (None, Some(v)) => groups.push((key.to_owned(), vec![v])),
            (Some(i), None) => {
                groups.remove(i);
            }
            (None, None) => {}
        }
    };
    set("limit", Some(limit.to_string()));
    set("offset", offset.map(|o| o.to_string()));
    // Python compares str by code point, which is UTF-8 byte order.
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = String::new();
    for (k, values) in &groups {
        for v in values {
            if !out.is_empty() {
                out.push('&');
            }
            quote_plus(&mut out, k);
            out.push('=');
            quote_plus(&mut out, v);
        }
    }
    out
}

/// `next` and `previous` for effective limit `l`, offset `o` and count `c`; `base` is
/// `<scheme>://<host>[prefix]<path>`.
pub fn links(
    base: &str,
    pairs: &[(String, String)],
    l: u32,
    o: u64,
    c: u64,
) -> (Option<String>, Option<String>) {
    let (l128, o128, c128) = (u128::from(l), u128::from(o), u128::from(c));
    let url = |offset: Option<u128>| format!("{base}?{}", rewrite_query(pairs, l, offset));
    let next = (o128 + l128 < c128).then(|| url(Some(o128 + l128)));
    let previous = (o128 > 0).then(|| {
        if o128 <= l128 {
            url(None)
        } else {
            url(Some(o128 - l128))
        }
    });
    (next, previous)
}

/// Where links point: `<scheme>://<host>[prefix]` + the path as received (spec §4 URL base).
/// `public_base_url` (non-empty) overrides scheme and host and prefixes its path; else the
/// `Host` header, with `X-Forwarded-Proto` (first value) and `X-Forwarded-Host` (whole
/// value) read only when the peer is one of `trusted`.
pub fn base_url(req: &RequestView<'_>, public_base_url: &str, trusted: &[IpNet]) -> String {
    if !public_base_url.is_empty() {
        return format!("{}{}", public_base_url.trim_end_matches('/'), req.path);
    }
    let header = |name: &str| req.headers.get(name).and_then(|v| v.to_str().ok());
    let from_proxy = req
        .peer
        .is_some_and(|peer| trusted.iter().any(|net| net.contains(&peer.ip())));
    let mut scheme = "http";
    let mut host = header("host").unwrap_or("localhost");
    if from_proxy {
        if let Some(proto) = header("x-forwarded-proto") {
            if proto.split(',').next().map(str::trim) == Some("https") {
                scheme = "https";
            }
        }
        if let Some(forwarded) = header("x-forwarded-host").filter(|h| !h.is_empty()) {
            host = forwarded;
        }
    }
    format!("{scheme}://{host}{}", req.path)
}

#[cfg(test)]
mod tests;
