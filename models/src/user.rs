//! Users: who someone is (profile), what they may do (role), and how to find them (directory).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::on_constraint;
use crate::validated::{self, InvalidValue};
use crate::values::PageSize;
use crate::{Db, ModelError, deserialize_by_try_from};

/// What a user may do. Everyone signs up as a student; admins promote lecturers and admins.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type, utoipa::ToSchema,
)]
#[sqlx(type_name = "user_role", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Books consultations and chats.
    Student,
    /// Publishes availability, runs consultations, sees contacts' mood.
    Lecturer,
    /// Manages accounts and the sentiment model.
    Admin,
}

/// A user account as the application sees it (never includes the password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Stable identifier.
    pub id: Uuid,
    /// Normalised (lower-case) email, unique.
    pub email: String,
    /// Name shown to others.
    pub display_name: String,
    /// IANA time zone used to show times to this user.
    pub time_zone: String,
    /// Avatar background colour, `#rrggbb`.
    pub avatar_color: String,
    /// What this user may do.
    pub role: Role,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

/// The fields needed to create an account; all already validated and normalised.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Normalised email.
    pub email: String,
    /// Argon2 PHC string.
    pub password_hash: String,
    /// Normalised display name.
    pub display_name: String,
    /// Canonical IANA time zone.
    pub time_zone: String,
    /// `#rrggbb` colour.
    pub avatar_color: String,
}

/// A partial profile change; `None` leaves a field as it is. Values are already validated.
#[derive(Debug, Clone, Default)]
pub struct ProfileChange {
    /// New display name.
    pub display_name: Option<String>,
    /// New time zone.
    pub time_zone: Option<String>,
    /// New avatar colour.
    pub avatar_color: Option<String>,
}

/// Creates an account. The very first account, or one whose email is `admin_email`, becomes an
/// admin; everyone else starts as a student. Serialised by an advisory lock so two racing first
/// signups cannot both become admin.
pub async fn create(db: &Db, new: &NewUser, admin_email: Option<&str>) -> Result<User, ModelError> {
    let mut tx = db.begin().await?;
    sqlx::query!("SELECT pg_advisory_xact_lock(7461001)")
        .execute(&mut *tx)
        .await?;
    let named_admin = admin_email.is_some_and(|a| a.eq_ignore_ascii_case(&new.email));
    let user = sqlx::query_as!(
        User,
        r#"INSERT INTO users (id, email, password_hash, display_name, time_zone, avatar_color, role)
           VALUES ($1, $2, $3, $4, $5, $6,
                   CASE WHEN $7 OR NOT EXISTS (SELECT 1 FROM users)
                        THEN 'admin'::user_role ELSE 'student'::user_role END)
           RETURNING id, email, display_name, time_zone, avatar_color,
                     role AS "role: Role", created_at"#,
        Uuid::now_v7(),
        new.email,
        new.password_hash,
        new.display_name,
        new.time_zone,
        new.avatar_color,
        named_admin,
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| {
        on_constraint(
            e,
            "users_email_key",
            "email_taken",
            "an account with this email already exists",
        )
    })?;
    tx.commit().await?;
    Ok(user)
}

/// Loads a user and their password hash by normalised email, for logging in.
pub async fn find_credentials(db: &Db, email: &str) -> Result<Option<(User, String)>, ModelError> {
    let row = sqlx::query!(
        r#"SELECT id, email, display_name, time_zone, avatar_color, role AS "role: Role",
                  created_at, password_hash
           FROM users WHERE email = $1"#,
        email
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| {
        let user = User {
            id: r.id,
            email: r.email,
            display_name: r.display_name,
            time_zone: r.time_zone,
            avatar_color: r.avatar_color,
            role: r.role,
            created_at: r.created_at,
        };
        (user, r.password_hash)
    }))
}

