//! The booking pages in a real browser: Debian's chromium driven by Playwright for Python
//! (`tests/browser/page_test.py`, each of its cases listed in its output) against the function
//! served over HTTP by `cargo lambda watch`, with axe-core for accessibility. The tools come
//! from `scripts/test.sh` (`need_browser_tools` in scripts/lib/tools.sh): without them the test
//! is skipped, or fails under `E2E_REQUIRED=1`.

use crate::requirements::unmet;
use crate::watch::start_watch;
use std::path::{Path, PathBuf};
use std::process::Command;

const CHROMIUM: &str = "/usr/bin/chromium";

#[test]
fn the_booking_pages_work_in_chromium() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let tools = std::env::var_os("AVAILABILITY_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target").join("tools"));
    let python = tools.join("venvs/playwright/bin/python");
    let axe = tools.join("npm/node_modules/axe-core/axe.min.js");
    let missing: Vec<&str> = [
        (Path::new(CHROMIUM), "chromium (apt-get install chromium)"),
        (python.as_path(), "Playwright for Python"),
        (axe.as_path(), "axe-core"),
    ]
    .iter()
    .filter(|(path, _)| !path.is_file())
    .map(|(_, name)| *name)
    .collect();
    if !missing.is_empty() {
        let why = format!(
            "missing {}: `scripts/test.sh --tools` installs them",
            missing.join(", ")
        );
        if unmet::<()>(&why).is_none() {
            return;
        }
    }
    let Some(watch) = start_watch() else {
        return;
    };
    let out = root.join("target").join("browser");
    let run = Command::new(&python)
        .arg(root.join("tests/browser/page_test.py"))
        .arg(&watch.base)
        .arg(&axe)
        .arg(&out)
        .output()
        .expect("the browser tests start");
    let stdout = String::from_utf8_lossy(&run.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&run.stderr));
    assert!(
        run.status.success(),
        "browser cases failed (screenshots in {}; the function's log in {})",
        out.display(),
        watch.log.display()
    );
    assert!(
        stdout
            .lines()
            .any(|line| line.ends_with(" passed, 0 failed")),
        "the browser run ended with its count"
    );
}
