//! Writing to stdout and stderr without ever panicking.
//!
//! `println!` panics when stdout is a closed pipe (`| head`) or a full disk
//! (`> /dev/full`), and a panic in the middle of a rotation would end it
//! with exit 101 between two steps. Every line this tool prints goes through
//! [`out`] or [`err`] instead: a failed write is remembered, the command
//! goes on to a consistent stop, and [`exit_code`] turns its exit into
//! [`Exit::OutputFailed`] (12) when it
//! would otherwise have said success. A rotation keeps its journal when its
//! final report could not be written, so `rotate --resume` reports again.

use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::outcome::Exit;

static STDOUT_FAILED: AtomicBool = AtomicBool::new(false);
static STDERR_FAILED: AtomicBool = AtomicBool::new(false);

/// Writes `text` and a newline to stdout and flushes it. False when that
/// failed (this and every later write to stdout is then skipped).
pub fn out(text: &str) -> bool {
    write_line(&mut io::stdout().lock(), text, &STDOUT_FAILED)
}

/// Writes `text` and a newline to stderr. False when that failed.
pub fn err(text: &str) -> bool {
    write_line(&mut io::stderr().lock(), text, &STDERR_FAILED)
}

/// Writes `bytes` as they are to stdout and flushes it (a completion
/// script). False when that failed.
pub fn out_raw(bytes: &[u8]) -> bool {
    if STDOUT_FAILED.load(Ordering::SeqCst) {
        return false;
    }
    let mut stdout = io::stdout().lock();
    let ok = stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .is_ok();
    if !ok {
        STDOUT_FAILED.store(true, Ordering::SeqCst);
    }
    ok
}

fn write_line(to: &mut impl Write, text: &str, failed: &AtomicBool) -> bool {
    if failed.load(Ordering::SeqCst) {
        return false;
    }
    let ok = to
        .write_all(text.as_bytes())
        .and_then(|()| to.write_all(b"\n"))
        .and_then(|()| to.flush())
        .is_ok();
    if !ok {
        failed.store(true, Ordering::SeqCst);
    }
    ok
}

/// `text` with every character that a terminal would act on made visible:
/// control characters other than a newline or a tab (an escape sequence can
/// move the cursor, rewrite earlier lines, set the window title, or worse),
/// and the Unicode bidirectional overrides (which reorder what is shown).
/// Server text reaches the text output (friendly names, which a subaccount
/// chooses itself; Twilio's error messages), so every text line goes
/// through this. JSON needs none: serde_json escapes control characters.
///
/// ```text
/// "evil\x1b[2Jname"  →  "evil\u{1b}[2Jname"
/// ```
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let acts = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(acts) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if acts(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// `url` with any user name and password in it replaced by `***`, for
/// messages: `https://user:secret@host/` becomes `https://***@host/`.
pub fn without_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    match authority.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://***@{host}{path}"),
        None => url.to_owned(),
    }
}

/// Whether a write to stdout has failed so far.
pub fn stdout_failed() -> bool {
    STDOUT_FAILED.load(Ordering::SeqCst)
}

/// The process's exit code: `code`, unless it says success and a write to
/// stdout failed (the result did not reach whoever asked for it). A write
/// to stderr that failed is said on stdout's behalf only if stdout works:
/// progress is not the result.
pub fn exit_code(code: ExitCode) -> ExitCode {
    if code == Exit::Success.code() && stdout_failed() {
        let _ = err(
            "error: the result could not be written to standard output (a closed pipe or a full disk?); nothing else failed",
        );
        return Exit::OutputFailed.code();
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that fails like a closed pipe or a full disk.
    struct Broken(io::ErrorKind);

    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from(self.0))
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(io::Error::from(self.0))
        }
    }

    #[test]
    fn what_a_terminal_would_act_on_is_made_visible() {
        let cases = [
            ("plain name", "plain name"),
            ("two\nlines\tand a tab", "two\nlines\tand a tab"),
            ("evil\x1b[2Jname", "evil\\u{1b}[2Jname"),
            ("bell\x07", "bell\\u{7}"),
            ("carriage\rreturn", "carriage\\u{d}return"),
            ("c1\u{9b}31m", "c1\\u{9b}31m"),
            ("bidi\u{202e}txt.exe", "bidi\\u{202e}txt.exe"),
            ("déjà vu ✓", "déjà vu ✓"),
        ];
        for (input, shown) in cases {
            assert_eq!(printable(input), shown, "{input:?}");
        }
    }

    #[test]
    fn a_user_and_password_in_a_url_are_never_shown() {
        let cases = [
            (
                "https://user:hunter2@example.com/x",
                "https://***@example.com/x",
            ),
            ("http://u:p@w@127.0.0.1:9", "http://***@127.0.0.1:9"),
            ("https://example.com/a@b", "https://example.com/a@b"),
            ("https://example.com", "https://example.com"),
            ("not a url", "not a url"),
        ];
        for (url, shown) in cases {
            assert_eq!(without_userinfo(url), shown, "{url}");
        }
    }

    #[test]
    fn a_failed_write_is_remembered_not_a_panic() {
        for kind in [io::ErrorKind::BrokenPipe, io::ErrorKind::StorageFull] {
            let failed = AtomicBool::new(false);
            assert!(!write_line(&mut Broken(kind), "line", &failed));
            assert!(failed.load(Ordering::SeqCst), "{kind:?}");
            // Later writes are skipped, not retried into the same error.
            assert!(!write_line(&mut Vec::new(), "next", &failed));
        }
        let failed = AtomicBool::new(false);
        let mut sink = Vec::new();
        assert!(write_line(&mut sink, "line", &failed));
        assert_eq!(sink, b"line\n");
    }
}
