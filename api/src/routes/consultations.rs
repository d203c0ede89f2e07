//! Consultations over REST: lecturers publish availability, students see free slots and book,
//! lecturers make appointments and group sessions, and both move through the lifecycle
//! (confirm, cancel, reschedule, notes, attendance).
//!
//! Every change runs in one transaction that locks the consultation, checks the lifecycle rules
//! (`scheduler::lifecycle`), writes, and queues its emails in the outbox; clashes are refused by
//! the database and answered here with 409 and a message naming the clash. After the commit the
//! people involved get a `consultation` frame over the WebSocket.

use axum::extract::State;
use axum::extract::ws::Utf8Bytes;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc, Weekday};
use chrono_tz::Tz;
use models::consultation::{self, Attendance, Consultation, NewConsultation, Status};
use models::user::Role;
use models::{ModelError, availability, outbox, user};
use realtime::hub::Event;
use scheduler::lifecycle::{self, Action, Facts, Refusal};
use scheduler::{Availability, DateException, TimingRefusal, WeeklyWindow};
use serde::Deserialize;
use sqlx::PgConnection;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, not_found};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use crate::views::consultations::{
    AvailabilityView, ConsultationList, ConsultationView, DateExceptionView, ExceptionKind,
    SlotView, SlotsView, WeeklyHours,
};

/// Longest range of free slots asked for at once.
pub const MAX_RANGE_DAYS: i64 = 62;
/// Longest topic.
pub const MAX_TOPIC_CHARS: usize = 200;
/// Longest notes or reason.
pub const MAX_NOTES_CHARS: usize = 4000;

fn unprocessable(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::Unprocessable {
        code,
        message: message.into(),
    }
}

impl From<TimingRefusal> for ApiError {
    fn from(refusal: TimingRefusal) -> Self {
        unprocessable(refusal.code(), refusal.to_string())
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotAllowed(message) => ApiError::Forbidden(message),
            Refusal::WrongState { code, message } => ApiError::Conflict {
                code,
                message: message.into(),
            },
        }
    }
}

fn weekday(iso: u8) -> Option<Weekday> {
    Some(match iso {
        1 => Weekday::Mon,
        2 => Weekday::Tue,
        3 => Weekday::Wed,
        4 => Weekday::Thu,
        5 => Weekday::Fri,
        6 => Weekday::Sat,
        7 => Weekday::Sun,
        _ => return None,
    })
}

fn parse_tz(name: &str, field: &'static str) -> ApiResult<Tz> {
    name.parse::<Tz>().map_err(|_| {
        unprocessable(
            "validation_failed",
            format!("{field} must be an IANA time zone such as Europe/London"),
        )
    })
}

