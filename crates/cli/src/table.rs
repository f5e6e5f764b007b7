//! Answers as aligned text tables, for people (scripts use `--output json`).
//!
//! Written from the same JSON value the JSON output carries, so text and
//! JSON can never disagree, and no answer needs a table of its own: a
//! value with a list (a page's `items`, geo `permissions`) is a table with
//! a row per element, any other object a two-column table of its fields.

use serde_json::Value;

/// `value` as text lines (no trailing newline); empty for `null`.
pub fn render(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Object(fields) => match fields.values().find_map(Value::as_array) {
            Some(rows) => rows_table(rows),
            None => aligned(
                fields
                    .iter()
                    .map(|(k, v)| vec![k.clone(), cell(v)])
                    .collect(),
            ),
        },
        Value::Array(rows) => rows_table(rows),
        other => cell(other),
    }
}

/// One row per element; the columns are the elements' fields, in the order
/// they first appear (serde_json keeps an object's keys sorted).
fn rows_table(rows: &[Value]) -> String {
    if rows.is_empty() {
        return "(none)".to_owned();
    }
    let mut columns: Vec<&str> = Vec::new();
    for row in rows {
        if let Value::Object(fields) = row {
            for key in fields.keys() {
                if !columns.contains(&key.as_str()) {
                    columns.push(key);
                }
            }
        }
    }
    if columns.is_empty() {
        return rows.iter().map(cell).collect::<Vec<_>>().join("\n");
    }
    let mut lines = vec![columns.iter().map(|c| c.to_uppercase()).collect()];
    for row in rows {
        lines.push(
            columns
                .iter()
                .map(|c| row.get(c).map_or_else(|| "-".to_owned(), cell))
                .collect(),
        );
    }
    aligned(lines)
}

/// A value as one cell: text as it is, `null` as `-`, a list comma-joined.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => "-".to_owned(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.is_empty() => "-".to_owned(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// Columns padded to their widest cell, two spaces apart; the last column
/// is not padded.
pub fn aligned(lines: Vec<Vec<String>>) -> String {
    let columns = lines.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            lines
                .iter()
                .filter_map(|l| l.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    lines
        .iter()
        .map(|line| {
            let mut text = String::new();
            for (i, cell) in line.iter().enumerate() {
                if i + 1 == line.len() {
                    text.push_str(cell);
                } else {
                    text.push_str(cell);
                    let pad = widths[i] - cell.chars().count() + 2;
                    text.extend(std::iter::repeat_n(' ', pad));
                }
            }
            text
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_list_is_a_table_with_a_row_per_element() {
        let page = json!({"items": [
            {"sid": "CR1", "friendly_name": "long name"},
            {"sid": "CR22", "friendly_name": null},
        ], "page": 0});
        assert_eq!(
            render(&page),
            "FRIENDLY_NAME  SID\nlong name      CR1\n-              CR22"
        );
        assert_eq!(render(&json!({"items": []})), "(none)");
    }

    #[test]
    fn an_object_is_a_table_of_its_fields_and_null_is_nothing() {
        let entry = json!({"sid": "GN1", "phone_number": "+18001234567"});
        assert_eq!(
            render(&entry),
            "phone_number  +18001234567\nsid           GN1"
        );
        assert_eq!(render(&Value::Null), "");
    }
}
