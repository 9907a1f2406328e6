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
    lambda_runtime::run(service_fn(move |event| api::handle_event(app, event))).await
}
