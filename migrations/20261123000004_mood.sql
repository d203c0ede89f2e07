-- Mood: model versions and the data they were trained on, the periodic recognition runs, the
-- readings they store per (user, conversation, window), each user's current mood, sharing, and
-- corrections that become labelled examples after an admin reviews them.
--
-- Emotion and intensity are stored as class indexes 0..4:
--   emotion   0 Very Sad,   1 Sad,   2 Neutral, 3 Happy,   4 Very Happy
--   intensity 0 Very Muted, 1 Muted, 2 Neutral, 3 Excited, 4 Very Excited

-- Sharing is on by default; when off, nothing about the user is measured, pushed or shown.
ALTER TABLE users ADD COLUMN mood_sharing boolean NOT NULL DEFAULT true;

CREATE TYPE mood_model_status AS ENUM ('training', 'ready', 'failed');

-- Admin uploads (and snapshots of reviewed corrections). Kept as long as a model refers to them.
CREATE TABLE mood_datasets (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text        NOT NULL,
    source      text        NOT NULL,
    uploaded_by uuid        REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    rows        integer     NOT NULL,
    CONSTRAINT mood_datasets_name_length CHECK (length(name) BETWEEN 1 AND 200),
    CONSTRAINT mood_datasets_source CHECK (source IN ('upload', 'corrections'))
);

CREATE TABLE mood_examples (
    id         bigint   GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dataset_id bigint   NOT NULL REFERENCES mood_datasets (id) ON DELETE CASCADE,
    text       text     NOT NULL,
    emotion    smallint,
    intensity  smallint,
    CONSTRAINT mood_examples_text CHECK (length(text) > 0),
    CONSTRAINT mood_examples_emotion CHECK (emotion BETWEEN 0 AND 4),
    CONSTRAINT mood_examples_intensity CHECK (intensity BETWEEN 0 AND 4),
    CONSTRAINT mood_examples_labelled CHECK (emotion IS NOT NULL OR intensity IS NOT NULL)
);

CREATE INDEX mood_examples_by_dataset ON mood_examples (dataset_id);

-- Every model version, with its progress while training, its metrics and its bytes.
CREATE TABLE mood_models (
    id           bigint            GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text              NOT NULL,
    status       mood_model_status NOT NULL,
    stage        text              NOT NULL DEFAULT 'queued',
    error        text,
    includes_builtin boolean       NOT NULL,
    bytes        bytea,
    report       jsonb,
    created_by   uuid              REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz       NOT NULL DEFAULT now(),
    updated_at   timestamptz       NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    active       boolean           NOT NULL DEFAULT false,
    activated_at timestamptz,
    CONSTRAINT mood_models_name_key UNIQUE (name),
    CONSTRAINT mood_models_ready_has_bytes CHECK (status <> 'ready' OR (bytes IS NOT NULL AND report IS NOT NULL)),
    CONSTRAINT mood_models_active_is_ready CHECK (NOT active OR status = 'ready')
);

-- At most one active model.
CREATE UNIQUE INDEX mood_models_one_active ON mood_models ((true)) WHERE active;

-- Which datasets a model was trained on (besides the built-in data).
CREATE TABLE mood_model_datasets (
    model_id   bigint NOT NULL REFERENCES mood_models (id) ON DELETE CASCADE,
    dataset_id bigint NOT NULL REFERENCES mood_datasets (id) ON DELETE RESTRICT,
    PRIMARY KEY (model_id, dataset_id)
);

-- Every activation, so a rollback can return to the model active before.
CREATE TABLE mood_activations (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model_id     bigint      NOT NULL REFERENCES mood_models (id) ON DELETE CASCADE,
    activated_by uuid        REFERENCES users (id) ON DELETE SET NULL,
    activated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per processed window. Inserted in the transaction that stores the window's readings,
-- so a window is processed exactly once across processes and a crashed run leaves no trace.
CREATE TABLE mood_runs (
    window_start timestamptz PRIMARY KEY,
    window_end   timestamptz NOT NULL,
    model_id     bigint      REFERENCES mood_models (id) ON DELETE SET NULL,
    readings     integer     NOT NULL,
    finished_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT mood_runs_window CHECK (window_end > window_start)
);

-- The mood of one user's text in one conversation in one window.
CREATE TABLE mood_readings (
    id                      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id                 uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    conversation_id         uuid        NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    window_start            timestamptz NOT NULL REFERENCES mood_runs (window_start) ON DELETE CASCADE,
    window_end              timestamptz NOT NULL,
    emotion                 smallint    NOT NULL,
    intensity               smallint    NOT NULL,
    emotion_probabilities   float8[]    NOT NULL,
    intensity_probabilities float8[]    NOT NULL,
    message_count           integer     NOT NULL,
    model_id                bigint      REFERENCES mood_models (id) ON DELETE SET NULL,
    CONSTRAINT mood_readings_once UNIQUE (user_id, conversation_id, window_start),
    CONSTRAINT mood_readings_emotion CHECK (emotion BETWEEN 0 AND 4),
    CONSTRAINT mood_readings_intensity CHECK (intensity BETWEEN 0 AND 4),
    CONSTRAINT mood_readings_counts CHECK (message_count > 0)
);

CREATE INDEX mood_readings_by_user ON mood_readings (user_id, window_start DESC);

-- Each user's current mood: the last window in which they wrote, over all its conversations.
CREATE TABLE user_moods (
    user_id                 uuid        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    emotion                 smallint    NOT NULL,
    intensity               smallint    NOT NULL,
    emotion_probabilities   float8[]    NOT NULL,
    intensity_probabilities float8[]    NOT NULL,
    message_count           integer     NOT NULL,
    window_start            timestamptz NOT NULL,
    window_end              timestamptz NOT NULL,
    model_id                bigint      REFERENCES mood_models (id) ON DELETE SET NULL,
    CONSTRAINT user_moods_emotion CHECK (emotion BETWEEN 0 AND 4),
    CONSTRAINT user_moods_intensity CHECK (intensity BETWEEN 0 AND 4)
);

CREATE TYPE mood_correction_status AS ENUM ('pending', 'approved', 'rejected');

-- "That is not how I (or my student) felt": a proposed label for one reading's text.
CREATE TABLE mood_corrections (
    id           bigint                 GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reading_id   bigint                 NOT NULL REFERENCES mood_readings (id) ON DELETE CASCADE,
    corrected_by uuid                   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    emotion      smallint,
    intensity    smallint,
    status       mood_correction_status NOT NULL DEFAULT 'pending',
    created_at   timestamptz            NOT NULL DEFAULT now(),
    reviewed_by  uuid                   REFERENCES users (id) ON DELETE SET NULL,
    reviewed_at  timestamptz,
    -- The reading's text, copied when an admin approves it (it becomes a labelled example).
    text         text,
    CONSTRAINT mood_corrections_once UNIQUE (reading_id, corrected_by),
    CONSTRAINT mood_corrections_emotion CHECK (emotion BETWEEN 0 AND 4),
    CONSTRAINT mood_corrections_intensity CHECK (intensity BETWEEN 0 AND 4),
    CONSTRAINT mood_corrections_labelled CHECK (emotion IS NOT NULL OR intensity IS NOT NULL),
    CONSTRAINT mood_corrections_approved_text CHECK (status <> 'approved' OR text IS NOT NULL)
);

CREATE INDEX mood_corrections_pending ON mood_corrections (created_at) WHERE status = 'pending';

-- The recognition job reads messages by time window; messages are appended in time order.
CREATE INDEX messages_created_at_brin ON messages USING brin (created_at);
