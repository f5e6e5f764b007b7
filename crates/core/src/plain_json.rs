//! [`PlainJson`]: a reader for JSON as Twilio writes it, the fast path in
//! front of serde_json for the answers read most: bulk results, geo
//! permissions and credentials.
//!
//! serde_json reads anything, and pays for it: a bulk answer of two items
//! cost it about 5,700 instructions, a visitor call per token and a field
//! match per key. The answers Twilio writes are plainer than JSON allows: no
//! escapes in the strings that matter, no deep nesting, fields in the same
//! order every time. A reader for only that scans strings eight bytes at a
//! time and compares each key with the one it expects next, without
//! scanning it.
//!
//! It is only ever a fast path. Every method returns `None` at the first
//! thing outside that plain subset (an escape, a control character, a
//! number that is not a plain integer where one is expected, nesting deeper
//! than [`MAX_DEPTH`], a body that is not UTF-8, trailing bytes, and any
//! syntax error), and the caller then decodes the whole body again with
//! serde_json, which either reads it or says exactly what is wrong. So a
//! reader built on it never refuses what serde_json accepts and never
//! accepts what serde_json refuses: it either agrees with serde_json or
//! steps aside, and the tests check that on arbitrary bodies.
//!
//! ```text
//! {"items":[{"correlation_id":"ad38…","error_code":0,"error_messages":[]}]}
//!  └ object ┘└ array ┘└ object ┘└ string ┘└ integer ┘└ array of strings ┘
//! ```

/// How deep a value skipped as unknown may nest (objects in arrays in
/// objects…) before the reader steps aside.
const MAX_DEPTH: usize = 16;

