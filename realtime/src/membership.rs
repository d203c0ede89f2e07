//! Conversation membership as use cases: each runs the data layer's transaction
//! (`models::conversation`), then invalidates the gateway's member cache and tells a removed
//! member's devices, so no caller can forget either. The HTTP edge then announces the
//! conversation to the people concerned (their own view of it).

use models::values::GroupName;
use models::{ModelError, conversation};
use uuid::Uuid;

use crate::Gateway;
use crate::hub::Event;
use crate::protocol::ServerFrame;

/// Why a membership change was refused.
#[derive(Debug, thiserror::Error)]
pub enum MembershipError {
    /// The conversation (or the member) does not exist for the caller (`what` names it).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The data layer refused (not the owner, group full, invalid input) or failed.
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// A conversation that the caller started or found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    /// The conversation.
    pub id: Uuid,
    /// Whether it is new (a direct conversation may already exist).
    pub created: bool,
    /// Its members, the caller included.
    pub members: Vec<Uuid>,
}

/// Opens the direct conversation between `me` and `other`, or returns the existing one.
pub async fn open_direct(gateway: &Gateway, me: Uuid, other: Uuid) -> Result<Started, ModelError> {
    let (id, created) = conversation::open_direct(&gateway.db, me, other).await?;
    started(gateway, id, created).await
}

/// Creates a group named `name` owned by `me` with `member_ids`.
pub async fn create_group(
    gateway: &Gateway,
    me: Uuid,
    name: &GroupName,
    member_ids: &[Uuid],
) -> Result<Started, ModelError> {
    let id = conversation::create_group(&gateway.db, me, name.as_str(), member_ids).await?;
    started(gateway, id, true).await
}

async fn started(gateway: &Gateway, id: Uuid, created: bool) -> Result<Started, ModelError> {
    let members = conversation::member_ids(&gateway.db, id).await?;
    if created {
        tracing::info!(conversation.id = %id, members = members.len(), "conversation created");
    }
    Ok(Started {
        id,
        created,
        members,
    })
}

/// Adds `user` to group `id` (its owner, `me`, only).
pub async fn add_member(
    gateway: &Gateway,
    me: Uuid,
    id: Uuid,
    user: Uuid,
) -> Result<(), MembershipError> {
    member_of(gateway, me, id).await?;
    conversation::add_member(&gateway.db, id, me, user)
        .await
        .map_err(missing("conversation"))?;
    gateway.forget_members(id);
    Ok(())
}

/// Removes `user` from conversation `id` (the owner removes anyone; anyone removes themselves,
/// which is leaving); their devices get `removed` and stop following it. Returns who remains.
pub async fn remove_member(
    gateway: &Gateway,
    me: Uuid,
    id: Uuid,
    user: Uuid,
) -> Result<Vec<Uuid>, MembershipError> {
    member_of(gateway, me, id).await?;
    conversation::remove_member(&gateway.db, id, me, user)
        .await
        .map_err(missing("member"))?;
    gateway.forget_members(id);
    let frame = ServerFrame::Removed { conversation: id }.to_json().into();
    let unfollow = Event::Unfollow {
        conversation: id,
        frame,
    };
    gateway.hub.send_to_user(user, &unfollow);
    Ok(conversation::member_ids(&gateway.db, id).await?)
}

/// Refuses callers who are not members, as if the conversation did not exist.
async fn member_of(gateway: &Gateway, me: Uuid, id: Uuid) -> Result<(), MembershipError> {
    if conversation::is_member(&gateway.db, id, me).await? {
        Ok(())
    } else {
        Err(MembershipError::NotFound("conversation"))
    }
}

fn missing(what: &'static str) -> impl Fn(ModelError) -> MembershipError {
    move |e| match e {
        ModelError::NotFound => MembershipError::NotFound(what),
        other => MembershipError::Model(other),
    }
}
