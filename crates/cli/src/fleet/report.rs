//! The end of a fleet rotation: one entry per account (SID, name, outcome,
//! steps, error kind, and for a key fleet its keys), the totals, and the
//! exit code. Text and JSON are written from the same entries, for both
//! fleets (`rotate --subaccounts`, `keys rotate --subaccounts`).

use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};
use twilio_accounts_core::ApiKeySid;
use twilio_accounts_rotation::{KeyRotationStep, NextStep, RotationStep};

use crate::args::OutputFormat;
use crate::fleet::listing::Member;
use crate::outcome::Exit;
use crate::report::Report;

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
    /// A key fleet's account with no key the selection takes: nothing to do.
    NothingSelected,
    /// Stopped; the fleet journal keeps what a resume needs.
    Failed {
        exit: Exit,
        step: Step,
        message: String,
        next: NextStep,
        rescue_file: Option<PathBuf>,
    },
    /// Not started (`--fail-fast` stopped the fleet first).
    NotStarted,
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        matches!(
            self,
            Outcome::Rotated { .. } | Outcome::AlreadyRotated | Outcome::NothingSelected
        )
    }

    fn word(&self) -> &'static str {
        match self {
            Outcome::Rotated { .. } => "rotated",
            Outcome::AlreadyRotated => "already rotated",
            Outcome::NothingSelected => "nothing selected",
            Outcome::Failed { .. } => "failed",
            Outcome::NotStarted => "not started",
        }
    }
}

/// A step of a rotation (the Auth Token's or a key's: both have nine), as
/// the report names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    number: u8,
    name: &'static str,
}

impl Step {
    pub const fn new(number: u8, name: &'static str) -> Self {
        Step { number, name }
    }

    pub fn number(self) -> u8 {
        self.number
    }
}

impl From<RotationStep> for Step {
    fn from(step: RotationStep) -> Self {
        Step::new(step.number(), step.describe())
    }
}

impl From<KeyRotationStep> for Step {
    fn from(step: KeyRotationStep) -> Self {
        Step::new(step.number(), step.describe())
    }
}

/// How long each step took in this run (`None`: not gone through), by
/// step number, kept inline so that a fleet's results allocate nothing per
/// account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StepTimes([Option<(Step, Duration)>; 9]);

impl StepTimes {
    /// A step met twice (a resumed rotation repeats one, a key fleet's
    /// account rotates several keys) adds up.
    pub fn of<S: Copy + Into<Step>>(steps: &[(S, Duration)]) -> Self {
        let mut times = StepTimes::default();
        times.add(steps);
        times
    }

    /// Adds `steps` to the times.
    pub fn add<S: Copy + Into<Step>>(&mut self, steps: &[(S, Duration)]) {
        for (step, took) in steps {
            let step: Step = (*step).into();
            let Some(slot) = usize::from(step.number)
                .checked_sub(1)
                .and_then(|i| self.0.get_mut(i))
            else {
                continue;
            };
            let total = slot.map_or(Duration::ZERO, |(_, t)| t) + *took;
            *slot = Some((step, total));
        }
    }

    fn iter(&self) -> impl Iterator<Item = (Step, Duration)> + '_ {
        self.0.iter().flatten().copied()
    }
}

/// One key of a key fleet's account, as it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyEntry {
    pub old_sid: ApiKeySid,
    /// The key that replaced it, when known.
    pub new_sid: Option<ApiKeySid>,
    pub outcome: KeyOutcome,
}

/// How one key of a key fleet ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOutcome {
    Rotated,
    AlreadyRotated,
    Failed,
    NotStarted,
}

impl KeyOutcome {
    fn word(self) -> &'static str {
        match self {
            KeyOutcome::Rotated => "rotated",
            KeyOutcome::AlreadyRotated => "already_rotated",
            KeyOutcome::Failed => "failed",
            KeyOutcome::NotStarted => "not_started",
        }
    }
}

/// One account's entry.
#[derive(Debug)]
pub struct AccountResult {
    /// The account's index in the fleet's list of members.
    pub index: usize,
    pub outcome: Outcome,
    /// The steps it went through in this run, and how long each took.
    pub steps: StepTimes,
    /// The API calls its rotation made in this run (a retry after a 429 is
    /// not a call of its own).
    pub calls: u32,
    /// A key fleet's keys of this account (empty for the Auth Token fleet).
    pub keys: Vec<KeyEntry>,
}

impl AccountResult {
    /// An account that was never started.
    pub fn not_started(index: usize) -> Self {
        AccountResult {
            index,
            outcome: Outcome::NotStarted,
            steps: StepTimes::default(),
            calls: 0,
            keys: Vec::new(),
        }
    }

    fn steps_text(&self) -> String {
        match &self.outcome {
            Outcome::Failed { step, .. } => format!("stopped at {}/9", step.number()),
            Outcome::Rotated { .. } if !self.keys.is_empty() => {
                format!("{} key(s)", self.keys.len())
            }
            Outcome::Rotated { .. } => format!("{} steps", self.steps.iter().count()),
            Outcome::AlreadyRotated | Outcome::NotStarted | Outcome::NothingSelected => "-".into(),
        }
    }

