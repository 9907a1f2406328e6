//! A minimal `lambda_http` function: answers every request with a fixed JSON message.

use lambda_http::{Body, Error, Request, Response, service_fn};

async fn hello(_request: Request) -> Result<Response<Body>, Error> {
    Ok(Response::builder()
        .header("content-type", "application/json")
        .body(Body::from(r#"{"message":"Server Running"}"#))?)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    lambda_http::run(service_fn(hello)).await
}
