//! Who may do what in one conversation, decided without I/O from its roster: active members
//! write, read and signal; a person invited to a *direct* conversation (a contact request) reads
//! the request but cannot write, signal or send receipts until they accept; a person invited to
//! a *group* sees only the invitation. A blocked direct conversation takes no new messages.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::types::Kind;

/// A member's standing in a conversation.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type, utoipa::ToSchema,
)]
#[sqlx(type_name = "member_status", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum MemberStatus {
    /// Accepted: a full member.
    Active,
    /// Asked to join (a contact request or a group invitation) and has not answered yet.
    Invited,
}

/// One conversation's members and what constrains them, as the gateway caches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roster {
    /// Direct or group.
    pub kind: Kind,
    /// Every member with their standing.
    pub members: Vec<(Uuid, MemberStatus)>,
    /// In a direct conversation: one of the two blocked the other.
    pub blocked: bool,
}

impl Roster {
    fn status_of(&self, user: Uuid) -> Option<MemberStatus> {
        self.members
            .iter()
            .find(|(id, _)| *id == user)
            .map(|(_, status)| *status)
    }

    /// May `user` read this conversation's messages (history, sync, live delivery)?
    pub fn can_read(&self, user: Uuid) -> bool {
        match self.status_of(user) {
            Some(MemberStatus::Active) => true,
            Some(MemberStatus::Invited) => self.kind == Kind::Direct,
            None => false,
        }
    }

    /// May `user` write here, report receipts and show typing?
    pub fn can_write(&self, user: Uuid) -> bool {
        self.status_of(user) == Some(MemberStatus::Active) && !self.blocked
    }

    /// May `user` report delivered/read positions (an invited person's reading stays private)?
    pub fn can_report_positions(&self, user: Uuid) -> bool {
        self.status_of(user) == Some(MemberStatus::Active)
    }

    /// Everyone who receives the conversation's messages and receipts.
    pub fn readers(&self) -> Vec<Uuid> {
        self.members
            .iter()
            .map(|(id, _)| *id)
            .filter(|id| self.can_read(*id))
            .collect()
    }

    /// Whether anyone is still invited (a pending request or invitation).
    pub fn has_invitations(&self) -> bool {
        self.members
            .iter()
            .any(|(_, status)| *status == MemberStatus::Invited)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roster(kind: Kind, blocked: bool) -> Roster {
        Roster {
            kind,
            members: vec![
                (Uuid::from_u128(1), MemberStatus::Active),
                (Uuid::from_u128(2), MemberStatus::Invited),
            ],
            blocked,
        }
    }

    #[test]
    fn a_direct_request_is_read_but_not_answered_before_it_is_accepted() {
        let r = roster(Kind::Direct, false);
        let (asker, asked, stranger) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        assert!(r.can_read(asked));
        assert!(!r.can_write(asked));
        assert!(!r.can_report_positions(asked));
        assert!(r.can_write(asker));
        assert!(!r.can_read(stranger) && !r.can_write(stranger));
        assert_eq!(r.readers(), vec![asker, asked]);
        assert!(r.has_invitations());
    }

    #[test]
    fn a_group_invitation_shows_nothing_of_the_group() {
        let r = roster(Kind::Group, false);
        let invited = Uuid::from_u128(2);
        assert!(!r.can_read(invited));
        assert!(!r.can_write(invited));
        assert_eq!(r.readers(), vec![Uuid::from_u128(1)]);
    }

    #[test]
    fn a_blocked_direct_conversation_takes_no_messages() {
        let r = roster(Kind::Direct, true);
        assert!(!r.can_write(Uuid::from_u128(1)));
        assert!(r.can_read(Uuid::from_u128(1)));
        assert!(r.can_report_positions(Uuid::from_u128(1)));
    }
}
