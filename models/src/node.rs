//! The nodes of a deployment (several `chatterly serve` processes on one database) and which
//! users have devices on which node: the shared half of presence. Each node renews a lease
//! (`heartbeat_at`); a node whose lease is older than the TTL is dead, and the first survivor
//! to notice removes it and learns whose presence went with it. Time is the database's, so the
//! nodes' own clocks never disagree about a lease.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Db, ModelError};

/// A registered node, as the admin's node list shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NodeInfo {
    /// The node's id (new at every start).
    pub id: Uuid,
    /// Where other nodes reach it (`host:port` of its HTTP listener).
    pub address: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// Its last renewed lease.
    pub heartbeat_at: DateTime<Utc>,
    /// Chat connections it held at its last heartbeat.
    pub connections: i32,
    /// Whether it is shutting down (no longer accepting connections).
    pub draining: bool,
}

/// A user whose last device went with a dead node and who is connected nowhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Departed {
    /// The user.
    pub user_id: Uuid,
    /// Their last seen time: the dead node's last heartbeat.
    pub last_seen_at: DateTime<Utc>,
}

fn ttl_seconds(ttl: std::time::Duration) -> f64 {
    ttl.as_secs_f64()
}

/// Registers this node (or renews it, if it is already there).
pub async fn register(db: &Db, id: Uuid, address: &str) -> Result<(), ModelError> {
    sqlx::query!(
        "INSERT INTO nodes (id, address) VALUES ($1, $2)
         ON CONFLICT (id) DO UPDATE SET heartbeat_at = now(), draining = false",
        id,
        address,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Renews this node's lease; `false` if it is no longer registered (another node took it for
/// dead after a stall), so the caller registers again and re-announces its users.
pub async fn heartbeat(db: &Db, id: Uuid, connections: usize) -> Result<bool, ModelError> {
    let connections = i32::try_from(connections).unwrap_or(i32::MAX);
    let renewed = sqlx::query!(
        "UPDATE nodes SET heartbeat_at = now(), connections = $2 WHERE id = $1",
        id,
        connections,
    )
    .execute(db)
    .await?;
    Ok(renewed.rows_affected() == 1)
}

/// Marks this node as draining (shutting down), so the node list shows it.
pub async fn set_draining(db: &Db, id: Uuid) -> Result<(), ModelError> {
    sqlx::query!("UPDATE nodes SET draining = true WHERE id = $1", id)
        .execute(db)
        .await?;
    Ok(())
}

/// Removes every node whose lease expired (never `me`) and their presence rows, in one
/// transaction so only one survivor reports each departure. Returns the users who are now
/// connected to no live node, with their last seen set to the dead node's last heartbeat.
pub async fn reap(
    db: &Db,
    me: Uuid,
    ttl: std::time::Duration,
) -> Result<Vec<Departed>, ModelError> {
    let mut tx = db.begin().await?;
    let rows = sqlx::query!(
        r#"WITH dead AS (
               DELETE FROM nodes
               WHERE id <> $1 AND heartbeat_at < now() - make_interval(secs => $2)
               RETURNING id, heartbeat_at
           ), gone AS (
               DELETE FROM node_presence p USING dead
               WHERE p.node_id = dead.id
               RETURNING p.user_id, dead.heartbeat_at
           )
           SELECT user_id AS "user_id!", max(heartbeat_at) AS "last_seen_at!"
           FROM gone GROUP BY user_id"#,
        me,
        ttl_seconds(ttl),
    )
    .fetch_all(&mut *tx)
    .await?;
    let candidates: Vec<Uuid> = rows.iter().map(|r| r.user_id).collect();
    // Still online through another live node (a row of this statement's survivors).
    let elsewhere = sqlx::query_scalar!(
        r#"SELECT DISTINCT p.user_id AS "user_id!" FROM node_presence p
           JOIN nodes n ON n.id = p.node_id
           WHERE p.user_id = ANY($1) AND n.heartbeat_at >= now() - make_interval(secs => $2)"#,
        &candidates,
        ttl_seconds(ttl),
    )
    .fetch_all(&mut *tx)
    .await?;
    let departed: Vec<Departed> = rows
        .into_iter()
        .filter(|r| !elsewhere.contains(&r.user_id))
        .map(|r| Departed {
            user_id: r.user_id,
            last_seen_at: r.last_seen_at,
        })
        .collect();
    for d in &departed {
        sqlx::query!(
            "UPDATE users SET last_seen_at = GREATEST(COALESCE(last_seen_at, $2), $2) WHERE id = $1",
            d.user_id,
            d.last_seen_at,
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(departed)
}

/// Records that `user` has a device on node `me`; returns whether they were already online
/// through another live node (then contacts need not hear it again).
pub async fn arrive(
    db: &Db,
    me: Uuid,
    user: Uuid,
    ttl: std::time::Duration,
) -> Result<bool, ModelError> {
    let elsewhere = sqlx::query_scalar!(
        r#"WITH mine AS (
               INSERT INTO node_presence (user_id, node_id) VALUES ($2, $1)
               ON CONFLICT DO NOTHING
           )
           SELECT EXISTS (
               SELECT 1 FROM node_presence p JOIN nodes n ON n.id = p.node_id
               WHERE p.user_id = $2 AND p.node_id <> $1
                 AND n.heartbeat_at >= now() - make_interval(secs => $3)
           ) AS "elsewhere!""#,
        me,
        user,
        ttl_seconds(ttl),
    )
    .fetch_one(db)
    .await?;
    Ok(elsewhere)
}

/// Records that `user` has no device left on node `me`; returns whether they are still online
/// through another live node.
pub async fn depart(
    db: &Db,
    me: Uuid,
    user: Uuid,
    ttl: std::time::Duration,
) -> Result<bool, ModelError> {
    let elsewhere = sqlx::query_scalar!(
        r#"WITH mine AS (
               DELETE FROM node_presence WHERE user_id = $2 AND node_id = $1
           )
           SELECT EXISTS (
               SELECT 1 FROM node_presence p JOIN nodes n ON n.id = p.node_id
               WHERE p.user_id = $2 AND p.node_id <> $1
                 AND n.heartbeat_at >= now() - make_interval(secs => $3)
           ) AS "elsewhere!""#,
        me,
        user,
        ttl_seconds(ttl),
    )
    .fetch_one(db)
    .await?;
    Ok(elsewhere)
}

/// Records that every user in `users` has a device on node `me` (after registering again).
pub async fn arrive_all(db: &Db, me: Uuid, users: &[Uuid]) -> Result<(), ModelError> {
    sqlx::query!(
        "INSERT INTO node_presence (user_id, node_id)
         SELECT u, $1 FROM unnest($2::uuid[]) AS u
         JOIN users ON users.id = u
         ON CONFLICT DO NOTHING",
        me,
        users,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Which of `users` have a device on any live node.
pub async fn online_among(
    db: &Db,
    users: &[Uuid],
    ttl: std::time::Duration,
) -> Result<Vec<Uuid>, ModelError> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    Ok(sqlx::query_scalar!(
        r#"SELECT DISTINCT p.user_id AS "user_id!" FROM node_presence p
           JOIN nodes n ON n.id = p.node_id
           WHERE p.user_id = ANY($1) AND n.heartbeat_at >= now() - make_interval(secs => $2)"#,
        users,
        ttl_seconds(ttl),
    )
    .fetch_all(db)
    .await?)
}

/// Unregisters node `me` at shutdown, with its presence rows.
pub async fn leave(db: &Db, me: Uuid) -> Result<(), ModelError> {
    let mut tx = db.begin().await?;
    sqlx::query!("DELETE FROM node_presence WHERE node_id = $1", me)
        .execute(&mut *tx)
        .await?;
    sqlx::query!("DELETE FROM nodes WHERE id = $1", me)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The live nodes (lease within the TTL), oldest first.
pub async fn live(db: &Db, ttl: std::time::Duration) -> Result<Vec<NodeInfo>, ModelError> {
    Ok(sqlx::query_as!(
        NodeInfo,
        "SELECT id, address, started_at, heartbeat_at, connections, draining FROM nodes
         WHERE heartbeat_at >= now() - make_interval(secs => $1)
         ORDER BY started_at, id",
        ttl_seconds(ttl),
    )
    .fetch_all(db)
    .await?)
}
