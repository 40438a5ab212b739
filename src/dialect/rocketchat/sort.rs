//! `parseJsonQuery`'s `sort` check: `JSON.parse`, then every value must be `1` or `-1`.
//!
//! A small parser of exactly that shape (an object of number values), so that no
//! `serde_json::Value` is built and `JSON.parse`'s leniencies that matter here (lone
//! surrogate escapes in keys, the last of repeated keys wins) hold.

use crate::canonical::Order;

/// A cursor over JSON text, for [`parse_sort`].
struct Json<'a> {
    b: &'a [u8],
    i: usize,
}

impl Json<'_> {
    fn ws(&mut self) {
        while matches!(self.b.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        let hit = self.b.get(self.i) == Some(&c);
        if hit {
            self.i += 1;
        }
        hit
    }

    /// A JSON string, as UTF-16 code units (lone surrogates allowed, as in `JSON.parse`).
    fn string(&mut self) -> Option<Vec<u16>> {
        if !self.eat(b'"') {
            return None;
        }
        let mut units = Vec::new();
        let rest = std::str::from_utf8(&self.b[self.i..]).ok()?;
        let mut chars = rest.char_indices();
        while let Some((at, c)) = chars.next() {
            match c {
                '"' => {
                    self.i += at + 1;
                    return Some(units);
                }
                '\\' => {
                    let unit = match chars.next()?.1 {
                        '"' => 0x22,
                        '\\' => 0x5c,
                        '/' => 0x2f,
                        'b' => 0x08,
                        'f' => 0x0c,
                        'n' => 0x0a,
                        'r' => 0x0d,
                        't' => 0x09,
                        'u' => {
                            let mut v = 0u16;
                            for _ in 0..4 {
                                let d = chars.next()?.1.to_digit(16)?;
                                v = v * 16 + d as u16;
                            }
                            v
                        }
                        _ => return None,
                    };
                    units.push(unit);
                }
                c if (c as u32) < 0x20 => return None,
                c => {
                    let mut buf = [0u16; 2];
                    units.extend_from_slice(c.encode_utf16(&mut buf));
                }
            }
        }
        None
    }

    /// A JSON number literal.
    fn number(&mut self) -> Option<f64> {
        let start = self.i;
        self.eat(b'-');
        let digits = |j: &mut Self| {
            let from = j.i;
            while j.b.get(j.i).is_some_and(u8::is_ascii_digit) {
                j.i += 1;
            }
            j.i - from
        };
        if self.eat(b'0') {
            if self.b.get(self.i).is_some_and(u8::is_ascii_digit) {
                return None;
            }
        } else if digits(self) == 0 {
            return None;
        }
        if self.eat(b'.') && digits(self) == 0 {
            return None;
        }
        if self.eat(b'e') || self.eat(b'E') {
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if digits(self) == 0 {
                return None;
            }
        }
        std::str::from_utf8(&self.b[start..self.i])
            .ok()?
            .parse()
            .ok()
    }
}

/// `parseJsonQuery`'s `sort`: a JSON object whose every value is `1` or `-1`. The order is
/// the direction of its `ts` key (the last one when repeated), ascending when absent; `None`
/// when the text is not such an object.
pub fn parse_sort(raw: &str) -> Option<Order> {
    let mut j = Json {
        b: raw.as_bytes(),
        i: 0,
    };
    let mut order = Order::Ascending;
    j.ws();
    if !j.eat(b'{') {
        return None;
    }
    j.ws();
    if !j.eat(b'}') {
        loop {
            j.ws();
            let key = j.string()?;
            j.ws();
            if !j.eat(b':') {
                return None;
            }
            j.ws();
            let value = j.number()?;
            let direction = if value == 1.0 {
                Order::Ascending
            } else if value == -1.0 {
                Order::Descending
            } else {
                return None;
            };
            if key == [u16::from(b't'), u16::from(b's')] {
                order = direction;
            }
            j.ws();
            if j.eat(b'}') {
                break;
            }
            if !j.eat(b',') {
                return None;
            }
        }
    }
    j.ws();
    (j.i == j.b.len()).then_some(order)
}

#[cfg(test)]
mod tests;