/// The scheduler's view of a stored or submitted availability.
fn to_schedule(view: &AvailabilityView) -> ApiResult<Availability> {
    let weekly = view
        .weekly
        .iter()
        .map(|w| {
            Ok(WeeklyWindow {
                weekday: weekday(w.weekday).ok_or_else(|| {
                    unprocessable(
                        "validation_failed",
                        "weekly weekday must be 1 (Monday) to 7 (Sunday)",
                    )
                })?,
                start: w.start,
                end: w.end,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let exceptions = view
        .exceptions
        .iter()
        .map(|e| match (e.kind, e.start, e.end) {
            (ExceptionKind::Off, None, None) => Ok(DateException::Off {
                date: e.date,
                hours: None,
            }),
            (ExceptionKind::Off, Some(s), Some(t)) => Ok(DateException::Off {
                date: e.date,
                hours: Some((s, t)),
            }),
            (ExceptionKind::Extra, Some(start), Some(end)) => Ok(DateException::Extra {
                date: e.date,
                start,
                end,
            }),
            _ => Err(unprocessable(
                "validation_failed",
                format!(
                    "exceptions {}: give both start and end (or neither, for a whole day off)",
                    e.date
                ),
            )),
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let schedule = Availability {
        time_zone: parse_tz(&view.time_zone, "time_zone")?,
        slot: Duration::minutes(view.slot_minutes.into()),
        buffer: Duration::minutes(view.buffer_minutes.into()),
        min_notice: Duration::minutes(view.min_notice_minutes.into()),
        horizon: Duration::days(view.horizon_days.into()),
        weekly,
        exceptions,
    };
    schedule
        .validate()
        .map_err(|e| unprocessable("validation_failed", e.to_string()))?;
    if !(0..=10_080).contains(&view.cancel_window_minutes) {
        return Err(unprocessable(
            "validation_failed",
            "cancel_window_minutes must be between 0 and 10080",
        ));
    }
    Ok(schedule)
}

fn from_document(doc: availability::Document) -> AvailabilityView {
    let s = doc.settings;
    AvailabilityView {
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

fn to_document(view: &AvailabilityView) -> availability::Document {
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

/// A lecturer's published availability (404 if they publish none).
async fn published(
    state: &AppState,
    lecturer: Uuid,
) -> ApiResult<(AvailabilityView, Availability)> {
    let account = user::find(&state.db, lecturer)
        .await
        .map_err(not_found("lecturer"))?;
    if account.role != Role::Lecturer {
        return Err(ApiError::NotFound("lecturer"));
    }
    let view = availability::get(&state.db, lecturer)
        .await?
        .map(from_document)
        .ok_or(ApiError::NotFound("availability"))?;
    let schedule = to_schedule(&view)?;
    Ok((view, schedule))
}

/// A lecturer's availability.
#[utoipa::path(get, path = "/api/v1/lecturers/{id}/availability", tag = "consultations",
    params(("id" = Uuid, Path, description = "Lecturer")),
    responses((status = 200, body = AvailabilityView), (status = 404, description = "No such lecturer or nothing published")))]
pub async fn get_availability(
    State(state): State<AppState>,
    _caller: CurrentUser,
    Path(lecturer): Path<Uuid>,
) -> ApiResult<Json<AvailabilityView>> {
    Ok(Json(published(&state, lecturer).await?.0))
}

/// Replaces the caller's availability (lecturers only).
#[utoipa::path(put, path = "/api/v1/me/availability", tag = "consultations", request_body = AvailabilityView,
    responses((status = 200, body = AvailabilityView), (status = 403, description = "Not a lecturer"), (status = 422, description = "Invalid availability")))]
pub async fn put_availability(
    State(state): State<AppState>,
    caller: CurrentUser,
    Json(view): Json<AvailabilityView>,
) -> ApiResult<Json<AvailabilityView>> {
    if caller.user.role != Role::Lecturer {
        return Err(ApiError::Forbidden("only lecturers publish availability"));
    }
    to_schedule(&view)?;
    availability::save(&state.db, caller.user.id, &to_document(&view)).await?;
    Ok(Json(published(&state, caller.user.id).await?.0))
}

/// A date range (`from` inclusive, `to` exclusive) and the time zone to show times in.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RangeParams {
    /// Start of the range (default: now).
    pub from: Option<DateTime<Utc>>,
    /// End of the range (default: 14 days after `from`; at most 62 days after it).
    pub to: Option<DateTime<Utc>>,
    /// IANA time zone for the `local_*` fields (default: the caller's profile time zone).
    pub tz: Option<String>,
}

fn range(params: &RangeParams, default_days: i64) -> ApiResult<(DateTime<Utc>, DateTime<Utc>)> {
    let from = params.from.unwrap_or_else(Utc::now);
    let to = params.to.unwrap_or(from + Duration::days(default_days));
    if to <= from {
        return Err(unprocessable("invalid_range", "to must be after from"));
    }
    if to - from > Duration::days(MAX_RANGE_DAYS) {
        return Err(unprocessable(
            "range_too_long",
            format!("ask for at most {MAX_RANGE_DAYS} days at a time"),
        ));
    }
    Ok((from, to))
}

/// Free slots and open group sessions of a lecturer.
#[utoipa::path(get, path = "/api/v1/lecturers/{id}/slots", tag = "consultations",
    params(("id" = Uuid, Path, description = "Lecturer"), RangeParams),
    responses((status = 200, body = SlotsView), (status = 404, description = "No such lecturer or nothing published"), (status = 422, description = "Bad range or time zone")))]
pub async fn slots(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(lecturer): Path<Uuid>,
    Query(params): Query<RangeParams>,
) -> ApiResult<Json<SlotsView>> {
    let (from, to) = range(&params, 14)?;
    let tz_name = params
        .tz
        .clone()
        .unwrap_or_else(|| caller.user.time_zone.clone());
    let tz = parse_tz(&tz_name, "tz")?;
    let (view, schedule) = published(&state, lecturer).await?;
    let now = Utc::now();
    let busy: Vec<scheduler::Interval> = consultation::busy(
        &state.db,
        lecturer,
        from - Duration::days(1),
        to + Duration::days(1),
    )
    .await?
    .into_iter()
    .map(|(s, e)| scheduler::Interval::new(s, e))
    .collect();
    let free = scheduler::free_slots(&schedule, &busy, from, to, now);
    let groups = consultation::open_group_sessions(&state.db, lecturer, from.max(now), to).await?;
    let room_opens = Duration::minutes(state.config.room_opens_minutes);
    Ok(Json(SlotsView {
        lecturer_id: lecturer,
        time_zone: tz.name().to_owned(),
        lecturer_time_zone: view.time_zone,
        slots: free
            .iter()
            .map(|s| SlotView::new(s.start, s.end, tz))
            .collect(),
        group_sessions: groups
            .iter()
            .map(|c| ConsultationView::new(c, caller.user.id, now, room_opens))
            .collect(),
    }))
}

fn check_text(field: &'static str, value: &str, min: usize, max: usize) -> ApiResult<()> {
    let chars = value.trim().chars().count();
    if chars < min || value.chars().count() > max {
        return Err(unprocessable(
            "validation_failed",
            if min > 0 {
                format!("{field} must be {min} to {max} characters")
            } else {
                format!("{field} must be at most {max} characters")
            },
        ));
    }
    Ok(())
}

/// A student's booking of a free slot.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBooking {
    /// The lecturer.
    pub lecturer_id: Uuid,
    /// The slot's start, as listed by `/lecturers/{id}/slots`.
    pub starts_at: DateTime<Utc>,
    /// What to discuss (1 to 200 characters).
    pub topic: String,
    /// Optional notes for the lecturer (shared with them).
    #[serde(default)]
    pub notes: String,
}

/// Books a free slot (students only).
#[utoipa::path(post, path = "/api/v1/bookings", tag = "consultations", request_body = NewBooking,
    responses((status = 201, body = ConsultationView), (status = 403, description = "Not a student"),
        (status = 409, description = "`slot_taken` or `student_busy`: the clash is named"),
        (status = 422, description = "`in_past`, `too_soon`, `beyond_horizon`, `outside_availability` or invalid fields")))]
