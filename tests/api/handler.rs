//! The handler through the doors users use: raw event JSON (`api::handle_event`) and
//! `lambda_http::request::from_str` into `App::handle`.

use crate::helpers::{dev_app, http_api, intervals, invoke, jwt_app, slot};
use availability_api::api::App;
use availability_api::config::Config;
use availability_api::store::MemoryStore;
use lambda_http::Body;
use serde_json::{Value, json};

const DAY: &str = "2024-09-30";

fn at(time: &str) -> String {
    format!("{DAY}T{time}Z")
}

async fn set(app: &App<MemoryStore>, user: &str, slots: Value) -> u16 {
    let event =
        http_api("POST", "/availability").json(json!({"user_id": user, "availability": slots}));
    invoke(app, event.build()).await.status
}

async fn availability_of(app: &App<MemoryStore>, user: &str) -> Value {
    let reply = invoke(
        app,
        http_api("GET", "/availability")
            .header("x-user-id", user)
            .build(),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    reply.body["availability"].clone()
}

#[tokio::test]
async fn lambda_http_from_str_requests_are_served_by_app_handle() {
    let app = dev_app();
    let event = http_api("POST", "/availability")
        .json(json!({"availability": [slot(&at("09:00:00"), &at("10:00:00"))]}))
        .build();
    let request = lambda_http::request::from_str(&event.to_string()).expect("a v2 event");
    let response = app.handle(request).await.expect("answered");
    assert_eq!(response.status(), 200);
    let Body::Text(text) = response.body() else {
        panic!("text body")
    };
    assert_eq!(text, r#"{"message":"Availability set successfully"}"#);
}

#[tokio::test]
async fn post_normalizes_merges_and_ignores_repeats() {
    let app = dev_app();
    let slots = json!([
        slot(&at("09:00:00"), &at("10:00:00")),
        slot(&at("10:00:00"), &at("11:00:00")),
        slot(&at("09:30:00"), &at("09:45:00")),
        slot(&at("13:00:00"), &at("14:00:00")),
    ]);
    assert_eq!(set(&app, "user123", slots.clone()).await, 200);
    assert_eq!(set(&app, "user123", slots).await, 200);
    assert_eq!(
        availability_of(&app, "user123").await,
        intervals(&[
            (&at("09:00:00"), &at("11:00:00")),
            (&at("13:00:00"), &at("14:00:00"))
        ])
    );
}

#[tokio::test]
async fn any_offset_is_converted_and_milliseconds_are_kept() {
    let app = dev_app();
    let slots = json!([slot(
        "2024-09-30T11:00:00+02:00",
        "2024-09-30T05:00:00.250-05:00"
    )]);
    assert_eq!(set(&app, "user123", slots).await, 200);
    assert_eq!(
        availability_of(&app, "user123").await,
        intervals(&[("2024-09-30T09:00:00Z", "2024-09-30T10:00:00.250Z")])
    );
}

#[tokio::test]
async fn one_bad_slot_rejects_the_whole_post_and_names_each_problem() {
    let app = dev_app();
    let slots = json!([
        slot(&at("09:00:00"), &at("10:00:00")),
        slot("2024-09-30T11:00:00", &at("12:00:00")),
        {"start_time": at("13:00:00"), "end_time": at("12:00:00")},
        {"start_time": at("13:00:00"), "end_time": at("14:00:00"), "period": "daily"},
        {"start_time": at("13:00:00"), "end_time": "2024-09-30T14:00:00.1234Z"},
        {"start_time": at("13:00:00")},
    ]);
    let reply = invoke(
        &app,
        http_api("POST", "/availability")
            .json(json!({"availability": slots}))
            .build(),
    )
    .await;
    assert_eq!(reply.status, 400);
    let pointers: Vec<&str> = reply.body["errors"]
        .as_array()
        .expect("errors list")
        .iter()
        .filter_map(|e| e["pointer"].as_str())
        .collect();
    assert_eq!(
        pointers,
        [
            "/availability/1/start_time",
            "/availability/2/end_time",
            "/availability/3/period",
            "/availability/4/end_time",
            "/availability/5/end_time",
        ]
    );
    assert_eq!(reply.body["status"], 400);
    assert!(
        reply.error().starts_with("/availability/1/start_time"),
        "{}",
        reply.error()
    );
    assert_eq!(
        availability_of(&app, "user123").await,
        json!([]),
        "nothing stored"
    );
}

#[tokio::test]
async fn weekdays_period_repeats_on_weekdays_for_thirty_days() {
    let app = dev_app();
    let weekly = json!([{"start_time": "2024-09-27T09:00:00+00:00", "end_time": "2024-09-27T10:00:00+00:00", "period": "weekdays"}]);
    assert_eq!(set(&app, "user123", weekly).await, 200);
    let all = availability_of(&app, "user123").await;
    let all = all.as_array().expect("list");
    assert_eq!(all.len(), 21);
    assert_eq!(all[1], slot("2024-09-30T09:00:00Z", "2024-09-30T10:00:00Z"));
    assert_eq!(
        all[20],
        slot("2024-10-25T09:00:00Z", "2024-10-25T10:00:00Z")
    );
}

#[tokio::test]
async fn get_clips_to_the_window_and_checks_it() {
    let app = dev_app();
    set(
        &app,
        "user123",
        json!([slot(&at("09:00:00"), &at("17:00:00"))]),
    )
    .await;
    let window = format!("from={}&to={}", at("12:00:00"), at("20:00:00"));
    let reply = invoke(
        &app,
        http_api("GET", "/availability").query(&window).build(),
    )
    .await;
    assert_eq!(
        reply.body["availability"],
        intervals(&[(&at("12:00:00"), &at("17:00:00"))])
    );
    let reversed = format!("from={}&to={}", at("20:00:00"), at("12:00:00"));
    let reply = invoke(
        &app,
        http_api("GET", "/availability").query(&reversed).build(),
    )
    .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.body["errors"][0]["pointer"], "?to");
    let twice = format!("from={0}&from={0}", at("12:00:00"));
    let reply = invoke(&app, http_api("GET", "/availability").query(&twice).build()).await;
    assert_eq!(reply.status, 400, "a repeated parameter is ambiguous");
}

#[tokio::test]
async fn delete_splits_intervals_and_404s_when_nothing_is_touched() {
    let app = dev_app();
    set(
        &app,
        "user123",
        json!([slot(&at("09:00:00"), &at("17:00:00"))]),
    )
    .await;
    let cut = http_api("DELETE", "/availability").json(slot(&at("12:00:00"), &at("13:00:00")));
    let reply = invoke(&app, cut.build()).await;
    assert_eq!(
        (reply.status, reply.body.clone()),
        (
            200,
            json!({"message": "Availability slot deleted successfully"})
        )
    );
    assert_eq!(
        availability_of(&app, "user123").await,
        intervals(&[
            (&at("09:00:00"), &at("12:00:00")),
            (&at("13:00:00"), &at("17:00:00"))
        ])
    );
    // Touching is not overlapping: the range 17:00-18:00 removes nothing.
    let miss = http_api("DELETE", "/availability").json(slot(&at("17:00:00"), &at("18:00:00")));
    let reply = invoke(&app, miss.build()).await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.error(), "Slot not found in availability.");
}

