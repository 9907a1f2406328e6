use availability_api::api::{self, App};
use availability_api::config::Config;
use availability_api::store::{AvailabilityStore, MemoryStore};
use lambda_http::{Error, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    // JSON logs when the function's logging config says so (AWS_LAMBDA_LOG_FORMAT=JSON).
    lambda_http::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    // The store (and its SDK client) is built once per instance and shared by every invocation.
    match config.table_name.clone() {
        #[cfg(feature = "dynamodb")]
        Some(table) => {
            let store = availability_api::store::DynamoDbStore::from_env(table).await;
            serve(App::new(store, config)).await
        }
        // Without the `dynamodb` feature, `Config` refuses a TABLE_NAME: this is the unset case.
        _ => serve(App::new(MemoryStore::new(), config)).await,
    }
}

async fn serve<S: AvailabilityStore>(app: App<S>) -> Result<(), Error> {
    let app = &app;
    lambda_runtime::run(service_fn(move |event| api::handle_event(app, event))).await
}
