//! The booking pages through the Lambda door: what the function serves at `/book/...`, and the
//! headers that make the page safe (the page's behaviour in a browser: tests/browser/).

use crate::helpers::{http_api, jwt_app};
use availability_api::api::{self, App};
use availability_api::config::Config;
use availability_api::store::MemoryStore;
use lambda_http::{Context, LambdaEvent};
use serde_json::{Value, json};

const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
                      connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; \
                      frame-ancestors 'none'";

/// The raw answer: status, a header by name, the body as text (a page is not JSON).
struct Served(Value);

impl Served {
    fn status(&self) -> u64 {
        self.0["statusCode"].as_u64().expect("a status")
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.0["headers"][name].as_str()
    }
    fn body(&self) -> &str {
        self.0["body"].as_str().unwrap_or_default()
    }
}

async fn get(app: &App<MemoryStore>, path: &str, headers: &[(&str, &str)]) -> Served {
    let mut event = http_api("GET", path);
    for (name, value) in headers {
        event = event.header(name, value);
    }
    get_event(app, event.build()).await
}

async fn get_event(app: &App<MemoryStore>, event: Value) -> Served {
    Served(
        api::handle_event(app, LambdaEvent::new(event, Context::default()))
            .await
            .expect("the handler answers every event"),
    )
}

/// Whether `html` has an attribute like ` onclick=`: inline code the policy would block.
fn has_event_attribute(html: &str) -> bool {
    html.split(" on").skip(1).any(|rest| {
        let name: String = rest.chars().take_while(char::is_ascii_lowercase).collect();
        !name.is_empty() && rest[name.len()..].starts_with('=')
    })
}

