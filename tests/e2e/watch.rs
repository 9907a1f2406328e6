//! End to end: `cargo lambda watch` started for real, driven over HTTP with the original app's
//! own client flow. Needs `cargo lambda` (the README's test command installs it; see
//! [`crate::requirements`] for what happens without it).

use crate::client_flows::{booking_flow, original_client_flow, schedule_across_a_dst_change};
use crate::requirements::{cargo_lambda_available, path_with_project_tools, unmet};
use serde_json::Value;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Stops the whole process group (watch and the function it runs) however the test ends.
pub(crate) struct Watch {
    child: Child,
    pub(crate) base: String,
    pub(crate) log: PathBuf,
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

pub(crate) fn start_watch() -> Option<Watch> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let path = path_with_project_tools(&root);
    if !cargo_lambda_available(&path) {
        return unmet(
            "`cargo lambda` is not installed: `scripts/test.sh --tools` installs it into target/tools",
        );
    }
    let log = root.join("target").join("e2e-watch.log");
    let log_file = std::fs::File::create(&log).expect("log file");
    let port = free_port();
    let child = Command::new("cargo")
        .args([
            "lambda",
            "watch",
            // The API alone at the root path; the crate's other binaries are other functions.
            "--bin",
            "availability-api",
            "--ignore-changes",
            "--invoke-address",
            "127.0.0.1",
        ])
        .args(["--invoke-port", &port.to_string()])
        .current_dir(&root)
        .env("PATH", &path)
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().expect("log file"))
        .stderr(log_file)
        .process_group(0)
        .spawn()
        .expect("`cargo lambda` starts");
    let watch = Watch {
        child,
        base: format!("http://127.0.0.1:{port}"),
        log,
    };
    let deadline = Instant::now() + Duration::from_secs(600);
    while Instant::now() < deadline {
        if let Ok(response) = ureq::get(&format!("{}/", watch.base)).call() {
            assert_eq!(response.status(), 200);
            return Some(watch);
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
    send_as(watch, None, method, path, body)
}

/// [`send`], acting for `user` (dev mode's `x-user-id`) when given.
fn send_as(
    watch: &Watch,
    user: Option<&str>,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request =
        ureq::request(method, &format!("{}{path}", watch.base)).timeout(Duration::from_secs(60));
    if let Some(user) = user {
        request = request.set("x-user-id", user);
    }
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
fn the_original_client_flow_works_through_cargo_lambda_watch() {
    let Some(watch) = start_watch() else {
        return;
    };
    // Dev mode, as the original app's client: the caller is user123 unless the body names
    // another user.
    original_client_flow(&mut |_user, method, target, body| send(&watch, method, target, body));
}

#[test]
fn a_schedule_put_through_cargo_lambda_watch_expands_across_a_dst_change() {
    let Some(watch) = start_watch() else {
        return;
    };
    schedule_across_a_dst_change(&mut |_user, method, target, body| {
        send(&watch, method, target, body)
    });
}

#[test]
fn a_booking_through_cargo_lambda_watch_takes_the_time_from_overlap_until_cancelled() {
    let Some(watch) = start_watch() else {
        return;
    };
    booking_flow(&mut |user, method, target, body| {
        send_as(&watch, Some(user), method, target, body)
    });
}
