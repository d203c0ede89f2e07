//! A lecturer's overview of their students' moods: for every student contact whose mood the one
//! visibility rule ([`super::visibility`]) lets the lecturer see, the current mood, a daily trend
//! over two weeks and whether they "may be struggling" — Sad or Very Sad in several measured
//! windows in a row, never from one window or one message. Students the lecturer may not see
//! are simply absent.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use uuid::Uuid;

use super::{Reading, UserMood, moods_seen, readings_seen};
use crate::conversation::contacts;
use crate::user::Role;
use crate::{Db, ModelError};

/// Measured windows in a row, each Sad or Very Sad, that make a student "may be struggling".
pub const STRUGGLING_WINDOWS: usize = 3;
/// Days the trend covers.
pub const TREND_DAYS: i64 = 14;
/// Most readings looked at per student.
const MAX_READINGS: i64 = 2_000;
/// Emotion index of Sad: this and Very Sad (0) count as sad.
const SAD: usize = 1;

/// One measured window of a student, over every conversation the viewer may see.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowMood {
    /// Start of the window.
    pub start: DateTime<Utc>,
    /// Emotion probabilities averaged over the window's readings, weighted by message count.
    pub emotion_probabilities: [f64; 5],
    /// Messages in the window.
    pub messages: i32,
}

impl WindowMood {
    /// The most likely emotion index.
    pub fn emotion(&self) -> usize {
        (0..5).fold(0, |best, c| {
            if self.emotion_probabilities[c] > self.emotion_probabilities[best] {
                c
            } else {
                best
            }
        })
    }

    /// Expected emotion on −2 (Very Sad) .. +2 (Very Happy).
    pub fn score(&self) -> f64 {
        (0..5)
            .map(|c| self.emotion_probabilities[c] * (c as f64 - 2.0))
            .sum()
    }
}

/// Readings grouped into windows (oldest first), each combined over its conversations.
pub fn windows(readings: &[Reading]) -> Vec<WindowMood> {
    let mut sorted: Vec<&Reading> = readings.iter().collect();
    sorted.sort_by_key(|r| r.window_start);
    let mut out: Vec<WindowMood> = Vec::new();
    for r in sorted {
        let weight = f64::from(r.message_count.max(1));
        let p = |c: usize| {
            r.scores
                .emotion_probabilities
                .get(c)
                .copied()
                .unwrap_or(0.0)
        };
        match out.last_mut() {
            Some(w) if w.start == r.window_start => {
                let total = f64::from(w.messages.max(1));
                for c in 0..5 {
                    w.emotion_probabilities[c] =
                        (w.emotion_probabilities[c] * total + p(c) * weight) / (total + weight);
                }
                w.messages += r.message_count.max(1);
            }
            _ => out.push(WindowMood {
                start: r.window_start,
                emotion_probabilities: std::array::from_fn(p),
                messages: r.message_count.max(1),
            }),
        }
    }
    out
}

/// How many of the latest windows in a row are Sad or Very Sad.
pub fn sad_streak(windows: &[WindowMood]) -> usize {
    windows
        .iter()
        .rev()
        .take_while(|w| w.emotion() <= SAD)
        .count()
}

/// "May be struggling": at least [`STRUGGLING_WINDOWS`] sad windows in a row (so never one
/// message or one window).
pub fn may_be_struggling(windows: &[WindowMood]) -> bool {
    sad_streak(windows) >= STRUGGLING_WINDOWS
}

/// One day of the trend: the mean expected emotion of that day's windows (UTC days).
#[derive(Debug, Clone, PartialEq)]
pub struct TrendDay {
    /// The day.
    pub day: NaiveDate,
    /// Mean of [`WindowMood::score`] over the day's windows.
    pub score: f64,
    /// Windows measured that day.
    pub windows: usize,
}

/// The daily trend of the windows (days without windows are left out), oldest first.
pub fn daily_trend(windows: &[WindowMood]) -> Vec<TrendDay> {
    let mut out: Vec<TrendDay> = Vec::new();
    for w in windows {
        let day = w.start.date_naive();
        match out.last_mut() {
            Some(t) if t.day == day => {
                t.score = (t.score * t.windows as f64 + w.score()) / (t.windows + 1) as f64;
                t.windows += 1;
            }
            _ => out.push(TrendDay {
                day,
                score: w.score(),
                windows: 1,
            }),
        }
    }
    out
}

/// One student in a lecturer's overview.
#[derive(Debug, Clone, PartialEq)]
pub struct StudentOverview {
    /// The student.
    pub user_id: Uuid,
    /// Their name.
    pub display_name: String,
    /// Their current mood as the lecturer sees it, if any.
    pub current: Option<UserMood>,
    /// The trend over the last [`TREND_DAYS`] days.
    pub trend: Vec<TrendDay>,
    /// Sad windows in a row, latest first.
    pub sad_streak: usize,
    /// At least [`STRUGGLING_WINDOWS`] of them.
    pub may_be_struggling: bool,
}

