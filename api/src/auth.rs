//! Who is calling: the session token (cookie for browsers, bearer token for API clients) is
//! resolved to a user through the cache in [`AuthCache`], and the request extractors
//! ([`CurrentUser`], [`AdminUser`]) and session cookies built on it.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use models::session::{self, ActiveSession, SessionToken};
use models::user::{Role, User};

// The cache the extractors resolve tokens through lives in its own module (the application state
// holds it, and the extractors read the state); re-exported so `crate::auth::` paths still work.
pub use crate::auth_cache::{AuthCache, AuthEvent, follow_changes};
use crate::error::ApiError;
use crate::state::AppState;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "chatterly_session";

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// Their account.
    pub user: User,
    /// The device session the request came with.
    pub session: ActiveSession,
}

/// Takes the session token from the `Authorization: Bearer` header or the session cookie.
fn token_from(parts: &Parts) -> Option<SessionToken> {
    if let Some(value) = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        return value
            .strip_prefix("Bearer ")
            .map(|t| SessionToken::from_client(t.trim()));
    }
    CookieJar::from_headers(&parts.headers)
        .get(SESSION_COOKIE)
        .map(|c| SessionToken::from_client(c.value()))
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = token_from(parts).ok_or(ApiError::Unauthenticated)?;
        let (session, user) = state
            .auth
            .resolve(&state.db, &token)
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        Ok(Self { user, session })
    }
}

/// The authenticated caller, required to be an admin (403 otherwise).
#[derive(Debug, Clone)]
pub struct AdminUser(pub CurrentUser);

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let current = CurrentUser::from_request_parts(parts, state).await?;
        if current.user.role == Role::Admin {
            Ok(Self(current))
        } else {
            Err(ApiError::Forbidden("only admins may do this"))
        }
    }
}

/// The session cookie for a fresh login: HttpOnly, SameSite=Lax, Secure behind HTTPS.
pub fn session_cookie(token: &SessionToken, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token.expose().to_owned()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(time_days(session::SESSION_LIFETIME_DAYS))
        .build()
}

/// A cookie that deletes the session cookie.
pub fn cleared_cookie() -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, ""))
        .path("/")
        .max_age(time_days(0))
        .build()
}

fn time_days(days: i64) -> time::Duration {
    time::Duration::days(days)
}
