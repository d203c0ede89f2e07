//! Forgotten passwords: ask for a reset link by email (the same answer whether or not the
//! address has an account), then choose a new password with the link's token, which signs out
//! every device.

use axum::extract::State;
use axum::http::StatusCode;
use models::password::{self, NewPassword};
use models::password_reset;
use models::profile::Email;
use models::session::SessionToken;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiResult;
use crate::extract::{ClientIp, Json};
use crate::routes::auth::blocking;
use crate::state::AppState;

/// Who forgot their password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    /// The account's email address.
    pub email: Email,
}

/// The answer to every reset request, whether or not the address has an account.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResetRequested {
    /// What happens next.
    pub message: &'static str,
}

/// A new password chosen with a reset link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetConfirmation {
    /// The `token` of the emailed link.
    pub token: String,
    /// The new password (8 to 128 characters).
    pub new_password: NewPassword,
}

/// Emails a reset link to the account of `email`, if there is one (at most three an hour). The
/// answer is the same either way, so nobody learns which addresses have accounts.
#[utoipa::path(post, path = "/auth/password-reset", tag = "auth", request_body = ResetRequest,
    responses((status = 202, body = ResetRequested, description = "a link is on its way if the account exists"),
              (status = 422, description = "not an email address"),
              (status = 429, description = "too many requests from this address")))]
pub async fn request_reset(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(request): Json<ResetRequest>,
) -> ApiResult<(StatusCode, Json<ResetRequested>)> {
    state.limits.check_ip(ip)?;
    state
        .limits
        .check_account(request.email.as_str(), Some(ip))?;
    let queued =
        password_reset::request(&state.db, request.email.as_str(), state.clock.now()).await?;
    tracing::info!(queued, "password reset requested");
    Ok((
        StatusCode::ACCEPTED,
        Json(ResetRequested {
            message: "If an account has this address, a link to choose a new password is on its way. It works once, for an hour.",
        }),
    ))
}

/// Sets a new password with a reset link's token; every session of the account is signed out.
#[utoipa::path(post, path = "/auth/password-reset/confirm", tag = "auth", request_body = ResetConfirmation,
    responses((status = 204, description = "the password is changed; sign in with it"),
              (status = 409, description = "`invalid_token`: unknown, used or expired link"),
              (status = 422, description = "the new password is too short or too long"),
              (status = 429, description = "too many attempts from this address")))]
pub async fn confirm_reset(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(confirmation): Json<ResetConfirmation>,
) -> ApiResult<StatusCode> {
    state.limits.check_ip(ip)?;
    let ResetConfirmation {
        token,
        new_password,
    } = confirmation;
    let new_hash = blocking(move || password::hash_password(new_password.expose())).await??;
    let token = SessionToken::from_client(&token);
    let revoked = password_reset::redeem(&state.db, &token, &new_hash, state.clock.now()).await?;
    for (id, hash) in &revoked {
        state.auth.session_revoked(*id, hash);
    }
    tracing::info!(sessions.revoked = revoked.len(), "password reset");
    Ok(StatusCode::NO_CONTENT)
}

/// This feature's routes, each at the path its handler's OpenAPI annotation declares.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request_reset))
        .routes(routes!(confirm_reset))
}