#[test]
fn event_attributes_are_found() {
    assert!(has_event_attribute(r#"<img src=x onerror=alert(1)>"#));
    assert!(has_event_attribute(r#"<button onclick="go()">"#));
    assert!(!has_event_attribute(r#"<p>Choose one option=""#));
}

#[tokio::test]
async fn both_pages_are_html_with_the_policy_no_referrer_and_no_identity() {
    // jwt mode, no token: the pages are open.
    let app = jwt_app();
    for path in [
        "/book/user123/intro-call",
        "/book/manage/dXNlcjEyMw.0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let page = get(&app, path, &[]).await;
        assert_eq!(page.status(), 200, "{path}: {}", page.0);
        assert_eq!(
            page.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(page.header("content-security-policy"), Some(POLICY));
        assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(page.header("cache-control"), Some("no-cache"));
        let html = page.body();
        assert!(html.starts_with("<!doctype html>"), "{path}");
        // Script and style only from files of this origin: the policy allows nothing inline.
        assert!(html.contains(r#"<script src="../assets/book.js" defer></script>"#));
        assert!(html.contains(r#"<link rel="stylesheet" href="../assets/book.css">"#));
        assert_eq!(html.matches("<script").count(), 1, "no inline script");
        assert!(
            !html.contains("<style") && !html.contains(" style="),
            "no inline style"
        );
        assert!(!has_event_attribute(html), "no inline event handler");
    }
}

#[tokio::test]
async fn a_page_for_an_unknown_event_type_or_token_is_served_and_its_script_says_so() {
    // Serving a page reads nothing: whether the link leads anywhere is the API's answer, which
    // the script shows in words. The same bytes for every path.
    let app = jwt_app();
    let known = get(&app, "/book/user123/intro-call", &[]).await;
    let unknown = get(&app, "/book/nobody/no-such-type", &[]).await;
    let not_a_token = get(&app, "/book/manage/not-a-token", &[]).await;
    assert_eq!(unknown.status(), 200);
    assert_eq!(not_a_token.status(), 200);
    assert_eq!(unknown.body(), known.body());
    assert_eq!(not_a_token.body(), known.body());
}

#[tokio::test]
async fn the_script_and_style_are_served_with_etags_and_revalidate_to_304() {
    let app = jwt_app();
    for (path, content_type) in [
        ("/book/assets/book.js", "text/javascript; charset=utf-8"),
        ("/book/assets/book.css", "text/css; charset=utf-8"),
        ("/book/user123/intro-call", "text/html; charset=utf-8"),
    ] {
        let first = get(&app, path, &[]).await;
        assert_eq!(first.status(), 200, "{path}");
        assert_eq!(first.header("content-type"), Some(content_type));
        assert_eq!(first.header("content-security-policy"), Some(POLICY));
        let etag = first.header("etag").expect("an ETag").to_owned();
        assert!(etag.starts_with('"') && etag.len() == 26, "{etag}");
        let again = get(&app, path, &[("if-none-match", &etag)]).await;
        assert_eq!(again.status(), 304, "{path}");
        assert_eq!(again.body(), "");
        assert_eq!(again.header("etag"), Some(etag.as_str()));
        let weak = format!("W/{etag}");
        let listed = format!("\"other\", {weak}");
        assert_eq!(
            get(&app, path, &[("if-none-match", &listed)])
                .await
                .status(),
            304
        );
        let stale = get(&app, path, &[("if-none-match", "\"stale\"")]).await;
        assert_eq!(stale.status(), 200);
        assert_eq!(stale.body(), first.body());
    }
    let script = get(&app, "/book/assets/book.js", &[]).await;
    let style = get(&app, "/book/assets/book.css", &[]).await;
    assert_ne!(script.header("etag"), style.header("etag"));
}

#[tokio::test]
async fn the_script_puts_no_string_in_the_page_as_html() {
    let app = jwt_app();
    let script = get(&app, "/book/assets/book.js", &[]).await;
    let code = script.body();
    assert!(code.contains("textContent"));
    for sink in [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
        "setAttribute(\"style\"",
        ".style.",
    ] {
        assert!(!code.contains(sink), "book.js uses {sink}");
    }
}

#[tokio::test]
async fn a_page_ignores_a_query_string_and_its_files_refuse_one() {
    // A shared link may carry `?utm_source=...`; the files are only ever loaded by the page.
    let app = jwt_app();
    let event = http_api("GET", "/book/user123/intro-call").query("utm_source=newsletter");
    assert_eq!(get_event(&app, event.build()).await.status(), 200);
    let script = http_api("GET", "/book/assets/book.js").query("v=2").build();
    assert_eq!(get_event(&app, script).await.status(), 400);
}

#[tokio::test]
async fn a_trailing_slash_is_sent_to_the_page_without_one() {
    // The page loads its script relative to its own path, so `/book/a/b/` would miss it.
    let app = jwt_app();
    let moved = get(&app, "/book/user123/intro-call/", &[]).await;
    assert_eq!(moved.status(), 308);
    assert_eq!(moved.header("location"), Some("../intro-call"));
    assert_eq!(moved.body(), "");
}

#[tokio::test]
async fn frame_ancestors_come_from_the_setting() {
    let config = Config::from_lookup(|name| match name {
        "PAGE_FRAME_ANCESTORS" => Some("'self' https://www.example.com".into()),
        _ => None,
    })
    .expect("valid");
    let app = App::new(MemoryStore::new(), config);
    let page = get(&app, "/book/user123/intro-call", &[]).await;
    let policy = page.header("content-security-policy").expect("a policy");
    assert!(
        policy.ends_with("; frame-ancestors 'self' https://www.example.com"),
        "{policy}"
    );
}

#[tokio::test]
async fn under_a_rest_api_stage_the_page_is_the_same() {
    let app = jwt_app();
    let event = json!({
        "resource": "/{proxy+}",
        "path": "/book/user123/intro-call",
        "httpMethod": "GET",
        "headers": {"host": "k7pq2x9d1m.execute-api.eu-west-1.amazonaws.com"},
        "multiValueHeaders": {},
        "queryStringParameters": null,
        "multiValueQueryStringParameters": null,
        "pathParameters": {"proxy": "book/user123/intro-call"},
        "stageVariables": null,
        "requestContext": {
            "accountId": "123456789012", "apiId": "k7pq2x9d1m", "stage": "prod",
            "resourcePath": "/{proxy+}", "httpMethod": "GET", "requestId": "r1",
            "path": "/prod/book/user123/intro-call",
            "identity": {"sourceIp": "203.0.113.7"}
        },
        "body": null,
        "isBase64Encoded": false
    });
    let page = get_event(&app, event).await;
    assert_eq!(page.status(), 200, "{}", page.0);
    let content_type = page.0["multiValueHeaders"]["content-type"][0].as_str();
    assert_eq!(content_type, Some("text/html; charset=utf-8"));
}
