//! The JSON shapes of availability, free slots and consultations.
//!
//! A consultation is always shown as one viewer sees it: the lecturer's private notes and the
//! students' attendance only reach the lecturer, and nobody sees other people's email addresses.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use models::availability;
use models::consultation::{Attendance, Status};
use scheduler::consultations::Viewed;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Weekly hours on one day, in the lecturer's time zone.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeeklyHours {
    /// ISO weekday: 1 = Monday .. 7 = Sunday.
    pub weekday: u8,
    /// Local start, `HH:MM`.
    #[schema(value_type = String, example = "14:00")]
    pub start: NaiveTime,
    /// Local end, `HH:MM`.
    #[schema(value_type = String, example = "16:00")]
    pub end: NaiveTime,
}

/// Kind of date exception.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExceptionKind {
    /// Not available (the whole day, or between `start` and `end`).
    Off,
    /// Available between `start` and `end` besides the weekly hours.
    Extra,
}

/// A date exception.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DateExceptionView {
    /// Local date, `YYYY-MM-DD`.
    #[schema(value_type = String, example = "2026-12-24")]
    pub date: NaiveDate,
    /// Off or extra.
    pub kind: ExceptionKind,
    /// Local start (required for `extra`; omit both for a whole day off).
    #[schema(value_type = Option<String>)]
    pub start: Option<NaiveTime>,
    /// Local end.
    #[schema(value_type = Option<String>)]
    pub end: Option<NaiveTime>,
}

/// A lecturer's availability, as published and as edited (`PUT /me/availability`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityView {
    /// IANA time zone the hours are in.
    pub time_zone: String,
    /// Length of a consultation, 5 to 240 minutes.
    pub slot_minutes: i32,
    /// Free time after each consultation, 0 to 120 minutes.
    pub buffer_minutes: i32,
    /// Minimum notice for a booking, 0 to 43,200 minutes.
    pub min_notice_minutes: i32,
    /// How far ahead students may book, 1 to 365 days.
    pub horizon_days: i32,
    /// Whether bookings wait for approval.
    #[serde(default)]
    pub requires_approval: bool,
    /// Students may not cancel or move within this many minutes of the start (0 to 10,080).
    #[serde(default)]
    pub cancel_window_minutes: i32,
    /// Weekly hours.
    pub weekly: Vec<WeeklyHours>,
    /// Date exceptions.
    #[serde(default)]
    pub exceptions: Vec<DateExceptionView>,
}

/// A free slot, in UTC and in the viewer's time zone.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlotView {
    /// Start (UTC); send it back to book.
    pub starts_at: DateTime<Utc>,
    /// End (UTC).
    pub ends_at: DateTime<Utc>,
    /// Start in the viewer's time zone (RFC 3339 with offset).
    pub local_start: String,
    /// End in the viewer's time zone.
    pub local_end: String,
}

impl SlotView {
    /// Shows a slot in `tz`.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>, tz: Tz) -> Self {
        Self {
            starts_at: start,
            ends_at: end,
            local_start: start.with_timezone(&tz).to_rfc3339(),
            local_end: end.with_timezone(&tz).to_rfc3339(),
        }
    }
}

/// What a student can book with a lecturer in a date range.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlotsView {
    /// The lecturer.
    pub lecturer_id: Uuid,
    /// The time zone of the `local_*` fields (the viewer's, unless `tz` was given).
    pub time_zone: String,
    /// The lecturer's time zone.
    pub lecturer_time_zone: String,
    /// Free one-to-one slots.
    pub slots: Vec<SlotView>,
    /// Group sessions with places left.
    pub group_sessions: Vec<ConsultationView>,
}

/// A person in a consultation.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonView {
    /// User id.
    pub id: Uuid,
    /// Display name.
    pub display_name: String,
}

/// A student's place, as the viewer sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantView {
    /// The student.
    pub id: Uuid,
    /// Display name.
    pub display_name: String,
    /// Whether the place is held.
    pub active: bool,
    /// Attendance (lecturer only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attendance: Option<Attendance>,
    /// Why they cancelled (lecturer and the student only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_reason: Option<String>,
}

/// When the video room is open.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoomView {
    /// Path of the room page.
    pub path: String,
    /// When it opens.
    pub opens_at: DateTime<Utc>,
    /// When it closes.
    pub closes_at: DateTime<Utc>,
    /// Whether it is open now.
    pub open_now: bool,
}

