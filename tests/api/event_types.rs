//! Event types through the handler: `PUT`, `GET`, `DELETE /event-types/{slug}`, the list, and
//! the open description at `/public/{user_id}/{slug}`.

use crate::helpers::{Reply, dev_app, http_api, invoke, jwt_app};
use availability_api::api::App;
use availability_api::store::MemoryStore;
use serde_json::{Value, json};

async fn call(app: &App<MemoryStore>, user: &str, method: &str, path: &str, body: Value) -> Reply {
    let event = http_api(method, path).header("x-user-id", user);
    let event = match body {
        Value::Null => event,
        body => event.json(body),
    };
    invoke(app, event.build()).await
}

fn intro() -> Value {
    json!({"title": "Intro call", "duration": "PT30M"})
}

#[tokio::test]
async fn a_put_fills_every_default_and_reads_back_with_its_etag() {
    let app = dev_app();
    let reply = call(&app, "ana", "PUT", "/event-types/intro", intro()).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    assert_eq!(
        reply.body,
        json!({
            "slug": "intro", "title": "Intro call", "duration": "PT30M", "step": "PT30M",
            "buffer_before": "PT0M", "buffer_after": "PT0M", "minimum_notice": "PT0M",
            "horizon": "P60D", "timezone": "UTC", "hosts": ["ana"], "assignment": "all",
            "active": true
        })
    );
    let etag = reply.header("etag").expect("an ETag");

    let read = call(&app, "ana", "GET", "/event-types/intro", Value::Null).await;
    assert_eq!((read.status, &read.body), (200, &reply.body));
    assert_eq!(read.header("etag"), Some(etag.clone()));
    let listed = call(&app, "ana", "GET", "/event-types", Value::Null).await;
    assert_eq!(listed.body, json!({"event_types": [reply.body]}));
    // Another user's event types are their own.
    let other = call(&app, "ben", "GET", "/event-types", Value::Null).await;
    assert_eq!(other.body, json!({"event_types": []}));
    let missing = call(&app, "ben", "GET", "/event-types/intro", Value::Null).await;
    assert_eq!(missing.status, 404);

    // If-Match: a stale tag is a 412, the current one replaces.
    let stale = http_api("PUT", "/event-types/intro")
        .header("x-user-id", "ana")
        .header("if-match", "\"0\"")
        .json(intro());
    assert_eq!(invoke(&app, stale.build()).await.status, 412);
    let current = http_api("PUT", "/event-types/intro")
        .header("x-user-id", "ana")
        .header("if-match", &etag)
        .json(json!({
            "title": "Intro", "duration": "PT45M", "step": "PT15M", "buffer_after": "PT10M",
            "minimum_notice": "PT4H", "horizon": "P14D", "max_per_day": 5,
            "timezone": "America/New_York", "assignment": "one", "location": "Video",
            "description": "<b>not HTML</b>", "active": false
        }));
    let replaced = invoke(&app, current.build()).await;
    assert_eq!(replaced.status, 200, "{}", replaced.raw);
    assert_eq!(replaced.body["step"], "PT15M");
    assert_eq!(replaced.body["minimum_notice"], "PT4H");
    assert_eq!(replaced.body["horizon"], "P14D");
    assert_eq!(replaced.body["max_per_day"], 5);
    assert_eq!(replaced.body["assignment"], "one");
    assert_eq!(replaced.body["description"], "<b>not HTML</b>");
}

#[tokio::test]
async fn the_zone_defaults_to_the_host_s_schedule() {
    let app = dev_app();
    let schedule = json!({"timezone": "Asia/Kolkata", "weekly": [{"days": ["mon"], "start": "09:00", "end": "12:00"}]});
    let reply = call(&app, "ana", "PUT", "/availability/schedule", schedule).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    let reply = call(&app, "ana", "PUT", "/event-types/intro", intro()).await;
    assert_eq!(reply.body["timezone"], "Asia/Kolkata");
}

