//! The crash hook's driver, shared by the CLI's test targets (`cli`, and
//! `stores`, which needs real secret stores).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `cmd` with the test hook pausing it before action `index`, and
/// SIGKILLs it there (no destructor, no flush, like a crash or `kill -9`),
/// `linger` after the pause (so that other workers run on). The hook's
/// pause line, or `None` when the command ended before that action.
pub fn killed_at_pause(cmd: &mut Command, index: usize, linger: Duration) -> Option<String> {
    let mut child = cmd
        .env(
            "TWILIO_ACCOUNTS_TEST_PAUSE_BEFORE_ACTION",
            index.to_string(),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut paused = None;
    for line in BufReader::new(stderr).lines() {
        let line = line.unwrap();
        if line.starts_with("test hook: paused") {
            paused = Some(line);
            break;
        }
        assert!(Instant::now() < deadline, "no pause within 30 s");
    }
    if paused.is_some() {
        std::thread::sleep(linger);
    }
    let _ = child.kill();
    let _ = child.wait();
    paused
}
