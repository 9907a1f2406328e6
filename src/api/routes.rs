//! The route table: every method and path the function serves, the handler that answers it, and
//! who may call it. The router dispatches by it; 405s, `Allow` and CORS preflights read it; the
//! parity tests hold it against `openapi.yaml` and template.yaml ([`route_table`]). A new route
//! is one row here. Paths are matched after the API Gateway stage is removed, so
//! `/prod/availability` and `/availability` are one route.

use super::app::App;
use super::call::{Call, Reply};
use super::handlers::{
    availability, bookings, calendar_export, calendar_import, event_types, invitee, manage,
    overlap, page, public, schedule, service, sharing, webhooks,
};
use crate::domain::UserId;
use crate::domain::booking::ManageToken;
use crate::store::{AvailabilityStore, MemoryStore};
use lambda_http::http::Method;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use percent_encoding::percent_decode_str;

/// Who may call a route, and so what its handler is given.
pub(super) enum Access<S> {
    /// Anyone, with no identity (`AUTH_MODE` does not matter).
    Anyone(for<'a> fn(&'a App<S>, Call<'a, ()>) -> Reply<'a>),
    /// The caller's identity, resolved before the handler runs (401 without one); the handler
    /// acts for that user.
    Caller(for<'a> fn(&'a App<S>, Call<'a, UserId>) -> Reply<'a>),
    /// Anyone holding a manage token: the path's `{token}`, read for shape before the handler
    /// runs (404 otherwise, with no lookup); the handler checks it against the stored hash.
    Token(for<'a> fn(&'a App<S>, Call<'a, ManageToken>) -> Reply<'a>),
}

/// One row of the table.
pub(super) struct Route<S> {
    pub(super) method: Method,
    /// The path template as `openapi.yaml` and template.yaml name it, `{name}` for a parameter;
    /// also the low-cardinality name logs use.
    pub(super) path: &'static str,
    pub(super) access: Access<S>,
}

/// An async handler as the table's function pointer: its future, boxed.
macro_rules! handler {
    ($handler:path) => {
        |app, call| Box::pin($handler(app, call))
    };
}

