-- Live chat: conversations (direct or group), their members with delivered/read positions,
-- and messages ordered by a gap-free per-conversation sequence number.

ALTER TABLE users ADD COLUMN last_seen_at timestamptz;

CREATE TYPE conversation_kind AS ENUM ('direct', 'group');

CREATE TABLE conversations (
    id         uuid              PRIMARY KEY,
    kind       conversation_kind NOT NULL,
    name       text,
    owner_id   uuid              REFERENCES users (id) ON DELETE SET NULL,
    -- "<smaller user id>:<larger user id>" for direct conversations: one per pair.
    direct_key text,
    last_seq   bigint            NOT NULL DEFAULT 0,
    created_at timestamptz       NOT NULL DEFAULT now(),
    updated_at timestamptz       NOT NULL DEFAULT now(),
    CONSTRAINT conversations_direct_key_key UNIQUE (direct_key),
    CONSTRAINT conversations_direct_has_key CHECK ((kind = 'direct') = (direct_key IS NOT NULL)),
    CONSTRAINT conversations_group_has_name CHECK (kind = 'direct' OR length(name) BETWEEN 1 AND 80),
    CONSTRAINT conversations_last_seq_positive CHECK (last_seq >= 0)
);

CREATE TYPE member_role AS ENUM ('owner', 'member');

CREATE TABLE conversation_members (
    conversation_id uuid        NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id         uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role            member_role NOT NULL DEFAULT 'member',
    joined_at       timestamptz NOT NULL DEFAULT now(),
    delivered_seq   bigint      NOT NULL DEFAULT 0,
    read_seq        bigint      NOT NULL DEFAULT 0,
    PRIMARY KEY (conversation_id, user_id),
    CONSTRAINT conversation_members_read_not_ahead CHECK (read_seq >= 0 AND delivered_seq >= 0)
);

CREATE INDEX conversation_members_by_user ON conversation_members (user_id);

CREATE TABLE messages (
    id              uuid        PRIMARY KEY,
    conversation_id uuid        NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             bigint      NOT NULL,
    sender_id       uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id       text        NOT NULL,
    body            text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    search          tsvector    GENERATED ALWAYS AS (to_tsvector('english', body)) STORED,
    CONSTRAINT messages_conversation_seq_key UNIQUE (conversation_id, seq),
    CONSTRAINT messages_sender_client_id_key UNIQUE (sender_id, client_id),
    CONSTRAINT messages_body_length CHECK (length(body) BETWEEN 1 AND 100000),
    CONSTRAINT messages_client_id_length CHECK (length(client_id) BETWEEN 1 AND 64),
    CONSTRAINT messages_seq_positive CHECK (seq > 0)
);

CREATE INDEX messages_search ON messages USING gin (search);