/// Where the first `"`, `\\` or control character of `bytes` is: the end
/// of a plain string, or where it stops being plain.
///
/// Eight bytes at a time, with two tests per word rather than three: XORed
/// with 0x02, a byte is below 0x21 exactly when it was a control character
/// or `"` (0x22 becomes 0x20, and 0x00..=0x1f map onto themselves), which
/// the borrow of subtracting 0x21 from every byte flags; XORed with `\\`, a
/// backslash becomes zero, which the borrow of subtracting 0x01 flags. A
/// borrow can flag bytes above a true match, never below one, so the
/// lowest flag is exact.
fn string_len(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut at = 0;
    while let Some(word) = bytes.get(at..at + 8) {
        let word = u64::from_le_bytes(word.try_into().ok()?);
        let quote_or_control = word ^ (ONES * 0x02);
        let backslash = word ^ (ONES * u64::from(b'\\'));
        let flags = (quote_or_control.wrapping_sub(ONES * 0x21) & !quote_or_control)
            | (backslash.wrapping_sub(ONES) & !backslash);
        let flags = flags & HIGH;
        if flags != 0 {
            return Some(at + (flags.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let stops = |byte: &u8| matches!(byte, b'"' | b'\\' | 0..=0x1f);
    Some(at + bytes.get(at..)?.iter().position(stops)?)
}

/// Puts a field's `value` into its `slot`, once: a field that comes twice
/// steps aside, since serde refuses it ("duplicate field").
pub(crate) fn once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value);
    Some(())
}

/// A position in a body being read. See the [module](self) documentation.
pub(crate) struct PlainJson<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> PlainJson<'a> {
    /// A reader at the start of `body`, or `None` if it is not UTF-8.
    pub(crate) fn new(body: &'a [u8]) -> Option<Self> {
        Some(PlainJson {
            text: std::str::from_utf8(body).ok()?,
            at: 0,
        })
    }

    /// The next byte that is not whitespace, not consumed.
    fn peek(&mut self) -> Option<u8> {
        let bytes = self.text.as_bytes();
        while let Some(&byte) = bytes.get(self.at) {
            if !matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
                return Some(byte);
            }
            self.at += 1;
        }
        None
    }

    /// Consumes `byte` (after whitespace) if it is next.
    pub(crate) fn eat(&mut self, byte: u8) -> bool {
        let next = self.peek() == Some(byte);
        self.at += usize::from(next);
        next
    }

    /// Consumes `byte`, which must be next.
    pub(crate) fn expect(&mut self, byte: u8) -> Option<()> {
        self.eat(byte).then_some(())
    }

    /// Consumes `null` if it is next.
    pub(crate) fn null(&mut self) -> bool {
        let next =
            self.peek() == Some(b'n') && self.text.as_bytes()[self.at..].starts_with(b"null");
        self.at += 4 * usize::from(next);
        next
    }

    /// Consumes `true` or `false`.
    pub(crate) fn boolean(&mut self) -> Option<bool> {
        let next = self.peek()?;
        let rest = &self.text.as_bytes()[self.at..];
        let (value, len) = match next {
            b't' if rest.starts_with(b"true") => (true, 4),
            b'f' if rest.starts_with(b"false") => (false, 5),
            _ => return None,
        };
        self.at += len;
        Some(value)
    }

    /// Consumes the first of `keys[from..]` that is next, and says which.
    #[inline]
    fn eat_expected_key(&mut self, keys: &[&str], from: usize) -> Option<usize> {
        let mut at = from;
        while let Some(key) = keys.get(at) {
            if self.eat_key(key) {
                return Some(at);
            }
            at += 1;
        }
        None
    }

    /// Consumes `"key"` if it is next. `key` is plain (no `"`, `\\` or
    /// control character), so this reads exactly what
    /// [`string`](Self::string) would, without scanning for the end.
    fn eat_key(&mut self, key: &str) -> bool {
        debug_assert_eq!(string_len(key.as_bytes()), None, "{key:?} is not plain");
        if self.peek() != Some(b'"') {
            return false;
        }
        let rest = &self.text.as_bytes()[self.at + 1..];
        let next = rest.get(key.len()) == Some(&b'"') && rest.starts_with(key.as_bytes());
        self.at += usize::from(next) * (key.len() + 2);
        next
    }

    /// A string without escapes or control characters, as its text.
    pub(crate) fn string(&mut self) -> Option<&'a str> {
        self.expect(b'"')?;
        let start = self.at;
        let end = start + string_len(&self.text.as_bytes()[start..])?;
        (self.text.as_bytes()[end] == b'"').then_some(())?;
        self.at = end + 1;
        // The body is UTF-8 and `"` is ASCII, so this is a whole string.
        self.text.get(start..end)
    }

    /// An unsigned integer as JSON writes one (`0`, or digits without a
    /// leading zero) that fits a `u32`. A fraction or exponent after it is
    /// not consumed, so the next `expect` steps aside.
    pub(crate) fn u32(&mut self) -> Option<u32> {
        self.peek()?;
        let digits = self.integer_len();
        let value = self.text.get(self.at..self.at + digits)?.parse().ok()?;
        self.at += digits;
        Some(value)
    }

    /// The length of the integer that starts here: `0` or `[1-9][0-9]*`, and
    /// 0 for anything else (so `01` is read as `0`, and the `1` after it
    /// steps aside).
    fn integer_len(&self) -> usize {
        let bytes = &self.text.as_bytes()[self.at..];
        match bytes.first() {
            Some(b'0') => 1,
            Some(b'1'..=b'9') => bytes.iter().take_while(|b| b.is_ascii_digit()).count(),
            _ => 0,
        }
    }

    /// `null`, or what `read` reads: the value of an `Option` field.
    pub(crate) fn or_null<T>(
        &mut self,
        read: impl FnOnce(&mut Self) -> Option<T>,
    ) -> Option<Option<T>> {
        if self.null() {
            return Some(None);
        }
        read(self).map(Some)
    }

    /// A plain string read by `parse`, the function its type's
    /// `Deserialize` uses: a value `parse` refuses steps aside, so that
    /// serde_json names the field.
    pub(crate) fn parsed<T, E>(&mut self, parse: impl FnOnce(&str) -> Result<T, E>) -> Option<T> {
        parse(self.string()?).ok()
    }

    /// A plain string, owned.
    pub(crate) fn owned_string(&mut self) -> Option<String> {
        self.string().map(str::to_owned)
    }

    /// An array, each element read by `item`.
    pub(crate) fn list<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Option<T>,
    ) -> Option<Vec<T>> {
        let mut items = Vec::new();
        self.array(|json| {
            items.push(item(json)?);
            Some(())
        })?;
        Some(items)
    }

    /// An array, each element read by `element`.
    fn array(&mut self, mut element: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.expect(b'[')?;
        if self.eat(b']') {
            return Some(());
        }
        loop {
            element(self)?;
            if !self.eat(b',') {
                return self.expect(b']');
            }
        }
    }

    /// An object: `field` is given each key and reads its value. Keys are
    /// plain strings (an escaped key steps aside).
    ///
    /// `keys` are the fields the caller reads, in the order Twilio writes
    /// them. Where the next key is one the list expects next (the one after
    /// the last key read, or one further on: Twilio leaves fields out), it
    /// is matched whole, a compare rather than a scan; any other key is
    /// scanned, and the list picks up after it. The list only makes reading
    /// faster: what is read is the same for any list, empty or in any
    /// order.
    pub(crate) fn object(
        &mut self,
        keys: &[&'static str],
        mut field: impl FnMut(&mut Self, &'a str) -> Option<()>,
    ) -> Option<()> {
        self.expect(b'{')?;
        if self.eat(b'}') {
            return Some(());
        }
        let mut next = 0;
        loop {
            let key = match self.eat_expected_key(keys, next) {
                Some(at) => {
                    next = at + 1;
                    keys[at]
                }
                None => {
                    let key = self.string()?;
                    if let Some(at) = keys.iter().position(|known| *known == key) {
                        next = at + 1;
                    }
                    key
                }
            };
            self.expect(b':')?;
            field(self, key)?;
            if !self.eat(b',') {
                return self.expect(b'}');
            }
        }
    }

    /// Reads past any value (a field the reader does not know), checking
    /// it as serde_json would.
    pub(crate) fn skip(&mut self) -> Option<()> {
        self.skip_nested(0)
    }

    fn skip_nested(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' if depth < MAX_DEPTH => self.object(&[], |json, _| json.skip_nested(depth + 1)),
            b'[' if depth < MAX_DEPTH => self.array(|json| json.skip_nested(depth + 1)),
            b't' | b'f' => self.boolean().map(drop),
            b'n' => self.null().then_some(()),
            _ => self.number(),
        }
    }

    /// A number as JSON writes one: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    fn number(&mut self) -> Option<()> {
        self.at += usize::from(self.text.as_bytes()[self.at] == b'-');
        let integer = self.integer_len();
        (integer > 0).then_some(())?;
        self.at += integer;
        let digits = |at: usize| {
            self.text.as_bytes()[at..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count()
        };
        if self.text.as_bytes().get(self.at) == Some(&b'.') {
            let fraction = digits(self.at + 1);
            (fraction > 0).then_some(())?;
            self.at += 1 + fraction;
        }
        if let Some(b'e' | b'E') = self.text.as_bytes().get(self.at) {
            self.at += 1;
            self.at += usize::from(matches!(
                self.text.as_bytes().get(self.at),
                Some(b'+' | b'-')
            ));
            let exponent = digits(self.at);
            (exponent > 0).then_some(())?;
            self.at += exponent;
        }
        Some(())
    }

    /// A whole body, read by `read`, with nothing but whitespace after it.
    pub(crate) fn whole<T>(body: &'a [u8], read: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let mut json = PlainJson::new(body)?;
        let value = read(&mut json)?;
        json.end()?;
        Some(value)
    }

    /// An object whose field `name` is `null` or an array of items read by
    /// `item`, and whose other fields are skipped. A missing or `null`
    /// field reads as empty, as serde's `default` and the core's
    /// `null_as_empty` do.
    pub(crate) fn list_field<T>(
        &mut self,
        name: &'static str,
        mut item: impl FnMut(&mut Self) -> Option<T>,
    ) -> Option<Vec<T>> {
        let mut items = None;
        self.object(&[name], |json, key| {
            if key != name {
                return json.skip();
            }
            let list = json.or_null(|json| json.list(&mut item))?;
            once(&mut items, list.unwrap_or_default())
        })?;
        Some(items.unwrap_or_default())
    }

    /// Checks that nothing but whitespace is left.
    fn end(&mut self) -> Option<()> {
        self.peek().is_none().then_some(())
    }
}