/// Every route, grouped by path; within a path, methods in the order `Allow` lists them. `HEAD`
/// is served wherever `GET` is, and `OPTIONS` everywhere (CORS preflights): neither has a row.
#[rustfmt::skip]
pub(super) fn table<S: AvailabilityStore>() -> Vec<Route<S>> {
    use Access::{Anyone, Caller, Token};
    use Method as M;
    vec![
        route(M::GET,    "/",                      Anyone(handler!(service::health))),
        route(M::GET,    "/openapi.json",          Anyone(handler!(service::openapi))),
        route(M::GET,    "/availability",          Caller(handler!(availability::get))),
        route(M::POST,   "/availability",          Caller(handler!(availability::set))),
        route(M::DELETE, "/availability",          Caller(handler!(availability::delete))),
        route(M::GET,    "/availability/schedule", Caller(handler!(schedule::get))),
        route(M::PUT,    "/availability/schedule", Caller(handler!(schedule::put))),
        route(M::DELETE, "/availability/schedule", Caller(handler!(schedule::delete))),
        // POST carries the same parameters in a body, for lists too long for a URL.
        route(M::GET,    "/overlap",               Caller(handler!(overlap::find))),
        route(M::POST,   "/overlap",               Caller(handler!(overlap::find))),
        route(M::GET,    "/overlap/{user_id_2}",   Caller(handler!(overlap::find))),
        route(M::POST,   "/overlap/{user_id_2}",   Caller(handler!(overlap::find))),
        route(M::GET,    "/bookings",              Caller(handler!(bookings::list))),
        route(M::POST,   "/bookings",              Caller(handler!(bookings::create))),
        // Calendars (issue 24): before the booking's own row, whose DELETE the deployed
        // harness's one request per route sends first otherwise.
        route(M::GET,    "/bookings/{booking_id}/calendar.ics", Caller(handler!(calendar_export::booking_file))),
        route(M::GET,    "/bookings/{booking_id}", Caller(handler!(bookings::read))),
        route(M::DELETE, "/bookings/{booking_id}", Caller(handler!(bookings::cancel))),
        route(M::GET,    "/availability/sharing",  Caller(handler!(sharing::get))),
        route(M::PUT,    "/availability/sharing",  Caller(handler!(sharing::put))),
        route(M::GET,    "/event-types",           Caller(handler!(event_types::list))),
        route(M::GET,    "/event-types/{slug}",    Caller(handler!(event_types::get))),
        route(M::PUT,    "/event-types/{slug}",    Caller(handler!(event_types::put))),
        route(M::DELETE, "/event-types/{slug}",    Caller(handler!(event_types::delete))),
        route(M::GET,    "/public/{user_id}/{slug}", Anyone(handler!(public::describe))),
        route(M::GET,    "/public/{user_id}/{slug}/slots", Anyone(handler!(public::slots))),
        route(M::POST,   "/public/{user_id}/{slug}/bookings", Anyone(handler!(invitee::book))),
        route(M::GET,    "/manage/{token}",        Token(handler!(manage::read))),
        route(M::GET,    "/manage/{token}/slots",  Token(handler!(manage::slots))),
        route(M::POST,   "/manage/{token}/reschedule", Token(handler!(manage::reschedule))),
        route(M::POST,   "/manage/{token}/cancel", Token(handler!(manage::cancel))),
        // Calendars: the feed, and one booking's file (issue 24).
        route(M::POST,   "/calendar/feed",         Caller(handler!(calendar_export::create_feed))),
        route(M::DELETE, "/calendar/feed",         Caller(handler!(calendar_export::revoke_feed))),
        // `{feed_file}` is `{feed_token}.ics`: API Gateway's path parameters are whole segments.
        route(M::GET,    "/calendar/{feed_file}",  Anyone(handler!(calendar_export::feed))),
        route(M::GET,    "/manage/{token}/calendar.ics", Token(handler!(calendar_export::manage_file))),
        route(M::GET,    "/calendars",             Caller(handler!(calendar_import::list))),
        route(M::PUT,    "/calendars/{source_id}", Caller(handler!(calendar_import::put))),
        route(M::DELETE, "/calendars/{source_id}", Caller(handler!(calendar_import::delete))),
        route(M::POST,   "/calendars/{source_id}/sync", Caller(handler!(calendar_import::sync))),
        route(M::GET,    "/calendars/{source_id}/busy", Caller(handler!(calendar_import::busy))),
        route(M::GET,    "/webhooks",              Caller(handler!(webhooks::list))),
        route(M::PUT,    "/webhooks/{webhook_id}", Caller(handler!(webhooks::put))),
        route(M::DELETE, "/webhooks/{webhook_id}", Caller(handler!(webhooks::delete))),
        // The booking pages (issue 23). The literal paths come before `/book/{user_id}/{slug}`,
        // which would match them too (as API Gateway ranks literal segments first): a user
        // named `manage` or `assets` has no booking page.
        route(M::GET,    "/book/assets/book.js",   Anyone(handler!(page::script))),
        route(M::GET,    "/book/assets/book.css",  Anyone(handler!(page::style))),
        route(M::GET,    "/book/manage/{token}",   Anyone(handler!(page::manage))),
        route(M::GET,    "/book/{user_id}/{slug}", Anyone(handler!(page::booking))),
    ]
}

fn route<S>(method: Method, path: &'static str, access: Access<S>) -> Route<S> {
    Route {
        method,
        path,
        access,
    }
}

/// One row of the table as tests and docs read it: no handler.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteEntry {
    pub method: Method,
    pub path: &'static str,
    /// Callable without identity ([`Access::Anyone`], or with a manage token).
    pub open: bool,
}

/// The route table's rows, in order.
pub fn route_table() -> Vec<RouteEntry> {
    // The rows are the same for every store; the in-memory one is always built.
    table::<MemoryStore>()
        .into_iter()
        .map(|route| RouteEntry {
            open: !matches!(route.access, Access::Caller(_)),
            method: route.method,
            path: route.path,
        })
        .collect()
}

/// The table's paths in order, each with its methods in `Allow` order (no `HEAD`, `OPTIONS`).
pub fn route_paths() -> Vec<(&'static str, Vec<Method>)> {
    let mut paths: Vec<(&'static str, Vec<Method>)> = Vec::new();
    for row in route_table() {
        match paths.iter_mut().find(|(path, _)| *path == row.path) {
            Some((_, methods)) => methods.push(row.method),
            None => paths.push((row.path, vec![row.method])),
        }
    }
    paths
}

/// The path template a request's path matches, with the parameters it names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct MatchedPath {
    pub(super) template: &'static str,
    parameters: Vec<(&'static str, String)>,
}

impl MatchedPath {
    /// The template of `request`'s path (stage removed), if any row has it.
    pub(super) fn resolve<S: AvailabilityStore>(
        table: &[Route<S>],
        request: &Request,
    ) -> Option<MatchedPath> {
        let stage = match request.request_context_ref() {
            Some(RequestContext::ApiGatewayV1(context)) => context.stage.as_deref(),
            Some(RequestContext::ApiGatewayV2(context)) => context.stage.as_deref(),
            _ => None,
        };
        let path = strip_stage(request.uri().path(), stage);
        table
            .iter()
            .find_map(|route| match_template(route.path, path))
    }

    pub(super) fn call<'a, C>(&self, request: &'a Request, caller: C) -> Call<'a, C> {
        Call::new(request, caller, self.parameters.clone())
    }

    /// Every method this path answers: its rows, `HEAD` where `GET` is, and `OPTIONS`.
    pub(super) fn allowed_methods<S>(&self, table: &[Route<S>]) -> Vec<Method> {
        let mut methods: Vec<Method> = table
            .iter()
            .filter(|route| route.path == self.template)
            .map(|route| route.method.clone())
            .collect();
        if methods.contains(&Method::GET) {
            methods.push(Method::HEAD);
        }
        methods.push(Method::OPTIONS);
        methods
    }
}

