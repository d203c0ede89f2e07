//! `chatterly admin create EMAIL`: gives a deployment its first (or another) admin from the
//! shell, without signing up through the page. An existing account is promoted; a new one is
//! created with a one-time random password, printed once, to be changed on the account page.

use models::password::{self, MIN_PASSWORD_LEN};
use models::profile::{self, DisplayName, Email};
use models::user::{self, NewUser, Role};
use models::{Db, ModelError};
use rand::distr::{Alphanumeric, SampleString};

use crate::StartupError;
use crate::config::Config;

/// Length of the generated one-time password.
const GENERATED_PASSWORD_CHARS: usize = 24;

/// Why an admin could not be made.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The database could not be reached or started.
    #[error(transparent)]
    Startup(#[from] StartupError),
    /// The email or name is not valid.
    #[error("{0}")]
    Invalid(#[from] models::validated::InvalidValue),
    /// The database refused.
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// What `admin create` did, for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Made {
    /// The account existed and is now an admin (it may have been one already).
    Promoted,
    /// A new admin account with this one-time password.
    Created {
        /// Shown once; the admin changes it after signing in.
        password: String,
    },
}

/// Connects as the server would (the private cluster when no `DATABASE_URL` is set), makes
/// `email` an admin, and stops the cluster again; returns the line to print.
pub async fn create(
    config: &Config,
    email: &str,
    name: Option<&str>,
) -> Result<String, AdminError> {
    let email = Email::try_from(email)?;
    let name = DisplayName::try_from(name.unwrap_or("Administrator"))?;
    let (db, cluster) = crate::connect(config).await?;
    let made = make_admin(&db, &email, &name).await;
    db.close().await;
    if let Some(cluster) = cluster
        && let Err(e) = cluster.stop().await
    {
        tracing::warn!(error = %e, "could not stop the private PostgreSQL cluster");
    }
    Ok(match made? {
        Made::Promoted => format!("{} is an admin.", email.as_str()),
        Made::Created { password } => format!(
            "Created the admin {} with the one-time password {password}\n\
             Sign in with it and change it on the account page.",
            email.as_str()
        ),
    })
}

/// Promotes the account with `email`, or creates it as an admin with a random password.
pub async fn make_admin(db: &Db, email: &Email, name: &DisplayName) -> Result<Made, ModelError> {
    if let Some((existing, _)) = user::find_credentials(db, email.as_str()).await? {
        user::set_role(db, existing.id, Role::Admin).await?;
        return Ok(Made::Promoted);
    }
    let generated = Alphanumeric.sample_string(&mut rand::rng(), GENERATED_PASSWORD_CHARS);
    debug_assert!(generated.len() >= MIN_PASSWORD_LEN);
    let hash = password::hash_password(&generated)?;
    let new = NewUser {
        email: email.as_str().to_owned(),
        password_hash: hash,
        display_name: name.as_str().to_owned(),
        time_zone: "UTC".to_owned(),
        avatar_color: profile::default_avatar_color(email.as_str()),
    };
    let created = user::create(db, &new, None).await?;
    user::set_role(db, created.id, Role::Admin).await?;
    Ok(Made::Created {
        password: generated,
    })
}