/// For the readers' tests: reads `body` with `plain` and checks it, and
/// the whole decode, against serde_json, the reference: where the reader
/// reads a body, serde_json reads the same; the decode says what serde_json
/// says. Returns the plain reading.
#[cfg(test)]
pub(crate) fn checked_against_serde_json<T>(
    body: &str,
    plain: fn(&mut PlainJson<'_>) -> Option<T>,
) -> Option<T>
where
    T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let reference = serde_json::from_slice::<T>(body.as_bytes());
    let read = PlainJson::whole(body.as_bytes(), plain);
    if let Some(value) = &read {
        assert_eq!(reference.as_ref().ok(), Some(value), "{body:?}");
    }
    let decoded =
        crate::operation::decode_plain_json("Test", http::StatusCode::OK, body.as_bytes(), plain);
    assert_eq!(decoded.as_ref().ok(), reference.as_ref().ok(), "{body:?}");
    read
}

/// For the readers' proptests: [`checked_against_serde_json`], and more: a
/// body that serde_json reads and that has no escape is read plainly, so the
/// fast path is taken wherever it can be.
#[cfg(test)]
pub(crate) fn read_plainly_where_it_can<T>(
    body: &str,
    plain: fn(&mut PlainJson<'_>) -> Option<T>,
) -> Result<(), proptest::test_runner::TestCaseError>
where
    T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let read = checked_against_serde_json(body, plain);
    if !body.contains('\\') && serde_json::from_str::<T>(body).is_ok() {
        proptest::prop_assert!(read.is_some(), "{} read by serde_json only", body);
    }
    Ok(())
}

