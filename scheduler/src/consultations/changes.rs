//! Changing a consultation in its lifecycle: join, confirm, cancel, notes, attendance. Each
//! locks the consultation ([`lock_for`]), asks the lifecycle rules, writes, queues its emails and
//! commits in one transaction.

use chrono::{DateTime, Duration, Utc};
use models::consultation::{self, Attendance, Consultation, Status};
use models::user::User;
use models::{Db, ModelError, availability, outbox};
use sqlx::PgConnection;
use uuid::Uuid;

use super::clash::{self, Attempt};
use super::error::{ConsultationError, ConsultationResult};
use super::read::viewed;
use super::{
    Change, Changed, Notes, PrivateNotes, Reason, RoomEffect, Settings, access, insiders, queue,
};
use crate::lifecycle::{self, Action, Facts};

/// Locks consultation `id` in `tx` and checks that `caller` may do `action` now: not found if
/// they may not even see it, else the lifecycle rules' refusal.
pub(super) async fn lock_for(
    tx: &mut PgConnection,
    id: Uuid,
    caller: &User,
    action: Action,
    now: DateTime<Utc>,
) -> ConsultationResult<Consultation> {
    let c = lock_visible(tx, id, caller).await?;
    let facts = facts(tx, &c, now).await?;
    lifecycle::check(action, access::role_of(&c, caller), &facts)?;
    Ok(c)
}

async fn lock_visible(
    tx: &mut PgConnection,
    id: Uuid,
    caller: &User,
) -> ConsultationResult<Consultation> {
    match consultation::lock(tx, id).await {
        Ok(c) if access::may_see(&c, caller.id) => Ok(c),
        Ok(_) | Err(ModelError::NotFound) => Err(ConsultationError::NotFound("consultation")),
        Err(e) => Err(e.into()),
    }
}

async fn facts(
    tx: &mut PgConnection,
    c: &Consultation,
    now: DateTime<Utc>,
) -> Result<Facts, ModelError> {
    let cancel_window = availability::cancel_window(tx, c.lecturer_id).await?;
    Ok(Facts {
        state: access::state_of(c.status),
        starts_at: c.starts_at,
        ends_at: c.ends_at,
        capacity: c.capacity,
        places_left: c.places_left(),
        cancel_window: Duration::minutes(cancel_window.into()),
        now,
    })
}

/// Takes a place in a group session (a student).
pub async fn join(
    db: &Db,
    settings: &Settings,
    caller: &User,
    id: Uuid,
) -> ConsultationResult<Changed> {
    let mut tx = db.begin().await?;
    let before = lock_for(&mut tx, id, caller, Action::Join, settings.clock.now()).await?;
    let joined = async {
        super::book::within_booking_cap(&mut tx, settings, caller.id, before.lecturer_id).await?;
        consultation::add_participant(&mut tx, id, caller.id).await?;
        consultation::bump_revision(&mut tx, id).await?;
        let c = consultation::lock(&mut tx, id).await?;
        queue::notice(&mut tx, settings.clock.now(), &c, "booked", &[caller.id]).await?;
        queue::reminders(
            &mut tx,
            settings.clock.now(),
            &c,
            &settings.reminder_offsets,
            &[caller.id],
        )
        .await?;
        Ok::<_, ModelError>(c)
    }
    .await;
    let c = match joined {
        Ok(c) => {
            tx.commit().await?;
            c
        }
        Err(ModelError::Clash(clash)) => {
            drop(tx);
            let attempt = Attempt {
                caller,
                by_lecturer: false,
                starts_at: before.starts_at,
                ends_at: before.ends_at,
                blocks_until: before.blocks_until,
                except: Some(id),
                students: &[],
            };
            return Err(clash::explain(db, clash, &attempt).await);
        }
        Err(e) => return Err(e.into()),
    };
    Ok(Changed::new(
        viewed(db, settings, c).await?,
        Some(Change::Joined),
    ))
}

