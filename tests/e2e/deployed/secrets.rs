//! A CalDAV password given to the deployed API: taken, never shown, and on DynamoDB sealed with
//! the template's KMS key (a key on the local server stands in for `SecretsKey`), so no item of
//! the table holds it as text or as bytes. The calendar's name resolves nowhere, so its first
//! sync fails without leaving the machine; the password is still kept for the next one.

use super::fixture::Deployed;
use super::gateway::HttpRequest;
use serde_json::json;

const PASSWORD: &str = "correct horse battery staple";

fn a_caldav_password_is_kept_sealed(deployed: &mut Deployed) {
    let put = deployed.send(
        HttpRequest::new("PUT", "/calendars/team")
            .signed_in("ana")
            .json(
                &json!({"kind": "caldav", "url": "https://calendar.invalid/dav/ana/",
                          "username": "ana", "password": PASSWORD}),
            ),
    );
    assert_eq!(put.status, 200, "{}", put.json());
    assert_eq!(put.json()["status"], "error", "{}", put.json());
    let listed = deployed.send(HttpRequest::new("GET", "/calendars").signed_in("ana"));
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json()["calendars"][0]["username"], "ana");
    assert!(
        !listed.json().to_string().contains("horse"),
        "{}",
        listed.json()
    );
    if let Some((endpoint, table)) = &deployed.table {
        assert!(
            super::moto::table_holds(endpoint, table, b"calendar.invalid"),
            "the calendar is in the table"
        );
        assert!(
            !super::moto::table_holds(endpoint, table, PASSWORD.as_bytes()),
            "no item holds the password"
        );
    }
}

on_both_stores!(a_caldav_password_is_kept_sealed);
