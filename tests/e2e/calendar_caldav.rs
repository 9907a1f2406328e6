//! Importing from real CalDAV servers (PyPI, installed by `need_caldav_server` in
//! scripts/lib/tools.sh), started by the test on loopback: Xandikos, holding our own DST
//! calendars, where the service's calendar-query REPORT over its sync window must find the same
//! busy time as reading the files directly, and the password is never shown; and Radicale,
//! which checks the password the service keeps sealed.

use crate::calendar_scenario::send;
use crate::deployed::template::project_root;
use crate::requirements::unmet;
use availability_api::api::{App, Clock};
use availability_api::config::Config;
use availability_api::domain::calendar::import::{BusyOptions, busy_of};
use availability_api::domain::calendar::source::sync_window;
use availability_api::domain::timestamp::{Zone, format_timestamp, parse_timestamp};
use availability_api::store::MemoryStore;
use base64::Engine;
use serde_json::{Value, json};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const FILES: [&str; 2] = ["own-dst-new-york-weekly.ics", "own-dst-windows-zone.ics"];
const NOW: &str = "2026-03-10T00:00:00Z";

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

/// Whether the CalDAV servers are installed (`need_caldav_server`), installing them if not.
fn servers_installed() -> bool {
    let installed = Command::new("bash")
        .args(["-c", "source scripts/lib/tools.sh && need_caldav_server"])
        .current_dir(project_root())
        .status()
        .is_ok_and(|status| status.success());
    if !installed {
        let _: Option<()> =
            unmet("the CalDAV servers could not be installed (needs python3 with venv)");
    }
    installed
}

/// An empty folder for one server of this test process.
fn fresh_folder(name: &str) -> std::path::PathBuf {
    let folder = project_root()
        .join("target/tmp")
        .join(name)
        .join(std::process::id().to_string());
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).expect("a folder");
    folder
}

