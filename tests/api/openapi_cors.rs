//! The OpenAPI description against the router, and the browser-facing behaviour: CORS
//! preflights, CORS response headers, and HEAD wherever there is a GET.

use crate::helpers::{dev_app, http_api, invoke};
use availability_api::api::App;
use availability_api::api::route_paths;
use availability_api::config::Config;
use availability_api::store::MemoryStore;
use serde_json::Value;
use std::collections::BTreeSet;

fn app_with_origins(origins: &str) -> App<MemoryStore> {
    let origins = origins.to_owned();
    let config = Config::from_lookup(move |name| match name {
        "AUTH_MODE" => Some("dev".into()),
        "CORS_ALLOW_ORIGINS" => Some(origins.clone()),
        _ => None,
    })
    .expect("valid config");
    App::new(MemoryStore::new(), config)
}

async fn served_description() -> Value {
    let reply = invoke(&dev_app(), http_api("GET", "/openapi.json").build()).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type").as_deref(),
        Some("application/json")
    );
    reply.body
}

/// (path, method) pairs, methods lower case as OpenAPI writes them.
fn operations_of_description(spec: &Value) -> BTreeSet<(String, String)> {
    let paths = spec["paths"].as_object().expect("paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            let methods = item.as_object().expect("a path item").keys();
            methods
                .filter(|m| ["get", "put", "post", "delete", "patch"].contains(&m.as_str()))
                .map(move |m| (path.clone(), m.clone()))
        })
        .collect()
}

#[tokio::test]
async fn the_description_and_the_router_agree() {
    let spec = served_description().await;
    assert_eq!(spec["openapi"], "3.1.0");
    let routed: BTreeSet<(String, String)> = route_paths()
        .iter()
        .flat_map(|(path, methods)| {
            methods
                .iter()
                .map(move |m| (path.to_string(), m.as_str().to_ascii_lowercase()))
        })
        .collect();
    assert_eq!(operations_of_description(&spec), routed);
}

#[tokio::test]
async fn every_described_path_is_served_and_every_other_is_404() {
    let app = dev_app();
    let spec = served_description().await;
    for path in spec["paths"].as_object().expect("paths").keys() {
        let concrete = path.replace("{user_id_2}", "user456");
        let reply = invoke(&app, http_api("OPTIONS", &concrete).build()).await;
        assert_eq!(reply.status, 204, "{path} is routed");
    }
    assert_eq!(
        invoke(&app, http_api("OPTIONS", "/nowhere").build())
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn preflights_answer_allowed_origins_with_the_routes_methods() {
    let app = app_with_origins("https://app.example, https://admin.example");
    let preflight = |origin: &str| {
        http_api("OPTIONS", "/availability")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type, if-match")
            .build()
    };
    let reply = invoke(&app, preflight("https://app.example")).await;
    assert_eq!(reply.status, 204);
    assert_eq!(
        reply.header("access-control-allow-origin").as_deref(),
        Some("https://app.example")
    );
    assert_eq!(
        reply.header("access-control-allow-methods").as_deref(),
        Some("GET, POST, DELETE, HEAD, OPTIONS")
    );
    let allowed_headers = reply
        .header("access-control-allow-headers")
        .expect("allowed headers");
    assert!(allowed_headers.contains("content-type") && allowed_headers.contains("if-match"));
    assert_eq!(reply.header("vary").as_deref(), Some("origin"));

    let stranger = invoke(&app, preflight("https://evil.example")).await;
    assert_eq!(stranger.status, 204);
    assert_eq!(stranger.header("access-control-allow-origin"), None);
    assert_eq!(stranger.header("access-control-allow-methods"), None);
}

#[tokio::test]
async fn responses_carry_cors_headers_only_for_allowed_origins() {
    let app = app_with_origins("https://app.example");
    let from = |origin: &str| {
        http_api("GET", "/availability")
            .header("origin", origin)
            .build()
    };
    let allowed = invoke(&app, from("https://app.example")).await;
    assert_eq!(
        allowed.header("access-control-allow-origin").as_deref(),
        Some("https://app.example")
    );
    assert!(
        allowed
            .header("access-control-expose-headers")
            .is_some_and(|h| h.contains("etag"))
    );
    let other = invoke(&app, from("https://evil.example")).await;
    assert_eq!(other.header("access-control-allow-origin"), None);

    let any = app_with_origins("*");
    let reply = invoke(&any, from("https://anyone.example")).await;
    assert_eq!(
        reply.header("access-control-allow-origin").as_deref(),
        Some("*")
    );
    let off = invoke(&dev_app(), from("https://app.example")).await;
    assert_eq!(
        off.header("access-control-allow-origin"),
        None,
        "no CORS unless configured"
    );
}

#[tokio::test]
async fn head_answers_like_get_without_a_body() {
    let app = dev_app();
    for path in ["/", "/availability", "/overlap/user456", "/openapi.json"] {
        let get = invoke(&app, http_api("GET", path).build()).await;
        let head = invoke(&app, http_api("HEAD", path).build()).await;
        assert_eq!(head.status, get.status, "{path}");
        assert_eq!(
            head.header("content-type"),
            get.header("content-type"),
            "{path}"
        );
        assert_eq!(head.raw["body"], "", "{path}");
    }
    assert_eq!(
        invoke(&app, http_api("HEAD", "/nowhere").build())
            .await
            .status,
        404
    );
}