#[tokio::test]
async fn delete_by_query_reads_a_plus_offset_whether_encoded_or_not() {
    let app = dev_app();
    set(
        &app,
        "user123",
        json!([slot(&at("09:00:00"), &at("17:00:00"))]),
    )
    .await;
    // A raw `+` is decoded as a space by form decoding; `%2B` survives. Both must work.
    let raw_plus = format!("start_time={DAY}T11:00:00+02:00&end_time={DAY}T12:00:00+02:00");
    let reply = invoke(
        &app,
        http_api("DELETE", "/availability").query(&raw_plus).build(),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    let encoded = format!("start_time={DAY}T13:00:00%2B00:00&end_time={DAY}T14:00:00%2B00:00");
    let reply = invoke(
        &app,
        http_api("DELETE", "/availability").query(&encoded).build(),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    assert_eq!(
        availability_of(&app, "user123").await,
        intervals(&[
            (&at("10:00:00"), &at("13:00:00")),
            (&at("14:00:00"), &at("17:00:00"))
        ])
    );
    let reply = invoke(&app, http_api("DELETE", "/availability").build()).await;
    assert_eq!(reply.status, 400, "no range given");
}

#[tokio::test]
async fn overlap_in_all_three_forms_and_for_unknown_users() {
    let app = dev_app();
    set(
        &app,
        "user123",
        json!([slot(&at("09:00:00"), &at("12:00:00"))]),
    )
    .await;
    set(
        &app,
        "user456",
        json!([slot(&at("11:00:00"), &at("15:00:00"))]),
    )
    .await;
    let expected = json!({"overlap": intervals(&[(&at("11:00:00"), &at("12:00:00"))])});
    for event in [
        http_api("GET", "/overlap/user456"),
        http_api("GET", "/overlap").query("user_id_2=user456"),
        http_api("GET", "/overlap").json(json!({"user_id_2": "user456"})),
        http_api("GET", "/overlap/user456").json(json!({"user_id_2": "user456"})),
    ] {
        let reply = invoke(&app, event.build()).await;
        assert_eq!((reply.status, &reply.body), (200, &expected));
    }
    let nobody = invoke(&app, http_api("GET", "/overlap/nobody").build()).await;
    assert_eq!((nobody.status, nobody.body), (200, json!({"overlap": []})));
    let conflict = http_api("GET", "/overlap/user456").query("user_id_2=user789");
    assert_eq!(invoke(&app, conflict.build()).await.status, 400);
    assert_eq!(
        invoke(&app, http_api("GET", "/overlap").build())
            .await
            .status,
        400
    );
    let bad_id = invoke(&app, http_api("GET", "/overlap/a%20b").build()).await;
    assert_eq!(bad_id.status, 400);
}

#[tokio::test]
async fn unknown_paths_404_and_wrong_methods_405_with_allow() {
    let app = dev_app();
    let reply = invoke(&app, http_api("GET", "/calendar").build()).await;
    assert_eq!(reply.status, 404);
    assert_eq!(
        reply.header("content-type").as_deref(),
        Some("application/problem+json")
    );
    let reply = invoke(&app, http_api("PATCH", "/availability").build()).await;
    assert_eq!(reply.status, 405);
    assert_eq!(
        reply.header("allow").as_deref(),
        Some("GET, POST, DELETE, HEAD, OPTIONS")
    );
    let reply = invoke(&app, http_api("POST", "/").build()).await;
    assert_eq!(
        (reply.status, reply.header("allow")),
        (405, Some("GET, HEAD, OPTIONS".into()))
    );
}

#[tokio::test]
async fn bodies_that_are_not_json_objects_are_refused() {
    let app = dev_app();
    let post = || http_api("POST", "/availability");
    let cases = [
        (
            post().header("content-type", "text/plain").raw_body("{}"),
            415,
        ),
        (
            post()
                .header("content-type", "application/json")
                .raw_body("{\"availability\": ["),
            400,
        ),
        (post().json(json!([1, 2])), 400),
        (post().json(json!(null)), 400),
        (post().json(json!({"availability": "soon"})), 400),
        (post().json(json!({"availability": [], "extra": true})), 400),
        (post(), 400),
        (
            post().json(json!({"availability": [], "user_id": "no spaces please"})),
            400,
        ),
        (post().raw_body("{\"availability\": []}"), 200),
        (
            post()
                .header("content-type", "application/merge-patch+json")
                .raw_body("{\"availability\": []}"),
            200,
        ),
    ];
    for (event, status) in cases {
        let event = event.build();
        let reply = invoke(&app, event.clone()).await;
        assert_eq!(reply.status, status, "{event}: {}", reply.raw);
        if status != 200 {
            assert!(!reply.error().is_empty());
        }
    }
    let huge = format!(
        "{{\"availability\": [], \"pad\": \"{}\"}}",
        "x".repeat(1024 * 1024)
    );
    let reply = invoke(
        &app,
        post()
            .header("content-type", "application/json")
            .raw_body(&huge)
            .build(),
    )
    .await;
    assert_eq!(reply.status, 413);
}

#[tokio::test]
async fn jwt_mode_requires_an_identity_and_writes_only_the_callers_own() {
    let app = jwt_app();
    let anonymous = http_api("POST", "/availability")
        .header("x-user-id", "mallory")
        .json(json!({"availability": [slot(&at("09:00:00"), &at("10:00:00"))]}));
    assert_eq!(
        invoke(&app, anonymous.build()).await.status,
        401,
        "x-user-id means nothing in jwt mode"
    );
    let as_other = http_api("POST", "/availability")
        .jwt_sub("alice")
        .json(json!({"user_id": "bob", "availability": [slot(&at("09:00:00"), &at("10:00:00"))]}));
    assert_eq!(invoke(&app, as_other.build()).await.status, 403);
    let own = http_api("POST", "/availability").jwt_sub("alice").json(
        json!({"user_id": "alice", "availability": [slot(&at("09:00:00"), &at("10:00:00"))]}),
    );
    assert_eq!(invoke(&app, own.build()).await.status, 200);
    let read = invoke(
        &app,
        http_api("GET", "/availability").jwt_sub("alice").build(),
    )
    .await;
    assert_eq!(read.body["user_id"], "alice");
    assert_eq!(
        read.body["availability"],
        intervals(&[(&at("09:00:00"), &at("10:00:00"))])
    );
    assert_eq!(
        invoke(&app, http_api("GET", "/").build()).await.status,
        200,
        "GET / stays open"
    );
}

#[tokio::test]
async fn dev_mode_identity_comes_from_authorizer_then_header_then_default() {
    let app = App::new(
        MemoryStore::new(),
        Config::from_lookup(|name| match name {
            "AUTH_MODE" => Some("dev".into()),
            "DEV_USER_ID" => Some("tester".into()),
            _ => None,
        })
        .expect("valid config"),
    );
    let who = |event: crate::helpers::HttpApiEvent| {
        let app = &app;
        async move { invoke(app, event.build()).await.body["user_id"].clone() }
    };
    assert_eq!(who(http_api("GET", "/availability")).await, "tester");
    assert_eq!(
        who(http_api("GET", "/availability").header("x-user-id", "carol")).await,
        "carol"
    );
    assert_eq!(
        who(http_api("GET", "/availability")
            .header("x-user-id", "carol")
            .jwt_sub("dave"))
        .await,
        "dave"
    );
}

#[tokio::test]
async fn lambda_authorizer_contexts_name_the_caller() {
    let app = jwt_app();
    let mut v2 = http_api("GET", "/availability").build();
    v2["requestContext"]["authorizer"] = json!({"lambda": {"user_id": "erin"}});
    assert_eq!(invoke(&app, v2).await.body["user_id"], "erin");

    let mut rest = crate::helpers::read_event(
        &crate::helpers::project_root().join("events/rest-api-stage.json"),
    );
    rest["requestContext"]["authorizer"] =
        json!({"principalId": "frank", "integrationLatency": 12});
    assert_eq!(invoke(&app, rest).await.body["user_id"], "frank");
}

#[tokio::test]
async fn etag_and_if_match_prevent_silent_overwrites() {
    let app = dev_app();
    let read = invoke(&app, http_api("GET", "/availability").build()).await;
    let etag = read.header("etag").expect("GET has an ETag");
    assert_eq!(etag, "\"0\"");
    let write = |if_match: &str| {
        http_api("POST", "/availability")
            .header("if-match", if_match)
            .json(json!({"availability": [slot(&at("09:00:00"), &at("10:00:00"))]}))
            .build()
    };
    let first = invoke(&app, write(&etag)).await;
    assert_eq!(
        (first.status, first.header("etag").as_deref()),
        (200, Some("\"1\""))
    );
    let stale = invoke(&app, write(&etag)).await;
    assert_eq!(stale.status, 412, "a write based on an old read is refused");
    assert_eq!(invoke(&app, write("*")).await.status, 200);
    assert_eq!(invoke(&app, write("not-an-etag")).await.status, 400);
}

#[tokio::test]
async fn malformed_events_get_a_400_and_the_function_keeps_serving() {
    let app = dev_app();
    let mut bad_base64 = http_api("POST", "/availability")
        .json(json!({"availability": []}))
        .build();
    bad_base64["isBase64Encoded"] = json!(true);
    bad_base64["body"] = json!("%%% not base64 %%%");
    let reply = invoke(&app, bad_base64).await;
    assert_eq!(reply.status, 400);
    assert!(reply.error().contains("base64"), "{}", reply.error());

    let mut good_base64 = http_api("POST", "/availability")
        .header("content-type", "application/json")
        .build();
    good_base64["isBase64Encoded"] = json!(true);
    good_base64["body"] = json!("eyJhdmFpbGFiaWxpdHkiOiBbXX0="); // {"availability": []}
    assert_eq!(invoke(&app, good_base64).await.status, 200);

    for not_http in [
        json!({}),
        json!([1]),
        json!("ping"),
        json!({"Records": []}),
        json!(null),
    ] {
        let reply = invoke(&app, not_http.clone()).await;
        assert_eq!(reply.status, 400, "{not_http}");
        assert!(reply.raw["headers"]["content-type"].is_string());
    }

    let mut bad_host = http_api("GET", "/").build();
    bad_host["headers"]["host"] = json!("bad host with spaces");
    bad_host["requestContext"]["domainName"] = json!("bad host with spaces");
    // lambda_http's conversion unwraps the parsed URL and panics on this host: caught, a 400.
    let reply = invoke(&app, bad_host).await;
    assert_eq!(reply.status, 400, "{}", reply.raw);
    assert!(
        reply.error().contains("could not be read"),
        "{}",
        reply.error()
    );

    assert_eq!(
        invoke(&app, http_api("GET", "/").build()).await.status,
        200,
        "still serving"
    );
}
