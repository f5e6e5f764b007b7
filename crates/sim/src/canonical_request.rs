//! The canonical form of a request as Public Key Client Validation hashes it (`rqh`), recomputed by the
//! simulator from the request as it was received.
//!
//! Written from Twilio's description (`twilio-notes.md`, "Public Key Client Validation") and checked against
//! the known answers in `tests/data/pkcv-vectors.json`, never from the client crates, so that a bug in the
//! clients' canonicaliser is not mirrored here:
//!
//! ```text
//! METHOD \n PATH \n QUERY \n name:value \n … \n SIGNED_HEADERS \n BODY_HASH
//! ```
//!
//! - PATH: percent-decoded, `//` collapsed, dot segments removed (RFC 3986 §5.2.4), then every byte but the
//!   unreserved ones (`A-Z a-z 0-9 - _ . ~`) and `/` percent-encoded in upper case (so space is `%20`, `*` is
//!   `%2A`, `+` is `%2B`); empty → `/`.
//! - QUERY: the `&`-separated pairs, `+` read as a space, each key and value decoded and encoded as the path
//!   is (`/` encoded too), written `key=value`, sorted as whole strings, joined with `&`; empty stays empty.
//!   A pair without `=` is `key=` (an empty value).
//! - one `name:value` line per signed header, in the order of `hrh`: every value the request carries under
//!   that name, each trimmed and with its inner runs of spaces and tabs collapsed to one space, sorted and
//!   joined with `,`; `host` loses a `:443` or `:80` port.
//! - BODY_HASH: hex SHA-256 of the body, or nothing at all for an empty body (the line is still there).

use http::HeaderMap;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode, percent_encode};
use sha2::{Digest, Sha256};

/// Every byte but RFC 3986's unreserved characters is encoded in a query key or value.
const QUERY_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A path keeps its `/` separators as well.
const PATH: &AsciiSet = &QUERY_COMPONENT.remove(b'/');

/// What of a received request is signed: all of it but the headers not named in `hrh`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReceivedRequest<'a> {
    /// `GET`, `POST`, … as received.
    pub(crate) method: &'a str,
    /// The path as received, percent-escapes included.
    pub(crate) path: &'a str,
    /// The query as received, without `?` (empty when there is none).
    pub(crate) query: &'a str,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) body: &'a [u8],
}

/// A header named in `hrh` that the request does not carry (its name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MissingHeader(pub(crate) String);

/// The canonical request: the bytes whose SHA-256 is `rqh`. `signed` are the header names of `hrh`, in its
/// order, lower case.
pub(crate) fn canonical_request(
    request: &ReceivedRequest<'_>,
    signed: &[&str],
) -> Result<Vec<u8>, MissingHeader> {
    let mut out = Vec::with_capacity(256 + request.path.len() + request.query.len());
    out.extend_from_slice(request.method.to_ascii_uppercase().as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_path(request.path).as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_query(request.query).as_bytes());
    out.push(b'\n');
    out.extend_from_slice(&canonical_headers(request.headers, signed)?);
    out.push(b'\n');
    out.extend_from_slice(signed.join(";").as_bytes());
    out.push(b'\n');
    out.extend_from_slice(body_hash(request.body).as_bytes());
    Ok(out)
}

/// Hex SHA-256 of the canonical request: what `rqh` must be.
pub(crate) fn request_hash(
    request: &ReceivedRequest<'_>,
    signed: &[&str],
) -> Result<String, MissingHeader> {
    canonical_request(request, signed).map(|canonical| hex_sha256(&canonical))
}

/// The canonical PATH line.
pub(crate) fn canonical_path(raw: &str) -> String {
    let decoded: Vec<u8> = percent_decode(raw.as_bytes()).collect();
    let collapsed = collapse_slashes(&decoded);
    let normalized = remove_dot_segments(&collapsed);
    if normalized.is_empty() {
        return "/".to_owned();
    }
    percent_encode(&normalized, PATH).to_string()
}

/// `//` (and longer runs) become one `/`.
fn collapse_slashes(path: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(path.len());
    for &b in path {
        if b == b'/' && out.last() == Some(&b'/') {
            continue;
        }
        out.push(b);
    }
    out
}

