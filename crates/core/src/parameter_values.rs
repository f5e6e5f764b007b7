//! Operations built from `Name=Value` text, with the spec's parameter names:
//! how a generic caller (a script, a command line) asks for any registered
//! operation without knowing its Rust type.
//!
//! Each operation declares how it reads its parameters ([`FromParameters`],
//! next to the operation in its resource's file), so the rules live in one
//! place: a SID must be a SID, a number E.164, an array parameter such as
//! `Items` or `Permissions` is given once per element, each one JSON object.
//! Names are checked against the operation's declared
//! [`PARAMETERS`](crate::Operation::PARAMETERS) first, so an unknown name is
//! refused with the list of valid ones.
//!
//! Errors name the parameter (and, for an array, the element) and say what
//! is allowed; they never repeat a value, which may be a secret (AWS
//! credentials) or personal data (a phone number).
//!
//! ```
//! use twilio_accounts_core::{FetchSafelist, ParameterError, ParameterValues, FromParameters};
//!
//! let values = ParameterValues::from_pairs([("PhoneNumber", "+18001234567")]);
//! let fetch = FetchSafelist::from_parameter_values(&values)?;
//! assert_eq!(fetch.phone_number.as_str(), "+18001234567");
//!
//! let typo = ParameterValues::from_pairs([("Phone", "+18001234567")]);
//! let err = FetchSafelist::from_parameter_values(&typo).unwrap_err();
//! assert!(matches!(err, ParameterError::Unknown { ref valid, .. } if valid == &["PhoneNumber"]));
//! # Ok::<(), ParameterError>(())
//! ```

use std::fmt;

use serde_json::{Map, Value};

use crate::operation::Operation;

/// Named values given for one operation, in the order given; a name may
/// repeat (array parameters).
///
/// Its `Debug` shows the names only: values may be secrets.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ParameterValues {
    pairs: Vec<(String, String)>,
}

impl fmt::Debug for ParameterValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.pairs.iter().map(|(name, _)| name))
            .finish()
    }
}

impl Drop for ParameterValues {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        for (_, value) in &mut self.pairs {
            value.zeroize();
        }
    }
}

impl ParameterValues {
    /// No values.
    pub fn new() -> Self {
        Self::default()
    }

