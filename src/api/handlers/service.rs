//! `GET /` and `GET /openapi.json`: the health check the original app answered, and the API's
//! own description. Open to anyone.

use crate::api::app::{App, Handled};
use crate::api::call::Call;
use crate::api::input::{NO_PARAMETERS, Query};
use crate::api::response::{message, openapi_description};
use lambda_http::http::StatusCode;

pub(crate) async fn health<S>(_: &App<S>, call: Call<'_, ()>) -> Handled {
    Query::of(call.request, NO_PARAMETERS)?;
    Ok(message(StatusCode::OK, "Server Running"))
}

pub(crate) async fn openapi<S>(_: &App<S>, call: Call<'_, ()>) -> Handled {
    Query::of(call.request, NO_PARAMETERS)?;
    Ok(openapi_description())
}
