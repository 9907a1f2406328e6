//! Reading what a client sent: the JSON body, query parameters and timestamps, each refused
//! with a precise 4xx rather than guessed at.

use super::error::{ApiError, FieldError, ProblemKind};
use crate::domain::duration::parse_duration;
use crate::domain::timestamp::{parse_time_zone, parse_timestamp};
use crate::domain::{Interval, Millis};
use chrono_tz::Tz;
use lambda_http::http::header;
use lambda_http::{Body, Request, RequestExt};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Bodies above this are refused with 413 before they are parsed. Lambda itself accepts up
/// to 6 MB; real requests here are a few kilobytes.
pub(super) const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The request's JSON body, `None` when there is none (or only white space).
pub(super) fn json_body(request: &Request) -> Result<Option<Value>, ApiError> {
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
pub(super) fn expect_object<'a>(
    value: &'a Value,
    pointer: &str,
    known: &[&str],
    errors: &mut Vec<FieldError>,
) -> Option<&'a Map<String, Value>> {
    let Some(object) = value.as_object() else {
        errors.push(FieldError::new(pointer, "must be a JSON object"));
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

/// RFC 6901 escaping of one reference token.
fn escape_pointer(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// A required (or optional, `null` counting as absent) string member.
pub(super) fn string_member<'a>(
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
pub(super) fn timestamp_member(
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
pub(super) fn interval_members(
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

/// The parameter list of a handler that reads none from the query string.
pub(super) const NO_PARAMETERS: &[&str] = &[];

/// Query parameters, each allowed at most once unless read with [`Query::all`].
pub(super) struct Query {
    parameters: lambda_http::aws_lambda_events::query_map::QueryMap,
}

impl Query {
    /// The request's query parameters, every name among `known` (the handler's list of what it
    /// reads): anything else is a 400 naming it, since a misspelt parameter must not silently
    /// change an answer. Every handler reads its query through here, so every route refuses.
    pub(super) fn of(request: &Request, known: &[&str]) -> Result<Self, ApiError> {
        let parameters = request.query_string_parameters();
        let mut unknown: Vec<&str> = parameters
            .iter()
            .map(|(name, _)| name)
            .filter(|name| !known.contains(name))
            .collect();
        if unknown.is_empty() {
            return Ok(Query { parameters });
        }
        unknown.sort_unstable();
        unknown.dedup();
        let expected = match known {
            [] => "this route reads no query parameters".to_owned(),
            _ => format!("expected {}", known.join(", ")),
        };
        Err(ApiError::invalid_fields(
            unknown
                .into_iter()
                .map(|name| {
                    FieldError::new(
                        format!("?{name}"),
                        format!("is not a known parameter ({expected})"),
                    )
                })
                .collect(),
        ))
    }

    /// One value, or a 400 when the parameter is repeated.
    pub(super) fn single(&self, name: &str) -> Result<Option<&str>, ApiError> {
        match self.parameters.all(name).as_deref() {
            None | Some([]) => Ok(None),
            Some([value]) => Ok(Some(value)),
            Some(_) => Err(ApiError::invalid_field(
                format!("?{name}"),
                "is given more than once; give it once",
            )),
        }
    }

    pub(super) fn all(&self, name: &str) -> Vec<&str> {
        self.parameters.all(name).unwrap_or_default()
    }

    /// True when the request has no query parameters at all.
    pub(super) fn is_empty(&self) -> bool {
        self.parameters.iter().next().is_none()
    }

    pub(super) fn timestamp(&self, name: &str) -> Result<Option<Millis>, ApiError> {
        self.single(name)?
            .map(|text| {
                parse_timestamp(text)
                    .map_err(|why| ApiError::invalid_field(format!("?{name}"), why.0))
            })
            .transpose()
    }

    /// An IANA time zone name such as `tz=Asia/Kolkata`, see [`time_zone`].
    pub(super) fn time_zone(&self, name: &str) -> Result<Option<Tz>, ApiError> {
        self.single(name)?
            .map(|text| time_zone(&format!("?{name}"), text))
            .transpose()
    }
}

/// An IANA time zone name (`Europe/Berlin`, `UTC`, `Etc/GMT+5`) given at `pointer`; a 400 that
/// names the parameter (and suggests the right spelling) otherwise.
pub(super) fn time_zone(pointer: &str, text: &str) -> Result<Tz, ApiError> {
    parse_time_zone(&space_as_plus(text))
        .map_err(|why| ApiError::invalid_field(pointer, why.to_string()))
}

/// A query string decoded by form rules turns a raw `+` into a space. Values that cannot hold
/// a space (zone names like `Etc/GMT+5`, user ids like `a+b`) read it back as the `+` meant.
pub(super) fn space_as_plus(text: &str) -> Cow<'_, str> {
    if text.contains(' ') {
        Cow::Owned(text.replace(' ', "+"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A request's parameters taken from its query string and its JSON body object alike, for
/// endpoints that accept both (a long list fits in a body, not in a URL). Each name is one
/// parameter whichever place gives it.
pub(super) struct Parameters<'a> {
    query: &'a Query,
    body: Option<&'a Map<String, Value>>,
}

/// One parameter as the client gave it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Parameter<'a> {
    pub name: &'a str,
    pub value: Given<'a>,
}

#[derive(Clone, Copy, Debug)]
pub(super) enum Given<'a> {
    /// A query string value, already percent-decoded.
    Query(&'a str),
    /// A member of the JSON body object (never `null`: that counts as absent).
    Body(&'a Value),
}

impl<'a> Parameters<'a> {
    /// Refuses a body that is not a JSON object and every member name that is not among
    /// `known` (the query's names were checked by [`Query::of`]).
    pub(super) fn new(
        query: &'a Query,
        body: Option<&'a Value>,
        known: &[&str],
    ) -> Result<Self, ApiError> {
        let mut errors = Vec::new();
        let body = body.and_then(|body| expect_object(body, "", known, &mut errors));
        if !errors.is_empty() {
            return Err(ApiError::invalid_fields(errors));
        }
        Ok(Parameters { query, body })
    }

    /// Every value given for `name`: the query string's, in order, then the body's.
    pub(super) fn all(&self, name: &'a str) -> Vec<Parameter<'a>> {
        let from_query = self.query.all(name).into_iter().map(Given::Query);
        let from_body = self
            .body
            .and_then(|body| body.get(name))
            .filter(|value| !value.is_null())
            .map(Given::Body);
        from_query
            .chain(from_body)
            .map(|value| Parameter { name, value })
            .collect()
    }

    /// A parameter that may be given once, in the query string or in the body.
    pub(super) fn single(&self, name: &'a str) -> Result<Option<Parameter<'a>>, ApiError> {
        match self.all(name).as_slice() {
            [] => Ok(None),
            [only] => Ok(Some(*only)),
            [_, again, ..] => Err(again.invalid(
                "is given more than once (in the query string or the body); give it once",
            )),
        }
    }

    /// Where `name` was given, for an error about it found later; `?name` when it was not.
    pub(super) fn pointer(&self, name: &'a str) -> String {
        match self.all(name).first() {
            Some(given) => given.pointer(),
            None => format!("?{name}"),
        }
    }
}

impl<'a> Parameter<'a> {
    /// `?name` for the query string, a JSON Pointer `/name` for the body.
    pub(super) fn pointer(&self) -> String {
        match self.value {
            Given::Query(_) => format!("?{}", self.name),
            Given::Body(_) => format!("/{}", escape_pointer(self.name)),
        }
    }

    /// A 400 about this parameter.
    pub(super) fn invalid(&self, detail: impl Into<String>) -> ApiError {
        ApiError::invalid_field(self.pointer(), detail)
    }

    /// The query text, or a body member that must be a JSON string.
    pub(super) fn text(&self) -> Result<&'a str, ApiError> {
        match self.value {
            Given::Query(text) => Ok(text),
            Given::Body(Value::String(text)) => Ok(text),
            Given::Body(_) => Err(self.invalid("must be a string")),
        }
    }

    /// `0`, `1`, `2`, ...: query digits, or a body member that is a JSON integer.
    pub(super) fn whole_number(&self) -> Result<u64, ApiError> {
        let number = match self.value {
            Given::Query(text) if text.bytes().all(|b| b.is_ascii_digit()) => text.parse().ok(),
            Given::Body(Value::Number(number)) => number.as_u64(),
            _ => None,
        };
        number.ok_or_else(|| self.invalid("must be a whole number such as 2"))
    }

    pub(super) fn timestamp(&self) -> Result<Millis, ApiError> {
        parse_timestamp(self.text()?).map_err(|why| self.invalid(why.0))
    }

    /// An ISO 8601 duration (`PT30M`) or whole minutes: `30` in the query, `"30"` or `30` in
    /// the body.
    pub(super) fn duration(&self) -> Result<Millis, ApiError> {
        let text = match self.value {
            Given::Query(_) | Given::Body(Value::String(_)) => Cow::Borrowed(self.text()?),
            Given::Body(Value::Number(minutes)) => Cow::Owned(minutes.to_string()),
            Given::Body(_) => {
                return Err(self.invalid(
                    "must be an ISO 8601 duration such as \"PT30M\" or a whole number of minutes",
                ));
            }
        };
        parse_duration(&text).map_err(|why| self.invalid(why.0))
    }

    pub(super) fn time_zone(&self) -> Result<Tz, ApiError> {
        time_zone(&self.pointer(), self.text()?)
    }
}
