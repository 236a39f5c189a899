-- The longest booking ever made in a resource tree, kept on the tree's root
-- and raised under the tree lock. A booking that overlaps [start, end)
-- starts after start - longest, so the collision check reads only the
-- bookings starting in [start - longest - buffer, end + buffer) instead of
-- every earlier booking of the tree.
ALTER TABLE resources ADD COLUMN longest_booking BIGINT NOT NULL DEFAULT 0;
UPDATE resources SET longest_booking = COALESCE(
    (SELECT MAX(b.ends_at - b.starts_at) FROM bookings b WHERE b.root_id = resources.id), 0)
WHERE root_id = id OR root_id IS NULL;

-- "Already registered?" is asked of every registration: reach the person's
-- rows of the event directly instead of reading the whole event.
CREATE INDEX registrations_participant ON registrations(event_id, user_id, participant);
