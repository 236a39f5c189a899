//! After the run: the guarantees read back from the database. Overlapping
//! blocking bookings in a resource line, confirmed seats above capacity,
//! and what the clients were told against what the database holds.

use super::*;

/// What reading the database back found.
#[derive(Default)]
pub(super) struct Check {
    /// Confirmed bookings / held seats found in the database.
    pub(super) found: usize,
    /// Operations the server answered as stored but missing, or stored twice.
    pub(super) lost: usize,
    /// Stored without any client being told (see [`reconcile`]).
    pub(super) unanswered: usize,
    /// A participant holding two live registrations to one event.
    pub(super) duplicated: usize,
    pub(super) overlaps: usize,
    pub(super) over_capacity: usize,
    pub(super) free_seat_while_waiting: usize,
    pub(super) out_of_order: usize,
}

impl Check {
    pub(super) fn violations(&self) -> usize {
        self.lost
            + self.unanswered
            + self.duplicated
            + self.overlaps
            + self.over_capacity
            + self.free_seat_while_waiting
            + self.out_of_order
    }
}

/// The check, and the ids of the bookings found.
pub(super) async fn check_bookings(app: &App, trees: &[Tree]) -> anyhow::Result<(Check, Vec<i64>)> {
    let mut check = Check::default();
    let mut ids = Vec::new();
    let now = store::now_micros();
    for tree in trees {
        let root = tree.resources[0].0;
        // A venue booking is pending the manager's approval and blocks like a confirmed one.
        let bookings = app.store.blocking_bookings_of_tree(root, 0, i64::MAX, now).await?;
        let paths: HashMap<i64, &str> = tree.resources.iter().map(|(id, _, p)| (*id, p.as_str())).collect();
        let slots: Vec<(&str, i64, i64)> =
            bookings.iter().filter_map(|b| Some((*paths.get(&b.resource_id)?, b.starts_at, b.ends_at))).collect();
        check.found += bookings.len();
        check.overlaps += overlaps(&slots);
        ids.extend(bookings.iter().map(|b| b.id));
    }
    Ok((check, ids))
}

/// Pairs of slots that overlap on one line of the tree (a resource and its
/// ancestors). For each resource, its own slots and its ancestors' all
/// block each other: sorted by start, one overlaps the furthest end seen.
fn overlaps(slots: &[(&str, i64, i64)]) -> usize {
    let mut by_path: BTreeMap<&str, Vec<(i64, i64)>> = BTreeMap::new();
    for (path, start, end) in slots {
        by_path.entry(path).or_default().push((*start, *end));
    }
    let mut found = 0;
    for path in by_path.keys() {
        let mut line: Vec<(i64, i64)> =
            by_path.iter().filter(|(other, _)| path.starts_with(*other)).flat_map(|(_, s)| s.iter().copied()).collect();
        // Each overlapping pair is seen from the deepest of the two paths:
        // count only pairs that involve this path's own slots.
        line.sort_unstable();
        let own = &by_path[path];
        let mut furthest = i64::MIN;
        for (start, end) in line {
            if start < furthest && own.iter().any(|&(s, e)| s == start && e == end) {
                found += 1;
            }
            furthest = furthest.max(end);
        }
    }
    found
}

/// The check, and the ids of the registrations found.
pub(super) async fn check_registrations(app: &App, events: &[(i64, i64)]) -> anyhow::Result<(Check, Vec<i64>)> {
    let mut check = Check::default();
    let mut ids = Vec::new();
    for &(event, capacity) in events {
        let regs = app.store.registrations_of(event).await?;
        ids.extend(regs.iter().map(|r| r.id));
        // One participant is registered once (each operation names its own).
        let mut live: HashMap<(Option<i64>, &str), usize> = HashMap::new();
        for r in regs.iter().filter(|r| r.status != "cancelled") {
            *live.entry((r.user_id, r.participant.as_str())).or_default() += 1;
        }
        check.duplicated += live.values().filter(|&&n| n > 1).count();
        let status = |s: &str| regs.iter().filter(|r| r.status == s).count() as i64;
        let held = status("confirmed") + status("consent") + status("offered");
        check.found += held as usize;
        if held > capacity {
            check.over_capacity += 1;
        }
        if status("waitlisted") > 0 && held < capacity {
            check.free_seat_while_waiting += 1;
        }
        let first_waiting = regs.iter().filter(|r| r.status == "waitlisted").map(|r| r.id).min();
        if let Some(first) = first_waiting {
            check.out_of_order += regs.iter().filter(|r| r.status == "offered" && r.id > first).count();
        }
    }
    Ok((check, ids))
}

/// Compares what the server said it stored with what the database holds:
/// an answered write must be there, and nothing may be there that no
/// client was told of (a write that committed behind a "busy" answer
/// would be booked twice by the retry).
pub(super) fn reconcile(check: &mut Check, answered: &[i64], in_db: &[i64]) {
    let answered: std::collections::HashSet<i64> = answered.iter().copied().collect();
    let stored: std::collections::HashSet<i64> = in_db.iter().copied().collect();
    check.lost += answered.difference(&stored).count();
    check.unanswered += stored.difference(&answered).count();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlaps_are_found_up_and_down_the_tree_and_only_there() {
        let h = |x: i64| x * 3_600_000_000;
        // Venue /1/, room /1/2/, desk /1/2/3/, a sibling room /1/4/.
        let clean = [("/1/2/3/", h(9), h(10)), ("/1/2/", h(10), h(11)), ("/1/4/", h(9), h(11)), ("/1/", h(12), h(13))];
        assert_eq!(overlaps(&clean), 0, "back to back, and siblings, do not collide");
        let desk_under_booked_room = [("/1/2/", h(9), h(11)), ("/1/2/3/", h(10), h(12))];
        assert_eq!(overlaps(&desk_under_booked_room), 1);
        let venue_over_sibling_rooms = [("/1/", h(9), h(18)), ("/1/2/", h(10), h(11)), ("/1/4/", h(12), h(13))];
        assert_eq!(overlaps(&venue_over_sibling_rooms), 2);
        let same_desk_twice = [("/1/2/3/", h(9), h(10)), ("/1/2/3/", h(9), h(10))];
        assert_eq!(overlaps(&same_desk_twice), 1);
    }

    #[test]
    fn reconciling_finds_lost_and_doubled_writes() {
        let mut c = Check::default();
        reconcile(&mut c, &[1, 2, 3], &[1, 3, 4]);
        assert_eq!((c.lost, c.unanswered), (1, 1));
    }
}
