//! Signing up, logging in (cookie for browsers, token for API clients) and logging out.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header::USER_AGENT};
use axum::response::IntoResponse;
use axum_extra::extract::CookieJar;
use models::password::{self, NewPassword};
use models::profile::{self, DisplayName, Email};
use models::session::{self, ActiveSession, SessionToken};
use models::user::{self, NewUser, User};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{CurrentUser, cleared_cookie, session_cookie};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ClientIp, Json};
use crate::state::AppState;
use crate::views::AccountView;

/// A signup form.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    /// Login email (case-insensitive, must be unique).
    pub email: Email,
    /// 10 to 256 characters.
    pub password: NewPassword,
    /// Name shown to others (1 to 80 characters).
    pub display_name: DisplayName,
    /// IANA time zone; defaults to UTC.
    pub time_zone: Option<String>,
}

/// Login credentials.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Login email.
    pub email: String,
    /// Password.
    pub password: String,
}

/// The answer to a successful login or signup.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// The account now signed in.
    pub user: AccountView,
    /// The new device session's id.
    pub session_id: Uuid,
}

/// The answer to a token request: the bearer token is shown only this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// The account the token belongs to.
    pub user: AccountView,
    /// The new device session's id (revocable like any other).
    pub session_id: Uuid,
}

/// Creates an account and logs it in on this device.
#[utoipa::path(post, path = "/auth/signup", tag = "auth", request_body = SignupRequest,
    responses((status = 201, body = LoginResponse), (status = 409, description = "email taken"),
              (status = 422, description = "invalid field"), (status = 429, description = "rate limited")))]
pub async fn signup(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    jar: CookieJar,
    Json(req): Json<SignupRequest>,
) -> ApiResult<impl IntoResponse> {
    state.limits.check_ip(ip)?;
    let time_zone = match req.time_zone.as_deref() {
        Some(tz) if !tz.trim().is_empty() => profile::validate_time_zone(tz)?,
        _ => "UTC".to_owned(),
    };
    let secret = req.password;
    let password_hash = blocking(move || password::hash_password(secret.expose())).await??;
    let new = NewUser {
        avatar_color: profile::default_avatar_color(req.email.as_str()),
        email: req.email.into_string(),
        password_hash,
        display_name: req.display_name.into_string(),
        time_zone,
    };
    let user = user::create(&state.db, &new, state.config.admin_email.as_deref()).await?;
    tracing::info!(user.id = %user.id, user.role = ?user.role, "account created");
    let (token, session) = open_session(&state, &user, ip, &headers).await?;
    let jar = jar.add(session_cookie(&token, state.config.secure_cookies()));
    Ok((
        StatusCode::CREATED,
        jar,
        Json(LoginResponse {
            user: user.into(),
            session_id: session.id,
        }),
    ))
}

/// Logs in on this browser: sets the HttpOnly session cookie.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, description = "wrong email or password"),
              (status = 429, description = "rate limited")))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    jar: CookieJar,
    Json(req): Json<LoginRequest>,
) -> ApiResult<impl IntoResponse> {
    let user = check_credentials(&state, ip, req).await?;
    let (token, session) = open_session(&state, &user, ip, &headers).await?;
    let jar = jar.add(session_cookie(&token, state.config.secure_cookies()));
    Ok((
        jar,
        Json(LoginResponse {
            user: user.into(),
            session_id: session.id,
        }),
    ))
}

/// Logs in an API client: returns a bearer token instead of setting a cookie.
#[utoipa::path(post, path = "/auth/tokens", tag = "auth", request_body = LoginRequest,
    responses((status = 201, body = TokenResponse), (status = 401, description = "wrong email or password"),
              (status = 429, description = "rate limited")))]
pub async fn create_token(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> ApiResult<impl IntoResponse> {
    let user = check_credentials(&state, ip, req).await?;
    let (token, session) = open_session(&state, &user, ip, &headers).await?;
    let body = TokenResponse {
        token: token.expose().to_owned(),
        user: user.into(),
        session_id: session.id,
    };
    Ok((StatusCode::CREATED, Json(body)))
}

/// Logs out this device: revokes its session and clears the cookie.
#[utoipa::path(post, path = "/auth/logout", tag = "auth",
    responses((status = 204, description = "logged out"), (status = 401, description = "not logged in")))]
pub async fn logout(
    State(state): State<AppState>,
    current: CurrentUser,
    jar: CookieJar,
) -> ApiResult<impl IntoResponse> {
    let hash = session::revoke(&state.db, current.user.id, current.session.id).await?;
    state.auth.session_revoked(current.session.id, &hash);
    Ok((StatusCode::NO_CONTENT, jar.add(cleared_cookie())))
}

/// Applies the rate limits and checks the password; the same error for an unknown email and a
/// wrong password, and the same work, so neither the answer nor its timing reveals accounts.
async fn check_credentials(
    state: &AppState,
    ip: std::net::IpAddr,
    req: LoginRequest,
) -> ApiResult<User> {
    state.limits.check_ip(ip)?;
    let email = profile::normalise_email(&req.email).map_err(|_| ApiError::InvalidCredentials)?;
    state.limits.check_account(&email, Some(ip))?;
    let found = user::find_credentials(&state.db, &email).await?;
    let stored = found.as_ref().map(|(_, hash)| hash.clone());
    let password_ok = blocking(move || match stored {
        Some(hash) => password::verify_password(&req.password, &hash),
        None => password::verify_password(&req.password, password::dummy_hash()),
    })
    .await?;
    match found {
        Some((user, _)) if password_ok => Ok(user),
        _ => Err(ApiError::InvalidCredentials),
    }
}

async fn open_session(
    state: &AppState,
    user: &User,
    ip: std::net::IpAddr,
    headers: &HeaderMap,
) -> ApiResult<(SessionToken, ActiveSession)> {
    let device = session::describe_device(headers.get(USER_AGENT).and_then(|v| v.to_str().ok()));
    let ip = ip.to_string();
    Ok(session::create(&state.db, user.id, &device, Some(&ip)).await?)
}

/// Runs CPU-heavy work (password hashing) off the async worker threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> ApiResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)
}

/// This feature's routes, each at the path its handler's OpenAPI annotation declares.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(signup))
        .routes(routes!(login))
        .routes(routes!(create_token))
        .routes(routes!(logout))
}
