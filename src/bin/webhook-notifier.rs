//! The webhook notifier: the table's stream (and a schedule, for retries) in, signed
//! deliveries out. The handler lives in the library (`delivery::notifier`).

use availability_api::config::Config;
use availability_api::delivery::notifier::{Notifier, serve};
use availability_api::observability::Telemetry;
use availability_api::outbound::Outbound;
use availability_api::secrets::Secrets;
use availability_api::store;
use lambda_runtime::{Error, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let store = store::open(&config).await;
    let notifier = &Notifier {
        store: &store,
        outbound: Outbound::new(config.outbound_allow_local),
        secrets: Secrets::from_config(&config),
        wait_for_short_retries: true,
    };
    let telemetry = &Telemetry::from_env();
    lambda_runtime::run(service_fn(move |event| serve(notifier, telemetry, event))).await
}
