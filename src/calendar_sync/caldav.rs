//! A CalDAV calendar's events in the sync window: one `calendar-query` REPORT (RFC 4791
//! §7.8) with a `time-range` filter, Basic authentication, `Depth: 1`. Recurrences are
//! expanded here, not by the server (servers differ in how well they expand): the REPORT asks
//! for whole events, and busy time is read from their texts as from a feed.

use super::{Fetched, read_texts};
use crate::domain::calendar::ics::utc_date_time;
use crate::domain::calendar::source::{CalendarSource, sync_window};
use crate::domain::time::Millis;
use crate::domain::timestamp::Zone;
use crate::outbound::{Outbound, OutboundRequest};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use http::{HeaderMap, HeaderValue, Method, header};

const CALDAV: &str = "urn:ietf:params:xml:ns:caldav";

pub(super) async fn fetch(
    outbound: &Outbound,
    source: &CalendarSource,
    password: Option<&str>,
    zone: Zone,
    now: Millis,
) -> Fetched {
    let window = sync_window(now);
    let body = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="{CALDAV}">
  <D:prop><C:calendar-data/></D:prop>
  <C:filter>
    <C:comp-filter name="VCALENDAR">
      <C:comp-filter name="VEVENT">
        <C:time-range start="{}" end="{}"/>
      </C:comp-filter>
    </C:comp-filter>
  </C:filter>
</C:calendar-query>
"#,
        utc_date_time(window.start()),
        utc_date_time(window.end())
    );
    let mut headers = HeaderMap::new();
    headers.insert("depth", HeaderValue::from_static("1"));
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml; charset=utf-8"),
    );
    if let Some(username) = &source.username {
        let password = password.unwrap_or_default();
        let credentials = BASE64.encode(format!("{username}:{password}"));
        if let Ok(value) = HeaderValue::from_str(&format!("Basic {credentials}")) {
            headers.insert(header::AUTHORIZATION, value);
        }
    }
    let Ok(report) = Method::from_bytes(b"REPORT") else {
        return Fetched::Failed("REPORT is not a method".into());
    };
    let request = OutboundRequest {
        method: report,
        headers,
        body: body.into_bytes(),
        ..OutboundRequest::get(&source.url)
    };
    let response = match outbound.send(request).await {
        Ok(response) => response,
        Err(error) => return Fetched::Failed(error.to_string()),
    };
    if response.status.as_u16() != 207 {
        return Fetched::Failed(format!(
            "The CalDAV server answered {} to the calendar query (207 expected).",
            response.status
        ));
    }
    let text = String::from_utf8_lossy(&response.body);
    match calendar_data(&text) {
        Ok(texts) => {
            let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
            read_texts(&texts, source, zone, now, None, None)
        }
        Err(why) => Fetched::Failed(why),
    }
}

/// Every `calendar-data` element's text in a multistatus answer.
fn calendar_data(xml: &str) -> Result<Vec<String>, String> {
    let document = roxmltree::Document::parse(xml)
        .map_err(|error| format!("The CalDAV server's answer is not XML ({error})."))?;
    Ok(document
        .descendants()
        .filter(|node| node.has_tag_name((CALDAV, "calendar-data")))
        .map(|node| {
            node.children()
                .filter_map(|child| child.text())
                .collect::<String>()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_data_is_read_from_a_multistatus() {
        let xml = r#"<?xml version="1.0"?>
<d:multistatus xmlns:d="DAV:" xmlns:cal="urn:ietf:params:xml:ns:caldav">
 <d:response><d:href>/a.ics</d:href><d:propstat><d:prop>
  <cal:calendar-data>BEGIN:VCALENDAR&#13;
END:VCALENDAR&#13;
</cal:calendar-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
 <d:response><d:href>/b.ics</d:href><d:propstat><d:prop>
  <cal:calendar-data><![CDATA[BEGIN:VCALENDAR
END:VCALENDAR
]]></cal:calendar-data></d:prop></d:propstat></d:response>
</d:multistatus>"#;
        let found = calendar_data(xml).expect("XML");
        assert_eq!(found.len(), 2);
        assert!(
            found[0].starts_with("BEGIN:VCALENDAR\r\n"),
            "{:?}",
            found[0]
        );
        assert!(found[1].starts_with("BEGIN:VCALENDAR\n"), "{:?}", found[1]);
        assert!(calendar_data("<not xml").is_err());
    }
}