/// Loads a user by id.
pub async fn find(db: &Db, id: Uuid) -> Result<User, ModelError> {
    sqlx::query_as!(
        User,
        r#"SELECT id, email, display_name, time_zone, avatar_color, role AS "role: Role", created_at
           FROM users WHERE id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?
    .ok_or(ModelError::NotFound)
}

/// The PostgreSQL notification channel on which changed users are announced, so every server
/// process drops its cached copy.
pub const CHANGED_CHANNEL: &str = "chatterly_user_changed";

async fn announce_change(db: &Db, id: Uuid) -> Result<(), ModelError> {
    sqlx::query!("SELECT pg_notify($1, $2)", CHANGED_CHANNEL, id.to_string())
        .execute(db)
        .await?;
    Ok(())
}

/// Applies a profile change and returns the updated user.
pub async fn update_profile(db: &Db, id: Uuid, change: &ProfileChange) -> Result<User, ModelError> {
    let user = sqlx::query_as!(
        User,
        r#"UPDATE users SET
               display_name = COALESCE($2, display_name),
               time_zone    = COALESCE($3, time_zone),
               avatar_color = COALESCE($4, avatar_color),
               updated_at   = now()
           WHERE id = $1
           RETURNING id, email, display_name, time_zone, avatar_color,
                     role AS "role: Role", created_at"#,
        id,
        change.display_name,
        change.time_zone,
        change.avatar_color,
    )
    .fetch_optional(db)
    .await?
    .ok_or(ModelError::NotFound)?;
    announce_change(db, id).await?;
    Ok(user)
}

/// Changes a user's role (an admin action).
pub async fn set_role(db: &Db, id: Uuid, role: Role) -> Result<User, ModelError> {
    let user = sqlx::query_as!(
        User,
        r#"UPDATE users SET role = $2, updated_at = now() WHERE id = $1
           RETURNING id, email, display_name, time_zone, avatar_color,
                     role AS "role: Role", created_at"#,
        id,
        role as Role,
    )
    .fetch_optional(db)
    .await?
    .ok_or(ModelError::NotFound)?;
    announce_change(db, id).await?;
    Ok(user)
}

/// How many admins exist; an admin may not demote the last one.
pub async fn count_admins(db: &Db) -> Result<i64, ModelError> {
    let n = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM users WHERE role = 'admin'"#)
        .fetch_one(db)
        .await?;
    Ok(n)
}

/// Longest directory search text, in characters.
pub const MAX_NAME_FILTER_CHARS: usize = 100;

/// What a directory search matches: a substring of the display name (or of the email, for
/// admins), case-insensitive, at most [`MAX_NAME_FILTER_CHARS`] characters; empty matches all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameFilter(String);

impl TryFrom<String> for NameFilter {
    type Error = InvalidValue;
    fn try_from(text: String) -> Result<Self, InvalidValue> {
        if text.chars().count() > MAX_NAME_FILTER_CHARS {
            return Err(InvalidValue::new(
                "q",
                format!("must be at most {MAX_NAME_FILTER_CHARS} characters"),
            ));
        }
        Ok(Self(text))
    }
}

impl NameFilter {
    /// The text as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

deserialize_by_try_from!(NameFilter: String);

impl utoipa::PartialSchema for NameFilter {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        validated::text_schema(0, MAX_NAME_FILTER_CHARS)
    }
}
impl utoipa::ToSchema for NameFilter {}

/// A directory query: a name fragment, an optional role filter and a page.
#[derive(Debug, Clone)]
pub struct DirectoryQuery {
    /// What names (or emails, for admins) must contain.
    pub text: NameFilter,
    /// Only users with this role.
    pub role: Option<Role>,
    /// Page size.
    pub limit: PageSize,
    /// Rows to skip.
    pub offset: i64,
}

/// Escapes `%`, `_` and `\` so user text is matched literally by `ILIKE`.
pub fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Searches users by display name (and by email when `include_email` is set, for admins),
/// ordered by name.
pub async fn search(
    db: &Db,
    q: &DirectoryQuery,
    include_email: bool,
) -> Result<Vec<User>, ModelError> {
    let pattern = like_pattern(q.text.as_str().trim());
    let users = sqlx::query_as!(
        User,
        r#"SELECT id, email, display_name, time_zone, avatar_color, role AS "role: Role", created_at
           FROM users
           WHERE (lower(display_name) LIKE lower($1) OR ($2 AND email LIKE lower($1)))
             AND ($3::user_role IS NULL OR role = $3)
           ORDER BY lower(display_name), id
           LIMIT $4 OFFSET $5"#,
        pattern,
        include_email,
        q.role as Option<Role>,
        q.limit.get(),
        q.offset,
    )
    .fetch_all(db)
    .await?;
    Ok(users)
}

#[cfg(test)]
mod tests {
    use super::{MAX_NAME_FILTER_CHARS, NameFilter, like_pattern};

    #[test]
    fn name_filters_have_a_length_limit() {
        assert!(NameFilter::try_from(String::new()).is_ok());
        assert!(NameFilter::try_from("é".repeat(MAX_NAME_FILTER_CHARS)).is_ok());
        assert_eq!(
            NameFilter::try_from("x".repeat(MAX_NAME_FILTER_CHARS + 1)).map_err(|e| e.to_string()),
            Err("q must be at most 100 characters".to_owned())
        );
    }

    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(like_pattern("ada"), "%ada%");
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
        assert_eq!(like_pattern(""), "%%");
    }
}
