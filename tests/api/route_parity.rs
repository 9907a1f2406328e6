//! Route parity: the router's table (`ROUTE_TABLE`), `openapi.yaml` and template.yaml agree on
//! every path and method that should reach the function. The rule:
//! - Every (path, method) of the router is an operation of the OpenAPI description, and the
//!   reverse. `HEAD` (wherever there is a `GET`) and `OPTIONS` are the function's courtesy, not
//!   operations: neither side lists them.
//! - Every (path, method) of the router has a route in the template, by its method or `ANY`,
//!   at the same path template (parameter names included: API Gateway passes them by name).
//!   `HEAD`/`OPTIONS` need not reach the function: the HTTP API answers CORS preflights itself
//!   when CORS is configured, and `HEAD` is a convenience.
//! - Every route of the template names a path the router serves, and a method it serves
//!   (or `ANY`): the template sends the function nothing it would answer 404.
//! - A route is open (no JWT authorizer) in the template exactly when the OpenAPI operation
//!   has `security: []`: today `GET /` and `GET /openapi.json`.

#[path = "../e2e/deployed/template.rs"]
#[allow(dead_code)] // the deployed harness uses the rest of it
mod template;

use availability_api::api::routes::ROUTE_TABLE;
use serde_norway::Value;
use std::collections::BTreeSet;
use template::Template;

const OPERATIONS: &[&str] = &["get", "put", "post", "delete", "patch", "head", "options"];

fn router_operations() -> BTreeSet<(String, String)> {
    ROUTE_TABLE
        .iter()
        .flat_map(|(path, methods)| {
            methods
                .iter()
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
        let Some((_, methods)) = ROUTE_TABLE.iter().find(|(path, _)| *path == route.path) else {
            panic!(
                "template.yaml routes {} but the router has no such path",
                route.name()
            );
        };
        assert!(
            route.method == "ANY" || methods.iter().any(|m| m.as_str() == route.method),
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
    let open: BTreeSet<String> = template
        .routes
        .iter()
        .filter(|r| !r.authorized)
        .map(|r| r.name())
        .collect();
    assert_eq!(
        open,
        BTreeSet::from(["GET /".to_owned(), "GET /openapi.json".to_owned()]),
        "only the health check and the description are open"
    );
}
