//! Records the compiler version for the `User-Agent` header, the way the
//! official libraries report their runtime's version. The core itself reads
//! nothing at run time; this runs once, at build time.

// Build scripts run on the build machine, not in the core: reading the
// compiler path from the environment is how cargo hands it over.
#![allow(clippy::disallowed_methods)]

use std::process::Command;

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.split_whitespace().nth(1).map(str::to_owned))
        .filter(|v| {
            v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        })
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=TWILIO_ACCOUNTS_RUSTC_VERSION={version}");
    println!("cargo:rerun-if-env-changed=RUSTC");
}
