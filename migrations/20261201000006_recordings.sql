-- Recordings of consultation rooms: who started one and when, and the file written for each
-- recorded track (under the data directory's recordings/<consultation>/<recording>/).
CREATE TABLE consultation_recordings (
    id              uuid        PRIMARY KEY,
    consultation_id uuid        NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    started_by      uuid        REFERENCES users (id) ON DELETE SET NULL,
    started_at      timestamptz NOT NULL DEFAULT now(),
    stopped_at      timestamptz,
    CONSTRAINT consultation_recordings_order CHECK (stopped_at IS NULL OR stopped_at >= started_at)
);

-- At most one recording runs per consultation.
CREATE UNIQUE INDEX consultation_recordings_one_running
    ON consultation_recordings (consultation_id) WHERE stopped_at IS NULL;

CREATE TABLE recording_files (
    recording_id uuid        NOT NULL REFERENCES consultation_recordings (id) ON DELETE CASCADE,
    file_name    text        NOT NULL,
    user_id      uuid        REFERENCES users (id) ON DELETE SET NULL,
    display_name text        NOT NULL,
    source       text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (recording_id, file_name),
    CONSTRAINT recording_files_source CHECK (source IN ('camera', 'microphone', 'screen')),
    CONSTRAINT recording_files_name CHECK (file_name ~ '^[a-z0-9-]+\.webm$')
);
