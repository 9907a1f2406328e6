//! End to end: the function under `cargo lambda watch` (its booking pages in Chromium too), and
//! the release binary as deployed
//! (behind stand-ins of the Lambda Runtime API and the HTTP API that enforce their limits);
//! and the parity of the router, `openapi.yaml` and `template.yaml`.

mod browser;
mod calendar_caldav;
mod calendar_clients;
mod calendar_oracle;
#[path = "../shared/calendar_scenario.rs"]
mod calendar_scenario;
// Shared with the handler tests, which use all of it; the deployed calendar sync uses a part.
#[cfg(feature = "dynamodb")]
#[allow(dead_code)]
#[path = "../shared/calendar_server.rs"]
mod calendar_server;
mod client_flows;
mod deployed;
#[path = "../shared/hostile_cases.rs"]
mod hostile_cases;
#[cfg(feature = "dynamodb")]
#[path = "../shared/moto.rs"]
mod moto;
mod requirements;
mod route_parity;
#[path = "../shared/sample_events.rs"]
mod sample_events;
mod watch;
mod webhooks;
