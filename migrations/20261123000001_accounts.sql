-- Accounts: users with a role and a profile, and one session per logged-in device.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TYPE user_role AS ENUM ('student', 'lecturer', 'admin');

CREATE TABLE users (
    id            uuid        PRIMARY KEY,
    email         text        NOT NULL,
    password_hash text        NOT NULL,
    display_name  text        NOT NULL,
    time_zone     text        NOT NULL DEFAULT 'UTC',
    avatar_color  text        NOT NULL,
    role          user_role   NOT NULL DEFAULT 'student',
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT users_email_normalised CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    CONSTRAINT users_display_name_length CHECK (length(display_name) BETWEEN 1 AND 80),
    CONSTRAINT users_avatar_color_hex CHECK (avatar_color ~ '^#[0-9a-f]{6}$')
);

-- The directory searches names by substring.
CREATE INDEX users_display_name_trgm ON users USING gin (lower(display_name) gin_trgm_ops);

CREATE TABLE sessions (
    id           uuid        PRIMARY KEY,
    user_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   bytea       NOT NULL,
    device       text        NOT NULL,
    ip           text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    CONSTRAINT sessions_token_hash_key UNIQUE (token_hash)
);

CREATE INDEX sessions_active_by_user ON sessions (user_id) WHERE revoked_at IS NULL;
