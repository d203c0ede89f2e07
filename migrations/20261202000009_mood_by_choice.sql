-- Mood by choice (docs/privacy.md, "Mood"). Sharing is off until the user answers the first-use
-- prompt, and they choose separately whether lecturers (and admins) and whether fellow students
-- see their mood. Everyone, existing users included, starts with both off and gets the prompt.
-- Someone who shares with nobody is not measured at all.
ALTER TABLE users
    DROP COLUMN mood_sharing,
    ADD COLUMN mood_share_lecturers   boolean NOT NULL DEFAULT false,
    ADD COLUMN mood_share_students    boolean NOT NULL DEFAULT false,
    -- When the user last answered (NULL: not yet, so the prompt is shown).
    ADD COLUMN mood_sharing_chosen_at timestamptz;

-- Whether the author of a correction agreed, when filing it, that an admin may read the text it
-- labels. Without that the admin sees only the labels, and the correction cannot become a
-- training example. Corrections approved before this migration are not checked (NOT VALID):
-- no agreement was asked then, and the training snapshot leaves them out.
ALTER TABLE mood_corrections
    ADD COLUMN text_shared boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT mood_corrections_approved_shared CHECK (status <> 'approved' OR text_shared) NOT VALID;

-- The live push after a window reads that window's readings.
CREATE INDEX mood_readings_by_window ON mood_readings (window_start);
