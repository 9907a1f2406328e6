//! What the end-to-end tests need from outside the crate: `cargo lambda` for the watch tests,
//! the release binary for the deployed ones. A developer's plain `cargo test` skips a test whose
//! tool is missing and says how to get it; `scripts/test.sh` sets `E2E_REQUIRED=1`, and there a
//! missing tool fails the test, so the full run cannot pass on skips.

use std::path::Path;
use std::process::{Command, Stdio};

/// `None` after printing why the test is skipped, or a panic when skips are not allowed.
pub(crate) fn unmet<T>(why: &str) -> Option<T> {
    if std::env::var("E2E_REQUIRED").as_deref() == Ok("1") {
        panic!("{why}");
    }
    println!("SKIPPED: {why}");
    None
}

/// A `PATH` with the project's own tools first (`target/tools/bin`, where the scripts install
/// cargo-lambda), so a developer's plain `cargo test` finds what the scripts installed.
pub(crate) fn path_with_project_tools(root: &Path) -> String {
    let tools = root.join("target").join("tools").join("bin");
    match std::env::var("PATH") {
        Ok(path) => format!("{}:{path}", tools.display()),
        Err(_) => tools.display().to_string(),
    }
}

/// True when `cargo lambda` runs with that `PATH`.
pub(crate) fn cargo_lambda_available(path: &str) -> bool {
    Command::new("cargo")
        .args(["lambda", "--version"])
        .env("PATH", path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}
