//! End to end: `cargo lambda watch` started for real, driven over HTTP with the seed's own
//! client flow. Needs `cargo lambda` on PATH (the README's test command installs it).

use serde_json::{Value, json};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Stops the whole process group (watch and the function it runs) however the test ends.
struct Watch {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Drop for Watch {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free local port")
}

fn start_watch() -> Watch {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let log = root.join("target").join("e2e-watch.log");
    let log_file = std::fs::File::create(&log).expect("log file");
    let port = free_port();
    let child = Command::new("cargo")
        .args([
            "lambda",
            "watch",
            "--ignore-changes",
            "--invoke-address",
            "127.0.0.1",
        ])
        .args(["--invoke-port", &port.to_string()])
        .current_dir(&root)
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().expect("log file"))
        .stderr(log_file)
        .process_group(0)
        .spawn()
        .expect("`cargo lambda` is installed (pip install cargo-lambda)");
    let watch = Watch {
        child,
        base: format!("http://127.0.0.1:{port}"),
        log,
    };
    let deadline = Instant::now() + Duration::from_secs(600);
    while Instant::now() < deadline {
        if let Ok(response) = ureq::get(&format!("{}/", watch.base)).call() {
            assert_eq!(response.status(), 200);
            return watch;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    panic!(
        "cargo lambda watch did not answer; see {}",
        watch.log.display()
    );
}

/// Sends one request; 4xx and 5xx come back as values, not errors.
fn send(watch: &Watch, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let request =
        ureq::request(method, &format!("{}{path}", watch.base)).timeout(Duration::from_secs(60));
    let result = match body {
        Some(body) => request
            .set("content-type", "application/json")
            .send_string(&body.to_string()),
        None => request.call(),
    };
    let response = match result {
        Ok(response) | Err(ureq::Error::Status(_, response)) => response,
        Err(error) => panic!("{method} {path}: {error}; see {}", watch.log.display()),
    };
    let status = response.status();
    let text = response.into_string().expect("a text body");
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON body: {text}")),
    )
}

#[test]
fn the_seed_client_flow_works_through_cargo_lambda_watch() {
    let watch = start_watch();
    let set_user123 = json!({"user_id": "user123", "availability": [
        {"start_time": "2024-09-27T09:00:00+00:00", "end_time": "2024-09-27T11:00:00+00:00", "period": "weekdays"},
        {"start_time": "2024-09-28T14:00:00+00:00", "end_time": "2024-09-28T16:00:00+00:00"},
        {"start_time": "2024-09-30T15:00:00+00:00", "end_time": "2024-09-30T17:00:00+00:00"},
    ]});
    let set_user456 = json!({"user_id": "user456", "availability": [
        {"start_time": "2024-09-28T15:00:00+00:00", "end_time": "2024-09-28T18:00:00+00:00"},
        {"start_time": "2024-09-30T10:00:00+00:00", "end_time": "2024-09-30T16:00:00+00:00"},
    ]});
    let ok = json!({"message": "Availability set successfully"});
    assert_eq!(
        send(&watch, "POST", "/availability", Some(set_user123)),
        (200, ok.clone())
    );
    assert_eq!(
        send(&watch, "POST", "/availability", Some(set_user456)),
        (200, ok)
    );

    let (status, mine) = send(&watch, "GET", "/availability", None);
    assert_eq!(status, 200);
    assert_eq!(mine["user_id"], "user123");
    let slots = mine["availability"].as_array().expect("a list");
    assert_eq!(slots.len(), 23, "21 weekdays and two one-off slots: {mine}");
    assert_eq!(
        slots[1],
        json!({"start_time": "2024-09-28T14:00:00Z", "end_time": "2024-09-28T16:00:00Z"})
    );

    let (status, overlap) = send(
        &watch,
        "GET",
        "/overlap/user456",
        Some(json!({"user_id_2": "user456"})),
    );
    assert_eq!(status, 200);
    assert_eq!(
        overlap,
        json!({"overlap": [
            {"start_time": "2024-09-28T15:00:00Z", "end_time": "2024-09-28T16:00:00Z"},
            {"start_time": "2024-09-30T10:00:00Z", "end_time": "2024-09-30T11:00:00Z"},
            {"start_time": "2024-09-30T15:00:00Z", "end_time": "2024-09-30T16:00:00Z"},
        ]})
    );

    let gone =
        json!({"start_time": "2024-09-28T14:00:00+00:00", "end_time": "2024-09-28T16:00:00+00:00"});
    assert_eq!(
        send(&watch, "DELETE", "/availability", Some(gone.clone())),
        (
            200,
            json!({"message": "Availability slot deleted successfully"})
        )
    );
    let (_, after) = send(&watch, "GET", "/availability", None);
    let after = after["availability"].as_array().expect("a list").clone();
    assert_eq!(after.len(), 22);
    assert!(!after.contains(
        &json!({"start_time": "2024-09-28T14:00:00Z", "end_time": "2024-09-28T16:00:00Z"})
    ));
    let (status, again) = send(&watch, "DELETE", "/availability", Some(gone));
    assert_eq!(
        (status, again["error"].as_str()),
        (404, Some("Slot not found in availability."))
    );
}

#[test]
fn a_schedule_put_through_cargo_lambda_watch_expands_across_a_dst_change() {
    let watch = start_watch();
    let schedule = json!({
        "timezone": "America/New_York",
        "weekly": [
            {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"},
            {"days": ["sun"], "start": "00:00", "end": "12:00"}
        ]
    });
    let (status, stored) = send(&watch, "PUT", "/availability/schedule", Some(schedule));
    assert_eq!(status, 200, "{stored}");
    assert_eq!(stored["valid_until"], Value::Null);
    assert_eq!(
        send(&watch, "GET", "/availability/schedule", None),
        (200, stored)
    );

    // New York falls back from 02:00 EDT to 01:00 EST on Sunday 2026-11-01.
    let window = "from=2026-10-30T00:00:00Z&to=2026-11-03T00:00:00Z";
    let (status, utc) = send(&watch, "GET", &format!("/availability?{window}"), None);
    assert_eq!(status, 200, "{utc}");
    assert_eq!(
        utc,
        json!({
            "user_id": "user123",
            "availability": [
                {"start_time": "2026-10-30T13:00:00Z", "end_time": "2026-10-30T21:00:00Z"},
                {"start_time": "2026-11-01T04:00:00Z", "end_time": "2026-11-01T17:00:00Z"},
                {"start_time": "2026-11-02T14:00:00Z", "end_time": "2026-11-02T22:00:00Z"}
            ],
            "window": {"from": "2026-10-30T00:00:00Z", "to": "2026-11-03T00:00:00Z"}
        })
    );
    let (_, local) = send(
        &watch,
        "GET",
        &format!("/availability?{window}&tz=America/New_York"),
        None,
    );
    assert_eq!(
        local["availability"][1],
        json!({"start_time": "2026-11-01T00:00:00-04:00", "end_time": "2026-11-01T12:00:00-05:00"}),
        "Sunday 00:00-12:00 lasts 13 hours"
    );
}
