-- Consultation rooms: the lecturer's early opening or ending of the video room, and the
-- conversation shown beside the video. One row per consultation, made when first needed.
CREATE TABLE consultation_rooms (
    consultation_id uuid        PRIMARY KEY REFERENCES consultations (id) ON DELETE CASCADE,
    opened_early_at timestamptz,
    closed_at       timestamptz,
    conversation_id uuid        UNIQUE REFERENCES conversations (id) ON DELETE SET NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
