-- Password reset by email. A request makes a row here and queues a `password_reset` email in the
-- mail outbox (so the answer and its timing are the same whether or not the email exists). The
-- mailer draws the secret token when it sends the email and stores only its SHA-256 hash, so the
-- token itself is never written anywhere but the email. A token is good for one use, within an
-- hour.
CREATE TABLE password_resets (
    id         uuid        PRIMARY KEY,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash bytea       UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

CREATE INDEX password_resets_by_user ON password_resets (user_id, created_at DESC);

ALTER TABLE mail_outbox
    ALTER COLUMN consultation_id DROP NOT NULL,
    ADD COLUMN password_reset_id uuid REFERENCES password_resets (id) ON DELETE CASCADE,
    DROP CONSTRAINT mail_outbox_kind,
    ADD CONSTRAINT mail_outbox_kind CHECK (kind IN ('booked', 'confirmed', 'cancelled', 'rescheduled', 'reminder', 'password_reset')),
    ADD CONSTRAINT mail_outbox_about_one_thing CHECK ((consultation_id IS NULL) <> (password_reset_id IS NULL));
