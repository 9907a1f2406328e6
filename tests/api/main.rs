//! The API through its Lambda door: handlers, event sources, hostile input, the OpenAPI
//! description, concurrency, and (with `--features dynamodb`) two instances on one table.

mod bookings;
mod calendar_import;
mod calendar_passwords;
#[path = "../shared/calendar_scenario.rs"]
mod calendar_scenario;
#[path = "../shared/calendar_server.rs"]
mod calendar_server;
mod calendar_sync;
mod calendars;
mod concurrency;
#[cfg(feature = "dynamodb")]
mod dynamodb;
mod event_types;
mod events;
mod handler;
mod helpers;
#[path = "../shared/hostile_cases.rs"]
mod hostile_cases;
mod hostile_input;
mod input_rules;
mod invitee;
#[cfg(feature = "dynamodb")]
#[path = "../shared/moto.rs"]
mod moto;
mod observability;
mod openapi_cors;
mod outbound;
mod overlap;
mod page;
mod paging;
mod public;
#[path = "../shared/sample_events.rs"]
mod sample_events;
mod schedule;
mod webhooks;
