//! [`Form`]: an `application/x-www-form-urlencoded` request body, encoded
//! as it is written.
//!
//! An operation writes its form fields into a `Form` (see
//! [`Operation::form`](crate::Operation::form)). A field's value is encoded
//! straight into the body: there is no intermediate text, so a bulk item's
//! JSON is not written once as JSON and then a second time encoded, and a
//! secret (the AWS `Credentials`) has no copy besides the body itself.
//!
//! ```
//! use twilio_accounts_core::form::Form;
//!
//! #[derive(serde::Serialize)]
//! struct Item<'a> {
//!     contact_id: &'a str,
//!     enabled: bool,
//! }
//!
//! let mut form = Form::new();
//! form.text("FriendlyName", "a b&c")
//!     .json("Items", &Item { contact_id: "+18005550100", enabled: true });
//! assert_eq!(
//!     form.as_bytes(),
//!     b"FriendlyName=a+b%26c&Items=%7B%22contact_id%22%3A%22%2B18005550100%22%2C%22enabled%22%3Atrue%7D",
//! );
//! ```

use std::fmt;

use serde::ser::{self, Impossible, Serialize};

/// What each byte becomes in `application/x-www-form-urlencoded`: the WHATWG
/// URL standard's serializer, which leaves ASCII alphanumerics and `*-._`
/// alone, writes a space as `+` and every other byte as `%XX`.
const fn form_byte(b: u8) -> ([u8; 8], u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    if b.is_ascii_alphanumeric() || matches!(b, b'*' | b'-' | b'.' | b'_') {
        ([b, 0, 0, 0, 0, 0, 0, 0], 1)
    } else if b == b' ' {
        ([b'+', 0, 0, 0, 0, 0, 0, 0], 1)
    } else {
        (
            [
                b'%',
                HEX[(b >> 4) as usize],
                HEX[(b & 0xf) as usize],
                0,
                0,
                0,
                0,
                0,
            ],
            3,
        )
    }
}

/// How each byte of a form value is written.
struct Table {
    /// The bytes to write (the first `count` of 8 count), and at index 8,
    /// `count`. The encoder copies whole entries, so it writes a byte that
    /// needs escaping without a branch on what it is.
    entries: [[u8; 9]; 256],
    /// Whether the byte stands for itself: runs of those are copied whole.
    verbatim: [bool; 256],
}

const fn table(json_string: bool) -> Table {
    let mut table = Table {
        entries: [[0u8; 9]; 256],
        verbatim: [false; 256],
    };
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        // Inside a JSON string, as serde_json escapes: `\"`, `\\`, the short
        // forms of five controls, `\u00xx` for the other controls. Each
        // escape's bytes are then form-encoded like any other.
        let escape: &[u8] = match b {
            b'"' if json_string => b"%5C%22",
            b'\\' if json_string => b"%5C%5C",
            0x08 if json_string => b"%5Cb",
            0x0c if json_string => b"%5Cf",
            b'\n' if json_string => b"%5Cn",
            b'\r' if json_string => b"%5Cr",
            b'\t' if json_string => b"%5Ct",
            _ => b"",
        };
        let (bytes, count) = if !escape.is_empty() {
            let mut bytes = [0u8; 8];
            let mut i = 0;
            while i < escape.len() {
                bytes[i] = escape[i];
                i += 1;
            }
            (bytes, escape.len() as u8)
        } else if json_string && b < 0x20 {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            (
                [
                    b'%',
                    b'5',
                    b'C',
                    b'u',
                    b'0',
                    b'0',
                    HEX[(b >> 4) as usize],
                    HEX[(b & 0xf) as usize],
                ],
                8,
            )
        } else {
            form_byte(b)
        };
        let mut entry = [0u8; 9];
        let mut i = 0;
        while i < 8 {
            entry[i] = bytes[i];
            i += 1;
        }
        entry[8] = count;
        table.entries[byte] = entry;
        table.verbatim[byte] = count == 1 && bytes[0] == b;
        byte += 1;
    }
    table
}

/// Text as a form value.
static FORM: Table = table(false);
/// Text inside a JSON string inside a form value.
static JSON_STRING: Table = table(true);