pub async fn book(
    State(state): State<AppState>,
    caller: CurrentUser,
    Json(booking): Json<NewBooking>,
) -> ApiResult<(StatusCode, Json<ConsultationView>)> {
    if caller.user.role != Role::Student {
        return Err(ApiError::Forbidden(
            "only students book slots; lecturers create appointments",
        ));
    }
    check_text("topic", &booking.topic, 1, MAX_TOPIC_CHARS)?;
    check_text("notes", &booking.notes, 0, MAX_NOTES_CHARS)?;
    let (view, schedule) = published(&state, booking.lecturer_id).await?;
    let now = Utc::now();
    let slot = scheduler::check_start(&schedule, booking.starts_at, now)?;
    let student = caller.user.id;
    let new = NewConsultation {
        id: Uuid::now_v7(),
        lecturer_id: booking.lecturer_id,
        created_by: student,
        starts_at: slot.start,
        ends_at: slot.end,
        blocks_until: slot.end + schedule.buffer,
        capacity: 1,
        topic: booking.topic.trim(),
        notes: booking.notes.trim(),
        status: if view.requires_approval {
            Status::Pending
        } else {
            Status::Confirmed
        },
        students: &[student],
    };
    let created = create(&state, &new).await;
    let c = match created {
        Err(ModelError::Conflict {
            code: "lecturer_busy",
            ..
        }) => {
            return Err(ApiError::Conflict {
                code: "slot_taken",
                message: "this slot has just been booked by someone else; pick another".into(),
            });
        }
        Err(ModelError::Conflict {
            code: "student_busy",
            ..
        }) => {
            return Err(student_clash(
                &state,
                student,
                &caller.user.time_zone,
                slot.start,
                slot.end,
                None,
                true,
            )
            .await);
        }
        other => other?,
    };
    notify(&state, &c, "booked").await;
    Ok((StatusCode::CREATED, Json(view_of(&state, &c, student))))
}

/// An appointment or group session made by a lecturer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAppointment {
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// Length in minutes, 5 to 480 (default: the lecturer's slot length, or 30).
    pub duration_minutes: Option<i64>,
    /// Topic (1 to 200 characters).
    pub topic: String,
    /// Shared notes.
    #[serde(default)]
    pub notes: String,
    /// Places, 1 to 100 (default: the number of students, at least 1). Above 1 it is a group
    /// session that students can join.
    pub capacity: Option<i32>,
    /// Students to book in now.
    #[serde(default)]
    pub student_ids: Vec<Uuid>,
}

/// Creates an appointment with chosen students, or a group session (lecturers only).
#[utoipa::path(post, path = "/api/v1/consultations", tag = "consultations", request_body = NewAppointment,
    responses((status = 201, body = ConsultationView), (status = 403, description = "Not a lecturer"),
        (status = 409, description = "`lecturer_busy` or `student_busy`: the clash is named"), (status = 422, description = "Invalid fields")))]
