//! `PUT` and `GET /availability/sharing`: who may book the caller (`POST /bookings` naming
//! them). It governs booking only: `/overlap` shows anyone's free time as before.

use super::own_record;
use crate::api::app::{App, Handled};
use crate::api::call::Call;
use crate::api::error::{ApiError, FieldError, ProblemKind};
use crate::api::input::{self, NO_PARAMETERS, Query};
use crate::domain::booking::BookableBy;
use crate::domain::{UserId, UserRecord};
use crate::store::AvailabilityStore;
use serde_json::{Value, json};

/// Users one `bookable_by` list may name: it is kept whole in the user's record.
pub(super) const MAX_BOOKABLE_BY_USERS: usize = 100;

pub(crate) async fn get<S: AvailabilityStore>(app: &App<S>, call: Call<'_, UserId>) -> Handled {
    Query::of(call.request, NO_PARAMETERS)?;
    let record = own_record::read(app, &call.caller).await?;
    Ok(own_record::current(
        &shown(&record.bookable_by),
        record.version,
    ))
}

pub(crate) async fn put<S: AvailabilityStore>(app: &App<S>, call: Call<'_, UserId>) -> Handled {
    Query::of(call.request, NO_PARAMETERS)?;
    let body = input::json_body(call.request)?.ok_or_else(|| {
        ApiError::bad_request(
            "The request needs a JSON body {\"bookable_by\": \"everyone\"} or {\"bookable_by\": [\"user456\", ...]}.",
        )
    })?;
    let bookable_by = parse(&body)?;
    let version = own_record::update(app, &call, |current, if_match| {
        if_match.check(current, true)?;
        Ok(UserRecord {
            bookable_by: bookable_by.clone(),
            ..current.clone()
        })
    })
    .await?;
    Ok(own_record::current(&shown(&bookable_by), version))
}

fn shown(bookable_by: &BookableBy) -> Value {
    match bookable_by {
        BookableBy::Everyone => json!({"bookable_by": "everyone"}),
        BookableBy::Only(users) => json!({ "bookable_by": users }),
    }
}

fn parse(body: &Value) -> Result<BookableBy, ApiError> {
    let mut errors = Vec::new();
    let object = input::expect_object(body, "", &["bookable_by"], &mut errors)
        .ok_or_else(|| ApiError::invalid_fields(errors.clone()))?;
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    let users = match object.get("bookable_by") {
        Some(Value::String(everyone)) if everyone == "everyone" => {
            return Ok(BookableBy::Everyone);
        }
        Some(Value::Array(users)) => users,
        None | Some(Value::Null) => {
            return Err(ApiError::invalid_field("/bookable_by", "is required"));
        }
        Some(_) => {
            return Err(ApiError::invalid_field(
                "/bookable_by",
                "must be \"everyone\" or an array of user ids",
            ));
        }
    };
    if users.len() > MAX_BOOKABLE_BY_USERS {
        return Err(ApiError::new(
            ProblemKind::TooLarge,
            format!(
                "bookable_by may name at most {MAX_BOOKABLE_BY_USERS} users; this one names {}.",
                users.len()
            ),
        ));
    }
    let mut allowed: Vec<String> = Vec::with_capacity(users.len());
    for (index, user) in users.iter().enumerate() {
        let pointer = format!("/bookable_by/{index}");
        match user.as_str().map(UserId::parse) {
            None => errors.push(FieldError::new(pointer, "must be a user id string")),
            Some(Err(why)) => errors.push(FieldError::new(pointer, why)),
            Some(Ok(id)) if allowed.iter().any(|seen| *seen == id.as_str()) => {}
            Some(Ok(id)) => allowed.push(id.to_string()),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    Ok(BookableBy::Only(allowed))
}
