//! Device sessions: one per login, identified by a random bearer token of which only a SHA-256
//! hash is stored, listable and revocable by their owner.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore as _;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{Db, ModelError};

/// How long a session lives after login before the user must log in again.
pub const SESSION_LIFETIME_DAYS: i64 = 30;

/// The PostgreSQL notification channel on which revoked sessions are announced, so every server
/// process drops them from its cache and closes their WebSockets at once.
pub const REVOKED_CHANNEL: &str = "chatterly_session_revoked";

/// A secret session token as given to the client (cookie value or bearer token).
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    /// Draws a new 256-bit token from the OS random number generator.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Wraps a token received from a client.
    pub fn from_client(raw: &str) -> Self {
        Self(raw.to_owned())
    }

    /// The token text, to put in a cookie or response.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The SHA-256 of the token: what the database stores and caches are keyed by.
    pub fn hash(&self) -> TokenHash {
        TokenHash(Sha256::digest(self.0.as_bytes()).into())
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

/// The stored form of a session token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash(pub [u8; 32]);

impl TokenHash {
    /// Hex form, used in notifications between server processes.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Parses the hex form back; `None` if malformed.
    pub fn from_hex(hex: &str) -> Option<Self> {
        if hex.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(Self(out))
    }
}

/// An active session resolved from a token: who is calling, from which session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActiveSession {
    /// The session's id (what the user sees and revokes).
    pub id: Uuid,
    /// Its owner.
    pub user_id: Uuid,
    /// When it stops being valid.
    pub expires_at: DateTime<Utc>,
}

/// A session as listed on the account page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// Session id.
    pub id: Uuid,
    /// Human description of the device ("Chrome on Linux").
    pub device: String,
    /// Address the login came from.
    pub ip: Option<String>,
    /// Login time.
    pub created_at: DateTime<Utc>,
    /// Last time the session was used (updated at most about once a minute).
    pub last_seen_at: DateTime<Utc>,
}

/// Stores a new session for `user_id` and returns it with its token (shown to the client once).
pub async fn create(
    db: &Db,
    user_id: Uuid,
    device: &str,
    ip: Option<&str>,
) -> Result<(SessionToken, ActiveSession), ModelError> {
    let token = SessionToken::generate();
    let id = Uuid::now_v7();
    let expires_at = Utc::now() + Duration::days(SESSION_LIFETIME_DAYS);
    sqlx::query!(
        "INSERT INTO sessions (id, user_id, token_hash, device, ip, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        id,
        user_id,
        &token.hash().0[..],
        device,
        ip,
        expires_at,
    )
    .execute(db)
    .await?;
    Ok((
        token,
        ActiveSession {
            id,
            user_id,
            expires_at,
        },
    ))
}

/// Resolves a token hash to its session if it is neither revoked, expired nor idle (unused for
/// longer than `idle_hours`), and records use. An idle session is revoked, so it also leaves the
/// owner's device list.
pub async fn authenticate(
    db: &Db,
    hash: &TokenHash,
    idle_hours: u32,
) -> Result<Option<ActiveSession>, ModelError> {
    let idle_hours = i32::try_from(idle_hours).unwrap_or(i32::MAX);
    let row = sqlx::query_as!(
        ActiveSession,
        "UPDATE sessions SET last_seen_at = now()
         WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()
           AND last_seen_at > now() - make_interval(hours => $2)
         RETURNING id, user_id, expires_at",
        &hash.0[..],
        idle_hours,
    )
    .fetch_optional(db)
    .await?;
    if row.is_none() {
        sqlx::query!(
            "UPDATE sessions SET revoked_at = now()
             WHERE token_hash = $1 AND revoked_at IS NULL
               AND last_seen_at <= now() - make_interval(hours => $2)",
            &hash.0[..],
            idle_hours,
        )
        .execute(db)
        .await?;
    }
    Ok(row)
}

/// Lists a user's active sessions, most recently used first.
pub async fn list_active(db: &Db, user_id: Uuid) -> Result<Vec<SessionInfo>, ModelError> {
    let rows = sqlx::query_as!(
        SessionInfo,
        "SELECT id, device, ip, created_at, last_seen_at FROM sessions
         WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now()
         ORDER BY last_seen_at DESC, id",
        user_id,
    )
    .fetch_all(db)
    .await?;
    Ok(rows)
}

/// Revokes one of `user_id`'s sessions and announces it to every server process.
///
/// Returns the revoked token's hash so the caller can evict it from its own cache immediately;
/// [`ModelError::NotFound`] if the session is not this user's or already revoked.
pub async fn revoke(db: &Db, user_id: Uuid, session_id: Uuid) -> Result<TokenHash, ModelError> {
    let mut tx = db.begin().await?;
    let hash = sqlx::query_scalar!(
        "UPDATE sessions SET revoked_at = now()
         WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL
         RETURNING token_hash",
        session_id,
        user_id,
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ModelError::NotFound)?;
    let hash = stored_hash(hash)?;
    announce_revoked(&mut tx, session_id, &hash).await?;
    tx.commit().await?;
    Ok(hash)
}

