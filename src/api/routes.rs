//! The route table: which paths exist and which methods each allows. Paths are matched after
//! the API Gateway stage is removed, so `/prod/availability` and `/availability` are one route.

use lambda_http::http::Method;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use percent_encoding::percent_decode_str;

/// Every route as `openapi.yaml` names it, with the methods it serves (besides `HEAD` wherever
/// there is a `GET`, and `OPTIONS` everywhere). 405s, `Allow`, CORS preflights and the test that
/// the router and the OpenAPI description agree all read this one table.
pub const ROUTE_TABLE: &[(&str, &[Method])] = &[
    ("/", &[Method::GET]),
    ("/openapi.json", &[Method::GET]),
    (
        "/availability",
        &[Method::GET, Method::POST, Method::DELETE],
    ),
    (
        "/availability/schedule",
        &[Method::GET, Method::PUT, Method::DELETE],
    ),
    // POST carries the same parameters in a body, for lists too long for a URL.
    ("/overlap", &[Method::GET, Method::POST]),
    ("/overlap/{user_id_2}", &[Method::GET, Method::POST]),
    ("/bookings", &[Method::GET, Method::POST]),
    ("/bookings/{booking_id}", &[Method::GET, Method::DELETE]),
    ("/availability/sharing", &[Method::GET, Method::PUT]),
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Route {
    Root,
    OpenApi,
    Availability,
    /// `/availability/schedule`: the caller's weekly schedule.
    Schedule,
    /// `/overlap`, or `/overlap/{user_id_2}` with the decoded id.
    Overlap {
        other_user: Option<String>,
    },
    /// `/bookings`: the caller's bookings.
    Bookings,
    /// `/bookings/{booking_id}`, with the decoded id.
    Booking {
        id: String,
    },
    /// `/availability/sharing`: who may book the caller.
    Sharing,
}

impl Route {
    pub(super) fn resolve(request: &Request) -> Option<Route> {
        let stage = match request.request_context_ref() {
            Some(RequestContext::ApiGatewayV1(context)) => context.stage.as_deref(),
            Some(RequestContext::ApiGatewayV2(context)) => context.stage.as_deref(),
            _ => None,
        };
        Self::from_path(strip_stage(request.uri().path(), stage))
    }

    fn from_path(path: &str) -> Option<Route> {
        let path = path.trim_end_matches('/');
        let mut segments = path.split('/').skip(1);
        let route = match (segments.next(), segments.next(), segments.next()) {
            (None, ..) => Route::Root,
            (Some("openapi.json"), None, _) => Route::OpenApi,
            (Some("availability"), None, _) => Route::Availability,
            (Some("availability"), Some("schedule"), None) => Route::Schedule,
            (Some("availability"), Some("sharing"), None) => Route::Sharing,
            (Some("bookings"), None, _) => Route::Bookings,
            (Some("bookings"), Some(id), None) => Route::Booking {
                id: percent_decode_str(id).decode_utf8().ok()?.into_owned(),
            },
            (Some("overlap"), None, _) => Route::Overlap { other_user: None },
            (Some("overlap"), Some(other), None) => Route::Overlap {
                other_user: Some(percent_decode_str(other).decode_utf8().ok()?.into_owned()),
            },
            _ => return None,
        };
        Some(route)
    }

    /// The path template of this route, as in `ROUTE_TABLE` and `openapi.yaml`; also the
    /// low-cardinality name logs use.
    pub(super) fn template(&self) -> &'static str {
        match self {
            Route::Root => "/",
            Route::OpenApi => "/openapi.json",
            Route::Availability => "/availability",
            Route::Schedule => "/availability/schedule",
            Route::Overlap { other_user: None } => "/overlap",
            Route::Overlap {
                other_user: Some(_),
            } => "/overlap/{user_id_2}",
            Route::Bookings => "/bookings",
            Route::Booking { .. } => "/bookings/{booking_id}",
            Route::Sharing => "/availability/sharing",
        }
    }

    /// Every method this route answers: its table entry, `HEAD` where `GET` is, and `OPTIONS`.
    pub(super) fn allowed_methods(&self) -> Vec<Method> {
        let declared = ROUTE_TABLE
            .iter()
            .find(|(template, _)| *template == self.template())
            .map_or(&[][..], |(_, methods)| methods);
        let mut methods = declared.to_vec();
        if declared.contains(&Method::GET) {
            methods.push(Method::HEAD);
        }
        methods.push(Method::OPTIONS);
        methods
    }
}

/// REST APIs put the stage before the path (the library adds it back), HTTP APIs keep a named
/// stage in `rawPath`; `$default` and function URLs have none.
fn strip_stage<'a>(path: &'a str, stage: Option<&str>) -> &'a str {
    let Some(stage) = stage.filter(|s| !s.is_empty() && *s != "$default") else {
        return path;
    };
    match path.strip_prefix('/').and_then(|p| p.strip_prefix(stage)) {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => rest,
        _ => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_entry_resolves_to_itself() {
        for (template, _) in ROUTE_TABLE {
            let path = template
                .replace("{user_id_2}", "someone")
                .replace("{booking_id}", "0123456789abcdef");
            let route = Route::from_path(&path).unwrap_or_else(|| panic!("{template} resolves"));
            assert_eq!(route.template(), *template);
        }
    }

    #[test]
    fn paths_resolve_with_or_without_stage_and_trailing_slash() {
        assert_eq!(Route::from_path(""), Some(Route::Root));
        assert_eq!(Route::from_path("/"), Some(Route::Root));
        assert_eq!(
            Route::from_path("/availability/"),
            Some(Route::Availability)
        );
        assert_eq!(
            Route::from_path("/overlap/auth0%7C42"),
            Some(Route::Overlap {
                other_user: Some("auth0|42".into())
            })
        );
        assert_eq!(
            Route::from_path("/availability/schedule/"),
            Some(Route::Schedule)
        );
        assert_eq!(
            Route::from_path("/bookings/ab%2Fc"),
            Some(Route::Booking { id: "ab/c".into() })
        );
        assert_eq!(Route::from_path("/bookings/a/b"), None);
        assert_eq!(Route::from_path("/availability/other"), None);
        assert_eq!(Route::from_path("/availability/schedule/x"), None);
        assert_eq!(Route::from_path("/overlap/a/b"), None);
        assert_eq!(Route::from_path("/availabilityx"), None);
        assert_eq!(
            strip_stage("/prod/availability", Some("prod")),
            "/availability"
        );
        assert_eq!(strip_stage("/prod", Some("prod")), "");
        assert_eq!(strip_stage("/production/x", Some("prod")), "/production/x");
        assert_eq!(
            strip_stage("/availability", Some("$default")),
            "/availability"
        );
    }
}
