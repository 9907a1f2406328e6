//! Route parity: the router's table (`route_table()`), `openapi.yaml` and template.yaml agree on
//! every path and method that should reach the function. The rule:
//! - Every (path, method) of the router is an operation of the OpenAPI description, and the
//!   reverse. `HEAD` (wherever there is a `GET`) and `OPTIONS` are the function's courtesy, not
//!   operations: neither side lists them.
//! - Every (path, method) of the router has a route in the template, by its method or `ANY`,
//!   at the same path template (parameter names included: API Gateway passes them by name).
//!   The template routes each path as `ANY`, so a wrong method reaches the function and gets its
//!   405 with `Allow` (not API Gateway's 404), and `HEAD` is answered as `GET`.
//! - Every route of the template names a path the router serves, and a method it serves, `ANY`,
//!   or `OPTIONS` (the function answers CORS preflights itself): the template sends the function
//!   nothing it would answer 404.
//! - Every path behind the JWT authorizer also has an open `OPTIONS` route: a browser's preflight
//!   carries no credentials, and the authorizer would refuse it with 401.
//! - Any other route is open (no JWT authorizer) exactly when the OpenAPI operations at its path
//!   have `security: []`, and exactly when its row in the router's table is open to anyone
//!   (`Access::Anyone`): today `/`, `/openapi.json`, the `/public/...` routes and the
//!   `/manage/{token}...` links (the token is their credential), the calendar feed
//!   `/calendar/{feed_file}` (its token likewise) and the `/book/...` pages.

use crate::deployed::template::{self, Template};
use availability_api::api::{route_paths, route_table};
use serde_norway::Value;
use std::collections::BTreeSet;

const OPERATIONS: &[&str] = &["get", "put", "post", "delete", "patch", "head", "options"];

fn router_operations() -> BTreeSet<(String, String)> {
    route_paths()
        .into_iter()
        .flat_map(|(path, methods)| {
            methods
                .into_iter()
                .map(move |m| (path.to_string(), m.to_string()))
        })
        .collect()
}

