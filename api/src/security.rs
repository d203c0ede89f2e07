//! Defences of the browser session against other sites: a request that a browser sends with
//! the session cookie but from another site's page (a form post, a fetch, a WebSocket) is
//! refused, and every response carries headers that keep the UI out of frames, stop content
//! sniffing and allow only the UI's own scripts and styles.
//!
//! The cross-site rule follows the Fetch metadata approach (as Go's
//! `http.CrossOriginProtection`): `Sec-Fetch-Site` when the browser sends it, else `Origin`
//! compared with the request's `Host` (or the configured public URL); a request with neither
//! comes from no browser, so it cannot have been forged by a page. Requests carrying a bearer
//! token are not affected: another site cannot make a browser attach one.

use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, CONNECTION, HOST, ORIGIN, UPGRADE};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;

use crate::auth::SESSION_COOKIE;
use crate::error::ApiError;
use crate::state::AppState;

/// The Content-Security-Policy of every response: the UI's own scripts, styles and media only
/// (no inline script), no framing, no plugins; WebSocket and fetch to this origin.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// HSTS for a deployment whose public URL is HTTPS: one year.
const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

/// Whether a browser sent this request from another site's page while the session cookie
/// authenticates it: an unsafe method or a WebSocket upgrade, with the cookie and no bearer
/// token, whose `Sec-Fetch-Site` (or else `Origin`) is not this site. `public_origin` is the
/// configured public URL's origin (`https://chat.uni.example`), when the server is behind a
/// proxy that rewrites `Host`.
pub fn is_cross_site(method: &Method, headers: &HeaderMap, public_origin: Option<&str>) -> bool {
    let changes_state = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
        || is_websocket_upgrade(headers);
    let by_cookie = !headers.contains_key(AUTHORIZATION)
        && CookieJar::from_headers(headers)
            .get(SESSION_COOKIE)
            .is_some();
    if !changes_state || !by_cookie {
        return false;
    }
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.to_str(), Ok("same-origin" | "none"));
    }
    !origin_is_ours(headers, public_origin)
}

/// Whether the request's `Origin` is this site: the request's `Host`, or the configured public
/// URL's origin. No `Origin` at all (a client that is no browser) counts as ours.
pub fn origin_is_ours(headers: &HeaderMap, public_origin: Option<&str>) -> bool {
    let Some(origin) = headers.get(ORIGIN).and_then(|o| o.to_str().ok()) else {
        return true;
    };
    let same_host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|host| origin_host(origin) == Some(host));
    let public = public_origin.is_some_and(|p| p.trim_end_matches('/') == origin);
    same_host || public
}

/// Refuses a WebSocket upgrade from another site's page whatever authenticates it (a socket
/// stays open, so the rule is stricter than for single requests).
pub fn check_websocket_origin(
    headers: &HeaderMap,
    public_origin: Option<&str>,
) -> Result<(), ApiError> {
    if origin_is_ours(headers, public_origin) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "cross-origin WebSocket connections are not allowed",
        ))
    }
}

/// The `host[:port]` of an origin such as `http://127.0.0.1:8080`; `None` for `null`.
fn origin_host(origin: &str) -> Option<&str> {
    let (_, rest) = origin.split_once("://")?;
    Some(rest.trim_end_matches('/'))
}

