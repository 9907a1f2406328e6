//! Reading what a client sent: the JSON body, query parameters and timestamps, each refused
//! with a precise 4xx rather than guessed at.

use super::error::{ApiError, FieldError, ProblemKind};
use crate::domain::schedule::parse_time_zone;
use crate::domain::time::parse_timestamp;
use crate::domain::{Interval, Millis};
use lambda_http::http::header;
use lambda_http::{Body, Request, RequestExt};
use serde_json::{Map, Value};

/// Bodies above this are refused with 413 before they are parsed. Lambda itself accepts up
/// to 6 MB; real requests here are a few kilobytes.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The request's JSON body, `None` when there is none (or only white space).
pub fn json_body(request: &Request) -> Result<Option<Value>, ApiError> {
    let bytes: &[u8] = match request.body() {
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => return Ok(None),
    };
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::new(
            ProblemKind::TooLarge,
            format!("The request body is larger than {MAX_BODY_BYTES} bytes."),
        ));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    if let Some(content_type) = request.headers().get(header::CONTENT_TYPE)
        && !is_json_media_type(content_type.to_str().unwrap_or_default())
    {
        return Err(ApiError::new(
            ProblemKind::UnsupportedMediaType,
            "The request body must be JSON, sent with `content-type: application/json`.",
        ));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| ApiError::bad_request("The request body is not valid UTF-8."))?;
    serde_json::from_str(text).map(Some).map_err(|error| {
        ApiError::bad_request(format!("The request body is not valid JSON: {error}."))
    })
}

fn is_json_media_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// The body as a JSON object whose members are all among `known`; anything else is a 400 that
/// names every unknown member.
pub fn expect_object<'a>(
    value: &'a Value,
    pointer: &str,
    known: &[&str],
    errors: &mut Vec<FieldError>,
) -> Option<&'a Map<String, Value>> {
    let Some(object) = value.as_object() else {
        errors.push(FieldError::new(
            pointer_or_root(pointer),
            "must be a JSON object",
        ));
        return None;
    };
    for name in object.keys().filter(|name| !known.contains(&name.as_str())) {
        errors.push(FieldError::new(
            format!("{pointer}/{}", escape_pointer(name)),
            format!("is not a known field (expected {})", known.join(", ")),
        ));
    }
    Some(object)
}

fn pointer_or_root(pointer: &str) -> &str {
    if pointer.is_empty() { "/" } else { pointer }
}

/// RFC 6901 escaping of one reference token.
fn escape_pointer(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// A required (or optional, `null` counting as absent) string member.
pub fn string_member<'a>(
    object: &'a Map<String, Value>,
    pointer: &str,
    name: &str,
    required: bool,
    errors: &mut Vec<FieldError>,
) -> Option<&'a str> {
    match object.get(name) {
        Some(Value::String(text)) => Some(text),
        None | Some(Value::Null) => {
            if required {
                errors.push(FieldError::new(format!("{pointer}/{name}"), "is required"));
            }
            None
        }
        Some(_) => {
            errors.push(FieldError::new(
                format!("{pointer}/{name}"),
                "must be a string",
            ));
            None
        }
    }
}

/// A timestamp member, parsed; errors name the member.
pub fn timestamp_member(
    object: &Map<String, Value>,
    pointer: &str,
    name: &str,
    errors: &mut Vec<FieldError>,
) -> Option<Millis> {
    let text = string_member(object, pointer, name, true, errors)?;
    parse_timestamp(text)
        .map_err(|why| errors.push(FieldError::new(format!("{pointer}/{name}"), why.0)))
        .ok()
}

/// `start_time`/`end_time` members as an interval with `start_time < end_time`.
pub fn interval_members(
    object: &Map<String, Value>,
    pointer: &str,
    errors: &mut Vec<FieldError>,
) -> Option<Interval> {
    let start = timestamp_member(object, pointer, "start_time", errors);
    let end = timestamp_member(object, pointer, "end_time", errors);
    let (start, end) = (start?, end?);
    Interval::new(start, end).or_else(|| {
        errors.push(FieldError::new(
            format!("{pointer}/end_time"),
            "must be later than start_time",
        ));
        None
    })
}

/// Query parameters, each allowed at most once unless read with [`Query::all`].
pub struct Query {
    parameters: lambda_http::aws_lambda_events::query_map::QueryMap,
}

impl Query {
    pub fn of(request: &Request) -> Self {
        Query {
            parameters: request.query_string_parameters(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.parameters.iter().next().is_none()
    }

    /// One value, or a 400 when the parameter is repeated.
    pub fn single(&self, name: &str) -> Result<Option<&str>, ApiError> {
        match self.parameters.all(name).as_deref() {
            None | Some([]) => Ok(None),
            Some([value]) => Ok(Some(value)),
            Some(_) => Err(ApiError::invalid_field(
                format!("?{name}"),
                "is given more than once; give it once",
            )),
        }
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.parameters.all(name).unwrap_or_default()
    }

    pub fn timestamp(&self, name: &str) -> Result<Option<Millis>, ApiError> {
        self.single(name)?
            .map(|text| {
                parse_timestamp(text)
                    .map_err(|why| ApiError::invalid_field(format!("?{name}"), why.0))
            })
            .transpose()
    }
}

/// The optional `tz` query parameter of reads: an IANA zone whose offsets output timestamps
/// carry instead of `Z`.
pub fn time_zone_param(query: &Query) -> Result<Option<chrono_tz::Tz>, ApiError> {
    query
        .single("tz")?
        .map(|name| {
            parse_time_zone(name).map_err(|why| ApiError::invalid_field("?tz", why.to_string()))
        })
        .transpose()
}

/// Longest user id accepted, in bytes.
pub const MAX_USER_ID_LEN: usize = 128;

/// User ids are what identity providers put in `sub` (UUIDs, `auth0|…`, emails) and the
/// seed's names: letters, digits and `._-@:|+=`.
pub fn validate_user_id(id: &str) -> Result<(), &'static str> {
    if id.is_empty() {
        return Err("must not be empty");
    }
    if id.len() > MAX_USER_ID_LEN {
        return Err("is longer than 128 characters");
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-@:|+=".contains(c))
    {
        return Err("may hold only letters, digits and . _ - @ : | + =");
    }
    Ok(())
}
