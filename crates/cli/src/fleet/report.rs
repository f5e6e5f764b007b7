//! The end of a fleet rotation: one entry per account (SID, name, outcome,
//! steps, error kind), the totals, and the exit code. Text and JSON are
//! written from the same entries.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};
use twilio_accounts_rotation::{NextStep, RotationStep};

use crate::Report;
use crate::fleet::listing::Member;
use crate::outcome::Exit;

/// How one account ended.
#[derive(Debug)]
pub enum Outcome {
    /// Rotated in this run: its sink holds its new primary token.
    Rotated {
        old_token_refused: Option<bool>,
        resumed: bool,
    },
    /// Rotated by an earlier run of this fleet rotation (its journal says done).
    AlreadyRotated,
    /// Stopped; the fleet journal keeps what a resume needs.
    Failed {
        exit: Exit,
        step: RotationStep,
        message: String,
        next: NextStep,
        rescue_file: Option<PathBuf>,
    },
    /// Not started (`--fail-fast` stopped the fleet first).
    NotStarted,
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        matches!(self, Outcome::Rotated { .. } | Outcome::AlreadyRotated)
    }

    fn word(&self) -> &'static str {
        match self {
            Outcome::Rotated { .. } => "rotated",
            Outcome::AlreadyRotated => "already rotated",
            Outcome::Failed { .. } => "failed",
            Outcome::NotStarted => "not started",
        }
    }
}

/// One account's entry.
#[derive(Debug)]
pub struct AccountResult {
    pub member: Member,
    pub outcome: Outcome,
    /// The steps it went through in this run, and how long each took.
    pub steps: Vec<(RotationStep, Duration)>,
    /// The API calls its rotation made in this run (a retry after a 429 is
    /// not a call of its own).
    pub calls: u32,
}

impl AccountResult {
    fn steps_text(&self) -> String {
        match &self.outcome {
            Outcome::Failed { step, .. } => format!("stopped at {}/9", step.number()),
            Outcome::Rotated { .. } => format!("{} steps", self.steps.len()),
            Outcome::AlreadyRotated | Outcome::NotStarted => "-".into(),
        }
    }

    /// The table row (text).
    fn row(&self) -> Vec<String> {
        let kind = match &self.outcome {
            Outcome::Failed { exit, .. } => exit.kind(),
            _ => "-",
        };
        vec![
            self.member.sid.as_str().to_owned(),
            if self.member.friendly_name.is_empty() {
                "-".to_owned()
            } else {
                self.member.friendly_name.clone()
            },
            self.outcome.word().to_owned(),
            self.steps_text(),
            kind.to_owned(),
        ]
    }

    /// The JSON entry.
    fn entry(&self) -> Value {
        let steps: Vec<Value> = self
            .steps
            .iter()
            .map(|(s, d)| json!({ "step": s.number(), "name": s.describe(), "seconds": (d.as_secs_f64() * 1000.0).round() / 1000.0 }))
            .collect();
        let mut entry = json!({
            "account_sid": self.member.sid.as_str(),
            "friendly_name": self.member.friendly_name,
            "main": self.member.main,
            "outcome": self.outcome.word().replace(' ', "_"),
            "steps": steps,
            "calls": self.calls,
        });
        match &self.outcome {
            Outcome::Rotated {
                old_token_refused,
                resumed,
            } => {
                entry["old_token_refused"] = json!(old_token_refused);
                entry["resumed"] = json!(resumed);
            }
            Outcome::Failed {
                exit,
                step,
                message,
                next,
                rescue_file,
            } => {
                entry["error"] = json!({
                    "kind": exit.kind(),
                    "exit_code": *exit as u8,
                    "step": step.number(),
                    "message": message,
                    "next_step": format!("{next:?}"),
                    "rescue_file": rescue_file,
                });
            }
            Outcome::AlreadyRotated | Outcome::NotStarted => {}
        }
        entry
    }
}

/// Totals and the command that continues, for the report.
#[derive(Debug)]
pub struct Summary {
    pub elapsed: Duration,
    pub rate_limited: u64,
    /// The requests the listing took.
    pub listing_requests: u32,
    pub state_dir: Option<PathBuf>,
    /// What to run next when some account did not rotate, and its words.
    pub next: Option<(String, String)>,
}

/// Prints the report and returns the exit code: 0 only when every account
/// succeeded, 9 otherwise.
pub fn finish(report: Report, results: &[AccountResult], summary: &Summary) -> Exit {
    let count = |f: fn(&Outcome) -> bool| results.iter().filter(|r| f(&r.outcome)).count();
    let rotated = count(|o| matches!(o, Outcome::Rotated { .. }));
    let already = count(|o| matches!(o, Outcome::AlreadyRotated));
    let failed = count(|o| matches!(o, Outcome::Failed { .. }));
    let not_started = count(|o| matches!(o, Outcome::NotStarted));
    let ok = failed == 0 && not_started == 0;
    let exit = if ok { Exit::Success } else { Exit::Incomplete };
    let seconds = summary.elapsed.as_secs_f64();
    report.json(&json!({
        "command": "rotate",
        "subaccounts": true,
        "ok": ok,
        "exit_code": exit as u8,
        "accounts": results.iter().map(AccountResult::entry).collect::<Vec<_>>(),
        "totals": {
            "accounts": results.len(),
            "rotated": rotated,
            "already_rotated": already,
            "failed": failed,
            "not_started": not_started,
            "rate_limited_responses": summary.rate_limited,
            "listing_requests": summary.listing_requests,
            "calls": summary.listing_requests + results.iter().map(|r| r.calls).sum::<u32>(),
            "seconds": (seconds * 1000.0).round() / 1000.0,
        },
        "state_dir": if ok { None } else { summary.state_dir.clone() },
        "next": summary.next.as_ref().map(|(words, _)| words),
        "next_command": summary.next.as_ref().map(|(_, command)| command),
    }));
    let header = ["SID", "FRIENDLY NAME", "OUTCOME", "STEPS", "ERROR KIND"];
    let mut lines = vec![header.map(str::to_owned).to_vec()];
    lines.extend(results.iter().map(AccountResult::row));
    report.result(crate::table::aligned(lines));
    report.result(format!(
        "{} accounts: {rotated} rotated, {already} already rotated, {failed} failed, {not_started} not started, in {seconds:.1}s ({} rate-limited answers).",
        results.len(),
        summary.rate_limited
    ));
    for result in results {
        if let Outcome::Failed {
            message,
            rescue_file,
            ..
        } = &result.outcome
        {
            report.say(format!("{}: {message}", result.member.sid));
            if let Some(path) = rescue_file {
                report.say(format!(
                    "      its undelivered token was saved owner-only in {}",
                    path.display()
                ));
            }
        }
    }
    if let Some((words, _)) = &summary.next {
        report.say(format!("  what to do: {words}"));
    }
    exit
}