fn is_websocket_upgrade(headers: &HeaderMap) -> bool {
    let upgrade = headers
        .get(UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let connection = headers
        .get(CONNECTION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("upgrade"));
    upgrade && connection
}

/// Middleware: refuses a cross-site request (see [`is_cross_site`]) with 403 `cross_site`
/// before any handler runs.
pub async fn refuse_cross_site(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let public = state.config.public_url.as_deref();
    if is_cross_site(request.method(), request.headers(), public) {
        tracing::info!(
            method = %request.method(),
            path = %request.uri().path(),
            "cross-site request with the session cookie refused"
        );
        return ApiError::Denied {
            code: "cross_site",
            message: "this request came from another site; Chatterly only accepts changes made \
                      from its own pages"
                .into(),
        }
        .into_response();
    }
    next.run(request).await
}

/// Middleware: adds the security headers to every response (HSTS only when the public URL is
/// HTTPS), keeping any a handler set itself.
pub async fn add_security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    };
    set(
        HeaderName::from_static("content-security-policy"),
        CONTENT_SECURITY_POLICY,
    );
    set(HeaderName::from_static("x-content-type-options"), "nosniff");
    set(HeaderName::from_static("x-frame-options"), "DENY");
    set(HeaderName::from_static("referrer-policy"), "same-origin");
    set(
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    if state.config.secure_cookies() {
        set(
            HeaderName::from_static("strict-transport-security"),
            STRICT_TRANSPORT_SECURITY,
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).expect("name"),
                HeaderValue::from_str(value).expect("value"),
            );
        }
        map
    }

    const COOKIE: (&str, &str) = ("cookie", "chatterly_session=abc");
    const HOST_HERE: (&str, &str) = ("host", "127.0.0.1:8080");

    #[test]
    fn another_sites_post_with_the_cookie_is_cross_site() {
        let post = Method::POST;
        for evidence in [
            ("origin", "https://evil.example"),
            ("origin", "null"),
            ("sec-fetch-site", "cross-site"),
            ("sec-fetch-site", "same-site"),
        ] {
            let h = headers(&[COOKIE, HOST_HERE, evidence]);
            assert!(is_cross_site(&post, &h, None), "{evidence:?}");
        }
    }

    #[test]
    fn our_own_pages_and_non_browsers_are_not() {
        let post = Method::POST;
        for ok in [
            vec![COOKIE, HOST_HERE, ("origin", "http://127.0.0.1:8080")],
            vec![COOKIE, HOST_HERE, ("sec-fetch-site", "same-origin")],
            // A client that is no browser sends neither header.
            vec![COOKIE, HOST_HERE],
            // A bearer token cannot be attached by another site.
            vec![
                COOKIE,
                ("authorization", "Bearer t"),
                ("origin", "https://evil.example"),
            ],
            // No session cookie: nothing to forge.
            vec![HOST_HERE, ("origin", "https://evil.example")],
        ] {
            assert!(!is_cross_site(&post, &headers(&ok), None), "{ok:?}");
        }
        // Behind a proxy that rewrites Host, the public URL's origin is ours.
        let proxied = headers(&[
            COOKIE,
            ("host", "10.0.0.5:8080"),
            ("origin", "https://chat.uni.example"),
        ]);
        assert!(!is_cross_site(
            &post,
            &proxied,
            Some("https://chat.uni.example/")
        ));
        assert!(is_cross_site(&post, &proxied, None));
    }

    #[test]
    fn a_websocket_from_another_origin_is_refused_whatever_authenticates_it() {
        let ours = headers(&[HOST_HERE, ("origin", "http://127.0.0.1:8080")]);
        assert!(check_websocket_origin(&ours, None).is_ok());
        assert!(check_websocket_origin(&headers(&[HOST_HERE]), None).is_ok());
        let proxied = headers(&[
            ("host", "10.0.0.5:8080"),
            ("origin", "https://chat.uni.ac.uk"),
        ]);
        assert!(check_websocket_origin(&proxied, Some("https://chat.uni.ac.uk/")).is_ok());
        for other in ["https://evil.example", "http://127.0.0.1:9999"] {
            let bearer = headers(&[HOST_HERE, ("authorization", "Bearer t"), ("origin", other)]);
            assert!(check_websocket_origin(&bearer, None).is_err(), "{other}");
        }
    }

    #[test]
    fn reads_pass_but_a_cross_site_websocket_does_not() {
        let evil = [COOKIE, HOST_HERE, ("origin", "https://evil.example")];
        assert!(!is_cross_site(&Method::GET, &headers(&evil), None));
        let mut upgrade = evil.to_vec();
        upgrade.extend([("upgrade", "websocket"), ("connection", "Upgrade")]);
        assert!(is_cross_site(&Method::GET, &headers(&upgrade), None));
    }
}