/// The length of `text` once form-encoded.
pub(crate) fn encoded_len(text: &str) -> usize {
    text.bytes()
        .map(|b| usize::from(FORM.entries[usize::from(b)][8]))
        .sum()
}

/// Writes `text` form-encoded into `out` from `at`, and returns where it
/// ended. `out` was sized with [`encoded_len`], which reads the same table,
/// and is written to its exact end (a URI's target whose length is its
/// capacity becomes `Bytes` without another allocation).
pub(crate) fn encode_at(out: &mut [u8], mut at: usize, text: &str) -> usize {
    for &byte in text.as_bytes() {
        let entry = &FORM.entries[usize::from(byte)];
        if entry[8] == 1 {
            out[at] = entry[0];
            at += 1;
        } else {
            out[at..at + 3].copy_from_slice(&entry[..3]);
            at += 3;
        }
    }
    at
}

/// Up to 8 bytes, already encoded, that go around a value (`&`, `=`, a JSON
/// string's quotes, a key's `":`): copied as one 8-byte word.
#[derive(Clone, Copy)]
struct Piece {
    bytes: [u8; 8],
    len: usize,
}

impl Piece {
    const fn new(text: &[u8]) -> Piece {
        let mut bytes = [0u8; 8];
        let mut i = 0;
        while i < text.len() {
            bytes[i] = text[i];
            i += 1;
        }
        Piece {
            bytes,
            len: text.len(),
        }
    }
}

const NOTHING: Piece = Piece::new(b"");
const AMPERSAND: Piece = Piece::new(b"&");
const EQUALS: Piece = Piece::new(b"=");
const QUOTE: Piece = Piece::new(b"%22");
const COMMA_QUOTE: Piece = Piece::new(b"%2C%22");
const QUOTE_COLON: Piece = Piece::new(b"%22%3A");

/// An `application/x-www-form-urlencoded` body, written a field at a time.
///
/// Fields keep their order; a name may repeat (bulk `Items` go once per
/// item). A field written with [`secret`](Form::secret) makes the form wipe
/// every buffer it leaves behind as it grows, and itself if it is dropped
/// unsent, so the secret has no copy but the body.
#[derive(Default)]
pub struct Form {
    /// What is written, then zeroed room to write into: encoding copies
    /// whole table entries, which may run a few bytes past the text.
    buffer: Vec<u8>,
    /// How much of `buffer` is the body.
    len: usize,
    /// Whether a secret was written.
    secret: bool,
}

impl Form {
    /// An empty form: no body.
    pub fn new() -> Self {
        Form::default()
    }

    /// Adds `name=value`, both form-encoded.
    pub fn text(&mut self, name: &str, value: &str) -> &mut Self {
        self.name(name);
        self.encode(NOTHING, value.as_bytes(), &FORM, NOTHING);
        self
    }

    /// Adds `name=value` where `value` is a secret (the AWS
    /// `Credentials`): as [`text`](Form::text), and from then on the form
    /// wipes what it leaves behind.
    pub fn secret(&mut self, name: &str, value: &str) -> &mut Self {
        self.secret = true;
        self.text(name, value)
    }

    /// Adds `name=` with `value` written as JSON, form-encoded: one element
    /// of an array parameter such as bulk `Items` or geo `Permissions`.
    ///
    /// The JSON is what `serde_json` writes, byte for byte, for structs,
    /// sequences, strings, booleans, integers, unit variants and `None`
    /// (`null`). Maps, floats, bytes and data-carrying enum variants are not
    /// written: a value holding one is sent as `null`, for the server to
    /// refuse, rather than dropped. Twilio's items hold none of them.
    pub fn json<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> &mut Self {
        self.name(name);
        let start = self.len;
        if value.serialize(&mut JsonValue { form: self }).is_err() {
            self.len = start;
            self.raw(b"null");
        }
        self
    }

