//! Every sample in events/ replayed through the handler, in the order events/README.md gives,
//! with its status and body asserted.

use crate::helpers::{Reply, dev_app, invoke, jwt_app, project_root, read_event};
use crate::sample_events::{assert_every_sample_is_replayed, comparable, replay_steps};
use serde_json::json;

async fn replay(
    app: &availability_api::api::App<availability_api::store::MemoryStore>,
    name: &str,
) -> Reply {
    invoke(
        app,
        read_event(&project_root().join("events").join(format!("{name}.json"))),
    )
    .await
}

#[tokio::test]
async fn every_sample_event_replays_with_the_documented_result() {
    let steps = replay_steps();
    assert_every_sample_is_replayed(&project_root(), &steps);

    let app = dev_app();
    for (name, status, body) in steps {
        let reply = replay(&app, name).await;
        assert_eq!(reply.status, status, "{name}: {}", reply.raw);
        assert!(
            reply
                .header("content-type")
                .is_some_and(|t| t.contains("json")),
            "{name}: JSON content type"
        );
        if status == 404 {
            // A problem+json body: its `error` member is the original app's message.
            assert_eq!(reply.body["error"], body["error"], "{name}");
        } else {
            assert_eq!(comparable(&reply.body), body, "{name}");
        }
    }
}

#[tokio::test]
async fn each_event_source_gets_its_own_response_shape() {
    let app = dev_app();
    let rest = replay(&app, "rest-api-stage").await;
    assert_eq!(
        rest.raw["multiValueHeaders"]["content-type"],
        json!(["application/json"])
    );
    assert!(rest.raw.get("headers").is_none());

    let alb = replay(&app, "alb").await;
    assert_eq!(alb.raw["statusDescription"], "200 OK");

    let http = replay(&app, "ping").await;
    assert_eq!(http.raw["headers"]["content-type"], "application/json");
    assert_eq!(http.raw["isBase64Encoded"], false);
}

#[tokio::test]
async fn in_jwt_mode_only_events_with_an_identity_or_the_open_route_pass() {
    let app = jwt_app();
    for name in ["ping", "alb", "http-api-jwt-authorizer", "rest-api-stage"] {
        assert_eq!(replay(&app, name).await.status, 200, "{name}");
    }
    for name in [
        "set-availability",
        "get-availability",
        "overlap-path",
        "delete-availability",
        "set-schedule",
        "get-availability-tz",
    ] {
        let reply = replay(&app, name).await;
        assert_eq!(reply.status, 401, "{name}");
        assert_eq!(
            reply.header("content-type").as_deref(),
            Some("application/problem+json")
        );
    }
}
