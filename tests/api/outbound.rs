//! The rules of requests to user-given URLs (`availability_api::outbound`), against a small
//! HTTP server of the test's own on loopback: every refused URL of docs/hostile-input.md's
//! table, redirects checked at each hop, and the bounds on size, time and redirect count.

use availability_api::outbound::{Outbound, OutboundError, OutboundRequest};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A server answering by path: what each test needs of a calendar host or a receiver.
async fn serve() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buffer = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buffer[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let port = address.port();
                let redirect = |to: String| {
                    format!("HTTP/1.1 302 Found\r\nlocation: {to}\r\ncontent-length: 0\r\n\r\n")
                };
                let answer = match path.as_str() {
                    "/ok" => "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello".to_owned(),
                    "/to-ok" => redirect("/ok".to_owned()),
                    "/to-private" => redirect("http://10.0.0.1/".to_owned()),
                    "/to-metadata" => redirect("http://169.254.169.254/latest/".to_owned()),
                    "/to-intranet" => redirect(format!("http://intranet.test:{port}/ok")),
                    "/to-file" => redirect("file:///etc/passwd".to_owned()),
                    "/loop" => redirect("/loop".to_owned()),
                    "/announced-big" => {
                        "HTTP/1.1 200 OK\r\ncontent-length: 10000000\r\n\r\n".to_owned()
                    }
                    "/silently-big" => {
                        let mut chunked =
                            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".to_owned();
                        for _ in 0..4 {
                            chunked.push_str(&format!("400\r\n{}\r\n", "x".repeat(1024)));
                        }
                        chunked.push_str("0\r\n\r\n");
                        chunked
                    }
                    "/slow" => {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        return;
                    }
                    _ => "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n".to_owned(),
                };
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    address
}

/// Loopback (the test server) allowed; `intranet.test` resolving to 10.0.0.1.
fn loopback() -> Outbound {
    Outbound::loopback_for_tests(&[("intranet.test", IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)))])
}

fn is_refused(answer: &Result<impl std::fmt::Debug, OutboundError>) -> bool {
    matches!(answer, Err(OutboundError::Refused { .. }))
}

#[tokio::test]
async fn every_refused_url_of_the_table_is_refused_before_anything_is_sent() {
    let deployed = Outbound::new(false);
    for url in [
        "http://169.254.169.254/",
        "https://169.254.169.254/latest/meta-data/",
        "https://127.0.0.1/",
        "https://[::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://[fd00:ec2::254]/",
        "https://2130706433/",
        "https://0x7f.1/",
        "https://10.0.0.1/",
        "https://192.168.0.1/",
        "file:///etc/passwd",
        "ftp://example.com/calendar.ics",
        "https://user:secret@example.com/",
        "not a url",
    ] {
        let answer = deployed.check_url(url);
        assert!(is_refused(&answer), "{url}: {answer:?}");
        let sent = deployed.send(OutboundRequest::get(url)).await;
        assert!(is_refused(&sent), "{url}: {sent:?}");
    }
}

#[tokio::test]
async fn a_name_that_resolves_to_loopback_is_refused_after_resolution() {
    let answer = Outbound::new(false)
        .send(OutboundRequest::get("https://localhost/"))
        .await;
    match answer {
        Err(OutboundError::Refused { reason, .. }) => {
            assert!(reason.contains("not public"), "{reason}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_name_that_resolves_to_a_private_address_is_refused() {
    let answer = loopback()
        .send(OutboundRequest::get("http://intranet.test/"))
        .await;
    assert!(is_refused(&answer), "{answer:?}");
}

#[tokio::test]
async fn an_allowed_url_is_fetched_and_a_redirect_to_an_allowed_one_followed() {
    let server = serve().await;
    let answer = loopback()
        .send(OutboundRequest::get(format!("http://{server}/to-ok")))
        .await
        .expect("fetched");
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, b"hello");
    assert!(answer.url.ends_with("/ok"), "{}", answer.url);
}

#[tokio::test]
async fn every_redirect_is_checked_like_the_first_url() {
    let server = serve().await;
    for path in ["/to-private", "/to-metadata", "/to-intranet", "/to-file"] {
        let answer = loopback()
            .send(OutboundRequest::get(format!("http://{server}{path}")))
            .await;
        assert!(is_refused(&answer), "{path}: {answer:?}");
    }
}

#[tokio::test]
async fn a_redirect_is_answered_as_is_when_none_may_be_followed() {
    let server = serve().await;
    let answer = loopback()
        .send(OutboundRequest::post(
            format!("http://{server}/to-private"),
            b"{}".to_vec(),
        ))
        .await
        .expect("answered");
    assert_eq!(answer.status, 302);
}

#[tokio::test]
async fn more_than_three_redirects_end_the_fetch() {
    let server = serve().await;
    let answer = loopback()
        .send(OutboundRequest::get(format!("http://{server}/loop")))
        .await;
    assert_eq!(
        answer.err(),
        Some(OutboundError::TooManyRedirects { limit: 3 })
    );
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_announced_or_not() {
    let server = serve().await;
    for path in ["/announced-big", "/silently-big"] {
        let mut request = OutboundRequest::get(format!("http://{server}{path}"));
        request.max_response_bytes = 2048;
        let answer = loopback().send(request).await;
        assert_eq!(
            answer.err(),
            Some(OutboundError::TooLarge { limit: 2048 }),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_server_that_does_not_answer_in_time_is_a_timeout() {
    let server = serve().await;
    let mut request = OutboundRequest::get(format!("http://{server}/slow"));
    request.timeout = Duration::from_millis(300);
    assert_eq!(
        loopback().send(request).await.err(),
        Some(OutboundError::TimedOut)
    );
}

#[tokio::test]
async fn the_local_testing_setting_allows_http_and_loopback() {
    let server = serve().await;
    let url = format!("http://{server}/ok");
    assert!(is_refused(
        &Outbound::new(false).send(OutboundRequest::get(&url)).await
    ));
    let answer = Outbound::new(true)
        .send(OutboundRequest::get(&url))
        .await
        .expect("fetched");
    assert_eq!(answer.status, 200);
}
