//! The booking page and the manage page (`GET /book/{user_id}/{slug}`, `GET /book/manage/{token}`)
//! and the script and style they load (`GET /book/assets/book.js`, `/book/assets/book.css`).
//! All four are files compiled into the binary (`src/api/page/`); the page's script reads the
//! path and calls the open API (`/public/...`, `/manage/...`) from the browser. So serving them
//! reads nothing from the store: an unknown event type or a token that is not one gets the page,
//! which says so (the API's 404 tells it); the path is not even looked at.
//!
//! Every answer carries a Content-Security-Policy with no inline script or style and no other
//! origin (`frame-ancestors` from `PAGE_FRAME_ANCESTORS`), `Referrer-Policy: no-referrer` (the
//! manage page's path is a secret), `X-Content-Type-Options: nosniff`, and an `ETag` of its
//! content hash, so a browser revalidates (`Cache-Control: no-cache`) and gets a 304.

use crate::api::app::{App, Handled};
use crate::api::call::Call;
use crate::api::input::{NO_PARAMETERS, Query};
use crate::store::AvailabilityStore;
use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, Response};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// The one HTML document of both pages; the script tells them apart by path.
const PAGE_HTML: &str = include_str!("../page/book.html");
const PAGE_SCRIPT: &str = include_str!("../page/book.js");
const PAGE_STYLE: &str = include_str!("../page/book.css");

/// The policy's fixed part: this origin's script, style, images and API only; no inline code,
/// no `<base>`, forms posted nowhere else.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                      img-src 'self'; form-action 'self'; base-uri 'none'";

/// A file the function serves, with the `ETag` of its content.
struct Served {
    text: &'static str,
    content_type: &'static str,
    etag: String,
}

impl Served {
    fn new(text: &'static str, content_type: &'static str) -> Self {
        let digest = Sha256::digest(text.as_bytes());
        let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        Served {
            text,
            content_type,
            etag: format!("\"{hex}\""),
        }
    }
}

static HTML: LazyLock<Served> =
    LazyLock::new(|| Served::new(PAGE_HTML, "text/html; charset=utf-8"));
static SCRIPT: LazyLock<Served> =
    LazyLock::new(|| Served::new(PAGE_SCRIPT, "text/javascript; charset=utf-8"));
static STYLE: LazyLock<Served> =
    LazyLock::new(|| Served::new(PAGE_STYLE, "text/css; charset=utf-8"));

pub(crate) async fn booking<S: AvailabilityStore>(app: &App<S>, call: Call<'_, ()>) -> Handled {
    page(app, call.request)
}

pub(crate) async fn manage<S: AvailabilityStore>(app: &App<S>, call: Call<'_, ()>) -> Handled {
    page(app, call.request)
}

pub(crate) async fn script<S: AvailabilityStore>(app: &App<S>, call: Call<'_, ()>) -> Handled {
    Query::of(call.request, NO_PARAMETERS)?;
    Ok(served(app, call.request, &SCRIPT))
}

pub(crate) async fn style<S: AvailabilityStore>(app: &App<S>, call: Call<'_, ()>) -> Handled {
    Query::of(call.request, NO_PARAMETERS)?;
    Ok(served(app, call.request, &STYLE))
}

/// Either page. A path with a trailing `/` is sent to the one without (308), since the page
/// loads its script relative to its own path; a query string (a tracking link's) is ignored.
fn page<S: AvailabilityStore>(app: &App<S>, request: &Request) -> Handled {
    let path = request.uri().path();
    if path.len() > 1 && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        let last = trimmed.rsplit('/').next().unwrap_or_default();
        let mut response = Response::new(Body::Empty);
        *response.status_mut() = StatusCode::PERMANENT_REDIRECT;
        // Relative, so it holds under any stage or custom domain path.
        if let Ok(location) = HeaderValue::from_str(&format!("../{last}")) {
            response.headers_mut().insert(header::LOCATION, location);
        }
        secure(app, &mut response);
        return Ok(response);
    }
    Ok(served(app, request, &HTML))
}

/// `file`, or a 304 when the request already holds its `ETag`.
fn served<S: AvailabilityStore>(app: &App<S>, request: &Request, file: &Served) -> Response<Body> {
    let fresh = request
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|tag| {
            let tag = tag.trim();
            tag == "*" || tag.trim_start_matches("W/") == file.etag
        });
    let mut response = if fresh {
        let mut response = Response::new(Body::Empty);
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        response
    } else {
        let mut response = Response::new(Body::Text(file.text.to_owned()));
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(file.content_type),
        );
        response
    };
    let headers = response.headers_mut();
    if let Ok(etag) = HeaderValue::from_str(&file.etag) {
        headers.insert(header::ETAG, etag);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    secure(app, &mut response);
    response
}

/// The headers every page answer carries.
fn secure<S: AvailabilityStore>(app: &App<S>, response: &mut Response<Body>) {
    let policy = format!(
        "{POLICY}; frame-ancestors {}",
        app.config().page_frame_ancestors
    );
    let headers = response.headers_mut();
    if let Ok(policy) = HeaderValue::from_str(&policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
}
