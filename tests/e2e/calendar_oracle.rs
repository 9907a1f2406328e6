//! Busy time from real calendars against an independent oracle: every file of
//! tests/e2e/calendar/corpus (public projects' test calendars and our own around DST; see the
//! README there) is read by the service's reader and by Python's icalendar with
//! recurring-ical-events (`tests/e2e/calendar/oracle.py`, the same busy rules), over the window
//! a sync would keep around the file's first event; the merged UTC intervals must be equal.

use crate::deployed::template::project_root;
use crate::requirements::unmet;
use availability_api::domain::Interval;
use availability_api::domain::calendar::import::{BusyOptions, busy_of};
use availability_api::domain::timestamp::{format_timestamp, parse_time_zone};
use serde_json::{Value, json};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

const DAY_MS: i64 = 86_400_000;
/// Where dates and floating times are read when a file names no zone.
const CALENDAR_ZONE: &str = "Europe/Berlin";
const OWNER: &str = "me@example.com";

/// The window a sync at the file's first event would keep: 7 days before it to 90 after. The
/// DTSTARTs of VTIMEZONE observances (1970, 1601) are not events.
fn window_of(text: &str) -> Interval {
    let mut in_zone = false;
    let first = text
        .lines()
        .filter(|line| {
            let line = line.trim_end().to_ascii_uppercase();
            if line == "BEGIN:VTIMEZONE" || line == "END:VTIMEZONE" {
                in_zone = line.starts_with("BEGIN");
            }
            !in_zone && line.starts_with("DTSTART")
        })
        .filter_map(|line| line.rsplit(':').next())
        .filter_map(|value| {
            let digits: String = value.chars().take(8).collect();
            chrono::NaiveDate::parse_from_str(&digits, "%Y%m%d").ok()
        })
        .filter(|date| chrono::Datelike::year(date) > 1900)
        .min()
        .expect("a DTSTART");
    let start = first
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
        .timestamp_millis();
    Interval::new(start - 7 * DAY_MS, start + 90 * DAY_MS).expect("a window")
}

fn shown(intervals: &[(i64, i64)]) -> Vec<String> {
    intervals
        .iter()
        .map(|(start, end)| format!("{} – {}", format_timestamp(*start), format_timestamp(*end)))
        .collect()
}

#[test]
fn busy_time_of_every_corpus_file_matches_the_oracle() {
    let root = project_root();
    let installed = Command::new("bash")
        .args(["-c", "source scripts/lib/tools.sh && need_calendar_tools"])
        .current_dir(&root)
        .status()
        .is_ok_and(|status| status.success());
    if !installed {
        let _: Option<()> =
            unmet("Python's icalendar and recurring-ical-events could not be installed");
        return;
    }
    let python = root.join("target/tools/venvs/ical-oracle/bin/python");
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("tests/e2e/calendar/corpus"))
        .expect("the corpus")
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "ics"))
        .collect();
    files.sort();
    assert!(files.len() >= 20, "the corpus holds {} files", files.len());
    let zone = parse_time_zone(CALENDAR_ZONE).expect("a zone");
    let mut cases = Vec::new();
    let mut ours = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("a text file");
        let window = window_of(&text);
        let options = BusyOptions {
            window,
            zone,
            owner_addresses: vec![OWNER.to_owned()],
        };
        let read = busy_of(&[&text], &options)
            .unwrap_or_else(|error| panic!("{}: {error}", file.display()));
        ours.push(
            read.busy
                .as_slice()
                .iter()
                .map(|i| (i.start(), i.end()))
                .collect::<Vec<_>>(),
        );
        cases.push(
            json!({"file": file, "from": window.start(), "to": window.end(),
                          "zone": CALENDAR_ZONE, "owners": [OWNER]}),
        );
    }
    let mut oracle = Command::new(&python)
        .arg(root.join("tests/e2e/calendar/oracle.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the oracle runs");
    oracle
        .stdin
        .take()
        .expect("stdin")
        .write_all(Value::Array(cases).to_string().as_bytes())
        .expect("written");
    let output = oracle.wait_with_output().expect("the oracle answers");
    assert!(output.status.success(), "the oracle failed");
    let answers: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let mut differ = Vec::new();
    let mut instants = 0;
    for (file, ours) in files.iter().zip(&ours) {
        let answer = &answers[file.to_string_lossy().as_ref()];
        let Some(list) = answer.as_array() else {
            differ.push(format!(
                "{}: the oracle cannot read it: {answer}",
                file.display()
            ));
            continue;
        };
        let theirs: Vec<(i64, i64)> = list
            .iter()
            .map(|pair| (pair[0].as_i64().expect("ms"), pair[1].as_i64().expect("ms")))
            .collect();
        instants += theirs.len();
        if *ours != theirs {
            differ.push(format!(
                "{}:\n  ours   {:?}\n  oracle {:?}",
                file.display(),
                shown(ours),
                shown(&theirs)
            ));
        }
    }
    println!("{} files, {instants} busy intervals compared", files.len());
    assert!(differ.is_empty(), "{}", differ.join("\n"));
    assert!(
        instants > 50,
        "the corpus yields busy time: {instants} intervals"
    );
}
