//! Who may see a mood reading: the one rule (docs/privacy.md, "Mood"), without I/O, and what a
//! viewer sees of someone's mood from the readings they may see.
//!
//! A viewer may see a subject's reading when they are the subject, or when the two are contacts
//! (the `contact_pairs` view), the subject shares with the viewer's role (lecturers and admins:
//! `mood_share_lecturers`; students: `mood_share_students`), and both are *active* members of
//! the reading's conversation. So history, the contact list, the live push and corrections only
//! ever cover readings from conversations the two people share.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::{Reading, Scores, UserMood};
use crate::user::Role;

/// Whom a user shows their mood to: their answer to the first-use prompt (both off until then).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Choice {
    /// Lecturers (and admins) among their contacts see it.
    pub lecturers: bool,
    /// Fellow students among their contacts see it.
    pub students: bool,
}

impl Choice {
    /// Whether a contact with `role` is in the audience.
    pub fn shows_to(self, role: Role) -> bool {
        match role {
            Role::Student => self.students,
            Role::Lecturer | Role::Admin => self.lecturers,
        }
    }

    /// Whether anyone is: a user who shares with nobody is not measured at all.
    pub fn anyone(self) -> bool {
        self.lecturers || self.students
    }
}

/// What decides whether `viewer` may see `subject`'s readings in one conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    /// Who looks.
    pub viewer: Uuid,
    /// Their role.
    pub viewer_role: Role,
    /// Whose readings.
    pub subject: Uuid,
    /// Whom the subject shows their mood to.
    pub choice: Choice,
    /// Whether the two are contacts (`contact_pairs`).
    pub contacts: bool,
    /// The conversation the readings are from.
    pub conversation: Uuid,
    /// Whether the viewer is an active member of it.
    pub viewer_active: bool,
    /// Whether the subject is an active member of it.
    pub subject_active: bool,
}

impl Facts {
    /// The rule: the subject themselves, or a contact the subject shares with who is, like the
    /// subject, an active member of the reading's conversation.
    pub fn allow(&self) -> bool {
        self.viewer == self.subject
            || (self.contacts
                && self.choice.shows_to(self.viewer_role)
                && self.viewer_active
                && self.subject_active)
    }
}

/// A reading with the facts about one viewer of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Who would see it, and whether they may.
    pub facts: Facts,
    /// The reading (its conversation is `facts.conversation`).
    pub reading: Reading,
    /// The model version that measured it.
    pub model_name: Option<String>,
}

/// What one viewer sees of one subject's mood.
#[derive(Debug, Clone, PartialEq)]
pub struct SeenMood {
    /// Who sees it.
    pub viewer: Uuid,
    /// The mood (its `user_id` is the subject).
    pub mood: UserMood,
}

/// What each viewer sees of each subject: of the readings the rule lets them see, those of the
/// latest window, combined (a viewer who shares several conversations with the subject sees
/// what the subject wrote in all of them in that window). Pairs with nothing visible are absent.
pub fn seen_moods(candidates: Vec<Candidate>) -> Vec<SeenMood> {
    let mut by_pair: BTreeMap<(Uuid, Uuid), Vec<Candidate>> = BTreeMap::new();
    for c in candidates.into_iter().filter(|c| c.facts.allow()) {
        by_pair
            .entry((c.facts.viewer, c.facts.subject))
            .or_default()
            .push(c);
    }
    by_pair
        .into_iter()
        .filter_map(|((viewer, subject), visible)| {
            let latest = visible.iter().map(|c| c.reading.window_start).max()?;
            let mut window: Vec<&Candidate> = visible
                .iter()
                .filter(|c| c.reading.window_start == latest)
                .collect();
            window.sort_by_key(|c| c.reading.id);
            let first = window.first()?;
            let readings: Vec<&Reading> = window.iter().map(|c| &c.reading).collect();
            Some(SeenMood {
                viewer,
                mood: UserMood {
                    user_id: subject,
                    scores: combine(&readings)?,
                    message_count: readings.iter().map(|r| r.message_count).sum(),
                    window_start: latest,
                    window_end: first.reading.window_end,
                    model_name: first.model_name.clone(),
                },
            })
        })
        .collect()
}

/// Several readings of one window as one result: the class probabilities averaged, weighted by
/// the messages each was measured from, and the most probable class of each scale. One reading
/// is returned as it is; none gives `None`.
pub fn combine(readings: &[&Reading]) -> Option<Scores> {
    match readings {
        [] => None,
        [one] => Some(one.scores.clone()),
        many => {
            let weights: Vec<f64> = many
                .iter()
                .map(|r| f64::from(r.message_count.max(1)))
                .collect();
            let emotion = weighted(many, &weights, |s| &s.emotion_probabilities);
            let intensity = weighted(many, &weights, |s| &s.intensity_probabilities);
            Some(Scores {
                emotion: most_probable(&emotion),
                intensity: most_probable(&intensity),
                emotion_probabilities: emotion,
                intensity_probabilities: intensity,
            })
        }
    }
}

fn weighted(readings: &[&Reading], weights: &[f64], of: impl Fn(&Scores) -> &Vec<f64>) -> Vec<f64> {
    let total: f64 = weights.iter().sum();
    let classes = readings
        .iter()
        .map(|r| of(&r.scores).len())
        .max()
        .unwrap_or(0);
    (0..classes)
        .map(|i| {
            readings
                .iter()
                .zip(weights)
                .map(|(r, w)| w * of(&r.scores).get(i).copied().unwrap_or(0.0))
                .sum::<f64>()
                / total
        })
        .collect()
}

