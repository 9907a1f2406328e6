//! The scheduled calendar sync: an EventBridge schedule invokes it every 15 minutes
//! (template.yaml); each invocation syncs the due imported calendars of a slice of users
//! (`calendar_sync::scheduled`). The handler lives in the library.

use availability_api::calendar_sync::handle_scheduled_event;
use availability_api::config::Config;
use availability_api::observability::Telemetry;
use availability_api::outbound::Outbound;
use availability_api::secrets::Secrets;
use availability_api::store;
use lambda_runtime::{Error, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let store = &store::open(&config).await;
    let outbound = &Outbound::new(config.outbound_allow_local);
    let secrets = &Secrets::from_config(&config);
    let telemetry = &Telemetry::from_env();
    lambda_runtime::run(service_fn(move |event| {
        let now = chrono::Utc::now().timestamp_millis();
        handle_scheduled_event(store, outbound, secrets, telemetry, now, event)
    }))
    .await
}