/// `command` started, once it listens on `port`.
fn started(mut command: Command, port: u16) -> Server {
    let server = Server(
        command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server starts"),
    );
    let began = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            began.elapsed() < Duration::from_secs(30),
            "the server listens"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

/// The service at `NOW`, allowed to reach the local servers.
fn app_at_now() -> App<MemoryStore> {
    let config = Config {
        outbound_allow_local: true,
        ..Config::jwt()
    };
    App::new(MemoryStore::new(), config)
        .with_clock(Clock::Fixed(parse_timestamp(NOW).expect("valid")))
}

#[tokio::test]
async fn a_caldav_calendar_is_read_through_a_time_range_report() {
    let root = project_root();
    if !servers_installed() {
        return;
    }
    let folder = fresh_folder("xandikos");
    let port = free_port();
    let mut command = Command::new(root.join("target/tools/venvs/xandikos/bin/xandikos"));
    command.args(["--defaults", "-d"]).arg(&folder).args([
        "-l",
        "127.0.0.1",
        "-p",
        &port.to_string(),
    ]);
    let _server = started(command, port);
    let collection = format!("http://127.0.0.1:{port}/user/calendars/calendar/");
    let mut texts = Vec::new();
    for file in FILES {
        let text = std::fs::read_to_string(root.join("tests/e2e/calendar/corpus").join(file))
            .expect("a corpus file");
        let put = ureq::put(&format!("{collection}{file}"))
            .set("content-type", "text/calendar; charset=utf-8")
            .send_string(&text);
        assert!(put.is_ok_and(|answer| answer.status() < 300), "PUT {file}");
        texts.push(text);
    }

    let app = app_at_now();
    let stored = send(
        &app,
        "PUT",
        "/calendars/work",
        Some("ana"),
        json!({
        "kind": "caldav", "url": collection, "username": "ana", "password": "dav-secret"}),
    )
    .await;
    assert_eq!(stored.status, 200, "{}", stored.text);
    assert_eq!(stored.json()["status"], "ok", "{}", stored.text);
    assert!(!stored.text.contains("dav-secret"));

    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let expected = busy_of(
        &texts,
        &BusyOptions {
            window: sync_window(parse_timestamp(NOW).expect("valid")),
            zone: Zone::UTC,
            owner_addresses: Vec::new(),
        },
    )
    .expect("calendars");
    assert!(
        expected.busy.len() > 10,
        "{} intervals",
        expected.busy.len()
    );
    let busy = send(
        &app,
        "GET",
        "/calendars/work/busy",
        Some("ana"),
        Value::Null,
    )
    .await;
    let shown: Vec<(String, String)> = expected
        .busy
        .as_slice()
        .iter()
        .map(|i| (format_timestamp(i.start()), format_timestamp(i.end())))
        .collect();
    let got: Vec<(String, String)> = busy.json()["busy"]
        .as_array()
        .expect("busy")
        .iter()
        .map(|i| {
            (
                i["start_time"].as_str().unwrap_or_default().to_owned(),
                i["end_time"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(got, shown);
    let listed = send(&app, "GET", "/calendars", Some("ana"), Value::Null).await;
    assert!(!listed.text.contains("dav-secret"));
    assert_eq!(listed.json()["calendars"][0]["username"], "ana");
}

/// Radicale, which checks passwords (Basic authentication against its htpasswd file): the
/// password the service was given, kept sealed and opened for the REPORT, reads the calendar;
/// a wrong one gets the server's 401 as the calendar's error.
#[tokio::test]
async fn a_server_that_checks_passwords_takes_the_sealed_one() {
    const PASSWORD: &str = "dav secret: 42";
    let root = project_root();
    if !servers_installed() {
        return;
    }
    let folder = fresh_folder("radicale");
    let users = folder.join("users");
    std::fs::write(&users, format!("ana:{PASSWORD}\n")).expect("the users file");
    let port = free_port();
    let mut command = Command::new(root.join("target/tools/venvs/radicale/bin/radicale"));
    command
        .arg(format!(
            "--storage-filesystem-folder={}",
            folder.join("collections").display()
        ))
        .args(["--auth-type=htpasswd", "--auth-htpasswd-encryption=plain"])
        .arg(format!("--auth-htpasswd-filename={}", users.display()))
        .arg(format!("--server-hosts=127.0.0.1:{port}"));
    let _server = started(command, port);
    let collection = format!("http://127.0.0.1:{port}/ana/work/");
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("ana:{PASSWORD}"))
    );
    let made = ureq::request("MKCALENDAR", &collection)
        .set("authorization", &basic)
        .call();
    assert!(
        made.is_ok_and(|answer| answer.status() == 201),
        "MKCALENDAR"
    );
    // One event per resource, as Radicale wants: weekly in New York across the March change.
    let file = "standup.ics";
    let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n\
        UID:standup\r\nDTSTAMP:20260101T000000Z\r\n\
        DTSTART;TZID=America/New_York:20260302T090000\r\n\
        DTEND;TZID=America/New_York:20260302T093000\r\nRRULE:FREQ=WEEKLY;COUNT=6\r\n\
        END:VEVENT\r\nEND:VCALENDAR\r\n";
    let put = ureq::put(&format!("{collection}{file}"))
        .set("authorization", &basic)
        .set("content-type", "text/calendar; charset=utf-8")
        .send_string(text);
    assert!(put.is_ok_and(|answer| answer.status() < 300), "PUT {file}");

    let app = app_at_now();
    let right = send(
        &app,
        "PUT",
        "/calendars/work",
        Some("ana"),
        json!({"kind": "caldav", "url": collection, "username": "ana", "password": PASSWORD}),
    )
    .await;
    assert_eq!(right.json()["status"], "ok", "{}", right.text);
    // The sync window starts 7 days before 03-10: the first meeting (03-02, 14:00Z) is
    // before it; the five after, from 03-09, are at 13:00Z (New York's summer time from 03-08).
    assert_eq!(right.json()["busy_count"], 5, "{}", right.text);
    let busy = send(
        &app,
        "GET",
        "/calendars/work/busy",
        Some("ana"),
        Value::Null,
    )
    .await;
    assert_eq!(
        busy.json()["busy"][0]["start_time"],
        "2026-03-09T13:00:00Z",
        "{}",
        busy.text
    );
    let wrong = send(
        &app,
        "PUT",
        "/calendars/wrong",
        Some("ana"),
        json!({"kind": "caldav", "url": collection, "username": "ana", "password": "guess"}),
    )
    .await;
    assert_eq!(wrong.json()["status"], "error", "{}", wrong.text);
    let error = wrong.json()["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(error.contains("401"), "{error}");
}