#[tokio::test]
async fn every_member_out_of_range_is_named() {
    let app = dev_app();
    let body = json!({
        "title": "", "duration": "PT4M", "step": "PT13H", "buffer_before": "P2D",
        "buffer_after": "PT30S", "minimum_notice": "P366D", "horizon": "PT12H",
        "max_per_day": 0, "timezone": "Mars/Olympus_Mons", "hosts": [],
        "assignment": "some", "location": "x".repeat(501), "description": "x".repeat(2_001),
        "active": "yes", "colour": "red"
    });
    let reply = call(&app, "ana", "PUT", "/event-types/intro", body).await;
    assert_eq!(reply.status, 400, "{}", reply.raw);
    let pointers: Vec<&str> = reply.body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|error| error["pointer"].as_str().expect("a pointer"))
        .collect();
    for member in [
        "/colour",
        "/title",
        "/duration",
        "/step",
        "/buffer_before",
        "/buffer_after",
        "/minimum_notice",
        "/horizon",
        "/max_per_day",
        "/timezone",
        "/hosts",
        "/assignment",
        "/location",
        "/description",
        "/active",
    ] {
        assert!(pointers.contains(&member), "{member} in {pointers:?}");
    }
    let title = call(
        &app,
        "ana",
        "PUT",
        "/event-types/intro",
        json!({"title": "x".repeat(10_000), "duration": "PT30M"}),
    )
    .await;
    assert_eq!(title.status, 400);
    for slug in ["Intro", "-intro", "intro_call", &"a".repeat(64)] {
        let reply = call(&app, "ana", "PUT", &format!("/event-types/{slug}"), intro()).await;
        assert_eq!(reply.status, 400, "{slug}");
    }
    // Nothing was written.
    let listed = call(&app, "ana", "GET", "/event-types", Value::Null).await;
    assert_eq!(listed.body, json!({"event_types": []}));
}

#[tokio::test]
async fn a_host_fifty_event_types_and_hosts_who_do_not_allow_the_caller() {
    let app = dev_app();
    for n in 0..50 {
        let reply = call(&app, "ana", "PUT", &format!("/event-types/t{n}"), intro()).await;
        assert_eq!(reply.status, 200, "{n}: {}", reply.raw);
    }
    let over = call(&app, "ana", "PUT", "/event-types/one-more", intro()).await;
    assert_eq!(over.status, 413, "{}", over.raw);
    // Replacing one of the fifty is fine.
    assert_eq!(
        call(&app, "ana", "PUT", "/event-types/t7", intro())
            .await
            .status,
        200
    );

    let sharing = json!({"bookable_by": ["cy"]});
    assert_eq!(
        call(&app, "ben", "PUT", "/availability/sharing", sharing)
            .await
            .status,
        200
    );
    let team = json!({"title": "Team", "duration": "PT30M", "hosts": ["ana", "ben", "cy"]});
    let refused = call(&app, "ana", "PUT", "/event-types/team", team.clone()).await;
    assert_eq!(refused.status, 403, "{}", refused.raw);
    assert_eq!(refused.body["errors"][0]["pointer"], "/hosts/1");
    let allowed = call(&app, "cy", "PUT", "/event-types/team", team).await;
    assert_eq!(allowed.status, 200, "{}", allowed.raw);
    assert_eq!(allowed.body["hosts"], json!(["ana", "ben", "cy"]));
}

#[tokio::test]
async fn anyone_reads_an_active_event_type_and_no_one_an_inactive_or_deleted_one() {
    let app = jwt_app();
    let put = http_api("PUT", "/event-types/intro")
        .jwt_sub("ana")
        .json(json!({"title": "Intro call", "duration": "PT30M", "location": "Video"}));
    assert_eq!(invoke(&app, put.build()).await.status, 200);

    // No token: the public route answers, the host's routes do not.
    let public = invoke(&app, http_api("GET", "/public/ana/intro").build()).await;
    assert_eq!(public.status, 200, "{}", public.raw);
    assert_eq!(
        public.body,
        json!({"host": "ana", "slug": "intro", "title": "Intro call", "duration": "PT30M",
               "timezone": "UTC", "location": "Video"})
    );
    let private = invoke(&app, http_api("GET", "/event-types/intro").build()).await;
    assert_eq!(private.status, 401);
    for path in [
        "/public/ana/other",
        "/public/nobody/intro",
        "/public/ana/Intro",
        "/public/a%20b/intro",
    ] {
        let reply = invoke(&app, http_api("GET", path).build()).await;
        assert_eq!(reply.status, 404, "{path}");
    }

    let inactive = http_api("PUT", "/event-types/intro")
        .jwt_sub("ana")
        .json(json!({"title": "Intro call", "duration": "PT30M", "active": false}));
    assert_eq!(invoke(&app, inactive.build()).await.status, 200);
    let hidden = invoke(&app, http_api("GET", "/public/ana/intro").build()).await;
    assert_eq!(hidden.status, 404);

    let delete = http_api("DELETE", "/event-types/intro").jwt_sub("ana");
    let deleted = invoke(&app, delete.build()).await;
    assert_eq!(deleted.status, 200, "{}", deleted.raw);
    assert_eq!(
        deleted.body,
        json!({"message": "Event type deleted successfully"})
    );
    let again = invoke(
        &app,
        http_api("DELETE", "/event-types/intro")
            .jwt_sub("ana")
            .build(),
    )
    .await;
    assert_eq!(again.status, 404);
}
