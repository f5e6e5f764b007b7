//! Ctrl-C (SIGINT): say what state was kept and how to go on, then exit 130.
//!
//! Without a handler the process dies silently and a user at the promote
//! prompt or in the settle wait cannot tell what is left. The handler runs
//! on its own thread; the command keeps a one-line description of its
//! durable state up to date with [`keep`].

use std::sync::Mutex;

use crate::args::OutputFormat;
use crate::outcome::{Exit, Failure};
use crate::report::Report;

/// What is kept if the process stops now: a message, the advice, and the
/// command line that follows it.
type Kept = (String, Option<String>, Option<String>);

static KEPT: Mutex<Option<Kept>> = Mutex::new(None);

/// Records what an interruption leaves behind: a message, the advice, and
/// the command that follows it (`next_command` in JSON).
pub fn keep(state: impl Into<String>, next: Option<String>, command: Option<String>) {
    if let Ok(mut kept) = KEPT.lock() {
        *kept = Some((state.into(), next, command));
    }
}

/// Installs the handler for `command`. Best effort: where no handler can be
/// installed, Ctrl-C keeps its default effect.
pub fn install(name: &'static str, format: OutputFormat) {
    let _ = std::thread::Builder::new()
        .name("ctrl-c".into())
        .spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            if runtime.block_on(tokio::signal::ctrl_c()).is_err() {
                return;
            }
            let (state, next, command) = KEPT
                .lock()
                .ok()
                .and_then(|k| k.clone())
                .unwrap_or_else(|| ("nothing was changed".into(), None, None));
            let mut failure = Failure::new(Exit::Interrupted, format!("interrupted: {state}"));
            failure.next = next;
            failure.next_command = command;
            if format == OutputFormat::Text {
                // End the line the prompt or a progress line left open.
                crate::output::err("");
            }
            let _ = Report {
                format,
                quiet: false,
            }
            .fail(name, &failure);
            std::process::exit(i32::from(Exit::Interrupted as u8));
        });
}
