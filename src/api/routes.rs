//! The route table: which paths exist and which methods each allows. Paths are matched after
//! the API Gateway stage is removed, so `/prod/availability` and `/availability` are one route.

use lambda_http::http::Method;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use percent_encoding::percent_decode_str;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    Root,
    Availability,
    /// `/availability/schedule`: the caller's weekly schedule.
    Schedule,
    /// `/overlap`, or `/overlap/{user_id_2}` with the decoded id.
    Overlap {
        other_user: Option<String>,
    },
}

impl Route {
    pub fn resolve(request: &Request) -> Option<Route> {
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
            (Some("availability"), None, _) => Route::Availability,
            (Some("availability"), Some("schedule"), None) => Route::Schedule,
            (Some("overlap"), None, _) => Route::Overlap { other_user: None },
            (Some("overlap"), Some(other), None) => Route::Overlap {
                other_user: Some(percent_decode_str(other).decode_utf8().ok()?.into_owned()),
            },
            _ => return None,
        };
        Some(route)
    }

    /// The methods this route serves, for 405's `Allow` header.
    pub fn allowed_methods(&self) -> &'static [Method] {
        match self {
            Route::Root => &[Method::GET],
            Route::Availability => &[Method::GET, Method::POST, Method::DELETE],
            Route::Schedule => &[Method::GET, Method::PUT, Method::DELETE],
            Route::Overlap { .. } => &[Method::GET],
        }
    }

    /// A low-cardinality name for logs and metrics.
    pub fn label(&self) -> &'static str {
        match self {
            Route::Root => "/",
            Route::Availability => "/availability",
            Route::Schedule => "/availability/schedule",
            Route::Overlap { other_user: None } => "/overlap",
            Route::Overlap {
                other_user: Some(_),
            } => "/overlap/{user_id_2}",
        }
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
