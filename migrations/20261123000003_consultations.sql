-- Consultations: lecturers' availability, booked consultations with their participants, and the
-- mail outbox that carries booking notices and reminders.
--
-- The clash guarantee lives here, not in the application: two exclusion constraints refuse any
-- overlap for a lecturer (with the buffer after each consultation) and for a student, however
-- the requests race.

CREATE EXTENSION IF NOT EXISTS btree_gist;

-- One row per lecturer who publishes availability. Durations are in minutes.
CREATE TABLE availability_settings (
    lecturer_id           uuid        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    time_zone             text        NOT NULL,
    slot_minutes          integer     NOT NULL,
    buffer_minutes        integer     NOT NULL,
    min_notice_minutes    integer     NOT NULL,
    horizon_days          integer     NOT NULL,
    requires_approval     boolean     NOT NULL DEFAULT false,
    cancel_window_minutes integer     NOT NULL DEFAULT 0,
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT availability_slot_range CHECK (slot_minutes BETWEEN 5 AND 240),
    CONSTRAINT availability_buffer_range CHECK (buffer_minutes BETWEEN 0 AND 120),
    CONSTRAINT availability_notice_range CHECK (min_notice_minutes BETWEEN 0 AND 43200),
    CONSTRAINT availability_horizon_range CHECK (horizon_days BETWEEN 1 AND 365),
    CONSTRAINT availability_cancel_window_range CHECK (cancel_window_minutes BETWEEN 0 AND 10080)
);

-- Weekly hours in the lecturer's time zone; weekday is ISO (1 = Monday .. 7 = Sunday).
CREATE TABLE availability_rules (
    id          bigserial PRIMARY KEY,
    lecturer_id uuid      NOT NULL REFERENCES availability_settings (lecturer_id) ON DELETE CASCADE,
    weekday     smallint  NOT NULL,
    starts      time      NOT NULL,
    ends        time      NOT NULL,
    CONSTRAINT availability_rules_weekday CHECK (weekday BETWEEN 1 AND 7),
    CONSTRAINT availability_rules_order CHECK (starts < ends)
);

CREATE INDEX availability_rules_by_lecturer ON availability_rules (lecturer_id);

-- Date exceptions: a day (or part of one) off, or extra hours on a date.
CREATE TABLE availability_exceptions (
    id          bigserial PRIMARY KEY,
    lecturer_id uuid      NOT NULL REFERENCES availability_settings (lecturer_id) ON DELETE CASCADE,
    day         date      NOT NULL,
    kind        text      NOT NULL,
    starts      time,
    ends        time,
    CONSTRAINT availability_exceptions_kind CHECK (kind IN ('off', 'extra')),
    CONSTRAINT availability_exceptions_times CHECK ((starts IS NULL) = (ends IS NULL)),
    CONSTRAINT availability_exceptions_order CHECK (starts < ends),
    CONSTRAINT availability_exceptions_extra_has_times CHECK (kind = 'off' OR starts IS NOT NULL)
);

CREATE INDEX availability_exceptions_by_lecturer ON availability_exceptions (lecturer_id, day);

CREATE TABLE consultations (
    id             uuid        PRIMARY KEY,
    lecturer_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_by     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    starts_at      timestamptz NOT NULL,
    ends_at        timestamptz NOT NULL,
    -- ends_at plus the lecturer's buffer at booking time: the lecturer is busy until then.
    blocks_until   timestamptz NOT NULL,
    capacity       integer     NOT NULL,
    topic          text        NOT NULL,
    notes          text        NOT NULL DEFAULT '',
    private_notes  text        NOT NULL DEFAULT '',
    status         text        NOT NULL,
    cancel_reason  text,
    cancelled_by   uuid        REFERENCES users (id) ON DELETE SET NULL,
    -- Bumped on every change a calendar must see (ICS SEQUENCE).
    revision       integer     NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT consultations_status CHECK (status IN ('pending', 'confirmed', 'cancelled')),
    CONSTRAINT consultations_order CHECK (starts_at < ends_at AND blocks_until >= ends_at),
    CONSTRAINT consultations_capacity CHECK (capacity BETWEEN 1 AND 100),
    CONSTRAINT consultations_topic_length CHECK (length(topic) BETWEEN 1 AND 200),
    CONSTRAINT consultations_notes_length CHECK (length(notes) <= 4000 AND length(private_notes) <= 4000),
    CONSTRAINT consultations_lecturer_clash EXCLUDE USING gist (
        lecturer_id WITH =,
        tstzrange(starts_at, blocks_until) WITH &&
    ) WHERE (status <> 'cancelled')
);

CREATE INDEX consultations_by_lecturer ON consultations (lecturer_id, starts_at);

-- Students taking part. starts_at/ends_at copy the consultation's (kept in step by a trigger) so
-- the student clash can be an exclusion constraint on this table.
CREATE TABLE consultation_participants (
    consultation_id uuid        NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    student_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    starts_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL,
    active          boolean     NOT NULL DEFAULT true,
    attendance      text        NOT NULL DEFAULT 'unmarked',
    cancel_reason   text,
    joined_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consultation_id, student_id),
    CONSTRAINT consultation_participants_attendance CHECK (attendance IN ('unmarked', 'attended', 'no_show')),
    CONSTRAINT consultation_participants_student_clash EXCLUDE USING gist (
        student_id WITH =,
        tstzrange(starts_at, ends_at) WITH &&
    ) WHERE (active)
);

CREATE INDEX consultation_participants_by_student ON consultation_participants (student_id, starts_at);

-- Moving or cancelling a consultation moves or frees its participants' time in the same statement,
-- so the student clash constraint judges the new time before the old one is released.
CREATE FUNCTION consultation_participants_follow() RETURNS trigger AS $$
BEGIN
    UPDATE consultation_participants
       SET starts_at = NEW.starts_at,
           ends_at = NEW.ends_at,
           active = active AND NEW.status <> 'cancelled'
     WHERE consultation_id = NEW.id;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER consultations_move_participants
    AFTER UPDATE OF starts_at, ends_at, status ON consultations
    FOR EACH ROW
    WHEN (OLD.starts_at IS DISTINCT FROM NEW.starts_at
       OR OLD.ends_at IS DISTINCT FROM NEW.ends_at
       OR OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION consultation_participants_follow();

-- Email to send: booking notices now, reminders at their time. A row is claimed with
-- FOR UPDATE SKIP LOCKED inside the transaction that marks it sent, so two server processes never
-- send the same row; failures are retried later with backoff.
CREATE TABLE mail_outbox (
    id              bigserial   PRIMARY KEY,
    consultation_id uuid        NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    recipient_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind            text        NOT NULL,
    due_at          timestamptz NOT NULL,
    dedup_key       text        NOT NULL,
    status          text        NOT NULL DEFAULT 'pending',
    attempts        integer     NOT NULL DEFAULT 0,
    last_error      text,
    sent_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT mail_outbox_dedup_key UNIQUE (dedup_key),
    CONSTRAINT mail_outbox_kind CHECK (kind IN ('booked', 'confirmed', 'cancelled', 'rescheduled', 'reminder')),
    CONSTRAINT mail_outbox_status CHECK (status IN ('pending', 'sent', 'failed', 'superseded'))
);

CREATE INDEX mail_outbox_due ON mail_outbox (due_at) WHERE status = 'pending';
CREATE INDEX mail_outbox_by_consultation ON mail_outbox (consultation_id);
