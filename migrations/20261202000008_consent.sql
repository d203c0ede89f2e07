-- Consent before contact. A direct conversation or a group invitation from someone who is not
-- yet a contact makes the recipient an *invited* member: they see who asked (and, in a direct
-- conversation, the first few messages) and accept, decline or block. Only active members are
-- contacts through a conversation. A block stops new requests from that person and hides each
-- from the other's presence and mood.

CREATE TYPE member_status AS ENUM ('active', 'invited');

-- history_from_seq: a member reads only messages after it. People added to a room's conversation
-- after it started do not get what was said before they joined, unless its owner (the lecturer)
-- shares the history (which sets it back to 0).
ALTER TABLE conversation_members
    ADD COLUMN status           member_status NOT NULL DEFAULT 'active',
    ADD COLUMN invited_by       uuid          REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN history_from_seq bigint        NOT NULL DEFAULT 0;

-- While a direct request is pending the requester may write at most `request_cap` messages (the
-- database enforces it, so two devices racing cannot pass it); accepting clears the cap.
ALTER TABLE conversations
    ADD COLUMN request_cap bigint,
    ADD CONSTRAINT conversations_request_cap CHECK (request_cap IS NULL OR last_seq <= request_cap);

CREATE TABLE blocks (
    blocker_id uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked_id uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (blocker_id, blocked_id),
    CONSTRAINT blocks_not_self CHECK (blocker_id <> blocked_id)
);

CREATE INDEX blocks_by_blocked ON blocks (blocked_id);

-- The one definition of "contact" (docs/privacy.md). Two people are contacts when neither has
-- blocked the other and
--   * both are active members of a direct or group conversation that is not a consultation
--     room's, or
--   * one is the lecturer and the other a booked student of a confirmed consultation that has
--     not ended yet (the booking is the consent; it lasts as long as the consultation).
-- Students of the same group consultation are not contacts through it. Every presence, mood,
-- time zone and directory check reads this view.
CREATE VIEW contact_pairs AS
SELECT pairs.user_id, pairs.contact_id
FROM (
    SELECT mine.user_id, theirs.user_id AS contact_id
    FROM conversation_members mine
    JOIN conversation_members theirs
      ON theirs.conversation_id = mine.conversation_id AND theirs.user_id <> mine.user_id
    WHERE mine.status = 'active' AND theirs.status = 'active'
      AND NOT EXISTS (SELECT 1 FROM consultation_rooms r WHERE r.conversation_id = mine.conversation_id)
    UNION
    SELECT c.lecturer_id, p.student_id
    FROM consultations c JOIN consultation_participants p ON p.consultation_id = c.id
    WHERE p.active AND c.status = 'confirmed' AND c.ends_at > now()
    UNION
    SELECT p.student_id, c.lecturer_id
    FROM consultations c JOIN consultation_participants p ON p.consultation_id = c.id
    WHERE p.active AND c.status = 'confirmed' AND c.ends_at > now()
) pairs
WHERE NOT EXISTS (
    SELECT 1 FROM blocks b
    WHERE (b.blocker_id = pairs.user_id AND b.blocked_id = pairs.contact_id)
       OR (b.blocker_id = pairs.contact_id AND b.blocked_id = pairs.user_id)
);