/// The overview for `lecturer`: every student contact with something the lecturer may see in the
/// last [`TREND_DAYS`] days, those who may be struggling first, then by name.
pub async fn overview(
    db: &Db,
    lecturer: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<StudentOverview>, ModelError> {
    let students: Vec<_> = contacts(db, lecturer)
        .await?
        .into_iter()
        .filter(|c| c.role == Role::Student)
        .collect();
    let ids: Vec<Uuid> = students.iter().map(|s| s.user_id).collect();
    let current = moods_seen(db, &[lecturer], &ids).await?;
    let since = now - Duration::days(TREND_DAYS);
    let mut out = Vec::new();
    for s in students {
        let readings = readings_seen(db, lecturer, s.user_id, since, MAX_READINGS).await?;
        let mood = current
            .iter()
            .find(|m| m.mood.user_id == s.user_id)
            .map(|m| m.mood.clone());
        if readings.is_empty() && mood.is_none() {
            continue;
        }
        let windows = windows(&readings);
        out.push(StudentOverview {
            user_id: s.user_id,
            display_name: s.display_name,
            current: mood,
            trend: daily_trend(&windows),
            sad_streak: sad_streak(&windows),
            may_be_struggling: may_be_struggling(&windows),
        });
    }
    out.sort_by_key(|s| !s.may_be_struggling);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mood::Scores;

    fn reading(minute: i64, emotion: usize, messages: i32, conversation: u128) -> Reading {
        let mut p = vec![0.05; 5];
        p[emotion] = 0.8;
        let start =
            DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_000) + Duration::minutes(minute);
        Reading {
            id: minute,
            user_id: Uuid::nil(),
            conversation_id: Uuid::from_u128(conversation),
            scores: Scores {
                emotion: emotion as i16,
                intensity: 2,
                emotion_probabilities: p,
                intensity_probabilities: vec![0.2; 5],
            },
            message_count: messages,
            window_start: start,
            window_end: start + Duration::minutes(5),
        }
    }

    #[test]
    fn struggling_needs_several_sad_windows_in_a_row() {
        let sad = |m| reading(m, 1, 1, 1);
        let very_sad = |m| reading(m, 0, 1, 1);
        let happy = |m| reading(m, 3, 1, 1);
        assert!(
            !may_be_struggling(&windows(&[very_sad(0)])),
            "one message never alerts"
        );
        assert!(!may_be_struggling(&windows(&[sad(0), very_sad(5)])));
        assert!(may_be_struggling(&windows(&[sad(0), very_sad(5), sad(10)])));
        // Order of the input does not matter, the latest windows do.
        assert!(may_be_struggling(&windows(&[
            sad(10),
            happy(-5),
            very_sad(5),
            sad(0)
        ])));
        assert!(!may_be_struggling(&windows(&[
            sad(0),
            sad(5),
            sad(10),
            happy(15)
        ])));
        assert_eq!(sad_streak(&windows(&[happy(0), sad(5), sad(10)])), 2);
    }

    #[test]
    fn a_window_combines_its_conversations_by_message_count() {
        // Same window: 3 sad messages in one conversation, 1 happy in another: sad overall.
        let w = windows(&[reading(0, 1, 3, 1), reading(0, 3, 1, 2)]);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].messages, 4);
        assert_eq!(w[0].emotion(), 1);
        let sum: f64 = w[0].emotion_probabilities.iter().sum();
        assert!((sum - 1.0).abs() < 1e-12);
        // Three sad windows counted once each even with two conversations per window.
        let both = |m| [reading(m, 1, 1, 1), reading(m, 0, 1, 2)];
        let rs: Vec<Reading> = [0, 5, 10].into_iter().flat_map(both).collect();
        assert_eq!(sad_streak(&windows(&rs)), 3);
    }

    #[test]
    fn the_trend_is_one_point_per_day() {
        let day = 24 * 60;
        let rs = [
            reading(0, 4, 1, 1),
            reading(5, 0, 1, 1),
            reading(day, 2, 1, 1),
        ];
        let t = daily_trend(&windows(&rs));
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].windows, 2);
        // (0.8·2 + 0.05·(−2 −1 +0 +1)) per window: Very Happy ≈ +1.5, Very Sad ≈ −1.5; mean ≈ 0.
        assert!(t[0].score.abs() < 1e-9, "{}", t[0].score);
        assert!(t[1].score.abs() < 1e-9);
    }
}