    /// The values `pairs`, in order.
    pub fn from_pairs<N: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (N, V)>,
    ) -> Self {
        ParameterValues {
            pairs: pairs
                .into_iter()
                .map(|(n, v)| (n.into(), v.into()))
                .collect(),
        }
    }

    /// Adds one value (given again, a name makes an array).
    pub fn push(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.pairs.push((name.into(), value.into()));
    }

    /// The names given, in order (repeated as given).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.pairs.iter().map(|(n, _)| n.as_str())
    }

    /// Whether nothing was given.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Refuses a name that `O` does not declare, listing the ones it does.
    pub fn check_names<O: Operation>(&self) -> Result<(), ParameterError> {
        match self
            .names()
            .find(|name| !O::PARAMETERS.iter().any(|p| p.name == *name))
        {
            None => Ok(()),
            Some(name) => Err(ParameterError::Unknown {
                operation: O::ID,
                name: name.to_owned(),
                valid: O::PARAMETERS.iter().map(|p| p.name).collect(),
            }),
        }
    }

    /// The value of `name` given at most once, if given.
    pub fn optional(
        &self,
        operation: &'static str,
        name: &'static str,
    ) -> Result<Option<&str>, ParameterError> {
        let mut values = self.all(name);
        let first = values.next();
        if values.next().is_some() {
            return Err(ParameterError::Repeated { operation, name });
        }
        Ok(first)
    }

    /// The value of `name`, given exactly once.
    pub fn required(
        &self,
        operation: &'static str,
        name: &'static str,
    ) -> Result<&str, ParameterError> {
        self.optional(operation, name)?
            .ok_or(ParameterError::Missing { operation, name })
    }

    /// Every value of `name`, in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// `name` read with `parse`, if given; a parse error becomes
    /// [`ParameterError::Invalid`] with the error's text (which never holds
    /// the value).
    pub fn parse_optional<T, E: fmt::Display>(
        &self,
        operation: &'static str,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<Option<T>, ParameterError> {
        self.optional(operation, name)?
            .map(|value| {
                parse(value).map_err(|e| ParameterError::invalid(operation, name, None, e))
            })
            .transpose()
    }

    /// `name`, given exactly once, read with `parse`.
    pub fn parse_required<T, E: fmt::Display>(
        &self,
        operation: &'static str,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, ParameterError> {
        let value = self.required(operation, name)?;
        parse(value).map_err(|e| ParameterError::invalid(operation, name, None, e))
    }

    /// An array parameter: every value of `name` read as one JSON object and
    /// handed to `parse` with its index; at least one is required.
    pub fn json_objects<T>(
        &self,
        operation: &'static str,
        name: &'static str,
        mut parse: impl FnMut(&JsonObject<'_>) -> Result<T, String>,
    ) -> Result<Vec<T>, ParameterError> {
        let mut items = Vec::new();
        for (index, text) in self.all(name).enumerate() {
            let invalid = |reason: String| ParameterError::Invalid {
                operation,
                name,
                index: Some(index),
                reason,
            };
            let value: Value = serde_json::from_str(text).map_err(|e| {
                invalid(format!(
                    "is not JSON (line {}, column {}): give each element as one JSON object",
                    e.line(),
                    e.column()
                ))
            })?;
            let Value::Object(map) = value else {
                return Err(invalid("must be a JSON object".to_owned()));
            };
            items.push(parse(&JsonObject(&map)).map_err(invalid)?);
        }
        if items.is_empty() {
            return Err(ParameterError::Missing { operation, name });
        }
        Ok(items)
    }
}

/// One element of an array parameter, a JSON object, read field by field.
#[derive(Debug)]
pub struct JsonObject<'a>(&'a Map<String, Value>);

impl JsonObject<'_> {
    /// The string field `field`; an error when it is absent or not a string.
    pub fn string(&self, field: &str) -> Result<&str, String> {
        self.optional_string(field)?
            .ok_or_else(|| format!("needs the field `{field}` (a string)"))
    }

    /// The string field `field`, if present and not `null`.
    pub fn optional_string(&self, field: &str) -> Result<Option<&str>, String> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(format!("has a `{field}` that is not a string")),
        }
    }

    /// The boolean field `field`; an error when it is absent or not a boolean.
    pub fn boolean(&self, field: &str) -> Result<bool, String> {
        match self.0.get(field) {
            Some(Value::Bool(b)) => Ok(*b),
            None | Some(Value::Null) => Err(format!("needs the field `{field}` (true or false)")),
            Some(_) => Err(format!("has a `{field}` that is not true or false")),
        }
    }

    /// `field` read with `parse`, whose error text is added to the field's name.
    pub fn parse<T, E: fmt::Display>(
        &self,
        field: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, String> {
        parse(self.string(field)?).map_err(|e| format!("has a bad `{field}`: {e}"))
    }

    /// Refuses a field not in `known`, so a typo is not silently dropped.
    pub fn only(&self, known: &[&str]) -> Result<(), String> {
        match self.0.keys().find(|k| !known.contains(&k.as_str())) {
            None => Ok(()),
            Some(key) => Err(format!(
                "has the unknown field `{key}` (known: {})",
                known.join(", ")
            )),
        }
    }
}

