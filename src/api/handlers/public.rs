//! `GET /public/{user_id}/{slug}`: what anyone with the link sees of a host's event type. Open
//! to anyone, so its path is checked for shape before any lookup, and an event type that is
//! unknown, inactive or badly named is one and the same 404.

use super::event_types::no_event_type;
use crate::api::app::{App, Handled};
use crate::api::call::Call;
use crate::api::input::{NO_PARAMETERS, Query};
use crate::api::response::json_response;
use crate::domain::UserId;
use crate::domain::duration::format_duration;
use crate::domain::event_type::is_valid_slug;
use crate::store::AvailabilityStore;
use lambda_http::http::StatusCode;
use serde::Serialize;

pub(crate) async fn describe<S: AvailabilityStore>(app: &App<S>, call: Call<'_, ()>) -> Handled {
    Query::of(call.request, NO_PARAMETERS)?;
    let host = call.parameter("user_id").unwrap_or_default();
    let slug = call.parameter("slug").unwrap_or_default();
    let (Ok(host), true) = (UserId::parse(host), is_valid_slug(slug)) else {
        return Err(no_event_type(slug).into());
    };
    let record = app.store().load(host.as_str(), None).await?;
    let event_type = record
        .event_type(slug)
        .filter(|event_type| event_type.active)
        .ok_or_else(|| no_event_type(slug))?;
    #[derive(Serialize)]
    struct Described<'a> {
        host: &'a str,
        slug: &'a str,
        title: &'a str,
        duration: String,
        timezone: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        location: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        description: Option<&'a str>,
    }
    let described = Described {
        host: host.as_str(),
        slug: &event_type.slug,
        title: &event_type.title,
        duration: format_duration(event_type.duration),
        timezone: &event_type.timezone,
        location: event_type.location.as_deref(),
        description: event_type.description.as_deref(),
    };
    Ok(json_response(StatusCode::OK, &described))
}
