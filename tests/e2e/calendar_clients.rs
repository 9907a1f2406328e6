//! The exported calendars read by two independent clients: ical.js (npm; Thunderbird's parser)
//! and Python's icalendar (PyPI). The feed and each booking's file, made through the handler,
//! must give every booking's UID, instants, SEQUENCE and STATUS, and the same texts, in both;
//! each file's physical lines end in CRLF and hold at most 75 octets. The readers are installed
//! by `need_calendar_tools` (scripts/lib/tools.sh) into target/tools.

use crate::calendar_scenario::{
    BOOKING_TITLE, EVENT_TITLE, Expected, assert_lines_well_formed, calendar_app, scenario, send,
};
use crate::deployed::template::project_root;
use crate::requirements::unmet;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The readers' commands, installing them when needed; `None` (after saying why) without them.
fn readers(root: &Path) -> Option<(PathBuf, PathBuf)> {
    let installed = Command::new("bash")
        .args(["-c", "source scripts/lib/tools.sh && need_calendar_tools"])
        .current_dir(root)
        .status()
        .is_ok_and(|status| status.success());
    if !installed {
        return unmet(
            "ical.js and Python's icalendar could not be installed (need node, npm and python3 with venv)",
        );
    }
    let tools = root.join("target").join("tools");
    Some((
        tools.join("npm").join("node_modules"),
        tools
            .join("venvs")
            .join("ical-oracle")
            .join("bin")
            .join("python"),
    ))
}

fn read_with(command: &mut Command) -> Vec<Value> {
    let output = command.output().expect("the reader runs");
    assert!(
        output.status.success(),
        "{:?}: {}",
        command,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice::<Value>(&output.stdout)
        .expect("JSON")
        .as_array()
        .cloned()
        .expect("a list of events")
}

/// What both readers must agree on, and what the API said of it.
fn instants(event: &Value) -> (String, Option<String>, Expected) {
    let text = |key: &str| event[key].as_str().expect(key).to_owned();
    let status = match event["status"].as_str() {
        Some("CONFIRMED") => "CONFIRMED",
        Some("CANCELLED") => "CANCELLED",
        other => panic!("status {other:?}"),
    };
    (
        text("file"),
        event["method"].as_str().map(str::to_owned),
        Expected {
            uid: text("uid"),
            start: text("start"),
            end: text("end"),
            sequence: event["sequence"].as_u64().expect("a sequence"),
            status,
        },
    )
}

#[tokio::test]
async fn ical_js_and_python_icalendar_read_every_booking_as_made() {
    let root = project_root();
    let Some((node_modules, python)) = readers(&root) else {
        return;
    };
    let app = calendar_app();
    let made = scenario(&app).await;
    let files = [
        ("feed.ics", made.feed_url.clone(), None),
        (
            "meeting.ics",
            format!("/bookings/{}/calendar.ics", made.meeting_id),
            Some("ana"),
        ),
        (
            "moved.ics",
            format!("/manage/{}/calendar.ics", made.moved_token),
            None,
        ),
        (
            "cancelled.ics",
            format!("/manage/{}/calendar.ics", made.cancelled_token),
            None,
        ),
    ];
    let folder = root.join("target").join("tmp").join("calendar-clients");
    std::fs::create_dir_all(&folder).expect("a folder");
    let mut paths = Vec::new();
    for (name, path, user) in &files {
        let answer = send(&app, "GET", path, *user, Value::Null).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.text);
        assert_lines_well_formed(&answer.text);
        let file = folder.join(name);
        std::fs::write(&file, &answer.text).expect("written");
        paths.push(file);
    }

    let by_ical_js = read_with(
        Command::new("node")
            .arg(root.join("tests/e2e/calendar/read_ics.js"))
            .args(&paths)
            .env("NODE_PATH", &node_modules),
    );
    let by_icalendar = read_with(
        Command::new(&python)
            .arg(root.join("tests/e2e/calendar/read_ics.py"))
            .args(&paths),
    );

    let [moved, cancelled, meeting] = [0, 1, 2].map(|at| made.expected[at].clone());
    let wanted = vec![
        ("feed.ics".to_owned(), None, moved.clone()),
        ("feed.ics".to_owned(), None, cancelled.clone()),
        ("feed.ics".to_owned(), None, meeting.clone()),
        (
            "meeting.ics".to_owned(),
            Some("PUBLISH".to_owned()),
            meeting,
        ),
        ("moved.ics".to_owned(), Some("PUBLISH".to_owned()), moved),
        (
            "cancelled.ics".to_owned(),
            Some("CANCEL".to_owned()),
            cancelled,
        ),
    ];
    for (reader, events) in [("ical.js", &by_ical_js), ("icalendar", &by_icalendar)] {
        let read: Vec<_> = events.iter().map(instants).collect();
        assert_eq!(read, wanted, "{reader}");
    }
    // The texts: both readers unescape to the same, and to what was stored.
    for (one, other) in by_ical_js.iter().zip(&by_icalendar) {
        for key in ["summary", "description", "location"] {
            assert_eq!(one[key], other[key], "{key} of {}", one["uid"]);
        }
    }
    let invitee_summary = format!("{EVENT_TITLE} with Ina, Vitee");
    assert_eq!(
        by_ical_js[0]["summary"].as_str(),
        Some(invitee_summary.as_str())
    );
    assert_eq!(by_ical_js[0]["location"], "Room 4, Floor 2; Main St.");
    assert!(
        by_ical_js[0]["description"]
            .as_str()
            .is_some_and(|text| text.contains("Note: Line one\nline two; with, punctuation")),
        "{}",
        by_ical_js[0]["description"]
    );
    assert_eq!(by_ical_js[2]["summary"].as_str(), Some(BOOKING_TITLE));
}
