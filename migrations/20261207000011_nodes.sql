-- Several Chatterly processes on one database (docs/architecture.md, "Several nodes").
--
-- nodes: every running process registers itself and renews a lease (heartbeat_at) every few
-- seconds; a node whose lease is older than the TTL is dead, and the first survivor to notice
-- deletes it and marks its users offline.
CREATE TABLE nodes (
    id uuid PRIMARY KEY,
    address text NOT NULL CHECK (char_length(address) BETWEEN 1 AND 200),
    started_at timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now(),
    connections integer NOT NULL DEFAULT 0 CHECK (connections >= 0),
    draining boolean NOT NULL DEFAULT false
);

-- node_presence: which users have at least one device connected to which node. A user is online
-- while any live node holds a row for them. Rows of a dead node are removed with it (by the
-- reaper, which needs them to tell contacts; hence no cascading foreign key on node_id).
CREATE TABLE node_presence (
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    node_id uuid NOT NULL,
    since timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, node_id)
);
CREATE INDEX node_presence_by_node ON node_presence (node_id);

-- The node a consultation's room runs on: a room socket reaching another node is relayed there.
-- Taken over by another node when it is dead (no live lease) or does not answer.
ALTER TABLE consultation_rooms ADD COLUMN node_id uuid;
