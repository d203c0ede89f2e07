//! The load's users: seeded straight into the database with API sessions, in full groups.

use sqlx::postgres::PgPoolOptions;
use tests::server_process::seed_user;
use uuid::Uuid;

/// A seeded user: who, their bearer token, and their group.
pub(crate) struct Seeded {
    pub(crate) user: Uuid,
    pub(crate) token: String,
    pub(crate) conversation: Uuid,
}

/// Creates users, their API sessions and the groups.
pub(crate) async fn seed(
    db_url: &str,
    users: usize,
    group_size: usize,
) -> anyhow::Result<Vec<Seeded>> {
    let db = PgPoolOptions::new()
        .max_connections(8)
        .connect(db_url)
        .await?;
    let hash = models::password::hash_password("loadgen password")?;
    let mut ids = Vec::with_capacity(users);
    let mut tokens = Vec::with_capacity(users);
    for i in 0..users {
        let (id, token) = seed_user(
            &db,
            format!("user{i}@load.test"),
            format!("User {i}"),
            &hash,
            "loadgen",
        )
        .await?;
        ids.push(id);
        tokens.push(token);
    }
    let mut seeded = Vec::with_capacity(users);
    // Users left over after the last full group are not connected.
    for (group, tokens) in ids
        .chunks_exact(group_size)
        .zip(tokens.chunks_exact(group_size))
    {
        let conversation =
            models::conversation::create_group(&db, group[0], "Load group", &group[1..]).await?;
        for invited in &group[1..] {
            models::conversation::accept(&db, conversation, *invited).await?;
        }
        for (user, token) in group.iter().zip(tokens) {
            seeded.push(Seeded {
                user: *user,
                token: token.clone(),
                conversation,
            });
        }
    }
    db.close().await;
    Ok(seeded)
}
