//! What every part of this module shares: the conversation [`Kind`], the group limits, and the
//! pure rules (direct-conversation key, group name and member list) checked before any write.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ModelError;

/// Most members a group may have, its owner included.
pub const MAX_GROUP_MEMBERS: usize = 100;
/// Longest group name.
pub const MAX_NAME_CHARS: usize = 80;

/// Direct conversations have exactly two members; groups are named and managed by an owner.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type, utoipa::ToSchema,
)]
#[sqlx(type_name = "conversation_kind", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Two people.
    Direct,
    /// A named group.
    Group,
}

/// The key that makes direct conversations unique per pair, whatever the order of the two.
pub fn direct_key(a: Uuid, b: Uuid) -> String {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    format!("{lo}:{hi}")
}

/// Normalises a group name and checks its length.
pub fn normalise_name(raw: &str) -> Result<String, ModelError> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(ModelError::invalid(
            "name",
            format!("must be 1 to {MAX_NAME_CHARS} characters"),
        ));
    }
    Ok(name)
}

/// The distinct members of a new group, owner first; checks the 2..=100 bound.
pub fn group_members(owner: Uuid, others: &[Uuid]) -> Result<Vec<Uuid>, ModelError> {
    let mut members = vec![owner];
    for id in others {
        if !members.contains(id) {
            members.push(*id);
        }
    }
    if members.len() < 2 {
        return Err(ModelError::invalid(
            "member_ids",
            "a group needs at least one other member",
        ));
    }
    if members.len() > MAX_GROUP_MEMBERS {
        return Err(ModelError::invalid(
            "member_ids",
            format!("a group holds at most {MAX_GROUP_MEMBERS} members"),
        ));
    }
    Ok(members)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_key_ignores_order() {
        let a = Uuid::from_u128(1);
        let b = Uuid::from_u128(2);
        assert_eq!(direct_key(a, b), direct_key(b, a));
        assert_ne!(direct_key(a, b), direct_key(a, Uuid::from_u128(3)));
    }

    #[test]
    fn group_members_are_distinct_and_bounded() {
        let owner = Uuid::from_u128(1);
        let others: Vec<Uuid> = (2..=3).map(Uuid::from_u128).collect();
        assert_eq!(
            group_members(owner, &[others[0], others[0], owner, others[1]])
                .unwrap()
                .len(),
            3
        );
        assert!(group_members(owner, &[]).is_err());
        assert!(group_members(owner, &[owner]).is_err());
        let many: Vec<Uuid> = (2..=100).map(Uuid::from_u128).collect();
        assert_eq!(group_members(owner, &many).unwrap().len(), 100);
        let too_many: Vec<Uuid> = (2..=101).map(Uuid::from_u128).collect();
        assert!(group_members(owner, &too_many).is_err());
    }

    #[test]
    fn group_names_are_trimmed_and_bounded() {
        assert_eq!(normalise_name("  Study   group ").unwrap(), "Study group");
        assert!(normalise_name(" ").is_err());
        assert!(normalise_name(&"x".repeat(81)).is_err());
    }
}