    /// Whether no field was written (the request then has no body).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The body as it is sent.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buffer[..self.len]
    }

    /// The body, for the request.
    pub fn into_body(mut self) -> Vec<u8> {
        let mut body = std::mem::take(&mut self.buffer);
        body.truncate(self.len);
        body
    }

    /// `&` between fields, then `name=`.
    fn name(&mut self, name: &str) {
        let separator = if self.len == 0 { NOTHING } else { AMPERSAND };
        self.encode(separator, name.as_bytes(), &FORM, EQUALS);
    }

    /// Makes `buffer` at least `end` long. Growing means a new buffer,
    /// twice as long or more: the old one is copied whole (with what an
    /// unfinished [`encode`](Form::encode) wrote past `len`), then, if the
    /// form holds a secret, wiped before it is freed.
    #[inline]
    fn room(&mut self, end: usize) {
        if end > self.buffer.len() {
            self.grow(end);
        }
    }

    #[cold]
    fn grow(&mut self, end: usize) {
        let mut grown = vec![0; end.max(2 * self.buffer.len()).max(256)];
        grown[..self.buffer.len()].copy_from_slice(&self.buffer);
        let old = std::mem::replace(&mut self.buffer, grown);
        if self.secret {
            let mut old = old;
            crate::secret::wipe(&mut old);
        }
    }

    /// Appends bytes that are already encoded.
    fn raw(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        self.room(end);
        self.buffer[self.len..end].copy_from_slice(bytes);
        self.len = end;
    }

    /// Appends `prefix` and `suffix`, already encoded, around `text`
    /// encoded through `table`. Bytes that stand for themselves (letters,
    /// digits, `*-._`: most of a SID, a key or a number) are copied as they
    /// are scanned, without a call to copy each run; each other byte copies
    /// its whole table entry. Before each run, room is made for the rest of
    /// the text and the 8 bytes of the entry or the suffix that follow it.
    fn encode(&mut self, prefix: Piece, text: &[u8], table: &Table, suffix: Piece) {
        let mut at = self.len;
        self.room(at + 8);
        self.buffer[at..at + 8].copy_from_slice(&prefix.bytes);
        at += prefix.len;
        let mut rest = text;
        loop {
            self.room(at + rest.len() + 8);
            let mut run = 0;
            for (slot, &byte) in self.buffer[at..].iter_mut().zip(rest) {
                if !table.verbatim[usize::from(byte)] {
                    break;
                }
                *slot = byte;
                run += 1;
            }
            at += run;
            let Some((&byte, after)) = rest[run..].split_first() else {
                break;
            };
            let entry = &table.entries[usize::from(byte)];
            self.buffer[at..at + 8].copy_from_slice(&entry[..8]);
            at += usize::from(entry[8]);
            rest = after;
        }
        self.buffer[at..at + 8].copy_from_slice(&suffix.bytes);
        self.len = at + suffix.len;
    }

    /// A JSON string, quoted and escaped, form-encoded, after `prefix`.
    fn json_string(&mut self, prefix: Piece, text: &str, suffix: Piece) {
        self.encode(prefix, text.as_bytes(), &JSON_STRING, suffix);
    }
}

impl Drop for Form {
    /// A form dropped unsent that holds a secret is wiped.
    fn drop(&mut self) {
        if self.secret {
            crate::secret::wipe(&mut self.buffer);
        }
    }
}

impl PartialEq for Form {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Form {}

impl fmt::Debug for Form {
    /// The length only: a body may hold a secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Form")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

/// Why a value could not be written as JSON (see [`Form::json`]); never
/// seen outside this module, where it turns the value into `null`.
#[derive(Debug)]
struct Unsupported;

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not written as a form field's JSON")
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Unsupported
    }
}

/// Writes one JSON value into a form.
struct JsonValue<'f> {
    form: &'f mut Form,
}

/// A JSON array or object being written: whether the next element is the
/// first (no `,` before it).
struct JsonCompound<'a, 'f> {
    value: &'a mut JsonValue<'f>,
    first: bool,
}

impl JsonCompound<'_, '_> {
    fn separator(&mut self) {
        if !std::mem::take(&mut self.first) {
            self.value.form.raw(b"%2C");
        }
    }
}

type Written<T = ()> = Result<T, Unsupported>;

