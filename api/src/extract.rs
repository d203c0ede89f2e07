//! Extractors that answer bad input with [`ApiError`] instead of axum's plain-text rejections,
//! and the client address used for rate limiting.
//!
//! Request types deserialize straight into validated values (`models::validated`): the JSON
//! body and the query string are parsed inside `models::validated::collecting`, so a value that
//! breaks its rule answers `422 validation_failed` with the rule's own message, while a wrong
//! type, an unknown or a missing field stays `422 invalid_body` (`400 invalid_query`).

use std::net::{IpAddr, SocketAddr};

use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use models::validated;
use serde::de::{DeserializeOwned, IgnoredAny};

use crate::error::ApiError;
use crate::state::AppState;

/// `axum::Json`, but rejections become `ApiError` (400 malformed, 415 not JSON, 413 too large,
/// 422 bad fields: `validation_failed` for a value its rule refuses, else `invalid_body`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !json_content_type(req.headers()) {
            return Err(ApiError::UnsupportedMediaType(crate::error::EXPECTED_JSON));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(JsonRejection::from)?;
        parse_json(&bytes).map(Self)
    }
}

/// PostgreSQL text cannot hold NUL, so no request may carry one (the refusal is precise
/// instead of a failed query).
const NUL_REFUSED: &str = "text must not contain NUL characters (\\u0000)";

/// Deserializes a JSON body as `axum::Json` does, telling a refused value from other errors;
/// a NUL character anywhere (`\u0000`) is refused first.
fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
        return Err(validation_failed(NUL_REFUSED.to_owned()));
    }
    let (parsed, refusal) = validated::collecting(|| axum::Json::<T>::from_bytes(bytes));
    match parsed {
        Ok(axum::Json(value)) => Ok(value),
        Err(JsonRejection::JsonDataError(data)) => match refusal {
            // Parsing stopped at the refused value: a syntax error further on still wins, as it
            // did when values were checked after parsing.
            Some(message) => match axum::Json::<IgnoredAny>::from_bytes(bytes) {
                Ok(_) => Err(validation_failed(message)),
                Err(syntax) => Err(syntax.into()),
            },
            None => Err(JsonRejection::JsonDataError(data).into()),
        },
        Err(other) => Err(other.into()),
    }
}

/// Whether the request says its body is JSON (`application/json` or `application/*+json`),
/// exactly as `axum::Json` decides.
fn json_content_type(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<mime::Mime>().ok())
        .is_some_and(|mime| {
            mime.type_() == "application"
                && (mime.subtype() == "json" || mime.suffix().is_some_and(|name| name == "json"))
        })
}

fn validation_failed(message: String) -> ApiError {
    ApiError::Unprocessable {
        code: "validation_failed",
        message,
    }
}

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `axum::extract::Path` with `ApiError` rejections (400 `invalid_path`).
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// `axum::extract::Query` with `ApiError` rejections: 422 `validation_failed` for a value its
/// rule refuses, else 400 `invalid_query`.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default().as_bytes();
        if query.windows(3).any(|w| w.eq_ignore_ascii_case(b"%00")) {
            return Err(validation_failed(NUL_REFUSED.to_owned()));
        }
        let (parsed, refusal) =
            validated::collecting(|| axum::extract::Query::<T>::try_from_uri(&parts.uri));
        match (parsed, refusal) {
            (Ok(axum::extract::Query(value)), _) => Ok(Self(value)),
            (Err(_), Some(message)) => Err(validation_failed(message)),
            (Err(rejection), None) => Err(rejection.into()),
        }
    }
}

/// The client's address: the socket peer, or, when the configuration says a trusted proxy sits
/// in front, the address that proxy saw (see [`forwarded_client`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if state.config.trust_proxy {
            let forwarded = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .next_back()
                .and_then(forwarded_client);
            if let Some(ip) = forwarded {
                return Ok(Self(ip));
            }
        }
        parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| Self(addr.ip()))
            .ok_or_else(|| ApiError::internal("server started without connect info"))
    }
}

/// The client address in an `X-Forwarded-For` value: the right-most hop, the one the trusted
/// proxy appended for the peer that connected to it. Everything left of it came from the
/// client and may be forged (a client sending `X-Forwarded-For: 6.6.6.6` must not escape its
/// rate limit), so the left-most entry is never believed.
pub fn forwarded_client(header: &str) -> Option<IpAddr> {
    header.rsplit(',').next()?.trim().parse().ok()
}

#[cfg(test)]
mod forwarded_tests {
    use super::forwarded_client;

    #[test]
    fn the_hop_the_proxy_appended_is_believed_not_what_the_client_claims() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().ok();
        assert_eq!(forwarded_client("203.0.113.7"), ip("203.0.113.7"));
        assert_eq!(
            forwarded_client("6.6.6.6, 203.0.113.7"),
            ip("203.0.113.7"),
            "a forged left-most entry is ignored"
        );
        assert_eq!(forwarded_client(" 2001:db8::1 "), ip("2001:db8::1"));
        assert_eq!(forwarded_client("6.6.6.6, garbage"), None);
        assert_eq!(forwarded_client(""), None);
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::{Body, to_bytes};
    use axum::http::{Request, StatusCode};
    use axum::routing::{get, post};
    use scheduler::consultations::{Capacity, Topic};
    use serde::Deserialize;
    use serde_json::{Value, json};
    use tower::ServiceExt as _;