pub async fn create_appointment(
    State(state): State<AppState>,
    caller: CurrentUser,
    Json(input): Json<NewAppointment>,
) -> ApiResult<(StatusCode, Json<ConsultationView>)> {
    if caller.user.role != Role::Lecturer {
        return Err(ApiError::Forbidden("only lecturers create appointments"));
    }
    let lecturer = caller.user.id;
    check_text("topic", &input.topic, 1, MAX_TOPIC_CHARS)?;
    check_text("notes", &input.notes, 0, MAX_NOTES_CHARS)?;
    let settings = availability::get(&state.db, lecturer)
        .await?
        .map(|d| d.settings);
    let minutes = input
        .duration_minutes
        .unwrap_or_else(|| settings.as_ref().map_or(30, |s| i64::from(s.slot_minutes)));
    if !(5..=480).contains(&minutes) {
        return Err(unprocessable(
            "validation_failed",
            "duration_minutes must be between 5 and 480",
        ));
    }
    let mut students = input.student_ids.clone();
    students.sort();
    students.dedup();
    if students.len() != input.student_ids.len() {
        return Err(unprocessable(
            "validation_failed",
            "student_ids lists a student twice",
        ));
    }
    let capacity = input
        .capacity
        .unwrap_or_else(|| i32::try_from(students.len()).unwrap_or(i32::MAX).max(1));
    if !(1..=100).contains(&capacity) {
        return Err(unprocessable(
            "validation_failed",
            "capacity must be between 1 and 100",
        ));
    }
    if usize::try_from(capacity).unwrap_or(0) < students.len() {
        return Err(unprocessable(
            "validation_failed",
            "more students than places",
        ));
    }
    for id in &students {
        match user::find(&state.db, *id).await {
            Ok(u) if u.role == Role::Student => {}
            Ok(_) => {
                return Err(unprocessable(
                    "not_a_student",
                    format!("{id} is not a student"),
                ));
            }
            Err(ModelError::NotFound) => {
                return Err(unprocessable("unknown_student", format!("no student {id}")));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let now = Utc::now();
    if input.starts_at <= now {
        return Err(TimingRefusal::InPast.into());
    }
    let ends_at = input.starts_at + Duration::minutes(minutes);
    let buffer = Duration::minutes(settings.as_ref().map_or(0, |s| i64::from(s.buffer_minutes)));
    let new = NewConsultation {
        id: Uuid::now_v7(),
        lecturer_id: lecturer,
        created_by: lecturer,
        starts_at: input.starts_at,
        ends_at,
        blocks_until: ends_at + buffer,
        capacity,
        topic: input.topic.trim(),
        notes: input.notes.trim(),
        status: Status::Confirmed,
        students: &students,
    };
    let c = match create(&state, &new).await {
        Err(ModelError::Conflict {
            code: "lecturer_busy",
            ..
        }) => {
            return Err(lecturer_clash(
                &state,
                lecturer,
                &caller.user.time_zone,
                new.starts_at,
                new.blocks_until,
                None,
            )
            .await);
        }
        Err(ModelError::Conflict {
            code: "student_busy",
            ..
        }) => {
            return Err(first_busy_student(&state, &students, new.starts_at, ends_at, None).await);
        }
        other => other?,
    };
    notify(&state, &c, "booked").await;
    Ok((StatusCode::CREATED, Json(view_of(&state, &c, lecturer))))
}

/// Inserts a consultation with its booking emails and reminders, in one transaction.
async fn create(state: &AppState, new: &NewConsultation<'_>) -> Result<Consultation, ModelError> {
    let mut tx = state.db.begin().await?;
    consultation::insert(&mut tx, new).await?;
    let c = consultation::lock(&mut tx, new.id).await?;
    let everyone = insiders(&c);
    queue_notice(&mut tx, &c, "booked", &everyone).await?;
    queue_reminders(state, &mut tx, &c, &everyone).await?;
    tx.commit().await?;
    Ok(c)
}

/// The lecturer and the students holding a place.
fn insiders(c: &Consultation) -> Vec<Uuid> {
    std::iter::once(c.lecturer_id)
        .chain(c.active_students().map(|p| p.student_id))
        .collect()
}

async fn queue_notice(
    tx: &mut PgConnection,
    c: &Consultation,
    kind: &'static str,
    to: &[Uuid],
) -> Result<(), ModelError> {
    let now = Utc::now();
    let items: Vec<outbox::Queued> = to
        .iter()
        .map(|user| outbox::Queued {
            recipient_id: *user,
            kind,
            due_at: now,
            dedup_key: format!("{}/{user}/{kind}/r{}", c.id, c.revision),
        })
        .collect();
    outbox::enqueue(tx, c.id, &items).await?;
    Ok(())
}

async fn queue_reminders(
    state: &AppState,
    tx: &mut PgConnection,
    c: &Consultation,
    to: &[Uuid],
) -> Result<(), ModelError> {
    let offsets: Vec<Duration> = state
        .config
        .reminder_offsets_minutes
        .iter()
        .map(|m| Duration::minutes(*m))
        .collect();
    let plan = scheduler::reminders::plan(c.starts_at, &offsets, Utc::now());
    let items: Vec<outbox::Queued> = to
        .iter()
        .flat_map(|user| {
            plan.iter().map(move |r| outbox::Queued {
                recipient_id: *user,
                kind: "reminder",
                due_at: r.due_at,
                dedup_key: format!(
                    "{}/{user}/reminder/{}/{}",
                    c.id,
                    r.offset_minutes,
                    c.starts_at.timestamp()
                ),
            })
        })
        .collect();
    outbox::enqueue(tx, c.id, &items).await?;
    Ok(())
}

fn view_of(state: &AppState, c: &Consultation, viewer: Uuid) -> ConsultationView {
    ConsultationView::new(
        c,
        viewer,
        Utc::now(),
        Duration::minutes(state.config.room_opens_minutes),
    )
}

/// Pushes a `consultation` frame (each person's own view) to the lecturer and every student who
/// has or had a place.
async fn notify(state: &AppState, c: &Consultation, change: &'static str) {
    let people = std::iter::once(c.lecturer_id).chain(c.participants.iter().map(|p| p.student_id));
    for person in people {
        let frame = serde_json::json!({
            "type": "consultation",
            "change": change,
            "consultation": view_of(state, c, person),
        });
        state
            .gateway
            .hub
            .send_to_user(person, &Event::Frame(Utf8Bytes::from(frame.to_string())));
    }
}

fn local(t: DateTime<Utc>, tz_name: &str) -> String {
    let tz: Tz = tz_name.parse().unwrap_or(chrono_tz::UTC);
    t.with_timezone(&tz).format("%a %-d %b %H:%M").to_string()
}

/// 409 naming the caller's own clashing consultation (the caller is the student) or only that
/// the student is busy (the caller is someone else).
async fn student_clash(
    state: &AppState,
    student: Uuid,
    tz: &str,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    except: Option<Uuid>,
    own: bool,
) -> ApiError {
    match consultation::student_clash(&state.db, student, starts_at, ends_at, except).await {
        Ok(Some((lecturer, s, e))) if own => ApiError::Conflict {
            code: "student_busy",
            message: format!(
                "you already have a consultation with {lecturer} from {} to {}",
                local(s, tz),
                local(e, tz)
            )
            .into(),
        },
        Ok(_) => ApiError::Conflict {
            code: "student_busy",
            message: "you already have a consultation at that time".into(),
        },
        Err(e) => e.into(),
    }
}

/// 409 naming the first of `students` who is busy at that time (not with whom).
async fn first_busy_student(
    state: &AppState,
    students: &[Uuid],
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    except: Option<Uuid>,
) -> ApiError {
    for id in students {
        match consultation::student_clash(&state.db, *id, starts_at, ends_at, except).await {
            Ok(Some(_)) => {
                let name = user::find(&state.db, *id)
                    .await
                    .map(|u| u.display_name)
                    .unwrap_or_default();
                return ApiError::Conflict {
                    code: "student_busy",
                    message: format!("{name} already has a consultation at that time").into(),
                };
            }
            Ok(None) => {}
            Err(e) => return e.into(),
        }
    }
    ApiError::Conflict {
        code: "student_busy",
        message: "a student already has a consultation at that time".into(),
    }
}

/// 409 naming the lecturer's own clashing consultation.
async fn lecturer_clash(
    state: &AppState,
    lecturer: Uuid,
    tz: &str,
    starts_at: DateTime<Utc>,
    blocks_until: DateTime<Utc>,
    except: Option<Uuid>,
) -> ApiError {
    match consultation::lecturer_clash(&state.db, lecturer, starts_at, blocks_until, except).await {
        Ok(Some((s, e))) => ApiError::Conflict {
            code: "lecturer_busy",
            message: format!(
                "you already have a consultation from {} to {} (buffer included)",
                local(s, tz),
                local(e, tz)
            )
            .into(),
        },
        Ok(None) => ApiError::Conflict {
            code: "lecturer_busy",
            message: "you already have a consultation at that time".into(),
        },
        Err(e) => e.into(),
    }
}

/// The caller's consultations overlapping a range (default: from now, 62 days).
#[utoipa::path(get, path = "/api/v1/consultations", tag = "consultations", params(RangeParams),
    responses((status = 200, body = ConsultationList)))]
pub async fn list(
    State(state): State<AppState>,
    caller: CurrentUser,
    Query(params): Query<RangeParams>,
) -> ApiResult<Json<ConsultationList>> {
    let (from, to) = range(&params, MAX_RANGE_DAYS)?;
    let list = consultation::list_for(&state.db, caller.user.id, from, to).await?;
    Ok(Json(ConsultationList {
        consultations: list
            .iter()
            .map(|c| view_of(&state, c, caller.user.id))
            .collect(),
    }))
}

/// Loads a consultation the caller may see: its lecturer, a student who has or had a place, or
/// anyone for an open group session. Otherwise 404.
async fn visible(state: &AppState, id: Uuid, viewer: Uuid) -> ApiResult<Consultation> {
    let c = consultation::get(&state.db, id)
        .await
        .map_err(not_found("consultation"))?;
    let insider = c.lecturer_id == viewer || c.participants.iter().any(|p| p.student_id == viewer);
    let open_group = c.capacity > 1 && c.status != Status::Cancelled;
    if insider || open_group {
        Ok(c)
    } else {
        Err(ApiError::NotFound("consultation"))
    }
}

/// One consultation.
#[utoipa::path(get, path = "/api/v1/consultations/{id}", tag = "consultations",
    params(("id" = Uuid, Path, description = "Consultation")),
    responses((status = 200, body = ConsultationView), (status = 404, description = "Not found or not yours")))]
