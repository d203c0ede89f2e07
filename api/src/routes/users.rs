//! The user directory: signed-in users find lecturers and classmates.

use axum::extract::State;
use models::conversation;
use models::user::{self, DirectoryQuery, NameFilter, Role};
use models::values::PageSize;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::CurrentUser;
use crate::error::{ApiResult, not_found};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use crate::views::{ProfileView, UserList};

/// Directory search parameters.
#[derive(Debug, Deserialize, IntoParams, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectoryParams {
    /// Part of a name, case-insensitive (at most 100 characters).
    #[param(inline)]
    pub q: Option<NameFilter>,
    /// Only this role.
    pub role: Option<Role>,
    /// Page size, 1 to 100 (default 20).
    #[serde(default, deserialize_with = "PageSize::unsigned")]
    #[param(inline)]
    pub limit: Option<PageSize>,
    /// Users to skip (default 0).
    pub offset: Option<u32>,
}

impl DirectoryParams {
    /// The parameters as a database query (each was checked as it was parsed).
    pub fn to_query(&self) -> DirectoryQuery {
        DirectoryQuery {
            text: self.q.clone().unwrap_or_default(),
            role: self.role,
            limit: self.limit.unwrap_or(PageSize::LIST),
            offset: i64::from(self.offset.unwrap_or(0)),
        }
    }
}

/// Searches the directory by name and role (time zones only of the caller's contacts).
#[utoipa::path(get, path = "/users", tag = "directory", params(DirectoryParams),
    responses((status = 200, body = UserList<ProfileView>), (status = 401, description = "not logged in")))]
pub async fn search(
    State(state): State<AppState>,
    current: CurrentUser,
    Query(params): Query<DirectoryParams>,
) -> ApiResult<Json<UserList<ProfileView>>> {
    let me = current.user.id;
    let users = user::search(&state.db, &params.to_query(), false).await?;
    let contacts = conversation::contact_ids(&state.db, me).await?;
    Ok(Json(UserList {
        users: users
            .into_iter()
            .map(|u| {
                let visible = u.id == me || contacts.contains(&u.id);
                ProfileView::seen_by(u, visible)
            })
            .collect(),
    }))
}

/// One user's public profile (the time zone only for a contact).
#[utoipa::path(get, path = "/users/{id}", tag = "directory",
    params(("id" = Uuid, Path, description = "user id")),
    responses((status = 200, body = ProfileView), (status = 404, description = "no such user")))]
pub async fn profile(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ProfileView>> {
    let me = current.user.id;
    let user = user::find(&state.db, id).await.map_err(not_found("user"))?;
    let visible = id == me || conversation::is_contact(&state.db, me, id).await?;
    Ok(Json(ProfileView::seen_by(user, visible)))
}

/// This feature's routes, each at the path its handler's OpenAPI annotation declares.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search))
        .routes(routes!(profile))
}
