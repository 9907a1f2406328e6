//! A small HTTP/1.1 server on 127.0.0.1 for the calendar import tests: it serves the texts it
//! is given by path, answers `If-None-Match` with 304 when the ETag matches, follows a script
//! of statuses and redirects, and records each request's method, path and headers.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// One answer the server gives at a path.
#[derive(Clone, Debug)]
pub(crate) struct Served {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Served {
    pub(crate) fn calendar(text: &str, etag: &str) -> Self {
        Served {
            status: 200,
            headers: vec![
                ("content-type".into(), "text/calendar; charset=utf-8".into()),
                ("etag".into(), etag.into()),
            ],
            body: text.to_owned(),
        }
    }

    pub(crate) fn status(status: u16) -> Self {
        Served {
            status,
            headers: Vec::new(),
            body: String::new(),
        }
    }

    pub(crate) fn redirect(to: &str) -> Self {
        Served {
            status: 302,
            headers: vec![("location".into(), to.into())],
            body: String::new(),
        }
    }
}

/// A request as the server saw it.
#[derive(Clone, Debug)]
#[allow(dead_code)] // Each test reads what it checks.
pub(crate) struct Seen {
    pub method: String,
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: String,
}

#[derive(Clone, Default)]
pub(crate) struct CalendarServer {
    pub port: u16,
    served: Arc<Mutex<HashMap<String, Served>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl CalendarServer {
    pub(crate) fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
        let server = CalendarServer {
            port: listener.local_addr().expect("an address").port(),
            ..CalendarServer::default()
        };
        let handle = server.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let handle = handle.clone();
                std::thread::spawn(move || handle.answer(stream));
            }
        });
        server
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub(crate) fn serve(&self, path: &str, served: Served) {
        self.served
            .lock()
            .expect("not poisoned")
            .insert(path.to_owned(), served);
    }

    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("not poisoned").clone()
    }

    fn answer(&self, stream: TcpStream) {
        let mut reader = BufReader::new(stream.try_clone().expect("a stream"));
        let mut line = String::new();
        if reader.read_line(&mut line).is_err() {
            return;
        }
        let mut parts = line.split_whitespace();
        let (method, path) = (
            parts.next().unwrap_or_default().to_owned(),
            parts.next().unwrap_or_default().to_owned(),
        );
        let mut headers = HashMap::new();
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
            }
        }
        let length: usize = headers
            .get("content-length")
            .and_then(|l| l.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        let _ = reader.read_exact(&mut body);
        let served = self
            .served
            .lock()
            .expect("not poisoned")
            .get(&path)
            .cloned()
            .unwrap_or_else(|| Served::status(404));
        let etag = served
            .headers
            .iter()
            .find(|(name, _)| name == "etag")
            .map(|(_, value)| value.clone());
        let unchanged =
            served.status == 200 && etag.is_some() && headers.get("if-none-match") == etag.as_ref();
        self.seen.lock().expect("not poisoned").push(Seen {
            method,
            path,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        });
        let (status, body) = if unchanged {
            (304, String::new())
        } else {
            (served.status, served.body.clone())
        };
        let mut answer = format!(
            "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n",
            body.len()
        );
        for (name, value) in &served.headers {
            answer.push_str(&format!("{name}: {value}\r\n"));
        }
        answer.push_str("\r\n");
        answer.push_str(&body);
        let mut stream = stream;
        let _ = stream.write_all(answer.as_bytes());
        let _ = stream.flush();
    }
}
