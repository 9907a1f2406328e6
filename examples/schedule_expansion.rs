//! Prints a schedule's expansion for a window, in UTC and in the schedule's own zone.
//!
//! `cargo run --example schedule_expansion [SCHEDULE_JSON FROM TO]`; without arguments, a
//! Berlin schedule across the spring change of 2026-03-29.

use availability_api::domain::Interval;
use availability_api::domain::schedule::{Schedule, window_within_limit};
use availability_api::domain::timestamp::{format_timestamp, format_timestamp_in, parse_timestamp};
use std::process::ExitCode;

const DEMO: &str = r#"{
  "timezone": "Europe/Berlin",
  "weekly": [
    {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"},
    {"days": ["sat"], "start": "22:00", "end": "02:00"}
  ],
  "overrides": [{"date": "2026-03-29", "ranges": [{"start": "02:30", "end": "04:00"}]}],
  "valid_from": "2026-01-01",
  "valid_until": null
}"#;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (json, from, to) = match args.as_slice() {
        [json, from, to] => (json.as_str(), from.as_str(), to.as_str()),
        [] => (DEMO, "2026-03-27T00:00:00Z", "2026-03-31T00:00:00Z"),
        _ => {
            eprintln!("usage: schedule_expansion [SCHEDULE_JSON FROM TO]");
            return ExitCode::FAILURE;
        }
    };
    let schedule: Schedule = match serde_json::from_str(json) {
        Ok(schedule) => schedule,
        Err(error) => {
            eprintln!("invalid schedule: {error}");
            return ExitCode::FAILURE;
        }
    };
    let window = match (parse_timestamp(from), parse_timestamp(to)) {
        (Ok(from), Ok(to)) => Interval::new(from, to).filter(|w| window_within_limit(*w)),
        _ => None,
    };
    let Some(window) = window else {
        eprintln!("the window must be two RFC 3339 timestamps, in order, at most 400 days apart");
        return ExitCode::FAILURE;
    };
    let zone = schedule.timezone();
    println!("{}", serde_json::to_string(&schedule).unwrap_or_default());
    println!(
        "window {} .. {}",
        format_timestamp(window.start()),
        format_timestamp(window.end())
    );
    for interval in schedule.expand(window).as_slice() {
        println!(
            "{} .. {}   = {} .. {}   ({} min)",
            format_timestamp(interval.start()),
            format_timestamp(interval.end()),
            format_timestamp_in(interval.start(), zone),
            format_timestamp_in(interval.end(), zone),
            interval.duration() / 60_000
        );
    }
    ExitCode::SUCCESS
}