/// RFC 3986 §5.2.4, on bytes.
fn remove_dot_segments(mut input: &[u8]) -> Vec<u8> {
    let mut output: Vec<u8> = Vec::with_capacity(input.len());
    while !input.is_empty() {
        if let Some(rest) = input.strip_prefix(b"../") {
            input = rest;
        } else if let Some(rest) = input.strip_prefix(b"./") {
            input = rest;
        } else if input.starts_with(b"/./") {
            input = &input[2..];
        } else if input == b"/." {
            input = b"/";
        } else if input.starts_with(b"/../") || input == b"/.." {
            input = if input.len() == 3 { b"/" } else { &input[3..] };
            let cut = output.iter().rposition(|&b| b == b'/').unwrap_or(0);
            output.truncate(cut);
        } else if input == b"." || input == b".." {
            input = b"";
        } else {
            // Move the first segment (with its leading `/`, if any) to the output.
            let start = usize::from(input.first() == Some(&b'/'));
            let end = input[start..]
                .iter()
                .position(|&b| b == b'/')
                .map_or(input.len(), |i| i + start);
            output.extend_from_slice(&input[..end]);
            input = &input[end..];
        }
    }
    output
}

/// The canonical QUERY line.
pub(crate) fn canonical_query(raw: &str) -> String {
    let mut pairs: Vec<String> = raw
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            format!("{}={}", query_component(key), query_component(value))
        })
        .collect();
    pairs.sort_unstable();
    pairs.join("&")
}

/// A query key or value: `+` is a space, escapes decoded, then encoded again.
fn query_component(raw: &str) -> String {
    let spaced = raw.replace('+', " ");
    let decoded: Vec<u8> = percent_decode(spaced.as_bytes()).collect();
    percent_encode(&decoded, QUERY_COMPONENT).to_string()
}

/// The HEADERS lines: `name:value\n` for each name of `signed`, in that order.
pub(crate) fn canonical_headers(
    headers: &HeaderMap,
    signed: &[&str],
) -> Result<Vec<u8>, MissingHeader> {
    let mut out = Vec::new();
    for &name in signed {
        let mut values: Vec<Vec<u8>> = headers
            .get_all(name)
            .iter()
            .map(|value| {
                let value = collapse_whitespace(value.as_bytes());
                if name == "host" {
                    without_default_port(value)
                } else {
                    value
                }
            })
            .collect();
        if values.is_empty() {
            return Err(MissingHeader(name.to_owned()));
        }
        values.sort_unstable();
        out.extend_from_slice(name.as_bytes());
        out.push(b':');
        out.extend_from_slice(&values.join(&b","[..]));
        out.push(b'\n');
    }
    Ok(out)
}

/// Trimmed, with every inner run of spaces and tabs one space.
fn collapse_whitespace(value: &[u8]) -> Vec<u8> {
    let is_blank = |b: &u8| *b == b' ' || *b == b'\t';
    let mut out = Vec::with_capacity(value.len());
    let mut in_blank = false;
    for b in value.iter().skip_while(|b| is_blank(b)) {
        if is_blank(b) {
            in_blank = true;
            continue;
        }
        if in_blank {
            out.push(b' ');
            in_blank = false;
        }
        out.push(*b);
    }
    out
}

/// `api.twilio.com:443` → `api.twilio.com` (and `:80`); other ports stay.
fn without_default_port(mut host: Vec<u8>) -> Vec<u8> {
    for port in [&b":443"[..], b":80"] {
        if host.ends_with(port) {
            host.truncate(host.len() - port.len());
            break;
        }
    }
    host
}