/// For the readers' proptests: `text` cut at `cut` (on a character
/// boundary), or whole.
#[cfg(test)]
pub(crate) fn cut_short(text: &str, cut: Option<proptest::sample::Index>) -> &str {
    let Some(cut) = cut else {
        return text;
    };
    let mut end = cut.index(text.len() + 1);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde::de::IgnoredAny;

    use super::*;

    /// Whether a whole body is one value the reader skips, and what
    /// serde_json says of it.
    fn skipped(body: &str) -> (Option<()>, bool) {
        let ours = PlainJson::new(body.as_bytes()).and_then(|mut json| {
            json.skip()?;
            json.end()
        });
        (ours, serde_json::from_str::<IgnoredAny>(body).is_ok())
    }

    #[test]
    fn a_string_ends_at_the_first_quote_backslash_or_control_character() {
        // Every byte at every position of words and their remainders,
        // against the byte-at-a-time definition.
        let naive = |bytes: &[u8]| {
            bytes
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        };
        for len in 0..20 {
            for at in 0..len {
                for byte in 0..=255u8 {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = byte;
                    // Bytes above the one tested that would stop too, so
                    // that a flag wrongly raised above a match shows.
                    if at + 1 < len {
                        bytes[at + 1] = 0;
                    }
                    assert_eq!(
                        string_len(&bytes),
                        naive(&bytes),
                        "{byte:#x} at {at} of {len}"
                    );
                    bytes[at..].fill(0xe9);
                    assert_eq!(string_len(&bytes), naive(&bytes), "0xe9 from {at} of {len}");
                }
            }
        }
    }

    #[test]
    fn values_are_skipped_exactly_when_serde_json_reads_them_or_steps_aside() {
        // (body, whether the reader skips it). Where it does, serde_json
        // must read it too; where it does not, serde_json decides.
        let cases: &[(&str, bool)] = &[
            ("0", true),
            ("-0", true),
            ("12", true),
            ("1.5", true),
            ("-1.5e+10", true),
            ("1E3", true),
            ("1e-3", true),
            ("1e999", true),
            ("01", false),
            ("1.", false),
            (".5", false),
            ("1e", false),
            ("1e+", false),
            ("-", false),
            ("+1", false),
            ("--1", false),
            ("true", true),
            ("false", true),
            ("null", true),
            ("nul", false),
            ("tru", false),
            ("nulll", false),
            ("\"plain\"", true),
            ("\"é ü\"", true),
            ("\"esc\\\"aped\"", false),
            ("\"tab\there\"", false),
            ("\"unterminated", false),
            ("[]", true),
            ("[1, \"a\", [null], {\"k\": {}}]", true),
            ("[1,]", false),
            ("[,1]", false),
            ("{}", true),
            (" { \"a\" : 1 ,\n\"a\": 2 } ", true),
            ("{\"a\"}", false),
            ("{\"a\":1,}", false),
            ("{1:1}", false),
            ("[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]", false),
            ("[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]", true),
            ("1 2", false),
            ("", false),
        ];
        for &(body, skips) in cases {
            let (ours, serde) = skipped(body);
            assert_eq!(ours.is_some(), skips, "{body:?}");
            if ours.is_some() {
                assert!(serde, "{body:?} skipped, but serde_json refuses it");
            }
        }
        assert!(PlainJson::new(b"\"\xff\"").is_none());
        // Objects nest to the same depth as arrays.
        let objects = |depth: usize| format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
        assert_eq!(skipped(&objects(MAX_DEPTH)), (Some(()), true));
        assert_eq!(skipped(&objects(MAX_DEPTH + 1)), (None, true));
    }

    /// Any JSON value without escapes nor deep nesting.
    fn value() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            "[ -~&&[^\"\\\\]]{0,12}".prop_map(Value::from),
            "\\PC{0,6}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                proptest::collection::btree_map("[a-z]{0,3}", inner, 0..4)
                    .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
            ]
        })
    }

    /// The keys of an object as read with `keys` as the expected list,
    /// each with whether its value was a plain string.
    fn keys_read(body: &str, keys: &[&'static str]) -> Option<Vec<(String, bool)>> {
        let mut json = PlainJson::new(body.as_bytes())?;
        let mut read = Vec::new();
        json.object(keys, |json, key| {
            let string = json.peek() == Some(b'"');
            read.push((key.to_owned(), string));
            if string {
                json.string().map(drop)
            } else {
                json.skip()
            }
        })?;
        json.end()?;
        Some(read)
    }

    #[test]
    fn the_expected_keys_change_nothing_but_speed() {
        let lists: &[&[&'static str]] = &[
            &[],
            &["a", "ab", "b"],
            &["b", "ab", "a"],
            &["ab"],
            &["a"],
            &["abc", "a"],
            &["a", "a"],
        ];
        // (body, the keys read with any list; `None`: the reader steps aside)
        let cases: &[(&str, Option<&[&str]>)] = &[
            (r#"{"a":1,"ab":"x","b":null}"#, Some(&["a", "ab", "b"])),
            (r#"{"b":1,"a":2}"#, Some(&["b", "a"])),
            (r#"{ "ab" : 1 , "a":{"a":1}}"#, Some(&["ab", "a"])),
            (r#"{"abc":1,"ab":2}"#, Some(&["abc", "ab"])),
            (r#"{"a":1,"a":2}"#, Some(&["a", "a"])),
            (r#"{"":1}"#, Some(&[""])),
            (r#"{}"#, Some(&[])),
            (r#"{"a\u0062":1}"#, None),
            (r#"{"ab"1}"#, None),
            (r#"{"ab":1"#, None),
            (r#"{"ab"#, None),
            (r#"{"a"#, None),
            (r#"{"a""#, None),
            (r#"{a:1}"#, None),
        ];
        for (body, expected) in cases {
            for keys in lists {
                let read = keys_read(body, keys);
                let names: Option<Vec<&str>> = read
                    .as_ref()
                    .map(|r| r.iter().map(|(k, _)| k.as_str()).collect());
                assert_eq!(names.as_deref(), *expected, "{body} with {keys:?}");
            }
        }
    }

    proptest! {
        /// On any object, whole or cut short, whatever keys are expected
        /// (in any order, absent, prefixes of each other), the reader reads
        /// what it reads expecting none.
        #[test]
        fn any_expected_keys_read_what_none_read(
            fields in proptest::collection::vec(("[ab]{0,3}", prop_oneof![Just("1"), Just("\"ab\""), Just("{\"a\":[]}")]), 0..6),
            keys in proptest::collection::vec(prop_oneof![Just("a"), Just("ab"), Just("b"), Just("ba"), Just("")], 0..5),
            cut in any::<prop::sample::Index>(),
        ) {
            let body: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
            let body = format!("{{{}}}", body.join(","));
            let keys: Vec<&'static str> = keys;
            prop_assert_eq!(keys_read(&body, &keys), keys_read(&body, &[]), "{}", body);
            let cut = cut_short(&body, Some(cut));
            prop_assert_eq!(keys_read(cut, &keys), keys_read(cut, &[]), "{}", cut);
        }

        /// The reader agrees with serde_json on any value, compact or
        /// pretty, whole or cut short: it skips it only if serde_json reads
        /// it, and it skips every one whose strings are plain.
        #[test]
        fn skipping_agrees_with_serde_json(value in value(), pretty: bool, cut in any::<prop::sample::Index>()) {
            let text = if pretty {
                serde_json::to_string_pretty(&value).unwrap()
            } else {
                serde_json::to_string(&value).unwrap()
            };
            let plain = !text.contains('\\');
            let (ours, serde) = skipped(&text);
            prop_assert!(serde);
            prop_assert_eq!(ours.is_some(), plain, "{}", text);
            let cut = cut_short(&text, Some(cut));
            let (ours, serde) = skipped(cut);
            prop_assert!(ours.is_none() || serde, "{} skipped", cut);
        }
    }
}