/// `path` (a trailing `/` ignored) against `template`: literal segments equal, each `{name}`
/// one non-empty segment, percent-decoded to UTF-8 (a segment that is not is no match).
fn match_template(template: &'static str, path: &str) -> Option<MatchedPath> {
    let mut wanted = template.trim_end_matches('/').split('/');
    let mut given = path.trim_end_matches('/').split('/');
    let mut parameters = Vec::new();
    loop {
        match (wanted.next(), given.next()) {
            (None, None) => {
                return Some(MatchedPath {
                    template,
                    parameters,
                });
            }
            (Some(name), Some(segment)) if name.starts_with('{') && !segment.is_empty() => {
                let name = name.trim_start_matches('{').trim_end_matches('}');
                let value = percent_decode_str(segment).decode_utf8().ok()?;
                parameters.push((name, value.into_owned()));
            }
            (Some(literal), Some(segment)) if literal == segment => {}
            _ => return None,
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

    fn from_path(path: &str) -> Option<(&'static str, Vec<(&'static str, String)>)> {
        table::<MemoryStore>()
            .iter()
            .find_map(|route| match_template(route.path, path))
            .map(|matched| (matched.template, matched.parameters))
    }

    fn template_of(path: &str) -> Option<&'static str> {
        from_path(path).map(|(template, _)| template)
    }

    #[test]
    fn every_table_entry_resolves_to_itself() {
        for route in table::<MemoryStore>() {
            let path = route
                .path
                .replace("{user_id_2}", "someone")
                .replace("{booking_id}", "0123456789abcdef")
                .replace("{slug}", "intro-call")
                .replace("{user_id}", "user123")
                .replace("{feed_file}", "dXNlcjEyMw.AAAAAAAAAAAAAAAAAAAAAA.ics")
                .replace("{source_id}", "work")
                .replace(
                    "{token}",
                    "dXNlcjEyMw.0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAA",
                );
            let template = template_of(&path).unwrap_or_else(|| panic!("{} resolves", route.path));
            assert_eq!(template, route.path);
        }
    }

    #[test]
    fn paths_resolve_with_or_without_stage_and_trailing_slash() {
        assert_eq!(template_of(""), Some("/"));
        assert_eq!(template_of("/"), Some("/"));
        assert_eq!(template_of("/availability/"), Some("/availability"));
        assert_eq!(
            from_path("/overlap/auth0%7C42"),
            Some((
                "/overlap/{user_id_2}",
                vec![("user_id_2", "auth0|42".into())]
            ))
        );
        assert_eq!(
            template_of("/availability/schedule/"),
            Some("/availability/schedule")
        );
        assert_eq!(
            from_path("/bookings/ab%2Fc"),
            Some((
                "/bookings/{booking_id}",
                vec![("booking_id", "ab/c".into())]
            ))
        );
        assert_eq!(template_of("/bookings/a/b"), None);
        assert_eq!(template_of("/availability/other"), None);
        assert_eq!(template_of("/availability/schedule/x"), None);
        assert_eq!(template_of("/overlap/a/b"), None);
        assert_eq!(template_of("/availabilityx"), None);
        assert_eq!(template_of("/overlap/%FF"), None, "not UTF-8: no route");
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

    #[test]
    fn within_a_path_the_rows_are_together_and_a_method_appears_once() {
        let rows = route_table();
        for (index, row) in rows.iter().enumerate() {
            let later = &rows[index + 1..];
            if let Some(gap) = later.iter().position(|other| other.path != row.path) {
                assert!(
                    later[gap..].iter().all(|other| other.path != row.path),
                    "{} is split in the table",
                    row.path
                );
            }
            assert!(
                !later
                    .iter()
                    .any(|other| other.path == row.path && other.method == row.method),
                "{} {} twice",
                row.method,
                row.path
            );
        }
    }
}
