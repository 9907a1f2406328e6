use availability_api::api::{self, App};
use availability_api::config::Config;
use availability_api::store::MemoryStore;
use lambda_http::{Error, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    // JSON logs when the function's logging config says so (AWS_LAMBDA_LOG_FORMAT=JSON).
    lambda_http::tracing::init_default_subscriber();
    let app = App::new(MemoryStore::new(), Config::from_env()?);
    let app = &app;
    lambda_runtime::run(service_fn(move |event| api::handle_event(app, event))).await
}