pub async fn get(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ConsultationView>> {
    let c = visible(&state, id, caller.user.id).await?;
    Ok(Json(view_of(&state, &c, caller.user.id)))
}

pub(crate) fn role_in(c: &Consultation, caller: &CurrentUser) -> lifecycle::Role {
    if caller.user.id == c.lecturer_id {
        lifecycle::Role::Lecturer
    } else if caller.user.role == Role::Student {
        lifecycle::Role::Student {
            holds_place: c.active_place(caller.user.id).is_some(),
        }
    } else {
        lifecycle::Role::Outsider
    }
}

/// The lifecycle rules' name for a stored status.
pub(crate) fn lifecycle_state(status: Status) -> lifecycle::State {
    match status {
        Status::Pending => lifecycle::State::Pending,
        Status::Confirmed => lifecycle::State::Confirmed,
        Status::Cancelled => lifecycle::State::Cancelled,
    }
}

async fn facts(tx: &mut PgConnection, c: &Consultation) -> ApiResult<Facts> {
    let cancel_window = availability::cancel_window(tx, c.lecturer_id).await?;
    Ok(Facts {
        state: lifecycle_state(c.status),
        starts_at: c.starts_at,
        ends_at: c.ends_at,
        capacity: c.capacity,
        places_left: c.places_left(),
        cancel_window: Duration::minutes(cancel_window.into()),
        now: Utc::now(),
    })
}

/// Locks the consultation in `tx` and checks `action` for the caller (404 if they may not even
/// see it).
async fn lock_for(
    tx: &mut PgConnection,
    id: Uuid,
    caller: &CurrentUser,
    action: Action,
) -> ApiResult<Consultation> {
    let c = consultation::lock(tx, id)
        .await
        .map_err(not_found("consultation"))?;
    let role = role_in(&c, caller);
    let seen = role != lifecycle::Role::Outsider
        && (c.lecturer_id == caller.user.id
            || c.participants
                .iter()
                .any(|p| p.student_id == caller.user.id)
            || (action == Action::Join && c.capacity > 1));
    if !seen {
        return Err(ApiError::NotFound("consultation"));
    }
    lifecycle::check(action, role, &facts(tx, &c).await?)?;
    Ok(c)
}

/// Takes a place in a group session (students only).
#[utoipa::path(post, path = "/api/v1/consultations/{id}/join", tag = "consultations",
    params(("id" = Uuid, Path, description = "Group session")),
    responses((status = 200, body = ConsultationView), (status = 409, description = "`session_full`, `already_joined`, `started` or `student_busy`")))]