    use super::{Json, Query};
    use models::values::PageSize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Command {
        topic: Topic,
        capacity: Option<Capacity>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Page {
        limit: Option<PageSize>,
    }

    fn app() -> Router {
        Router::new()
            .route(
                "/command",
                post(|Json(c): Json<Command>| async move {
                    format!("{} {:?}", c.topic.as_str(), c.capacity.map(Capacity::get))
                }),
            )
            .route(
                "/page",
                get(|Query(p): Query<Page>| async move {
                    format!("{:?}", p.limit.map(PageSize::get))
                }),
            )
    }

    async fn send(request: Request<Body>) -> (StatusCode, Value) {
        let response = app().oneshot(request).await.expect("infallible");
        let status = response.status();
        let body = to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        let body = serde_json::from_slice(&body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
        (status, body)
    }

    async fn post_json(body: &str) -> (StatusCode, Value) {
        send(
            Request::post("/command")
                .header("content-type", "application/json")
                .body(Body::from(body.to_owned()))
                .expect("request"),
        )
        .await
    }

    async fn get_page(query: &str) -> (StatusCode, Value) {
        send(
            Request::get(format!("/page?{query}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await
    }

    fn code(body: &Value) -> &str {
        body["error"]["code"].as_str().unwrap_or_default()
    }

    #[tokio::test]
    async fn a_refused_value_answers_its_rule_and_other_errors_keep_their_codes() {
        let (status, body) = post_json(r#"{"topic":" Essay ","capacity":3}"#).await;
        assert_eq!((status, body), (StatusCode::OK, json!("Essay Some(3)")));

        let (status, body) = post_json(r#"{"topic":"  "}"#).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
        );
        assert_eq!(
            body["error"]["message"],
            "topic must be 1 to 200 characters"
        );
        let (status, body) = post_json(r#"{"topic":"Essay","capacity":0}"#).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
        );
        assert_eq!(
            body["error"]["message"],
            "capacity must be between 1 and 100"
        );

        for invalid in [
            r#"{"topic":5}"#,
            r#"{"topic":"Essay","capacity":"3"}"#,
            r#"{"topic":"Essay","price":0}"#,
            r#"{"capacity":3}"#,
        ] {
            let (status, body) = post_json(invalid).await;
            assert_eq!(
                (status, code(&body)),
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"),
                "{invalid}"
            );
        }
        for malformed in [
            r#"{"topic":"Essay""#,
            r#"{"topic":"", "#,
            r#"{"topic":""} x"#,
        ] {
            let (status, body) = post_json(malformed).await;
            assert_eq!(
                (status, code(&body)),
                (StatusCode::BAD_REQUEST, "malformed_json"),
                "{malformed}"
            );
        }
    }

    #[tokio::test]
    async fn only_json_bodies_are_read() {
        for content_type in [None, Some("text/plain"), Some("text/json")] {
            let mut request = Request::post("/command");
            if let Some(value) = content_type {
                request = request.header("content-type", value);
            }
            let request = request
                .body(Body::from(r#"{"topic":"x"}"#))
                .expect("request");
            let (status, body) = send(request).await;
            assert_eq!(
                (status, code(&body)),
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            );
        }
        let request = Request::post("/command")
            .header("content-type", "application/problem+json; charset=utf-8")
            .body(Body::from(r#"{"topic":"x"}"#))
            .expect("request");
        assert_eq!(send(request).await.0, StatusCode::OK);
    }

    #[tokio::test]
    async fn query_values_are_checked_as_they_are_parsed() {
        assert_eq!(
            get_page("limit=5").await,
            (StatusCode::OK, json!("Some(5)"))
        );
        let (status, body) = get_page("limit=0").await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
        );
        assert_eq!(body["error"]["message"], "limit must be between 1 and 100");
        for invalid in ["limit=abc", "size=5"] {
            let (status, body) = get_page(invalid).await;
            assert_eq!(
                (status, code(&body)),
                (StatusCode::BAD_REQUEST, "invalid_query"),
                "{invalid}"
            );
        }
    }
}

/// A WebSocket upgrade whose refusal (a plain GET, a missing `Sec-WebSocket-Key`) answers in
/// the API's error shape (400 `websocket_upgrade_required`) instead of axum's plain text.
pub struct Upgrade(pub axum::extract::ws::WebSocketUpgrade);

impl<S: Send + Sync> FromRequestParts<S> for Upgrade {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::ws::WebSocketUpgrade::from_request_parts(parts, state)
            .await
            .map(Self)
            .map_err(|rejection| ApiError::BadRequest {
                code: "websocket_upgrade_required",
                message: format!(
                    "this address takes a WebSocket upgrade: {}",
                    rejection.body_text()
                ),
            })
    }
}
