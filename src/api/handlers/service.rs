//! `GET /` and `GET /openapi.json`: the health check the original app answered, and the API's
//! own description. Open to anyone.

use crate::api::app::Handled;
use crate::api::input::{NO_PARAMETERS, Query};
use crate::api::response::{message, openapi_description};
use lambda_http::Request;
use lambda_http::http::StatusCode;

pub(in crate::api) async fn health(request: &Request) -> Handled {
    Query::of(request, NO_PARAMETERS)?;
    Ok(message(StatusCode::OK, "Server Running"))
}

pub(in crate::api) async fn openapi(request: &Request) -> Handled {
    Query::of(request, NO_PARAMETERS)?;
    Ok(openapi_description())
}
