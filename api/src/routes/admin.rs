//! Administration: admins list accounts, change roles, and see the running nodes.

use axum::extract::State;
use models::user::{self, Role};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::AdminUser;
use crate::error::{ApiError, ApiResult, not_found};
use crate::extract::{Json, Path, Query};
use crate::routes::users::DirectoryParams;
use crate::state::AppState;
use crate::views::{AccountView, UserList};

/// A role change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    /// The new role.
    pub role: Role,
}

/// Lists accounts (with emails), searchable by name or email.
#[utoipa::path(get, path = "/admin/users", tag = "admin", params(DirectoryParams),
    responses((status = 200, body = UserList<AccountView>), (status = 403, description = "not an admin")))]
pub async fn list_users(
    State(state): State<AppState>,
    _admin: AdminUser,
    Query(params): Query<DirectoryParams>,
) -> ApiResult<Json<UserList<AccountView>>> {
    let users = user::search(&state.db, &params.to_query(), true).await?;
    Ok(Json(UserList {
        users: users.into_iter().map(AccountView::from).collect(),
    }))
}

/// Changes a user's role. The last admin cannot be demoted, so the system never loses its
/// administrators.
#[utoipa::path(put, path = "/admin/users/{id}/role", tag = "admin", request_body = RoleChange,
    params(("id" = Uuid, Path, description = "user id")),
    responses((status = 200, body = AccountView), (status = 403, description = "not an admin"),
              (status = 404, description = "no such user"), (status = 409, description = "last admin")))]
pub async fn set_role(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<Uuid>,
    Json(change): Json<RoleChange>,
) -> ApiResult<Json<AccountView>> {
    let target = user::find(&state.db, id).await.map_err(not_found("user"))?;
    if target.role == Role::Admin
        && change.role != Role::Admin
        && user::count_admins(&state.db).await? <= 1
    {
        return Err(ApiError::Conflict {
            code: "last_admin",
            message: "the last admin cannot be demoted; promote another admin first".into(),
        });
    }
    let updated = user::set_role(&state.db, id, change.role).await?;
    state.auth.user_changed(id);
    tracing::info!(admin.id = %admin.user.id, user.id = %id, role = ?change.role, "role changed");
    Ok(Json(updated.into()))
}

/// One running Chatterly process.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct NodeView {
    /// The node's id (new at every start).
    pub id: Uuid,
    /// Where it listens (`host:port`, `CHATTERLY_NODE_ADDRESS`).
    pub address: String,
    /// When it started.
    pub started_at: chrono::DateTime<chrono::Utc>,
    /// Its last heartbeat; a node silent for longer than `CHATTERLY_NODE_TTL_SECONDS` is gone.
    pub heartbeat_at: chrono::DateTime<chrono::Utc>,
    /// Chat connections it held at that heartbeat.
    pub connections: i32,
    /// Whether it is shutting down.
    pub draining: bool,
    /// Whether this is the node that answered.
    pub this_node: bool,
}

/// The running nodes.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct NodeList {
    /// Oldest first.
    pub nodes: Vec<NodeView>,
}

/// Lists the live nodes of this deployment (service discovery): each process registers itself
/// and renews its lease; a node whose lease ran out is not listed.
#[utoipa::path(get, path = "/admin/nodes", tag = "admin",
    responses((status = 200, body = NodeList), (status = 403, description = "not an admin")))]
pub async fn list_nodes(
    State(state): State<AppState>,
    _admin: AdminUser,
) -> ApiResult<Json<NodeList>> {
    let ttl = std::time::Duration::from_secs(state.config.node_ttl_seconds);
    let me = state.gateway.node();
    let nodes = models::node::live(&state.db, ttl).await?;
    Ok(Json(NodeList {
        nodes: nodes
            .into_iter()
            .map(|n| NodeView {
                this_node: n.id == me,
                id: n.id,
                address: n.address,
                started_at: n.started_at,
                heartbeat_at: n.heartbeat_at,
                connections: n.connections,
                draining: n.draining,
            })
            .collect(),
    }))
}

/// This feature's routes, each at the path its handler's OpenAPI annotation declares.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users))
        .routes(routes!(set_role))
        .routes(routes!(list_nodes))
}
