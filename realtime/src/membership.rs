//! Conversation membership as use cases: each runs the data layer's transaction
//! (`models::conversation`), then invalidates the gateway's roster cache and tells a removed
//! member's devices, so no caller can forget either. Requests, invitations and blocks
//! (consent before contact) go through here too. The HTTP edge then announces the
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

/// Opens the direct conversation between `me` and `other` (a request unless they are
/// contacts), or returns the existing one, accepting `other`'s pending request to `me`.
pub async fn open_direct(gateway: &Gateway, me: Uuid, other: Uuid) -> Result<Started, ModelError> {
    let opened = conversation::open_direct(&gateway.db, me, other).await?;
    if opened.accepted {
        gateway.forget_members(opened.id);
    }
    started(gateway, opened.id, opened.created).await
}

/// `me` accepts the request or invitation to `id`: from now on a member (and a contact of the
/// other members).
pub async fn accept(gateway: &Gateway, me: Uuid, id: Uuid) -> Result<(), MembershipError> {
    conversation::accept(&gateway.db, id, me)
        .await
        .map_err(missing("invitation"))?;
    gateway.forget_members(id);
    tracing::info!(conversation.id = %id, "invitation accepted");
    Ok(())
}

/// `me` declines the request or invitation to `id`. A declined direct request is deleted:
/// the asker's devices get `removed`. Returns who remains a member (to announce the change).
pub async fn decline(gateway: &Gateway, me: Uuid, id: Uuid) -> Result<Vec<Uuid>, MembershipError> {
    let declined = conversation::decline(&gateway.db, id, me)
        .await
        .map_err(missing("invitation"))?;
    Ok(withdrawn(gateway, &declined))
}

/// Tells the devices concerned that an invitation was withdrawn; returns who must see the
/// changed conversation (nobody when it was deleted).
fn withdrawn(gateway: &Gateway, declined: &conversation::Declined) -> Vec<Uuid> {
    gateway.forget_members(declined.conversation);
    let mut gone = vec![declined.user];
    if declined.deleted {
        gone.extend(declined.remaining.iter().copied());
    }
    let frame = ServerFrame::Removed {
        conversation: declined.conversation,
    }
    .to_json();
    for user in gone {
        let unfollow = Event::Unfollow {
            conversation: declined.conversation,
            frame: frame.clone().into(),
        };
        gateway.send_to_user(user, &unfollow);
    }
    if declined.deleted {
        Vec::new()
    } else {
        declined.remaining.clone()
    }
}

/// `me` blocks `other`: requests between them are withdrawn (their devices hear `removed`),
/// their direct conversation takes no new messages. Returns the groups whose remaining
/// members must see the change, with those members.
pub async fn block(
    gateway: &Gateway,
    me: Uuid,
    other: Uuid,
) -> Result<Vec<(Uuid, Vec<Uuid>)>, MembershipError> {
    let blocked = conversation::block(&gateway.db, me, other)
        .await
        .map_err(missing("user"))?;
    if let Some(direct) = blocked.direct {
        gateway.forget_members(direct);
    }
    tracing::info!(withdrawn = blocked.withdrawn.len(), "user blocked");
    Ok(blocked
        .withdrawn
        .iter()
        .map(|w| (w.conversation, withdrawn(gateway, w)))
        .filter(|(_, remaining)| !remaining.is_empty())
        .collect())
}

/// `me` unblocks `other`: their direct conversation takes messages again.
pub async fn unblock(gateway: &Gateway, me: Uuid, other: Uuid) -> Result<(), MembershipError> {
    let direct = conversation::unblock(&gateway.db, me, other)
        .await
        .map_err(missing("block"))?;
    if let Some(direct) = direct {
        gateway.forget_members(direct);
    }
    Ok(())
}

/// Creates a group named `name` owned by `me`, inviting `member_ids`.
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

/// Invites `user` to group `id` (its owner, `me`, only).
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
    gateway.send_to_user(user, &unfollow);
    Ok(conversation::member_ids(&gateway.db, id).await?)
}

/// Takes `users` out of conversation `id` at once, on every device (`removed`), for the system's
/// own decisions (a student who gave up a consultation place); returns who remains.
pub async fn expel(gateway: &Gateway, id: Uuid, users: &[Uuid]) -> Result<Vec<Uuid>, ModelError> {
    let removed = conversation::expel(&gateway.db, id, users).await?;
    gateway.forget_members(id);
    let frame = ServerFrame::Removed { conversation: id }.to_json();
    for user in removed {
        let unfollow = Event::Unfollow {
            conversation: id,
            frame: frame.clone().into(),
        };
        gateway.send_to_user(user, &unfollow);
    }
    conversation::member_ids(&gateway.db, id).await
}

/// Refuses callers who may not read the conversation, as if it did not exist.
async fn member_of(gateway: &Gateway, me: Uuid, id: Uuid) -> Result<(), MembershipError> {
    if conversation::can_read(&gateway.db, id, me).await? {
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