impl<'a, 'f> ser::Serializer for &'a mut JsonValue<'f> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = JsonCompound<'a, 'f>;
    type SerializeTuple = JsonCompound<'a, 'f>;
    type SerializeTupleStruct = JsonCompound<'a, 'f>;
    type SerializeTupleVariant = Impossible<(), Unsupported>;
    type SerializeMap = Impossible<(), Unsupported>;
    type SerializeStruct = JsonCompound<'a, 'f>;
    type SerializeStructVariant = Impossible<(), Unsupported>;

    fn serialize_bool(self, v: bool) -> Written {
        self.form.raw(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Written {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Written {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Written {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Written {
        // Digits and `-` need no encoding.
        self.form.raw(itoa::Buffer::new().format(v).as_bytes());
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Written {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Written {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Written {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Written {
        self.form.raw(itoa::Buffer::new().format(v).as_bytes());
        Ok(())
    }
    fn serialize_f32(self, _: f32) -> Written {
        Err(Unsupported)
    }
    fn serialize_f64(self, _: f64) -> Written {
        Err(Unsupported)
    }
    fn serialize_char(self, v: char) -> Written {
        self.form
            .json_string(QUOTE, v.encode_utf8(&mut [0; 4]), QUOTE);
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Written {
        self.form.json_string(QUOTE, v, QUOTE);
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Written {
        Err(Unsupported)
    }
    fn serialize_none(self) -> Written {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Written {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Written {
        self.form.raw(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Written {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Written {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Written {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Written {
        Err(Unsupported)
    }
    fn serialize_seq(self, _: Option<usize>) -> Written<Self::SerializeSeq> {
        self.form.raw(b"%5B");
        Ok(JsonCompound {
            value: self,
            first: true,
        })
    }
    fn serialize_tuple(self, len: usize) -> Written<Self::SerializeTuple> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> Written<Self::SerializeTupleStruct> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Written<Self::SerializeTupleVariant> {
        Err(Unsupported)
    }
    fn serialize_map(self, _: Option<usize>) -> Written<Self::SerializeMap> {
        Err(Unsupported)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Written<Self::SerializeStruct> {
        self.form.raw(b"%7B");
        Ok(JsonCompound {
            value: self,
            first: true,
        })
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Written<Self::SerializeStructVariant> {
        Err(Unsupported)
    }
}

impl ser::SerializeSeq for JsonCompound<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Written {
        self.separator();
        value.serialize(&mut *self.value)
    }
    fn end(self) -> Written {
        self.value.form.raw(b"%5D");
        Ok(())
    }
}

impl ser::SerializeTuple for JsonCompound<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Written {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Written {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for JsonCompound<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Written {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Written {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeStruct for JsonCompound<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Written {
        let before = if std::mem::take(&mut self.first) {
            QUOTE
        } else {
            COMMA_QUOTE
        };
        self.value.form.json_string(before, key, QUOTE_COLON);
        value.serialize(&mut *self.value)
    }
    fn end(self) -> Written {
        self.value.form.raw(b"%7D");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use serde::Serialize;

    use super::*;

    /// What the form must hold: `serde_json`'s text, encoded by the WHATWG
    /// serializer.
    fn reference<T: Serialize>(pairs: &[(&str, Result<&str, &T>)]) -> String {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs.iter().map(|(name, value)| {
                let value = match value {
                    Ok(text) => (*text).to_owned(),
                    Err(json) => serde_json::to_string(json).unwrap_or_else(|_| "null".into()),
                };
                (*name, value)
            }))
            .finish()
    }

    fn written<T: Serialize>(pairs: &[(&str, Result<&str, &T>)]) -> String {
        let mut form = Form::new();
        for (name, value) in pairs {
            match value {
                Ok(text) => form.text(name, text),
                Err(json) => form.json(name, json),
            };
        }
        String::from_utf8(form.into_body()).expect("the encoding is ASCII")
    }

    #[derive(Serialize)]
    #[serde(rename_all = "kebab-case")]
    enum Kind {
        OptIn,
    }

    #[derive(Serialize)]
    struct Item<'a> {
        text: &'a str,
        #[serde(rename = "type")]
        kind: Kind,
        enabled: bool,
        count: i64,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<&'a str>,
        absent: Option<&'a str>,
        list: Vec<&'a str>,
        letter: char,
    }

    fn item(text: &str) -> Item<'_> {
        Item {
            text,
            kind: Kind::OptIn,
            enabled: false,
            count: -12,
            skipped: None,
            absent: None,
            list: vec![text, "b"],
            letter: '"',
        }
    }

    #[test]
    fn fields_are_encoded_as_the_reference_encodes_them() {
        let text_cases: &[(&str, &str, &str)] = &[
            ("PhoneNumber", "+18001234567", "PhoneNumber=%2B18001234567"),
            ("FriendlyName", "a b&c=d", "FriendlyName=a+b%26c%3Dd"),
            ("B", "*-._~", "B=*-._%7E"),
            ("A", "", "A="),
            (
                "Items",
                r#"{"k":"é"}"#,
                "Items=%7B%22k%22%3A%22%C3%A9%22%7D",
            ),
        ];
        for (name, value, expected) in text_cases {
            let pairs: Vec<(&str, Result<&str, &Item<'_>>)> = vec![(*name, Ok(*value))];
            assert_eq!(written(&pairs), *expected);
            assert_eq!(reference(&pairs), *expected);
        }
        let controls = "\u{1f}".repeat(300) + "x";
        let quotes = "ab\"".repeat(200);
        let json_cases: &[(&str, &str)] = &[
            (
                "plain",
                "Items=%7B%22text%22%3A%22plain%22%2C%22type%22%3A%22opt-in%22%2C%22enabled%22%3Afalse%2C%22count%22%3A-12%2C%22absent%22%3Anull%2C%22list%22%3A%5B%22plain%22%2C%22b%22%5D%2C%22letter%22%3A%22%5C%22%22%7D",
            ),
            ("a\"b\\c\n\u{1}", ""),
            ("", ""),
            // Escapes of 8 bytes each, past the room made for 3 per byte.
            (&controls, ""),
            (&quotes, ""),
        ];
        for (text, expected) in json_cases {
            let value = item(text);
            let pairs: Vec<(&str, Result<&str, &Item<'_>>)> = vec![("Items", Err(&value))];
            if !expected.is_empty() {
                assert_eq!(written(&pairs), *expected);
            }
            assert_eq!(written(&pairs), reference(&pairs), "{text:?}");
        }
    }

    #[test]
    fn a_value_json_cannot_hold_here_is_sent_as_null() {
        let mut map = BTreeMap::new();
        map.insert("k", 1);
        let mut form = Form::new();
        form.text("A", "1")
            .json("Items", &map)
            .json("Items", &1.5f64)
            .text("B", "2");
        assert_eq!(form.as_bytes(), b"A=1&Items=null&Items=null&B=2");
    }

    #[test]
    fn integers_are_written_in_full() {
        for n in [0, 9, 10, -1, i64::MIN, i64::MAX] {
            let mut form = Form::new();
            form.json("N", &n);
            assert_eq!(
                form.as_bytes(),
                format!("N={}", n).replace('+', "%2B").as_bytes()
            );
        }
        let mut form = Form::new();
        form.json("N", &u64::MAX);
        assert_eq!(form.as_bytes(), format!("N={}", u64::MAX).as_bytes());
    }

    #[test]
    fn debug_shows_the_length_not_the_body() {
        let mut form = Form::new();
        form.text("Credentials", "AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI");
        let debug = format!("{form:?}");
        assert!(!debug.contains("AKIA"), "{debug}");
        assert!(
            debug.contains(&form.as_bytes().len().to_string()),
            "{debug}"
        );
    }

    proptest! {
        /// Text fields, and JSON with any string in it (escapes, controls,
        /// non-ASCII), are byte for byte what `serde_json` and the WHATWG
        /// serializer make of them, however many fields the body grows by.
        #[test]
        fn forms_match_the_reference(
            fields in proptest::collection::vec((any::<bool>(), any::<String>()), 0..12),
        ) {
            let items: Vec<Item<'_>> = fields.iter().map(|(_, text)| item(text)).collect();
            let pairs: Vec<(&str, Result<&str, &Item<'_>>)> = fields
                .iter()
                .zip(&items)
                .map(|((json, text), item)| if *json { ("Items", Err(item)) } else { ("Name", Ok(text.as_str())) })
                .collect();
            prop_assert_eq!(written(&pairs), reference(&pairs));
        }
    }
}
