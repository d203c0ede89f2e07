//! Chatterly's domain types and their database access.
//!
//! Every other crate goes through here to read or write PostgreSQL, so the schema's invariants
//! (unique emails, valid roles, revocable sessions) have one home. Pure validation lives next to
//! the types it protects; queries are checked at compile time by `sqlx::query!`.

pub mod availability;
pub mod clash;
pub mod clock;
pub mod cluster;
pub mod consultation;
pub mod conversation;
pub mod error;
pub mod message;
pub mod mood;
pub mod mood_data;
pub mod mood_model;
pub mod node;
pub mod outbox;
pub mod password;
pub mod password_reset;
pub mod profile;
pub mod recording;
pub mod room;
pub mod session;
pub mod user;
pub mod validated;
pub mod values;

pub use error::ModelError;

/// The schema migrations, embedded so the binary and every test apply exactly the same ones.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// The connection pool type used everywhere.
pub type Db = sqlx::PgPool;

/// Whether the database answers a trivial query: the readiness probe's check.
pub async fn ping(db: &Db) -> Result<(), ModelError> {
    sqlx::query_scalar::<_, i32>("SELECT 1")
        .fetch_one(db)
        .await?;
    Ok(())
}
