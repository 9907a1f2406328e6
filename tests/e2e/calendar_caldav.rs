//! Importing from a real CalDAV server: Xandikos (PyPI, installed by `need_caldav_server` in
//! scripts/lib/tools.sh) started by the test on loopback, holding our own DST calendars; the
//! service's calendar-query REPORT over its sync window, with Basic authentication, must find
//! the same busy time as reading the files directly, and the password is never shown.

use crate::calendar_scenario::send;
use crate::deployed::template::project_root;
use crate::requirements::unmet;
use availability_api::api::{App, Clock};
use availability_api::config::Config;
use availability_api::domain::calendar::import::{BusyOptions, busy_of};
use availability_api::domain::calendar::source::sync_window;
use availability_api::domain::timestamp::{Zone, format_timestamp, parse_timestamp};
use availability_api::store::MemoryStore;
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

#[tokio::test]
async fn a_caldav_calendar_is_read_through_a_time_range_report() {
    let root = project_root();
    let installed = Command::new("bash")
        .args(["-c", "source scripts/lib/tools.sh && need_caldav_server"])
        .current_dir(&root)
        .status()
        .is_ok_and(|status| status.success());
    if !installed {
        let _: Option<()> = unmet("xandikos could not be installed (needs python3 with venv)");
        return;
    }
    let folder = root
        .join("target/tmp/xandikos")
        .join(std::process::id().to_string());
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).expect("a folder");
    let port = free_port();
    let _server = Server(
        Command::new(root.join("target/tools/venvs/xandikos/bin/xandikos"))
            .args(["--defaults", "-d"])
            .arg(&folder)
            .args(["-l", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("xandikos starts"),
    );
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "xandikos listens"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
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

    let app = App::new(
        MemoryStore::new(),
        Config {
            outbound_allow_local: true,
            ..Config::jwt()
        },
    )
    .with_clock(Clock::Fixed(parse_timestamp(NOW).expect("valid")));
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