pub async fn join(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ConsultationView>> {
    let student = caller.user.id;
    let mut tx = state.db.begin().await?;
    let before = lock_for(&mut tx, id, &caller, Action::Join).await?;
    let joined = async {
        consultation::add_participant(&mut tx, id, student).await?;
        consultation::bump_revision(&mut tx, id).await?;
        let c = consultation::lock(&mut tx, id).await?;
        queue_notice(&mut tx, &c, "booked", &[student]).await?;
        queue_reminders(&state, &mut tx, &c, &[student]).await?;
        tx.commit().await?;
        Ok::<_, ModelError>(c)
    }
    .await;
    let c = match joined {
        Err(ModelError::Conflict {
            code: "student_busy",
            ..
        }) => {
            return Err(student_clash(
                &state,
                student,
                &caller.user.time_zone,
                before.starts_at,
                before.ends_at,
                Some(id),
                true,
            )
            .await);
        }
        other => other?,
    };
    notify(&state, &c, "joined").await;
    Ok(Json(view_of(&state, &c, student)))
}

/// Approves a pending booking (the lecturer).
#[utoipa::path(post, path = "/api/v1/consultations/{id}/confirm", tag = "consultations",
    params(("id" = Uuid, Path, description = "Consultation")),
    responses((status = 200, body = ConsultationView), (status = 409, description = "`not_pending`, `cancelled`, `ended`")))]