/// The index of the largest probability (the first on a tie); 2 (neutral) for an empty list.
fn most_probable(probabilities: &[f64]) -> i16 {
    probabilities
        .iter()
        .enumerate()
        .fold(None::<(usize, f64)>, |best, (i, &p)| match best {
            Some((_, b)) if b >= p => best,
            _ => Some((i, p)),
        })
        .and_then(|(i, _)| i16::try_from(i).ok())
        .unwrap_or(2)
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Duration, Utc};

    use super::*;

    const ALL: Choice = Choice {
        lecturers: true,
        students: true,
    };

    fn facts(viewer_role: Role, choice: Choice) -> Facts {
        Facts {
            viewer: Uuid::from_u128(1),
            viewer_role,
            subject: Uuid::from_u128(2),
            choice,
            contacts: true,
            conversation: Uuid::from_u128(10),
            viewer_active: true,
            subject_active: true,
        }
    }

    #[test]
    fn each_role_sees_only_what_the_subject_chose_for_it() {
        let lecturers = Choice {
            lecturers: true,
            students: false,
        };
        let students = Choice {
            lecturers: false,
            students: true,
        };
        assert!(facts(Role::Lecturer, lecturers).allow());
        assert!(
            facts(Role::Admin, lecturers).allow(),
            "admins count as lecturers"
        );
        assert!(!facts(Role::Student, lecturers).allow());
        assert!(facts(Role::Student, students).allow());
        assert!(!facts(Role::Lecturer, students).allow());
        assert!(
            !facts(Role::Lecturer, Choice::default()).allow(),
            "off until chosen"
        );
        assert!(!facts(Role::Student, Choice::default()).allow());
    }

    #[test]
    fn only_contacts_active_in_the_readings_conversation_see_it() {
        assert!(facts(Role::Lecturer, ALL).allow());
        let not_contacts = Facts {
            contacts: false,
            ..facts(Role::Lecturer, ALL)
        };
        assert!(!not_contacts.allow(), "a block or no shared context");
        let viewer_invited = Facts {
            viewer_active: false,
            ..facts(Role::Lecturer, ALL)
        };
        assert!(!viewer_invited.allow(), "the viewer has not accepted");
        let subject_invited = Facts {
            subject_active: false,
            ..facts(Role::Lecturer, ALL)
        };
        assert!(!subject_invited.allow());
    }

    #[test]
    fn the_subject_always_sees_their_own_readings() {
        let own = Facts {
            viewer: Uuid::from_u128(2),
            contacts: false,
            viewer_active: false,
            subject_active: false,
            ..facts(Role::Student, Choice::default())
        };
        assert!(own.allow());
    }

    fn reading(id: i64, conversation: u128, start: DateTime<Utc>, emotion: &[f64]) -> Reading {
        Reading {
            id,
            user_id: Uuid::from_u128(2),
            conversation_id: Uuid::from_u128(conversation),
            scores: Scores {
                emotion: most_probable(emotion),
                intensity: 2,
                emotion_probabilities: emotion.to_vec(),
                intensity_probabilities: vec![0.0, 0.0, 1.0, 0.0, 0.0],
            },
            message_count: 1,
            window_start: start,
            window_end: start + Duration::minutes(5),
        }
    }

    fn candidate(reading: Reading, facts: Facts) -> Candidate {
        Candidate {
            facts: Facts {
                conversation: reading.conversation_id,
                ..facts
            },
            reading,
            model_name: Some("builtin".into()),
        }
    }

    #[test]
    fn a_viewer_sees_the_latest_window_of_the_conversations_they_may_see() {
        let t0 = Utc::now();
        let t1 = t0 + Duration::minutes(5);
        let sad = [0.7, 0.2, 0.1, 0.0, 0.0];
        let happy = [0.0, 0.0, 0.1, 0.2, 0.7];
        let shared = facts(Role::Lecturer, ALL);
        let elsewhere = Facts {
            viewer_active: false,
            ..shared
        };
        let seen = seen_moods(vec![
            candidate(reading(1, 10, t0, &sad), shared),
            // A later, happy reading from a conversation the viewer is not active in: unseen.
            candidate(reading(2, 11, t1, &happy), elsewhere),
        ]);
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].viewer, shared.viewer);
        assert_eq!(seen[0].mood.user_id, shared.subject);
        assert_eq!(seen[0].mood.window_start, t0);
        assert_eq!(seen[0].mood.scores.emotion, 0);
        assert!(seen_moods(vec![candidate(reading(2, 11, t1, &happy), elsewhere)]).is_empty());
    }

    #[test]
    fn readings_of_one_window_combine_by_message_count() {
        let t0 = Utc::now();
        let mut sad = reading(1, 10, t0, &[0.8, 0.2, 0.0, 0.0, 0.0]);
        sad.message_count = 3;
        let happy = reading(2, 11, t0, &[0.0, 0.0, 0.0, 0.2, 0.8]);
        let combined = combine(&[&sad, &happy]).expect("two readings");
        assert_eq!(combined.emotion, 0, "three sad messages outweigh one happy");
        let sum: f64 = combined.emotion_probabilities.iter().sum();
        assert!((sum - 1.0).abs() < 1e-9);
        assert_eq!(combine(&[&happy]).expect("one"), happy.scores);
        assert_eq!(combine(&[]), None);
    }
}
