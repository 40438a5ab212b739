//! A small JSON writer for encoders that write straight to bytes, in a fixed key order,
//! without building a `serde_json::Value` first.
//!
//! Strings are escaped exactly as ECMAScript's `JSON.stringify` and `serde_json` escape them:
//! `"` `\` and the C0 controls (`\b \f \n \r \t` by name, the rest as `\u00XX`), everything
//! else raw UTF-8.

const HEX: &[u8; 16] = b"0123456789abcdef";

/// For every byte: 0 = copy as is, `u` = `\u00XX`, anything else = that short escape.
static ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        table[i] = b'u';
        i += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

/// Appends `s` as a JSON string literal, quotes included.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc = ESCAPE[usize::from(b)];
        if esc == 0 {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        if esc == b'u' {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xf)]);
        } else {
            out.push(b'\\');
            out.push(esc);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Appends `"key":` (the key is escaped like any string).
pub fn write_key(out: &mut Vec<u8>, key: &str) {
    write_str(out, key);
    out.push(b':');
}

/// Appends an integer.
pub fn write_int<I: itoa_like::Int>(out: &mut Vec<u8>, v: I) {
    v.write_to(out);
}

/// Appends `true` or `false`.
pub fn write_bool(out: &mut Vec<u8>, v: bool) {
    out.extend_from_slice(if v { b"true" } else { b"false" });
}

/// Appends any serde value compactly (for the cold paths: verbatim extra fields).
pub fn write_value(out: &mut Vec<u8>, v: &serde_json::Value) {
    // Writing into a Vec cannot fail, and a `Value` always serializes.
    let _ = serde_json::to_writer(&mut *out, v);
}

/// Integer formatting without allocation.
pub mod itoa_like {
    pub trait Int: Copy {
        fn write_to(self, out: &mut Vec<u8>);
    }

    fn write_u128(out: &mut Vec<u8>, mut v: u128) {
        let mut buf = [0u8; 40];
        let mut i = buf.len();
        loop {
            i -= 1;
            buf[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        out.extend_from_slice(&buf[i..]);
    }

    macro_rules! unsigned {
        ($($t:ty)*) => {$(
            impl Int for $t {
                fn write_to(self, out: &mut Vec<u8>) { write_u128(out, self as u128) }
            }
        )*};
    }
    macro_rules! signed {
        ($($t:ty)*) => {$(
            impl Int for $t {
                fn write_to(self, out: &mut Vec<u8>) {
                    if self < 0 { out.push(b'-'); }
                    write_u128(out, (self as i128).unsigned_abs())
                }
            }
        )*};
    }
    unsigned!(u8 u16 u32 u64 usize);
    signed!(i8 i16 i32 i64 isize);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_serde_json() {
        for s in [
            "plain",
            "quote \" backslash \\ slash /",
            "ctl \u{0} \u{1f} \n\r\t\u{8}\u{c}",
            "unicode é ✓ \u{2028} 🎉",
            "",
        ] {
            let mut out = Vec::new();
            write_str(&mut out, s);
            assert_eq!(out, serde_json::to_vec(s).unwrap(), "{s:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_string_escapes_like_serde_json(s in ".*") {
            let mut out = Vec::new();
            write_str(&mut out, &s);
            proptest::prop_assert_eq!(out, serde_json::to_vec(&s).unwrap());
        }
    }

    #[test]
    fn writes_integers() {
        let mut out = Vec::new();
        write_int(&mut out, 0u64);
        out.push(b',');
        write_int(&mut out, -42i64);
        out.push(b',');
        write_int(&mut out, i64::MIN);
        out.push(b',');
        write_int(&mut out, u64::MAX);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "0,-42,-9223372036854775808,18446744073709551615"
        );
    }
}