/// A consultation as one viewer sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsultationView {
    /// Id.
    pub id: Uuid,
    /// The lecturer.
    pub lecturer: PersonView,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Places (1 = one-to-one).
    pub capacity: i32,
    /// Places left.
    pub places_left: i32,
    /// Topic.
    pub topic: String,
    /// Notes shared by everyone taking part (empty for outsiders).
    pub notes: String,
    /// The lecturer's private notes (lecturer only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_notes: Option<String>,
    /// Where it stands.
    pub status: Status,
    /// For a student viewer: whether they hold a place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub my_place: Option<bool>,
    /// Why it was cancelled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_reason: Option<String>,
    /// Students (for outsiders viewing an open group session: none).
    pub participants: Vec<ParticipantView>,
    /// Revision, bumped by every change.
    pub revision: i32,
    /// The video room.
    pub room: RoomView,
}

impl ConsultationView {
    /// The consultation as `viewer` sees it, with its room's timing.
    pub fn new(viewed: &Viewed, viewer: Uuid) -> Self {
        let c = &viewed.consultation;
        let is_lecturer = viewer == c.lecturer_id;
        let own = c.participants.iter().find(|p| p.student_id == viewer);
        let insider = is_lecturer || own.is_some();
        let participants = if insider {
            c.participants
                .iter()
                .filter(|p| is_lecturer || p.active || p.student_id == viewer)
                .map(|p| ParticipantView {
                    id: p.student_id,
                    display_name: p.display_name.clone(),
                    active: p.active,
                    attendance: is_lecturer.then_some(p.attendance),
                    cancel_reason: (is_lecturer || p.student_id == viewer)
                        .then(|| p.cancel_reason.clone())
                        .flatten(),
                })
                .collect()
        } else {
            Vec::new()
        };
        Self {
            id: c.id,
            lecturer: PersonView {
                id: c.lecturer_id,
                display_name: c.lecturer_name.clone(),
            },
            starts_at: c.starts_at,
            ends_at: c.ends_at,
            capacity: c.capacity,
            places_left: c.places_left(),
            topic: c.topic.clone(),
            notes: if insider {
                c.notes.clone()
            } else {
                String::new()
            },
            private_notes: is_lecturer.then(|| c.private_notes.clone()),
            status: c.status,
            my_place: (!is_lecturer).then(|| own.is_some_and(|p| p.active)),
            cancel_reason: c.cancel_reason.clone().filter(|_| insider),
            participants,
            revision: c.revision,
            room: RoomView {
                path: format!("/#/room/{}", c.id),
                opens_at: viewed.room.opens_at(),
                closes_at: viewed.room.closes_at(),
                open_now: viewed.room.is_open(),
            },
        }
    }
}

/// The caller's consultations in a range.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsultationList {
    /// By start time.
    pub consultations: Vec<ConsultationView>,
}

impl From<availability::Document> for AvailabilityView {
    fn from(doc: availability::Document) -> Self {
        let s = doc.settings;
        Self {
            time_zone: s.time_zone,
            slot_minutes: s.slot_minutes,
            buffer_minutes: s.buffer_minutes,
            min_notice_minutes: s.min_notice_minutes,
            horizon_days: s.horizon_days,
            requires_approval: s.requires_approval,
            cancel_window_minutes: s.cancel_window_minutes,
            weekly: doc
                .rules
                .into_iter()
                .map(|r| WeeklyHours {
                    weekday: u8::try_from(r.weekday).unwrap_or(0),
                    start: r.starts,
                    end: r.ends,
                })
                .collect(),
            exceptions: doc
                .exceptions
                .into_iter()
                .map(|e| DateExceptionView {
                    date: e.day,
                    kind: if e.kind == "extra" {
                        ExceptionKind::Extra
                    } else {
                        ExceptionKind::Off
                    },
                    start: e.starts,
                    end: e.ends,
                })
                .collect(),
        }
    }
}

impl AvailabilityView {
    /// The document stored for this view.
    pub fn to_document(&self) -> availability::Document {
        let view = self;
        availability::Document {
            settings: availability::Settings {
                time_zone: view.time_zone.clone(),
                slot_minutes: view.slot_minutes,
                buffer_minutes: view.buffer_minutes,
                min_notice_minutes: view.min_notice_minutes,
                horizon_days: view.horizon_days,
                requires_approval: view.requires_approval,
                cancel_window_minutes: view.cancel_window_minutes,
            },
            rules: view
                .weekly
                .iter()
                .map(|w| availability::Rule {
                    weekday: i16::from(w.weekday),
                    starts: w.start,
                    ends: w.end,
                })
                .collect(),
            exceptions: view
                .exceptions
                .iter()
                .map(|e| availability::Exception {
                    day: e.date,
                    kind: match e.kind {
                        ExceptionKind::Off => "off".to_owned(),
                        ExceptionKind::Extra => "extra".to_owned(),
                    },
                    starts: e.start,
                    ends: e.end,
                })
                .collect(),
        }
    }
}