pub async fn confirm(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ConsultationView>> {
    let mut tx = state.db.begin().await?;
    lock_for(&mut tx, id, &caller, Action::Confirm).await?;
    consultation::set_status(&mut tx, id, Status::Confirmed, None).await?;
    let c = consultation::lock(&mut tx, id).await?;
    queue_notice(&mut tx, &c, "confirmed", &insiders(&c)).await?;
    tx.commit().await?;
    notify(&state, &c, "confirmed").await;
    Ok(Json(view_of(&state, &c, caller.user.id)))
}

/// Why a consultation or place is cancelled.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// Reason, 1 to 4,000 characters (shown to the others).
    pub reason: String,
}

/// Cancels: the lecturer cancels for everyone; a student cancels their place (a one-to-one
/// consultation is then cancelled; a group session goes on).
#[utoipa::path(post, path = "/api/v1/consultations/{id}/cancel", tag = "consultations",
    params(("id" = Uuid, Path, description = "Consultation")), request_body = CancelRequest,
    responses((status = 200, body = ConsultationView), (status = 409, description = "`cancelled`, `started`, `inside_cancel_window`")))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<Uuid>,
    Json(input): Json<CancelRequest>,
) -> ApiResult<Json<ConsultationView>> {
    check_text("reason", &input.reason, 1, MAX_NOTES_CHARS)?;
    let reason = input.reason.trim();
    let me = caller.user.id;
    let mut tx = state.db.begin().await?;
    let before = lock_for(&mut tx, id, &caller, Action::Cancel).await?;
    let whole = me == before.lecturer_id || before.capacity == 1;
    if whole {
        consultation::set_status(&mut tx, id, Status::Cancelled, Some((me, reason))).await?;
        if me != before.lecturer_id {
            consultation::release_place(&mut tx, id, me, reason).await?;
        }
        outbox::supersede_reminders(&mut tx, id, None).await?;
    } else {
        consultation::release_place(&mut tx, id, me, reason).await?;
        consultation::bump_revision(&mut tx, id).await?;
        outbox::supersede_reminders(&mut tx, id, Some(me)).await?;
    }
    let c = consultation::lock(&mut tx, id).await?;
    let told = if whole { insiders(&before) } else { vec![me] };
    queue_notice(&mut tx, &c, "cancelled", &told).await?;
    tx.commit().await?;
    if whole {
        state
            .rooms
            .end(id, realtime::room::protocol::EndReason::Cancelled)
            .await;
    } else {
        state.rooms.remove_user(id, me).await;
    }
    notify(&state, &c, "cancelled").await;
    Ok(Json(view_of(&state, &c, me)))
}

/// A new time.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleRequest {
    /// New start; the length stays. A student must pick one of the lecturer's free slots.
    pub starts_at: DateTime<Utc>,
}

/// Moves a consultation atomically: the old time is released only if the new one is taken.
#[utoipa::path(post, path = "/api/v1/consultations/{id}/reschedule", tag = "consultations",
    params(("id" = Uuid, Path, description = "Consultation")), request_body = RescheduleRequest,
    responses((status = 200, body = ConsultationView), (status = 409, description = "`slot_taken`, `lecturer_busy`, `student_busy`, `started`, `inside_cancel_window`"),
        (status = 422, description = "The new time is not bookable")))]
