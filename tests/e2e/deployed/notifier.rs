//! The webhook notifier as deployed: the release `webhook-notifier` binary (what
//! `BuildProperties: Binary: webhook-notifier` builds) behind the Lambda stand-in, with the
//! template's memory and timeout for it, fed the samples in events/notifier/. On a table under
//! moto (created with the template's outbox index), a booking the API recorded reaches a local
//! receiver, verified with the Standard Webhooks library. `OUTBOUND_ALLOW_LOCAL=true` is the
//! local-testing setting that lets it reach that receiver; the template never sets it.

use super::background::{background_function, invoke};
use super::lambda::Function;
use super::template::project_root;

/// The release notifier behind the stand-in, with `extra` in its environment (see
/// [`background_function`]).
fn notifier(label: &str, extra: &[(&str, &str)]) -> Option<Function> {
    background_function(
        "WebhookNotifierFunction",
        "webhook-notifier",
        &format!("notifier-{label}"),
        extra,
    )
}

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(project_root().join("events/notifier").join(name)).expect("the sample")
}

#[test]
fn the_release_notifier_answers_its_samples_in_memory() {
    // Its own process holds its own (empty) memory: nothing owed, every record handled.
    let Some(mut function) = notifier("memory", &[]) else {
        return;
    };
    for name in [
        "stream-meta-modify.json",
        "stream-other-items.json",
        "schedule.json",
    ] {
        let answer = invoke(&mut function, &sample(name));
        assert_eq!(
            answer,
            serde_json::json!({"batchItemFailures": []}),
            "{name}"
        );
    }
    assert_eq!(function.starts, 1, "one instance served them all");
}

#[cfg(feature = "dynamodb")]
#[test]
fn the_release_notifier_delivers_a_booking_from_the_stream_on_dynamodb() {
    use crate::webhooks::{MEETING, Receiver, assert_all_verified, book, local_config, subscribed};
    use availability_api::api::App;
    use availability_api::store::DynamoDbStore;
    let Some((endpoint, table)) = super::moto::endpoint_and_table("notifier") else {
        return;
    };
    let Some(receiver) = Receiver::start("deployed-notifier", "") else {
        return;
    };
    // The API's side, in process: the webhook and a booking, whose event the write records.
    // The template's key, stood in for on the same server: the API seals, the notifier opens.
    let key = super::moto::fresh_key(&endpoint);
    let secret = super::background::block_on(async {
        let config = availability_api::config::Config {
            secrets_key_id: Some(key.clone()),
            ..local_config()
        };
        let app = App::new(DynamoDbStore::from_env(&table).await, config);
        let secret = subscribed(&app, &receiver.url).await;
        assert_eq!(book(&app, MEETING).await.0, 201);
        secret
    });
    let Some(mut function) = notifier(
        "dynamodb",
        &[
            ("TABLE_NAME", &table),
            ("SECRETS_KEY_ID", &key),
            ("AWS_ENDPOINT_URL", &endpoint),
        ],
    ) else {
        return;
    };
    let answer = invoke(&mut function, &sample("stream-meta-modify.json"));
    assert_eq!(answer, serde_json::json!({"batchItemFailures": []}));
    let received = receiver.verified(&secret);
    assert_eq!(received.len(), 1, "{received:?}");
    assert_all_verified(&received);
    assert_eq!(received[0]["payload"]["type"], "booking.created");
    // Delivered: the schedule finds nobody owing anything.
    let answer = invoke(&mut function, &sample("schedule.json"));
    assert_eq!(answer, serde_json::json!({"batchItemFailures": []}));
    assert_eq!(receiver.verified(&secret).len(), 1);
}
