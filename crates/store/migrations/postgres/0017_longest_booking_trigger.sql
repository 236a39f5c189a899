-- The tree's longest booking (0010) is raised by the insert itself: the
-- booking transaction, on the path every booking of a tree queues on,
-- no longer waits for a statement of its own to do it. The root's row is
-- already locked by the booking (lock_tree).
CREATE FUNCTION bookings_raise_longest() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE resources SET longest_booking = NEW.ends_at - NEW.starts_at
     WHERE id = NEW.root_id AND longest_booking < NEW.ends_at - NEW.starts_at;
    RETURN NULL;
END
$$;
CREATE TRIGGER bookings_raise_longest AFTER INSERT ON bookings
    FOR EACH ROW EXECUTE FUNCTION bookings_raise_longest();