pub async fn reschedule(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<Uuid>,
    Json(input): Json<RescheduleRequest>,
) -> ApiResult<Json<ConsultationView>> {
    let me = caller.user.id;
    // Read the lecturer's schedule before taking locks, so no request holds a connection while
    // it waits for another.
    let lecturer = consultation::get(&state.db, id)
        .await
        .map_err(not_found("consultation"))?
        .lecturer_id;
    let schedule = if me == lecturer {
        None
    } else {
        Some(published(&state, lecturer).await?.1)
    };
    let is_lecturer = schedule.is_none();
    let mut tx = state.db.begin().await?;
    let before = lock_for(&mut tx, id, &caller, Action::Reschedule).await?;
    let now = Utc::now();
    let (starts_at, ends_at, buffer) = match &schedule {
        None => {
            if input.starts_at <= now {
                return Err(TimingRefusal::InPast.into());
            }
            let length = before.ends_at - before.starts_at;
            (
                input.starts_at,
                input.starts_at + length,
                before.blocks_until - before.ends_at,
            )
        }
        Some(schedule) => {
            let slot = scheduler::check_start(schedule, input.starts_at, now)?;
            (slot.start, slot.end, schedule.buffer)
        }
    };
    if starts_at == before.starts_at {
        return Err(unprocessable(
            "same_time",
            "the consultation is already at that time",
        ));
    }
    let moved = async {
        consultation::move_to(&mut tx, id, starts_at, ends_at, ends_at + buffer).await?;
        outbox::supersede_reminders(&mut tx, id, None).await?;
        let c = consultation::lock(&mut tx, id).await?;
        let everyone = insiders(&c);
        queue_notice(&mut tx, &c, "rescheduled", &everyone).await?;
        queue_reminders(&state, &mut tx, &c, &everyone).await?;
        tx.commit().await?;
        Ok::<_, ModelError>(c)
    }
    .await;
    let c = match moved {
        Err(ModelError::Conflict {
            code: "lecturer_busy",
            ..
        }) if !is_lecturer => {
            return Err(ApiError::Conflict {
                code: "slot_taken",
                message: "that slot has just been booked by someone else; pick another".into(),
            });
        }
        Err(ModelError::Conflict {
            code: "lecturer_busy",
            ..
        }) => {
            return Err(lecturer_clash(
                &state,
                me,
                &caller.user.time_zone,
                starts_at,
                ends_at + buffer,
                Some(id),
            )
            .await);
        }
        Err(ModelError::Conflict {
            code: "student_busy",
            ..
        }) if is_lecturer => {
            let students: Vec<Uuid> = before.active_students().map(|p| p.student_id).collect();
            return Err(first_busy_student(&state, &students, starts_at, ends_at, Some(id)).await);
        }
        Err(ModelError::Conflict {
            code: "student_busy",
            ..
        }) => {
            return Err(student_clash(
                &state,
                me,
                &caller.user.time_zone,
                starts_at,
                ends_at,
                Some(id),
                true,
            )
            .await);
        }
        other => other?,
    };
    notify(&state, &c, "rescheduled").await;
    Ok(Json(view_of(&state, &c, me)))
}

/// New notes; omitted fields stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotesUpdate {
    /// Shared notes (lecturer and students), up to 4,000 characters.
    pub notes: Option<String>,
    /// The lecturer's private notes, up to 4,000 characters.
    pub private_notes: Option<String>,
}

/// Edits the shared notes (lecturer or a student with a place) or private notes (lecturer).
#[utoipa::path(patch, path = "/api/v1/consultations/{id}/notes", tag = "consultations",
    params(("id" = Uuid, Path, description = "Consultation")), request_body = NotesUpdate,
    responses((status = 200, body = ConsultationView), (status = 403, description = "Private notes by a student")))]
pub async fn update_notes(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<Uuid>,
    Json(input): Json<NotesUpdate>,
) -> ApiResult<Json<ConsultationView>> {
    if let Some(n) = &input.notes {
        check_text("notes", n, 0, MAX_NOTES_CHARS)?;
    }
    if let Some(n) = &input.private_notes {
        check_text("private_notes", n, 0, MAX_NOTES_CHARS)?;
    }
    let mut tx = state.db.begin().await?;
    if input.notes.is_some() {
        lock_for(&mut tx, id, &caller, Action::EditNotes).await?;
    }
    if input.private_notes.is_some() {
        lock_for(&mut tx, id, &caller, Action::EditPrivateNotes).await?;
    }
    tx.commit().await?;
    consultation::set_notes(
        &state.db,
        id,
        input.notes.as_deref(),
        input.private_notes.as_deref(),
    )
    .await?;
    let c = consultation::get(&state.db, id).await?;
    if input.notes.is_some() {
        notify(&state, &c, "notes").await;
    }
    Ok(Json(view_of(&state, &c, caller.user.id)))
}

/// An attendance mark.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceUpdate {
    /// `attended`, `no_show` or `unmarked`.
    pub attendance: Attendance,
}

/// Marks whether a student attended (the lecturer, once it has started).
#[utoipa::path(put, path = "/api/v1/consultations/{id}/attendance/{student_id}", tag = "consultations",
    params(("id" = Uuid, Path, description = "Consultation"), ("student_id" = Uuid, Path, description = "Student")),
    request_body = AttendanceUpdate,
    responses((status = 200, body = ConsultationView), (status = 409, description = "`not_started`")))]
pub async fn mark_attendance(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path((id, student)): Path<(Uuid, Uuid)>,
    Json(input): Json<AttendanceUpdate>,
) -> ApiResult<Json<ConsultationView>> {
    let mut tx = state.db.begin().await?;
    lock_for(&mut tx, id, &caller, Action::MarkAttendance).await?;
    tx.commit().await?;
    consultation::set_attendance(&state.db, id, student, input.attendance)
        .await
        .map_err(not_found("participant"))?;
    let c = consultation::get(&state.db, id).await?;
    Ok(Json(view_of(&state, &c, caller.user.id)))
}
