//! The client flows of `crate::client_flows` as a deployed client makes them: each request
//! signed in as the user it acts for, since the deployed function runs with `AUTH_MODE=jwt`.

use super::fixture::Deployed;
use super::gateway::HttpRequest;
use crate::client_flows::{booking_flow, original_client_flow, schedule_across_a_dst_change};
use serde_json::Value;

fn send(
    deployed: &mut Deployed,
    user: &str,
    method: &str,
    target: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let request = HttpRequest::new(method, target).signed_in(user);
    let request = match body {
        Some(body) => request.json(&body),
        None => request,
    };
    let response = deployed.send(request);
    (response.status, response.json())
}

fn the_original_client_flow(deployed: &mut Deployed) {
    original_client_flow(&mut |user, method, target, body| {
        send(deployed, user, method, target, body)
    });
    if let Some((endpoint, table)) = &deployed.table {
        assert!(
            super::moto::item_count(endpoint, table) > 0,
            "the DynamoDB variant wrote to its table"
        );
    }
}

on_both_stores!(the_original_client_flow);

fn a_schedule_across_a_dst_change(deployed: &mut Deployed) {
    schedule_across_a_dst_change(&mut |user, method, target, body| {
        send(deployed, user, method, target, body)
    });
}

on_both_stores!(a_schedule_across_a_dst_change);

fn a_booking_flow(deployed: &mut Deployed) {
    booking_flow(&mut |user, method, target, body| send(deployed, user, method, target, body));
}

on_both_stores!(a_booking_flow);
