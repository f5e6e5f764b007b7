//! Every registered operation's type has an example of its own (issue 13):
//! its doc comment holds a doctest that names the type and sends it with
//! `send_blocking`. The doc comments are read from the source, where rustdoc
//! reads them. The credential list, fetch, update and delete are generic
//! types named by aliases (`FetchCredentialAws` is `FetchCredential<Aws>`), so
//! theirs are checked on the generic type, whose example sends an alias.

use std::any::type_name;
use std::fmt::Debug;

use twilio_accounts_core::{
    FromParameters, OPERATIONS, Operation, OperationVisitor, ToJson, visit_operations,
};

/// Each resource file, by its module's name. A new resource file fails the
/// test until it is added here.
const SOURCES: &[(&str, &str)] = &[
    (
        "accounts_2010",
        include_str!("../src/operations/accounts_2010.rs"),
    ),
    (
        "auth_tokens",
        include_str!("../src/operations/auth_tokens.rs"),
    ),
    (
        "consents_bulk",
        include_str!("../src/operations/consents_bulk.rs"),
    ),
    (
        "contacts_bulk",
        include_str!("../src/operations/contacts_bulk.rs"),
    ),
    (
        "credential",
        include_str!("../src/operations/credential.rs"),
    ),
    (
        "credentials_aws",
        include_str!("../src/operations/credentials_aws.rs"),
    ),
    (
        "credentials_public_keys",
        include_str!("../src/operations/credentials_public_keys.rs"),
    ),
    ("iam_keys", include_str!("../src/operations/iam_keys.rs")),
    ("keys_2010", include_str!("../src/operations/keys_2010.rs")),
    (
        "messaging_geopermissions",
        include_str!("../src/operations/messaging_geopermissions.rs"),
    ),
    ("safelist", include_str!("../src/operations/safelist.rs")),
];

/// The `operationId` and the type's path (`…::operations::safelist::FetchSafelist`)
/// of every registered operation.
struct TypeNames(Vec<(&'static str, &'static str)>);

impl OperationVisitor for TypeNames {
    fn visit<O>(&mut self, _: O)
    where
        O: Operation + FromParameters + Clone + Debug + Send + Sync + 'static,
        O::Output: ToJson + Clone + Debug + Send + 'static,
    {
        self.0.push((O::ID, type_name::<O>()));
    }
}

/// The doc comment right above `pub struct {name}`: its `///` and
/// `#[doc = …]` lines, other attributes skipped.
fn doc_above(source: &str, name: &str) -> Option<String> {
    let lines: Vec<&str> = source.lines().collect();
    let at = lines.iter().position(|line| {
        line.trim_start()
            .strip_prefix("pub struct ")
            .and_then(|rest| rest.strip_prefix(name))
            .is_some_and(|rest| rest.starts_with([' ', '{', '(', ';', '<']))
    })?;
    let mut doc: Vec<&str> = lines[..at]
        .iter()
        .rev()
        .map(|line| line.trim_start())
        .take_while(|line| line.starts_with("///") || line.starts_with("#["))
        .filter(|line| line.starts_with("///") || line.starts_with("#[doc"))
        .collect();
    doc.reverse();
    Some(doc.join("\n"))
}

/// The first code block of a doc comment, if it is one that sends the
/// operation named by `mention` through `send_blocking`.
fn sends_in_example(doc: &str, mention: &str) -> bool {
    let mut blocks = doc.split("```");
    let example = blocks.nth(1).unwrap_or_default();
    blocks.next().is_some() && example.contains("send_blocking") && example.contains(mention)
}

/// Whether the type `name` of the resource file `source` has a doctest of
/// its own, above its declaration.
fn has_own_doctest(source: &str, name: &str) -> Result<(), String> {
    let doc = doc_above(source, name).ok_or_else(|| format!("{name} is not declared here"))?;
    match sends_in_example(&doc, name) {
        true => Ok(()),
        false => Err(format!(
            "the doc comment of {name} has no doctest that sends it"
        )),
    }
}

#[test]
fn every_registered_operation_type_has_a_doctest_that_sends_it() {
    let mut types = TypeNames(Vec::new());
    visit_operations(&mut types);
    assert_eq!(types.0.len(), OPERATIONS.len());
    for (id, path) in types.0 {
        // A generic operation's own path, without its kind (`FetchCredential<…Aws>`).
        let path = path.split('<').next().unwrap();
        let mut segments = path.rsplit("::");
        let (name, module) = (segments.next().unwrap(), segments.next().unwrap());
        let (_, source) = SOURCES
            .iter()
            .find(|(file, _)| *file == module)
            .unwrap_or_else(|| panic!("{id}: no source listed for the module `{module}`"));
        has_own_doctest(source, name).unwrap_or_else(|e| panic!("{id}: {e}"));
    }
}

/// The check itself, on small sources: it refuses what it must.
#[test]
fn the_check_refuses_a_type_without_its_own_sending_doctest() {
    let cases: &[(&str, &str, bool)] = &[
        (
            "/// Fetches.\n///\n/// ```\n/// send_blocking(&c, &Fetch::new(), &p, 0, &t, |_| {})?;\n/// ```\n#[derive(Debug)]\npub struct Fetch {",
            "Fetch",
            true,
        ),
        (
            "/// Fetches, no example.\n#[derive(Debug)]\npub struct Fetch {",
            "Fetch",
            false,
        ),
        (
            "/// ```\n/// let f = Fetch::new();\n/// ```\npub struct Fetch {",
            "Fetch",
            false,
        ),
        (
            "/// An example of another type.\n/// ```\n/// send_blocking(&c, &Other::new(), &p, 0, &t, |_| {})?;\n/// ```\npub struct Fetch;",
            "Fetch",
            false,
        ),
        (
            "/// ```\n/// send_blocking(&c, &Fetch::new(), &p, 0, &t, |_| {})?;\n/// ```\n\npub struct Fetch {",
            "Fetch",
            false,
        ),
        ("pub struct FetchAll {", "Fetch", false),
    ];
    for (source, name, expected) in cases {
        assert_eq!(
            has_own_doctest(source, name).is_ok(),
            *expected,
            "{name} in {source:?}"
        );
    }
}
