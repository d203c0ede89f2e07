//! The one error type at the HTTP edge: every failure becomes a status code and a body
//! `{ "error": { "code": "...", "message": "..." } }` with a stable, machine-readable code.
//! Internal failures are logged here, once, and never described to the client.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use models::ModelError;
use serde::Serialize;

/// An error answered to an HTTP client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed (bad JSON, bad path or query parameter).
    #[error("{message}")]
    BadRequest {
        /// Machine-readable code.
        code: &'static str,
        /// Explanation for a human.
        message: String,
    },
    /// A field is well-formed JSON but its value is not acceptable.
    #[error("{message}")]
    Unprocessable {
        /// Machine-readable code.
        code: &'static str,
        /// Explanation for a human.
        message: String,
    },
    /// No valid session accompanied a request that needs one.
    #[error("you need to log in")]
    Unauthenticated,
    /// Email or password was wrong.
    #[error("email or password is incorrect")]
    InvalidCredentials,
    /// The caller is logged in but may not do this.
    #[error("{0}")]
    Forbidden(&'static str),
    /// The caller may not do this, with a code saying why.
    #[error("{message}")]
    Denied {
        /// Machine-readable code.
        code: &'static str,
        /// Explanation for a human.
        message: std::borrow::Cow<'static, str>,
    },
    /// The thing asked for does not exist, or is not the caller's to see.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The endpoint exists but not with this method.
    #[error("method not allowed on this endpoint")]
    MethodNotAllowed,
    /// The request conflicts with existing data.
    #[error("{message}")]
    Conflict {
        /// Machine-readable code.
        code: &'static str,
        /// Explanation for a human.
        message: std::borrow::Cow<'static, str>,
    },
    /// Too many attempts; try again after the given number of seconds.
    #[error("too many attempts, try again in {retry_after_secs} s")]
    RateLimited {
        /// Seconds until a retry can succeed.
        retry_after_secs: u64,
    },
    /// The caller already holds as many of something (connections, bookings) as one person
    /// may; not a matter of waiting like [`ApiError::RateLimited`].
    #[error("{message}")]
    TooMany {
        /// Machine-readable code.
        code: &'static str,
        /// What the limit is and what to do.
        message: String,
    },
    /// The request body is larger than allowed.
    #[error("request body is too large")]
    PayloadTooLarge,
    /// The request body is not of the type the endpoint takes; says which it takes.
    #[error("{0}")]
    UnsupportedMediaType(&'static str),
    /// This node is shutting down; the client should retry (reaching another node).
    #[error("this server is restarting; reconnect in a moment")]
    Draining,
    /// Something failed on our side; details are in the log only.
    #[error("internal error")]
    Internal(String),
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorBody {
    error: ErrorDetail,
}

/// The error object every failing request returns.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorDetail {
    /// Stable machine-readable code, e.g. `email_taken`, `validation_failed`.
    code: &'static str,
    /// Human-readable explanation.
    message: String,
}

impl ApiError {
    /// The HTTP status and machine-readable code for this error.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, code),
            Self::Unprocessable { code, .. } => (StatusCode::UNPROCESSABLE_ENTITY, code),
            Self::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            Self::InvalidCredentials => (StatusCode::UNAUTHORIZED, "invalid_credentials"),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Self::Denied { code, .. } => (StatusCode::FORBIDDEN, code),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Self::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            Self::Conflict { code, .. } => (StatusCode::CONFLICT, code),
            Self::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            Self::TooMany { code, .. } => (StatusCode::TOO_MANY_REQUESTS, code),
            Self::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            Self::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            Self::Draining => (StatusCode::SERVICE_UNAVAILABLE, "draining"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// Wraps an unexpected failure, keeping its description for the log.
    pub fn internal(err: impl std::fmt::Display) -> Self {
        Self::Internal(err.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let Self::Internal(detail) = &self {
            tracing::error!(error = %detail, "request failed");
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code,
                message: self.to_string(),
            },
        };
        let mut response = (status, Json(body)).into_response();
        if let Self::Draining = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(1));
        }
        if let Self::RateLimited { retry_after_secs } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
    }
}

impl From<ModelError> for ApiError {
    fn from(err: ModelError) -> Self {
        match err {
            ModelError::Invalid { field, message } => Self::Unprocessable {
                code: "validation_failed",
                message: format!("{field} {message}"),
            },
            ModelError::Conflict { code, message } => Self::Conflict { code, message },
            ModelError::Clash(clash) => Self::Conflict {
                code: scheduler::consultations::ClashSeenAs::of(clash).code(),
                message: clash.to_string().into(),
            },
            ModelError::NotFound => Self::NotFound("resource"),
            ModelError::Forbidden(message) => Self::Forbidden(message),
            ModelError::Hashing(e) => Self::Internal(e),
            ModelError::Database(e) => Self::Internal(e.to_string()),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        ModelError::Database(err).into()
    }
}

/// What a JSON endpoint answers a body of another type.
pub const EXPECTED_JSON: &str = "expected a JSON body with Content-Type: application/json";

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(e) => Self::Unprocessable {
                code: "invalid_body",
                message: e.body_text(),
            },
            JsonRejection::JsonSyntaxError(e) => Self::BadRequest {
                code: "malformed_json",
                message: e.body_text(),
            },
            JsonRejection::MissingJsonContentType(_) => Self::UnsupportedMediaType(EXPECTED_JSON),
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Self::PayloadTooLarge
            }
            other => Self::BadRequest {
                code: "bad_request",
                message: other.body_text(),
            },
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        Self::BadRequest {
            code: "invalid_path",
            message: rejection.body_text(),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::BadRequest {
            code: "invalid_query",
            message: rejection.body_text(),
        }
    }
}

/// Maps [`ModelError::NotFound`] to a 404 naming `what`, passing other errors on; for
/// `.map_err(not_found("session"))`.
pub fn not_found(what: &'static str) -> impl Fn(ModelError) -> ApiError {
    move |e| match e {
        ModelError::NotFound => ApiError::NotFound(what),
        other => other.into(),
    }
}

/// Result type of handlers.
pub type ApiResult<T> = Result<T, ApiError>;