/// A token hash as stored (32 bytes).
fn stored_hash(bytes: Vec<u8>) -> Result<TokenHash, ModelError> {
    let hash: [u8; 32] = bytes.try_into().map_err(|_| {
        ModelError::Database(sqlx::Error::Protocol(
            "stored token hash is not 32 bytes".into(),
        ))
    })?;
    Ok(TokenHash(hash))
}

/// Tells every server process (on [`REVOKED_CHANNEL`], when `tx` commits) that a session is
/// revoked, so each closes its sockets and forgets the token.
async fn announce_revoked(
    tx: &mut sqlx::PgConnection,
    session_id: Uuid,
    hash: &TokenHash,
) -> Result<(), ModelError> {
    sqlx::query!(
        "SELECT pg_notify($1, $2)",
        REVOKED_CHANNEL,
        format!("{}:{}", session_id, hash.to_hex())
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Sets `user_id`'s password to `new_hash` and revokes every other session of theirs (all but
/// `keep`, the device making the change), announcing each revocation, in one transaction:
/// after a password change no other device stays signed in. Returns the revoked sessions'
/// ids and token hashes, for the caller's own cache.
pub async fn change_password(
    db: &Db,
    user_id: Uuid,
    keep: Uuid,
    new_hash: &str,
) -> Result<Vec<(Uuid, TokenHash)>, ModelError> {
    let mut tx = db.begin().await?;
    let revoked = set_password(&mut tx, user_id, keep, new_hash).await?;
    tx.commit().await?;
    Ok(revoked)
}

/// Inside `tx`: sets the password and revokes every session of the user but `keep` (a nil id
/// keeps none), announcing each; returns the revoked sessions.
pub(crate) async fn set_password(
    tx: &mut sqlx::PgConnection,
    user_id: Uuid,
    keep: Uuid,
    new_hash: &str,
) -> Result<Vec<(Uuid, TokenHash)>, ModelError> {
    let changed = sqlx::query!(
        "UPDATE users SET password_hash = $2 WHERE id = $1",
        user_id,
        new_hash,
    )
    .execute(&mut *tx)
    .await?;
    if changed.rows_affected() != 1 {
        return Err(ModelError::NotFound);
    }
    let rows = sqlx::query!(
        "UPDATE sessions SET revoked_at = now()
         WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL
         RETURNING id, token_hash",
        user_id,
        keep,
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut revoked = Vec::with_capacity(rows.len());
    for row in rows {
        let hash = stored_hash(row.token_hash)?;
        announce_revoked(&mut *tx, row.id, &hash).await?;
        revoked.push((row.id, hash));
    }
    Ok(revoked)
}

/// Turns a `User-Agent` header into a short description such as "Firefox on Android", so a
/// person can recognise their devices in the session list.
pub fn describe_device(user_agent: Option<&str>) -> String {
    let Some(ua) = user_agent.filter(|ua| !ua.trim().is_empty()) else {
        return "Unknown device".to_owned();
    };
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Chromium/", "Chromium"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
        ("reqwest", "API client"),
    ]
    .iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| *name);
    let os = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| *name);
    match (browser, os) {
        (Some(b), Some(o)) => format!("{b} on {o}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(o)) => format!("Browser on {o}"),
        (None, None) => ua.chars().take(60).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hash_stably() {
        let a = SessionToken::generate();
        let b = SessionToken::generate();
        assert_ne!(a.expose(), b.expose());
        assert_eq!(a.expose().len(), 43);
        assert_eq!(a.hash(), SessionToken::from_client(a.expose()).hash());
        assert_ne!(a.hash(), b.hash());
    }

    #[test]
    fn token_hash_hex_round_trips() {
        let h = SessionToken::generate().hash();
        assert_eq!(TokenHash::from_hex(&h.to_hex()), Some(h));
        assert_eq!(TokenHash::from_hex("zz"), None);
        assert_eq!(TokenHash::from_hex(&"g".repeat(64)), None);
    }

    #[test]
    fn debug_never_prints_the_token() {
        let t = SessionToken::generate();
        assert!(!format!("{t:?}").contains(t.expose()));
    }

    #[test]
    fn devices_are_described_readably() {
        let chrome_linux = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36";
        assert_eq!(describe_device(Some(chrome_linux)), "Chrome on Linux");
        let firefox_android =
            "Mozilla/5.0 (Android 14; Mobile; rv:130.0) Gecko/130.0 Firefox/130.0";
        assert_eq!(describe_device(Some(firefox_android)), "Firefox on Android");
        let safari_iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(describe_device(Some(safari_iphone)), "Safari on iPhone");
        assert_eq!(describe_device(None), "Unknown device");
        assert_eq!(describe_device(Some("curl/8.0")), "curl");
    }
}