/// Why named values do not make an operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParameterError {
    /// A name the operation does not take.
    #[error("{operation} takes no parameter `{name}`; it takes: {}", list(valid))]
    Unknown {
        /// The operation's `operationId`.
        operation: &'static str,
        /// The name given.
        name: String,
        /// The names it takes.
        valid: Vec<&'static str>,
    },
    /// A required parameter is absent.
    #[error("{operation} needs the parameter `{name}`")]
    Missing {
        /// The operation's `operationId`.
        operation: &'static str,
        /// The parameter.
        name: &'static str,
    },
    /// A parameter that takes one value was given more than once.
    #[error("{operation} takes `{name}` once, but it was given more than once")]
    Repeated {
        /// The operation's `operationId`.
        operation: &'static str,
        /// The parameter.
        name: &'static str,
    },
    /// A value is malformed; `reason` says what is allowed and never repeats it.
    #[error("{operation}: parameter `{name}`{}: {reason}", element(*index))]
    Invalid {
        /// The operation's `operationId`.
        operation: &'static str,
        /// The parameter.
        name: &'static str,
        /// Which element of an array parameter (from 0).
        index: Option<usize>,
        /// What was wrong.
        reason: String,
    },
}

impl ParameterError {
    /// An [`Invalid`](Self::Invalid) from a parser's error.
    pub fn invalid(
        operation: &'static str,
        name: &'static str,
        index: Option<usize>,
        error: impl fmt::Display,
    ) -> Self {
        let text = error.to_string();
        // The core's own range errors start with the parameter's name.
        let reason = match text.strip_prefix(name).and_then(|t| t.strip_prefix(' ')) {
            Some(rest) => rest.to_owned(),
            None => text,
        };
        ParameterError::Invalid {
            operation,
            name,
            index,
            reason,
        }
    }
}

fn list(names: &[&'static str]) -> String {
    if names.is_empty() {
        "no parameters".to_owned()
    } else {
        names.join(", ")
    }
}

fn element(index: Option<usize>) -> String {
    index
        .map(|i| format!(" element {}", i + 1))
        .unwrap_or_default()
}

/// An operation that can be built from named values.
///
/// Implemented next to each operation; the registry's visitor
/// ([`OperationVisitor`](crate::OperationVisitor)) requires it, so every
/// registered operation has it.
pub trait FromParameters: Operation + Sized {
    /// Builds the operation from `values`, whose names are already checked
    /// against [`Operation::PARAMETERS`].
    fn from_parameters(values: &ParameterValues) -> Result<Self, ParameterError>;

    /// Checks the names, then builds the operation.
    fn from_parameter_values(values: &ParameterValues) -> Result<Self, ParameterError> {
        values.check_names::<Self>()?;
        Self::from_parameters(values)
    }
}

/// Reads `SuppressEmailNotification`-style booleans: `true` or `false`.
pub(crate) fn parse_bool(value: &str) -> Result<bool, &'static str> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err("must be true or false"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_names_never_values() {
        let values = ParameterValues::from_pairs([("Credentials", "AKIA:very-secret")]);
        let shown = format!("{values:?}");
        assert_eq!(shown, r#"["Credentials"]"#);
    }

    #[test]
    fn single_values_are_required_once() {
        let values = ParameterValues::from_pairs([("A", "1"), ("A", "2"), ("B", "3")]);
        assert_eq!(
            values.optional("Op", "A"),
            Err(ParameterError::Repeated {
                operation: "Op",
                name: "A"
            })
        );
        assert_eq!(values.required("Op", "B"), Ok("3"));
        assert_eq!(
            values.required("Op", "C"),
            Err(ParameterError::Missing {
                operation: "Op",
                name: "C"
            })
        );
    }

    #[test]
    fn array_elements_must_be_json_objects_and_are_named_by_position() {
        let values = ParameterValues::from_pairs([("Items", r#"{"a":"x"}"#), ("Items", "[1]")]);
        let err = values
            .json_objects("Op", "Items", |o| o.string("a").map(str::to_owned))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Op: parameter `Items` element 2: must be a JSON object"
        );
        let values = ParameterValues::from_pairs([("Items", "{nope")]);
        let err = values.json_objects("Op", "Items", |_| Ok(())).unwrap_err();
        assert!(err.to_string().contains("element 1: is not JSON"), "{err}");
        let none = ParameterValues::new();
        assert!(matches!(
            none.json_objects("Op", "Items", |_| Ok(())),
            Err(ParameterError::Missing { name: "Items", .. })
        ));
    }
}
