use availability_api::api::{self, App};
use availability_api::config::Config;
use availability_api::store;
use lambda_http::{Error, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    // JSON logs when the function's logging config says so (AWS_LAMBDA_LOG_FORMAT=JSON).
    lambda_http::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    // The store (and its SDK client) is built once per instance and shared by every invocation.
    let store = store::open(&config).await;
    let app = &App::new(store, config);
    // Beside the runtime's loop: webhook deliveries of a store without a stream (the
    // in-memory one); with DynamoDB it waits for ever and the notifier function delivers.
    tokio::select! {
        served = lambda_runtime::run(service_fn(move |event| api::handle_event(app, event))) => served,
        () = app.deliver_in_process() => Ok(()),
    }
}