fn openapi() -> Value {
    let path = template::project_root().join("openapi.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_norway::from_str(&text).expect("openapi.yaml is YAML")
}

/// (path, METHOD) → whether the operation is open (`security: []`).
fn described_operations(spec: &Value) -> Vec<((String, String), bool)> {
    let default_open = spec
        .get("security")
        .and_then(Value::as_sequence)
        .is_none_or(|s| s.is_empty());
    let mut operations = Vec::new();
    for (path, item) in spec["paths"].as_mapping().expect("paths") {
        let path = path.as_str().expect("a path").to_owned();
        for (method, operation) in item.as_mapping().expect("a path item") {
            let Some(method) = method.as_str().filter(|m| OPERATIONS.contains(m)) else {
                continue;
            };
            let open = operation
                .get("security")
                .and_then(Value::as_sequence)
                .map_or(default_open, |s| s.is_empty());
            operations.push(((path.clone(), method.to_ascii_uppercase()), open));
        }
    }
    operations
}

#[test]
fn the_router_and_the_openapi_description_list_the_same_operations() {
    let described: BTreeSet<_> = described_operations(&openapi())
        .into_iter()
        .map(|(operation, _)| operation)
        .collect();
    assert_eq!(router_operations(), described);
}

#[test]
fn every_operation_of_the_router_has_a_route_in_the_template() {
    let template = Template::load();
    let missing: Vec<String> = router_operations()
        .into_iter()
        .filter(|(path, method)| {
            !template
                .routes
                .iter()
                .any(|r| r.path == *path && (r.method == *method || r.method == "ANY"))
        })
        .map(|(path, method)| format!("{method} {path}"))
        .collect();
    assert!(
        missing.is_empty(),
        "template.yaml does not route these to the function; deployed, API Gateway answers them \
         404: {missing:?}"
    );
}

#[test]
fn every_route_of_the_template_is_served_by_the_router() {
    let template = Template::load();
    for route in &template.routes {
        let paths = route_paths();
        let Some((_, methods)) = paths.iter().find(|(path, _)| *path == route.path) else {
            panic!(
                "template.yaml routes {} but the router has no such path",
                route.name()
            );
        };
        assert!(
            route.method == "ANY"
                || route.method == "OPTIONS"
                || methods.iter().any(|m| m.as_str() == route.method),
            "template.yaml routes {} but the router serves {methods:?} there",
            route.name()
        );
    }
}

#[test]
fn open_routes_are_the_same_in_the_template_and_the_description() {
    let template = Template::load();
    for ((path, method), open) in described_operations(&openapi()) {
        let route = template
            .routes
            .iter()
            .filter(|r| r.path == path && (r.method == method || r.method == "ANY"))
            .max_by_key(|r| r.method != "ANY");
        let Some(route) = route else {
            continue; // reported by every_operation_of_the_router_has_a_route_in_the_template
        };
        assert_eq!(
            !route.authorized,
            open,
            "{method} {path}: open in openapi.yaml is {open}, in template.yaml (route {}) is {}",
            route.name(),
            !route.authorized
        );
    }
    let open_but_preflights: BTreeSet<String> = template
        .routes
        .iter()
        .filter(|r| !r.authorized && r.method != "OPTIONS")
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(
        open_but_preflights,
        BTreeSet::from([
            "/".to_owned(),
            "/openapi.json".to_owned(),
            "/public/{user_id}/{slug}".to_owned(),
            "/public/{user_id}/{slug}/slots".to_owned(),
            "/public/{user_id}/{slug}/bookings".to_owned(),
            "/manage/{token}".to_owned(),
            "/manage/{token}/cancel".to_owned(),
            "/manage/{token}/reschedule".to_owned(),
            // Calendars: the feed (its token is the credential) and a manage link's file.
            "/calendar/{feed_file}".to_owned(),
            "/manage/{token}/calendar.ics".to_owned(),
            // The booking pages (issue 23) and the times their manage page offers.
            "/manage/{token}/slots".to_owned(),
            "/book/{user_id}/{slug}".to_owned(),
            "/book/manage/{token}".to_owned(),
            "/book/assets/book.js".to_owned(),
            "/book/assets/book.css".to_owned(),
        ]),
        "only the health check, the description, the public routes, the manage links, the calendar feed and the booking pages are open"
    );
}

/// The README's endpoint table names every operation of the router as `` `METHOD /path``.
#[test]
fn the_readme_lists_every_operation_of_the_router() {
    let path = template::project_root().join("README.md");
    let readme =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let endpoints = readme
        .split("## Endpoints")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("README.md has an Endpoints section");
    let missing: Vec<String> = route_table()
        .into_iter()
        .map(|row| format!("`{} {}", row.method, row.path))
        .filter(|named| {
            !endpoints.match_indices(named.as_str()).any(|(at, _)| {
                !endpoints[at + named.len()..]
                    .starts_with(|c: char| c == '/' || c.is_alphanumeric() || c == '{')
            })
        })
        .collect();
    assert!(
        missing.is_empty(),
        "README.md's endpoint table lacks {missing:?}"
    );
}

/// The router's access column: a row open to anyone is exactly an operation the description
/// marks open (`security: []`), and so (by the test above) one the template leaves open.
#[test]
fn the_router_opens_exactly_the_operations_the_description_opens() {
    let described: BTreeSet<((String, String), bool)> =
        described_operations(&openapi()).into_iter().collect();
    let routed: BTreeSet<((String, String), bool)> = route_table()
        .into_iter()
        .map(|row| ((row.path.to_owned(), row.method.to_string()), row.open))
        .collect();
    assert_eq!(routed, described);
}

#[test]
fn every_authorized_path_has_an_open_preflight_route() {
    let template = Template::load();
    for route in template.routes.iter().filter(|r| r.authorized) {
        assert!(
            template
                .routes
                .iter()
                .any(|r| r.path == route.path && r.method == "OPTIONS" && !r.authorized),
            "{}: a browser's CORS preflight would get the authorizer's 401",
            route.name()
        );
    }
    for route in template.routes.iter().filter(|r| r.method == "OPTIONS") {
        assert!(
            !route.authorized,
            "{}: preflights carry no token",
            route.name()
        );
    }
}
