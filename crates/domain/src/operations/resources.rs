//! Bookable resources and their tree. Each resource stores its path from
//! the root (`/venue/floor/room/`), so "my ancestors and descendants" — the
//! resources a booking blocks and is blocked by — is a prefix test.

use crate::atlas::hours::OpeningHours;

/// What a resource is; parents must be of a larger kind than their children.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ResourceKind {
    Venue,
    Zone,
    Room,
    Desk,
    Machine,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 5] =
        [ResourceKind::Venue, ResourceKind::Zone, ResourceKind::Room, ResourceKind::Desk, ResourceKind::Machine];

    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Venue => "venue",
            ResourceKind::Zone => "zone",
            ResourceKind::Room => "room",
            ResourceKind::Desk => "desk",
            ResourceKind::Machine => "machine",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    fn depth(self) -> u8 {
        match self {
            ResourceKind::Venue => 0,
            ResourceKind::Zone => 1,
            ResourceKind::Room => 2,
            ResourceKind::Desk | ResourceKind::Machine => 3,
        }
    }

    /// Whether a resource of this kind may sit under `parent`.
    pub fn fits_under(self, parent: ResourceKind) -> bool {
        self.depth() > parent.depth()
    }
}

/// The booking rules of a resource.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceRules {
    pub min_minutes: i64,
    pub max_minutes: Option<i64>,
    /// How far ahead it can be booked.
    pub advance_days: Option<i64>,
    /// Free time kept between two bookings.
    pub buffer_minutes: i64,
    /// `None`: the place's hours apply, or always bookable.
    pub opening_hours: Option<OpeningHours>,
}

impl Default for ResourceRules {
    fn default() -> Self {
        Self { min_minutes: 15, max_minutes: None, advance_days: Some(365), buffer_minutes: 0, opening_hours: None }
    }
}

/// The path of a resource under its parent's path (`/` for a root).
pub fn tree_path(parent_path: Option<&str>, id: i64) -> String {
    format!("{}{id}/", parent_path.unwrap_or("/"))
}

/// Whether two resources block each other: the same, or one above the other.
pub fn in_same_line(a_path: &str, b_path: &str) -> bool {
    a_path.starts_with(b_path) || b_path.starts_with(a_path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resource_blocks_its_ancestors_and_descendants_only() {
        let venue = tree_path(None, 1);
        let floor = tree_path(Some(&venue), 2);
        let room = tree_path(Some(&floor), 3);
        let other_room = tree_path(Some(&floor), 4);
        let desk = tree_path(Some(&room), 5);
        assert_eq!(desk, "/1/2/3/5/");
        assert!(in_same_line(&venue, &desk) && in_same_line(&desk, &venue));
        assert!(in_same_line(&room, &desk));
        assert!(!in_same_line(&room, &other_room), "siblings do not block each other");
        assert!(!in_same_line(&desk, &other_room));
        // Ids are delimited: /1/2/ is not a prefix of /1/23/.
        assert!(!in_same_line("/1/2/", "/1/23/"));
    }

    #[test]
    fn kinds_nest_from_the_venue_down() {
        assert!(ResourceKind::Room.fits_under(ResourceKind::Venue));
        assert!(ResourceKind::Desk.fits_under(ResourceKind::Room));
        assert!(!ResourceKind::Venue.fits_under(ResourceKind::Room));
        assert!(!ResourceKind::Desk.fits_under(ResourceKind::Machine));
        assert_eq!(ResourceKind::parse("machine"), Some(ResourceKind::Machine));
    }
}
