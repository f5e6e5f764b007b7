//! Shell completion scripts, as clap_complete writes them, with its bash
//! naming bug worked around.
//!
//! For a binary whose name has a hyphen, clap_complete's bash script sets
//! `cmd="twilio__accounts__subcmd__rotate"` while its `case` arms say
//! `twilio__subcmd__accounts__subcmd__rotate`, so nothing after a
//! subcommand completes. The arms are renamed to the names the script sets.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::args::Cli;

const BIN: &str = "twilio-accounts";

/// The completion script for `shell`.
pub fn script(shell: Shell) -> String {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), BIN, &mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    match shell {
        Shell::Bash => fix_bash_names(&text),
        _ => text,
    }
}

/// Renames the misnamed `case` arms (`twilio__subcmd__accounts…`) to the
/// names the script assigns (`twilio__accounts…`).
fn fix_bash_names(script: &str) -> String {
    let wrong = format!("{}__subcmd__{}", "twilio", "accounts");
    script.replace(&wrong, "twilio__accounts")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bash_case_arm_is_a_name_the_script_assigns() {
        let script = script(Shell::Bash);
        assert!(!script.contains("twilio__subcmd__accounts"));
        assert!(script.contains("        twilio__accounts__subcmd__rotate)"));
        assert!(script.contains("cmd=\"twilio__accounts__subcmd__rotate\""));
    }
}