/// Approves a pending booking (the lecturer).
pub async fn confirm(
    db: &Db,
    settings: &Settings,
    caller: &User,
    id: Uuid,
) -> ConsultationResult<Changed> {
    let mut tx = db.begin().await?;
    lock_for(&mut tx, id, caller, Action::Confirm, settings.clock.now()).await?;
    consultation::set_status(&mut tx, id, Status::Confirmed, None).await?;
    let c = consultation::lock(&mut tx, id).await?;
    queue::notice(
        &mut tx,
        settings.clock.now(),
        &c,
        "confirmed",
        &insiders(&c),
    )
    .await?;
    tx.commit().await?;
    Ok(Changed::new(
        viewed(db, settings, c).await?,
        Some(Change::Confirmed),
    ))
}

/// Cancels with a reason: the lecturer cancels for everyone; a student gives up their place (a
/// one-to-one consultation is then cancelled, a group session goes on).
pub async fn cancel(
    db: &Db,
    settings: &Settings,
    caller: &User,
    id: Uuid,
    reason: &Reason,
) -> ConsultationResult<Changed> {
    let reason = reason.as_str();
    let me = caller.id;
    let mut tx = db.begin().await?;
    let before = lock_for(&mut tx, id, caller, Action::Cancel, settings.clock.now()).await?;
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
    queue::notice(&mut tx, settings.clock.now(), &c, "cancelled", &told).await?;
    tx.commit().await?;
    let mut changed = Changed::new(viewed(db, settings, c).await?, Some(Change::Cancelled));
    changed.room = if whole {
        RoomEffect::End
    } else {
        RoomEffect::Remove(me)
    };
    Ok(changed)
}

/// New notes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct NotesUpdate {
    /// Shared notes (the lecturer and the students holding a place).
    pub notes: Option<Notes>,
    /// The lecturer's private notes.
    pub private_notes: Option<PrivateNotes>,
}

/// Edits the shared notes (the lecturer or a student with a place) and the private notes (the
/// lecturer). An empty update changes nothing but is answered like any other: not found for
/// anyone who did not take part.
pub async fn update_notes(
    db: &Db,
    settings: &Settings,
    caller: &User,
    id: Uuid,
    update: &NotesUpdate,
) -> ConsultationResult<Changed> {
    let mut tx = db.begin().await?;
    let c = lock_visible(&mut tx, id, caller).await?;
    if !access::is_insider(&c, caller.id) {
        return Err(ConsultationError::NotFound("consultation"));
    }
    if update.notes.is_some() {
        lock_for(&mut tx, id, caller, Action::EditNotes, settings.clock.now()).await?;
    }
    if update.private_notes.is_some() {
        lock_for(
            &mut tx,
            id,
            caller,
            Action::EditPrivateNotes,
            settings.clock.now(),
        )
        .await?;
    }
    let (notes, private_notes) = (
        update.notes.as_ref().map(Notes::as_str),
        update.private_notes.as_ref().map(PrivateNotes::as_str),
    );
    consultation::set_notes(&mut tx, id, notes, private_notes).await?;
    let c = consultation::lock(&mut tx, id).await?;
    tx.commit().await?;
    let tell = update.notes.is_some().then_some(Change::Notes);
    Ok(Changed::new(viewed(db, settings, c).await?, tell))
}

/// Marks whether `student` attended (the lecturer, once it has started).
pub async fn mark_attendance(
    db: &Db,
    settings: &Settings,
    caller: &User,
    id: Uuid,
    student: Uuid,
    attendance: Attendance,
) -> ConsultationResult<Changed> {
    let mut tx = db.begin().await?;
    lock_for(
        &mut tx,
        id,
        caller,
        Action::MarkAttendance,
        settings.clock.now(),
    )
    .await?;
    match consultation::set_attendance(&mut tx, id, student, attendance).await {
        Ok(()) => {}
        Err(ModelError::NotFound) => return Err(ConsultationError::NotFound("participant")),
        Err(e) => return Err(e.into()),
    }
    let c = consultation::lock(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Changed::new(viewed(db, settings, c).await?, None))
}