/// The BODY_HASH line: hex SHA-256, or empty for an empty body.
pub(crate) fn body_hash(body: &[u8]) -> String {
    if body.is_empty() {
        String::new()
    } else {
        hex_sha256(body)
    }
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut hex, b| {
            hex.push(char::from(HEX[usize::from(b >> 4)]));
            hex.push(char::from(HEX[usize::from(b & 0x0f)]));
            hex
        })
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    //! The known answers of `tests/data/pkcv-vectors.json` (Twilio's docs example and the official
    //! libraries' canonicaliser tests), one table per part of the canonical request.

    use http::{HeaderName, HeaderValue};
    use serde_json::Value;

    use super::*;

    pub(crate) fn vectors() -> Value {
        serde_json::from_str(include_str!("../tests/data/pkcv-vectors.json")).unwrap_or(Value::Null)
    }

    fn text<'v>(value: &'v Value, key: &str) -> &'v str {
        value[key]
            .as_str()
            .unwrap_or_else(|| panic!("{key} in {value}"))
    }

    fn cases<'v>(vectors: &'v Value, key: &str) -> &'v [Value] {
        let cases = vectors[key].as_array().map_or(&[][..], Vec::as_slice);
        assert!(!cases.is_empty(), "no {key} in the vectors file");
        cases
    }

    fn header_map<'v>(pairs: impl IntoIterator<Item = (&'v str, &'v str)>) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            let name = HeaderName::from_bytes(name.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
            let value = HeaderValue::from_str(value).unwrap_or_else(|e| panic!("{e}"));
            map.append(name, value);
        }
        map
    }

    fn signed(case: &Value, key: &str) -> Vec<String> {
        case[key]
            .as_array()
            .map(|names| {
                names
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The docs example and the `rqh_cases`: the whole canonical request and its hash.
    #[test]
    fn canonical_requests_and_their_hashes_match_the_known_answers() {
        let vectors = vectors();
        let docs = &vectors["docs_example"];
        let mut all: Vec<(Value, &Value)> = vec![(docs["request"].clone(), docs)];
        for case in cases(&vectors, "rqh_cases") {
            all.push((case.clone(), case));
        }
        for (request, answers) in all {
            let headers = request["headers"]
                .as_object()
                .map(|h| {
                    h.iter()
                        .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or("")))
                })
                .map(header_map)
                .unwrap_or_default();
            let received = ReceivedRequest {
                method: text(&request, "method"),
                path: text(&request, "path"),
                query: text(&request, "query"),
                headers: &headers,
                body: text(&request, "body").as_bytes(),
            };
            let names = signed(answers, "signed_headers");
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let canonical = canonical_request(&received, &names).map(String::from_utf8);
            assert_eq!(
                canonical,
                Ok(Ok(text(answers, "canonical_request").to_owned())),
                "{request}"
            );
            assert_eq!(
                request_hash(&received, &names),
                Ok(text(answers, "rqh").to_owned())
            );
        }
        assert_eq!(
            body_hash(text(&docs["request"], "body").as_bytes()),
            text(docs, "body_sha256")
        );
    }

    #[test]
    fn queries_are_canonicalised_as_the_known_answers_say() {
        for case in cases(&vectors(), "canonical_query_cases") {
            assert_eq!(
                canonical_query(text(case, "query")),
                text(case, "canonical"),
                "{}",
                text(case, "source")
            );
        }
    }

    #[test]
    fn paths_are_canonicalised_as_the_known_answers_say() {
        for case in cases(&vectors(), "canonical_path_cases") {
            assert_eq!(
                canonical_path(text(case, "path")),
                text(case, "canonical"),
                "{case}"
            );
        }
    }

    #[test]
    fn headers_are_canonicalised_as_the_known_answers_say() {
        for case in cases(&vectors(), "canonical_header_cases") {
            let pairs: Vec<(&str, &str)> = case["headers"]
                .as_array()
                .map(|pairs| {
                    pairs
                        .iter()
                        .map(|pair| {
                            (
                                pair[0].as_str().unwrap_or(""),
                                pair[1].as_str().unwrap_or(""),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let names = signed(case, "signed");
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let lines = canonical_headers(&header_map(pairs), &names).map(String::from_utf8);
            assert_eq!(lines, Ok(Ok(text(case, "canonical").to_owned())), "{case}");
        }
    }

    #[test]
    fn body_hashes_match_the_known_answers_and_an_empty_body_hashes_to_nothing() {
        for case in cases(&vectors(), "body_hash_cases") {
            assert_eq!(
                body_hash(text(case, "body").as_bytes()),
                text(case, "sha256")
            );
        }
        assert_eq!(body_hash(b""), "");
    }

    proptest::proptest! {
        /// Any path (as received: from `/`) and query canonicalise to printable ASCII, without a panic.
        #[test]
        fn any_path_and_query_canonicalise_to_ascii(raw in "\\PC{0,200}") {
            let path = canonical_path(&format!("/{raw}"));
            let query = canonical_query(&raw);
            proptest::prop_assert!(path.starts_with('/'));
            proptest::prop_assert!(path.bytes().chain(query.bytes()).all(|b| b.is_ascii_graphic()));
        }
    }

    /// Cases of the rules that the vectors do not cover.
    #[test]
    fn edge_cases_of_the_rules_hold() {
        for (path, canonical) in [
            ("/a/./b/../c/", "/a/c/"),
            ("/a/..", "/"),
            ("/..", "/"),
            ("/a%2Fb", "/a/b"),
            ("/%zz", "/%25zz"),
            ("/%C3", "/%C3"),
            ("/caf\u{e9}", "/caf%C3%A9"),
        ] {
            assert_eq!(canonical_path(path), canonical, "{path}");
        }
        for (query, canonical) in [("a&b=", "a=&b="), ("&&x=1&", "x=1"), ("b=2&a=1", "a=1&b=2")] {
            assert_eq!(canonical_query(query), canonical, "{query}");
        }
        let headers = header_map([
            ("x-a", "  one \t  two  "),
            ("host", "h:8080"),
            ("HOST", "g:80"),
        ]);
        assert_eq!(
            canonical_headers(&headers, &["host", "x-a"]).map(String::from_utf8),
            Ok(Ok("host:g,h:8080\nx-a:one two\n".to_owned()))
        );
        assert_eq!(
            canonical_headers(&headers, &["x-b"]),
            Err(MissingHeader("x-b".to_owned()))
        );
    }
}