    /// The table row (text).
    fn row(&self, member: &Member) -> Vec<String> {
        let kind = match &self.outcome {
            Outcome::Failed { exit, .. } => exit.kind(),
            _ => "-",
        };
        vec![
            member.sid.as_str().to_owned(),
            if member.friendly_name.is_empty() {
                "-".to_owned()
            } else {
                member.friendly_name.clone()
            },
            self.outcome.word().to_owned(),
            self.steps_text(),
            kind.to_owned(),
        ]
    }

    /// The JSON entry.
    fn entry(&self, member: &Member) -> Value {
        let steps: Vec<Value> = self
            .steps
            .iter()
            .map(|(s, d)| json!({ "step": s.number, "name": s.name, "seconds": (d.as_secs_f64() * 1000.0).round() / 1000.0 }))
            .collect();
        let mut entry = json!({
            "account_sid": member.sid.as_str(),
            "friendly_name": member.friendly_name,
            "main": member.main,
            "outcome": self.outcome.word().replace(' ', "_"),
            "steps": steps,
            "calls": self.calls,
        });
        if !self.keys.is_empty() {
            entry["keys"] = self
                .keys
                .iter()
                .map(|k| {
                    json!({
                        "old_key_sid": k.old_sid.as_str(),
                        "new_key_sid": k.new_sid.as_ref().map(ApiKeySid::as_str),
                        "outcome": k.outcome.word(),
                    })
                })
                .collect();
        }
        match &self.outcome {
            Outcome::Rotated {
                old_token_refused,
                resumed,
            } => {
                if self.keys.is_empty() {
                    entry["old_token_refused"] = json!(old_token_refused);
                }
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
            Outcome::AlreadyRotated | Outcome::NotStarted | Outcome::NothingSelected => {}
        }
        entry
    }
}

/// Totals and the command that continues, for the report.
#[derive(Debug)]
pub struct Summary {
    /// The command, as the JSON document names it (`rotate`, `keys rotate`).
    pub command: &'static str,
    pub elapsed: Duration,
    pub rate_limited: u64,
    /// The requests the listing took.
    pub listing_requests: u32,
    pub state_dir: Option<PathBuf>,
    /// What to run next when some account did not rotate, and its words.
    pub next: Option<(String, String)>,
}

/// Writes the JSON document: `head`'s fields and `accounts`, an entry per
/// account, made and written one at a time (a thousand entries built as one
/// value would be the run's largest allocation).
fn write_document(head: &Value, members: &[Member], results: &[AccountResult]) -> io::Result<()> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    let head = serde_json::to_string(head).map_err(io::Error::other)?;
    // `head` is an object: reopen it for one more field.
    let open = head.strip_suffix('}').unwrap_or(&head);
    write!(out, "{open},\"accounts\":[")?;
    for (i, result) in results.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut out, &result.entry(&members[result.index]))
            .map_err(io::Error::other)?;
    }
    writeln!(out, "]}}")?;
    out.flush()
}

/// Prints the report and returns the exit code: 0 only when every account
/// succeeded, 9 otherwise.
pub fn finish(
    report: Report,
    members: &[Member],
    results: &[AccountResult],
    summary: &Summary,
) -> Exit {
    let count = |f: fn(&Outcome) -> bool| results.iter().filter(|r| f(&r.outcome)).count();
    let rotated = count(|o| matches!(o, Outcome::Rotated { .. }));
    let nothing = count(|o| matches!(o, Outcome::NothingSelected));
    let already = count(|o| matches!(o, Outcome::AlreadyRotated));
    let failed = count(|o| matches!(o, Outcome::Failed { .. }));
    let not_started = count(|o| matches!(o, Outcome::NotStarted));
    let ok = failed == 0 && not_started == 0;
    let exit = if ok { Exit::Success } else { Exit::Incomplete };
    let seconds = summary.elapsed.as_secs_f64();
    let mut head = json!({
        "command": summary.command,
        "subaccounts": true,
        "ok": ok,
        "exit_code": exit as u8,
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
    });
    if summary.command != "rotate" {
        // A key fleet's totals count its keys too.
        let keys = results.iter().flat_map(|r| &r.keys);
        head["totals"]["nothing_selected"] = json!(nothing);
        head["totals"]["keys"] = json!(keys.clone().count());
        head["totals"]["keys_rotated"] =
            json!(keys.filter(|k| k.outcome == KeyOutcome::Rotated).count());
    }
    if report.format == OutputFormat::Json {
        let _ = write_document(&head, members, results);
        return exit;
    }
    let header = ["SID", "FRIENDLY NAME", "OUTCOME", "STEPS", "ERROR KIND"];
    let mut lines = vec![header.map(str::to_owned).to_vec()];
    lines.extend(results.iter().map(|r| r.row(&members[r.index])));
    report.result(crate::table::aligned(lines));
    report.result(format!(
        "{} accounts: {rotated} rotated, {already} already rotated, {}{failed} failed, {not_started} not started, in {seconds:.1}s ({} rate-limited answers).",
        results.len(),
        if nothing > 0 {
            format!("{nothing} with nothing selected, ")
        } else {
            String::new()
        },
        summary.rate_limited
    ));
    for result in results {
        if let Outcome::Failed {
            message,
            rescue_file,
            ..
        } = &result.outcome
        {
            report.say(format!("{}: {message}", members[result.index].sid));
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
