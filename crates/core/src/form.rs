//! [`Form`]: an `application/x-www-form-urlencoded` request body.
//!
//! An operation writes its fields into a `Form` (see
//! [`Operation::form`](crate::Operation::form)). Names and values are
//! encoded by `form_urlencoded`, the WHATWG serializer: ASCII letters,
//! digits and `*-._` stay as they are, a space becomes `+` and every other
//! byte `%XX` (so an E.164 `+1800…` arrives as a `+`, not a space). An item
//! of an array parameter (bulk `Items`, geo `Permissions`) is written as
//! JSON by `serde_json`, then encoded like any other value.
//!
//! A body may hold a secret (the AWS `Credentials`), so a form leaves no
//! copy of itself behind: it makes room for a field before writing it,
//! moving what it holds into a larger buffer itself and wiping the old one,
//! and it is wiped if it is dropped unsent.
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

use serde::Serialize;
use zeroize::Zeroizing;

/// An `application/x-www-form-urlencoded` body, written a field at a time.
///
/// Fields keep their order; a name may repeat (bulk `Items` go once per
/// item). See the [module](self) documentation for what is wiped.
#[derive(Default)]
pub struct Form {
    body: Zeroizing<String>,
}

/// The length of `text` once form-encoded.
fn encoded_len(text: &str) -> usize {
    form_urlencoded::byte_serialize(text.as_bytes())
        .map(str::len)
        .sum()
}

impl Form {
    /// An empty form: no body.
    pub fn new() -> Self {
        Form::default()
    }

    /// Adds `name=value`, both form-encoded.
    pub fn text(&mut self, name: &str, value: &str) -> &mut Self {
        let len = usize::from(!self.body.is_empty()) + encoded_len(name) + 1 + encoded_len(value);
        if self.body.capacity() - self.body.len() < len {
            let mut grown =
                String::with_capacity((self.body.len() + len).max(2 * self.body.capacity()));
            grown.push_str(&self.body);
            // The old buffer is wiped as it is dropped.
            self.body = Zeroizing::new(grown);
        }
        // From 0: a `&` goes before the field when the body has one already.
        form_urlencoded::Serializer::for_suffix(&mut *self.body, 0).append_pair(name, value);
        self
    }

    /// Adds `name=` with `value` written as JSON by `serde_json`: one element
    /// of an array parameter such as bulk `Items` or geo `Permissions`. A
    /// value `serde_json` cannot write (a map with non-string keys) is sent
    /// as `null`, for the server to refuse, rather than dropped.
    pub fn json<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> &mut Self {
        let json = Zeroizing::new(serde_json::to_string(value).unwrap_or_else(|_| "null".into()));
        self.text(name, &json)
    }

    /// Whether no field was written (the request then has no body).
    pub fn is_empty(&self) -> bool {
        self.body.is_empty()
    }

    /// The body as it is sent.
    pub fn as_bytes(&self) -> &[u8] {
        self.body.as_bytes()
    }

    /// The body, for the request (moved, not copied).
    pub fn into_body(mut self) -> Vec<u8> {
        std::mem::take(&mut *self.body).into_bytes()
    }
}

impl fmt::Debug for Form {
    /// The length only: a body may hold a secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Form")
            .field("len", &self.body.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn fields_are_encoded_in_order_by_the_whatwg_serializer() {
        let mut form = Form::new();
        form.text("PhoneNumber", "+18001234567")
            .text("FriendlyName", "a b&c=d")
            .text("B", "*-._~")
            .text("A", "")
            .text("Items", r#"{"k":"é"}"#);
        assert_eq!(
            form.as_bytes(),
            b"PhoneNumber=%2B18001234567&FriendlyName=a+b%26c%3Dd&B=*-._%7E&A=&Items=%7B%22k%22%3A%22%C3%A9%22%7D"
        );
        assert!(!form.is_empty());
        assert!(Form::new().is_empty());
    }

    #[test]
    fn json_items_are_what_serde_json_writes_and_unwritable_ones_null() {
        let mut keyed_by_pairs = BTreeMap::new();
        keyed_by_pairs.insert((1, 2), 3);
        let mut form = Form::new();
        form.json("Items", &serde_json::json!({"a": "\"\n", "b": [1.5, null]}))
            .json("Items", &keyed_by_pairs);
        assert_eq!(
            form.as_bytes(),
            b"Items=%7B%22a%22%3A%22%5C%22%5Cn%22%2C%22b%22%3A%5B1.5%2Cnull%5D%7D&Items=null"
        );
    }

    #[test]
    fn a_growing_body_keeps_every_field() {
        let mut form = Form::new();
        let mut expected = form_urlencoded::Serializer::new(String::new());
        for n in 0..200 {
            let value = "é ".repeat(n);
            form.text("Name", &value);
            expected.append_pair("Name", &value);
        }
        assert_eq!(form.into_body(), expected.finish().into_bytes());
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
}
