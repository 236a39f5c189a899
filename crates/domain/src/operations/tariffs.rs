//! Tariffs of a resource, the cheapest way to price a booking, the audience
//! a person pays as, and how credits (membership plans, prepaid packs) cover
//! a booking.
//!
//! # The pricing rule
//! - Units: `hour` (60 min), `half_day` (4 h), `day` (8 h: a working day, so
//!   a 24 h booking is three days). A booking's duration is first rounded
//!   **up to the next whole hour** (61 min bill as 2 h), then covered by any
//!   mix of the units the audience has a price for, the total length being
//!   at least the rounded duration. The cheapest mix wins (9 h = 1 day +
//!   1 hour when that beats 9 hours or 2 half-days + 1 hour; 7 h may be one
//!   day when a day costs less than 4 h + 3 × 1 h).
//! - "Cheapest" compares net (pre-VAT) cents: a place sets its prices
//!   before VAT, and one resource's units normally share one rate. On a tie
//!   the larger units win (fewer lines on the invoice).
//! - Audiences: everyone may pay as `public`; `member` and `resident` follow
//!   from the person's standing at the place, `association`, `company` and
//!   `public_body` from the organisation booked for, `under_26` from age.
//!   Each audience is priced with its own units only (no mixing of a member
//!   hour with a public day), and the person pays as the applicable
//!   audience whose cheapest mix is the lowest.
//! - Credits: minute credits are spent in whole hours (like the hour unit)
//!   and cover booked time, the rest is priced again with the rule above;
//!   money credits then pay the gross amount left.

use super::invoices::{InvoiceLine, Totals, VAT_RATES_BP, totals};

/// A duration unit a price is given for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unit {
    Hour,
    HalfDay,
    Day,
}

impl Unit {
    /// Largest first: the order ties are broken in.
    pub const ALL: [Unit; 3] = [Unit::Day, Unit::HalfDay, Unit::Hour];

    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Hour => "hour",
            Unit::HalfDay => "half_day",
            Unit::Day => "day",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|u| u.as_str() == s)
    }

    pub fn hours(self) -> i64 {
        match self {
            Unit::Hour => 1,
            Unit::HalfDay => 4,
            Unit::Day => 8,
        }
    }

    /// The French label printed on a quote or an invoice line.
    pub fn label_fr(self) -> &'static str {
        match self {
            Unit::Hour => "heure",
            Unit::HalfDay => "demi-journée",
            Unit::Day => "journée",
        }
    }
}

/// Who a price is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Audience {
    Public,
    Member,
    Resident,
    Association,
    Company,
    PublicBody,
    Under26,
}

impl Audience {
    pub const ALL: [Audience; 7] = [
        Audience::Public,
        Audience::Member,
        Audience::Resident,
        Audience::Association,
        Audience::Company,
        Audience::PublicBody,
        Audience::Under26,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Public => "public",
            Audience::Member => "member",
            Audience::Resident => "resident",
            Audience::Association => "association",
            Audience::Company => "company",
            Audience::PublicBody => "public_body",
            Audience::Under26 => "under_26",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// The kind of organisation a booking is made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganisationKind {
    Association,
    Company,
    PublicBody,
}

/// One price of a grid: an audience pays `unit_cents` (before VAT) per unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tariff {
    pub audience: Audience,
    pub unit: Unit,
    pub unit_cents: i64,
    pub vat_bp: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TariffError {
    #[error("price {0}: a price cannot be negative")]
    NegativePrice(usize),
    #[error("price {0}: VAT rates are 0, 2.1, 5.5, 10 or 20 % (0, 210, 550, 1000 or 2000 basis points)")]
    VatRate(usize),
    #[error("price {0}: this audience already has a price for this unit")]
    Duplicate(usize),
    #[error("a grid holds at most {0} prices")]
    TooMany(usize),
}

/// The prices of one resource; checked on construction.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Grid {
    tariffs: Vec<Tariff>,
}

impl Grid {
    /// Every audience × every unit.
    pub const MAX: usize = Audience::ALL.len() * Unit::ALL.len();

    /// Refuses negative prices, unknown VAT rates and a second price for the
    /// same audience and unit; errors name the price by its 1-based position.
    pub fn new(tariffs: Vec<Tariff>) -> Result<Self, TariffError> {
        if tariffs.len() > Self::MAX {
            return Err(TariffError::TooMany(Self::MAX));
        }
        for (i, t) in tariffs.iter().enumerate() {
            let n = i + 1;
            if t.unit_cents < 0 {
                return Err(TariffError::NegativePrice(n));
            }
            if !VAT_RATES_BP.contains(&t.vat_bp) {
                return Err(TariffError::VatRate(n));
            }
            if tariffs[..i].iter().any(|o| o.audience == t.audience && o.unit == t.unit) {
                return Err(TariffError::Duplicate(n));
            }
        }
        Ok(Self { tariffs })
    }

    pub fn tariffs(&self) -> &[Tariff] {
        &self.tariffs
    }

    pub fn is_empty(&self) -> bool {
        self.tariffs.is_empty()
    }

    pub fn of(&self, audience: Audience) -> Vec<Tariff> {
        self.tariffs.iter().filter(|t| t.audience == audience).copied().collect()
    }

    /// The cheapest mix for `minutes` at `audience`, if it has any price.
    pub fn price(&self, audience: Audience, minutes: i64) -> Option<Priced> {
        let tariffs = self.of(audience);
        let mix = cheapest(minutes, &tariffs)?;
        Some(Priced::new(audience, mix, &tariffs))
    }

    /// The audience among those `facts` allow that pays the least for
    /// `minutes`, with its price; `None` when none of them has a price.
    pub fn best_for(&self, facts: &Facts, minutes: i64) -> Option<Priced> {
        facts
            .audiences()
            .into_iter()
            .filter_map(|a| self.price(a, minutes))
            .min_by_key(|p| (p.totals.net_cents, p.audience != Audience::Public))
    }
}

/// A combination of units: `(unit, count)`, largest unit first, and its
/// net total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Combination {
    pub parts: Vec<(Unit, i64)>,
    pub net_cents: i64,
}

/// Whole hours billed for `minutes`: partial hours round up. Zero or less
/// bills nothing.
pub fn billable_hours(minutes: i64) -> i64 {
    if minutes <= 0 { 0 } else { (minutes + 59) / 60 }
}

/// The cheapest combination of the given prices covering `minutes` (rounded
/// up to whole hours). `None` without prices or for a duration of zero.
pub fn cheapest(minutes: i64, tariffs: &[Tariff]) -> Option<Combination> {
    let hours = usize::try_from(billable_hours(minutes)).ok()?;
    if hours == 0 || tariffs.is_empty() {
        return None;
    }
    let mut units: Vec<(Unit, i64)> = tariffs.iter().map(|t| (t.unit, t.unit_cents)).collect();
    units.sort_by_key(|(u, _)| std::cmp::Reverse(*u));
    // cost[h]: cheapest way to cover at least h hours; choice[h]: its last unit.
    let mut cost = vec![0i64; hours + 1];
    let mut choice = vec![0usize; hours + 1];
    for h in 1..=hours {
        let mut best: Option<(i64, usize)> = None;
        for (k, (unit, cents)) in units.iter().enumerate() {
            let rest = h.saturating_sub(unit.hours() as usize);
            let c = cost[rest].saturating_add(*cents);
            if best.is_none_or(|(b, _)| c < b) {
                best = Some((c, k));
            }
        }
        let (c, k) = best?;
        cost[h] = c;
        choice[h] = k;
    }
    let mut counts = vec![0i64; units.len()];
    let mut h = hours;
    while h > 0 {
        let k = choice[h];
        counts[k] += 1;
        h = h.saturating_sub(units[k].0.hours() as usize);
    }
    let parts = units.iter().zip(counts).filter(|(_, n)| *n > 0).map(|((u, _), n)| (*u, n)).collect();
    Some(Combination { parts, net_cents: cost[hours] })
}

/// A booking's price at one audience: the lines of its combination and
/// their totals (VAT per line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Priced {
    pub audience: Audience,
    pub lines: Vec<InvoiceLine>,
    pub units: Vec<Unit>,
    pub totals: Totals,
}

impl Priced {
    fn new(audience: Audience, mix: Combination, tariffs: &[Tariff]) -> Self {
        let mut lines = Vec::new();
        let mut units = Vec::new();
        for (unit, count) in mix.parts {
            let Some(t) = tariffs.iter().find(|t| t.unit == unit) else { continue };
            lines.push(InvoiceLine {
                label: format!("Location ({}, tarif {})", unit.label_fr(), audience.as_str()),
                quantity: count,
                unit_cents: t.unit_cents,
                vat_bp: t.vat_bp,
                category: super::accounting::RevenueCategory::Rental,
            });
            units.push(unit);
        }
        let totals = totals(&lines);
        Self { audience, lines, units, totals }
    }
}

/// What is known about the person booking, for choosing their audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Facts {
    /// Age in whole years on the booking's first day.
    pub age: Option<i64>,
    pub member: bool,
    pub resident: bool,
    pub organisation: Option<OrganisationKind>,
}

impl Facts {
    /// The audiences these facts allow, `public` always among them.
    pub fn audiences(&self) -> Vec<Audience> {
        let mut out = vec![Audience::Public];
        if self.member {
            out.push(Audience::Member);
        }
        if self.resident {
            out.push(Audience::Resident);
        }
        match self.organisation {
            Some(OrganisationKind::Association) => out.push(Audience::Association),
            Some(OrganisationKind::Company) => out.push(Audience::Company),
            Some(OrganisationKind::PublicBody) => out.push(Audience::PublicBody),
            None => {}
        }
        if self.age.is_some_and(|a| (0..26).contains(&a)) {
            out.push(Audience::Under26);
        }
        out
    }

    pub fn allows(&self, audience: Audience) -> bool {
        self.audiences().contains(&audience)
    }
}

/// Credits a person holds at a place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Credits {
    pub minutes: i64,
    pub cents: i64,
}

/// What a booking costs once credits are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub priced: Priced,
    pub minutes_used: i64,
    pub cents_used: i64,
    pub due_cents: i64,
}

/// Applies `available` credits to a booking of `minutes` priced at
/// `priced` (with `tariffs` of its audience): minute credits in whole hours
/// first, the remaining time priced again, then money credits on the gross
/// amount left. Never spends more than is available nor more than needed.
pub fn apply_credits(priced: Priced, tariffs: &[Tariff], minutes: i64, available: Credits) -> Quote {
    let billable = billable_hours(minutes) * 60;
    let minutes_used = (available.minutes.max(0) / 60 * 60).min(billable);
    let left = billable - minutes_used;
    let gross_left = if minutes_used == 0 {
        priced.totals.gross_cents
    } else {
        cheapest(left, tariffs)
            .map(|mix| Priced::new(priced.audience, mix, tariffs).totals.gross_cents)
            .unwrap_or(0)
            .min(priced.totals.gross_cents)
    };
    let cents_used = available.cents.max(0).min(gross_left);
    Quote { priced, minutes_used, cents_used, due_cents: gross_left - cents_used }
}

/// What a membership plan or a prepaid pack gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreditUnit {
    Minutes,
    Cents,
}

impl CreditUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            CreditUnit::Minutes => "minutes",
            CreditUnit::Cents => "cents",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [CreditUnit::Minutes, CreditUnit::Cents].into_iter().find(|u| u.as_str() == s)
    }
}

/// A calendar month as `yyyymm` (202703 for March 2027).
pub fn month_key(date: chrono::NaiveDate) -> i64 {
    use chrono::Datelike;
    i64::from(date.year()) * 100 + i64::from(date.month())
}

fn next_month(key: i64) -> i64 {
    if key % 100 == 12 { (key / 100 + 1) * 100 + 1 } else { key + 1 }
}

/// The months a subscription started in `first` is owed a grant for, up to
/// and including `current` (and before `last`, the month it ended in, when
/// it ended: the month of its end is still owed), leaving out those in
/// `granted`. A ledger entry per (subscription, month) then makes each
/// grant happen once, whenever it is first needed: no scheduled job.
pub fn months_due(first: i64, last: Option<i64>, current: i64, granted: &[i64]) -> Vec<i64> {
    let end = last.map_or(current, |l| l.min(current));
    let mut out = Vec::new();
    let mut m = first;
    while m <= end && out.len() < 1200 {
        if !granted.contains(&m) {
            out.push(m);
        }
        m = next_month(m);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(audience: Audience, unit: Unit, cents: i64) -> Tariff {
        Tariff { audience, unit, unit_cents: cents, vat_bp: 2000 }
    }

    fn public(hour: i64, half: i64, day: i64) -> Vec<Tariff> {
        vec![
            t(Audience::Public, Unit::Hour, hour),
            t(Audience::Public, Unit::HalfDay, half),
            t(Audience::Public, Unit::Day, day),
        ]
    }

    #[test]
    fn nine_hours_take_a_day_and_an_hour_when_cheaper() {
        let mix = cheapest(9 * 60, &public(1000, 3500, 6000)).unwrap();
        assert_eq!(mix.parts, vec![(Unit::Day, 1), (Unit::Hour, 1)]);
        assert_eq!(mix.net_cents, 7000);
    }

    #[test]
    fn two_half_days_beat_a_dear_day() {
        let mix = cheapest(9 * 60, &public(1000, 2500, 6000)).unwrap();
        assert_eq!(mix.parts, vec![(Unit::HalfDay, 2), (Unit::Hour, 1)]);
        assert_eq!(mix.net_cents, 6000);
    }

    #[test]
    fn cheap_hours_beat_every_bundle() {
        let mix = cheapest(9 * 60, &public(500, 3500, 6000)).unwrap();
        assert_eq!(mix.parts, vec![(Unit::Hour, 9)]);
        assert_eq!(mix.net_cents, 4500);
    }

    #[test]
    fn covering_more_time_can_cost_less() {
        // 7 h: 7 × 10 € = 70 €, half-day + 3 h = 65 €, a day = 60 €.
        let mix = cheapest(7 * 60, &public(1000, 3500, 6000)).unwrap();
        assert_eq!(mix.parts, vec![(Unit::Day, 1)]);
        // 3 h at 10 € = 30 € beats a 35 € half-day; 4 h at 40 € does not.
        assert_eq!(cheapest(3 * 60, &public(1000, 3500, 6000)).unwrap().parts, vec![(Unit::Hour, 3)]);
        assert_eq!(cheapest(4 * 60, &public(1000, 3500, 6000)).unwrap().parts, vec![(Unit::HalfDay, 1)]);
    }

    #[test]
    fn partial_hours_round_up() {
        assert_eq!(billable_hours(1), 1);
        assert_eq!(billable_hours(60), 1);
        assert_eq!(billable_hours(61), 2);
        assert_eq!(billable_hours(0), 0);
        assert_eq!(billable_hours(-30), 0);
        let mix = cheapest(90, &public(1000, 3500, 6000)).unwrap();
        assert_eq!(mix.parts, vec![(Unit::Hour, 2)]);
        assert_eq!(cheapest(0, &public(1000, 3500, 6000)), None, "nothing to price");
    }

    #[test]
    fn with_only_some_units_the_others_are_not_invented() {
        let only_days = vec![t(Audience::Public, Unit::Day, 6000)];
        assert_eq!(cheapest(60, &only_days).unwrap().parts, vec![(Unit::Day, 1)]);
        assert_eq!(cheapest(17 * 60, &only_days).unwrap().parts, vec![(Unit::Day, 3)]);
        let only_half_days = vec![t(Audience::Public, Unit::HalfDay, 3000)];
        assert_eq!(cheapest(9 * 60, &only_half_days).unwrap().net_cents, 9000);
        assert_eq!(cheapest(60, &[]), None);
    }

    #[test]
    fn ties_go_to_the_larger_unit() {
        // A day costs exactly two half-days and eight hours.
        let mix = cheapest(8 * 60, &public(1000, 4000, 8000)).unwrap();
        assert_eq!(mix.parts, vec![(Unit::Day, 1)]);
    }

    #[test]
    fn a_free_resource_costs_nothing() {
        let mix = cheapest(10 * 60, &public(0, 0, 0)).unwrap();
        assert_eq!(mix.net_cents, 0);
    }

    #[test]
    fn the_cheapest_mix_is_never_beaten_by_brute_force() {
        let grids =
            [public(1000, 3500, 6000), public(700, 3000, 5000), public(1500, 2500, 9000), public(100, 3500, 6000)];
        for tariffs in &grids {
            for hours in 1..=30i64 {
                let mut best = i64::MAX;
                for d in 0..=hours / 8 + 1 {
                    for h4 in 0..=hours / 4 + 1 {
                        let rest = (hours - 8 * d - 4 * h4).max(0);
                        best = best
                            .min(d * tariffs[2].unit_cents + h4 * tariffs[1].unit_cents + rest * tariffs[0].unit_cents);
                    }
                }
                let mix = cheapest(hours * 60, tariffs).unwrap();
                assert_eq!(mix.net_cents, best, "{hours} h with {tariffs:?}");
                let covered: i64 = mix.parts.iter().map(|(u, n)| u.hours() * n).sum();
                assert!(covered >= hours, "the mix covers the booking");
                let priced: i64 =
                    mix.parts.iter().map(|(u, n)| n * tariffs.iter().find(|x| x.unit == *u).unwrap().unit_cents).sum();
                assert_eq!(priced, mix.net_cents, "the parts add up to the total");
            }
        }
    }

    #[test]
    fn grids_refuse_negative_prices_bad_vat_and_duplicates() {
        assert_eq!(Grid::new(vec![t(Audience::Public, Unit::Hour, -1)]), Err(TariffError::NegativePrice(1)));
        let bad_vat = Tariff { vat_bp: 1900, ..t(Audience::Public, Unit::Hour, 100) };
        assert_eq!(Grid::new(vec![t(Audience::Member, Unit::Hour, 1), bad_vat]), Err(TariffError::VatRate(2)));
        assert_eq!(
            Grid::new(vec![t(Audience::Public, Unit::Hour, 1), t(Audience::Public, Unit::Hour, 2)]),
            Err(TariffError::Duplicate(2))
        );
        assert!(Grid::new(vec![t(Audience::Public, Unit::Hour, 1), t(Audience::Member, Unit::Hour, 2)]).is_ok());
        assert!(Grid::new(vec![]).unwrap().is_empty());
    }

    #[test]
    fn names_round_trip() {
        for a in Audience::ALL {
            assert_eq!(Audience::parse(a.as_str()), Some(a));
        }
        for u in Unit::ALL {
            assert_eq!(Unit::parse(u.as_str()), Some(u));
        }
        assert_eq!(Audience::parse("vip"), None);
        assert_eq!(Unit::parse("week"), None);
        assert_eq!(CreditUnit::parse("minutes"), Some(CreditUnit::Minutes));
    }

    fn grid() -> Grid {
        let mut v = public(1000, 3500, 6000);
        v.extend([
            t(Audience::Member, Unit::Hour, 600),
            t(Audience::Under26, Unit::Hour, 500),
            t(Audience::Under26, Unit::Day, 5000),
            t(Audience::Association, Unit::Day, 3000),
        ]);
        Grid::new(v).unwrap()
    }

    #[test]
    fn everyone_pays_at_least_the_public_price_unless_a_fact_says_otherwise() {
        let p = grid().best_for(&Facts::default(), 120).unwrap();
        assert_eq!(p.audience, Audience::Public);
        assert_eq!(p.totals.net_cents, 2000);
        assert_eq!(p.totals.gross_cents, 2400);
    }

    #[test]
    fn the_cheapest_applicable_audience_is_chosen() {
        let member = Facts { member: true, ..Facts::default() };
        assert_eq!(grid().best_for(&member, 120).unwrap().audience, Audience::Member);
        // A member who is 22 pays the under-26 hour (5 €) rather than the member one (6 €).
        let young_member = Facts { member: true, age: Some(22), ..Facts::default() };
        let p = grid().best_for(&young_member, 120).unwrap();
        assert_eq!((p.audience, p.totals.net_cents), (Audience::Under26, 1000));
        // For a whole day, 8 member hours (48 €) beat the public day (60 €).
        let p = grid().best_for(&member, 8 * 60).unwrap();
        assert_eq!((p.audience, p.totals.net_cents), (Audience::Member, 4800));
        // An association booking a day pays its 30 € day.
        let assoc = Facts { organisation: Some(OrganisationKind::Association), ..Facts::default() };
        let p = grid().best_for(&assoc, 8 * 60).unwrap();
        assert_eq!((p.audience, p.totals.net_cents), (Audience::Association, 3000));
    }

    #[test]
    fn age_twenty_six_is_no_longer_under_26() {
        assert!(Facts { age: Some(25), ..Facts::default() }.allows(Audience::Under26));
        assert!(!Facts { age: Some(26), ..Facts::default() }.allows(Audience::Under26));
        assert!(!Facts::default().allows(Audience::Under26));
        // Under 26 but no under-26 price for this grid: the public one applies.
        let g = Grid::new(public(1000, 3500, 6000)).unwrap();
        assert_eq!(g.best_for(&Facts { age: Some(20), ..Facts::default() }, 60).unwrap().audience, Audience::Public);
    }

    #[test]
    fn an_audience_without_prices_is_not_applicable() {
        let members_only = Grid::new(vec![t(Audience::Member, Unit::Hour, 500)]).unwrap();
        assert_eq!(members_only.best_for(&Facts::default(), 60), None);
        assert!(members_only.best_for(&Facts { member: true, ..Facts::default() }, 60).is_some());
    }

    #[test]
    fn lines_carry_units_vat_and_totals() {
        let mut v = public(1000, 3500, 6000);
        v[0].vat_bp = 1000;
        let g = Grid::new(v).unwrap();
        let p = g.price(Audience::Public, 9 * 60).unwrap();
        assert_eq!(p.lines.len(), 2);
        assert_eq!((p.lines[0].quantity, p.lines[0].unit_cents, p.lines[0].vat_bp), (1, 6000, 2000));
        assert_eq!((p.lines[1].quantity, p.lines[1].unit_cents, p.lines[1].vat_bp), (1, 1000, 1000));
        assert_eq!(p.totals, Totals { net_cents: 7000, vat_cents: 1300, gross_cents: 8300 });
    }

    #[test]
    fn minute_credits_cover_whole_hours_and_the_rest_is_priced_again() {
        let tariffs = public(1000, 3500, 6000);
        let g = Grid::new(tariffs.clone()).unwrap();
        let priced = g.price(Audience::Public, 9 * 60).unwrap();
        assert_eq!(priced.totals.gross_cents, 8400);
        // 3 h of credit on 9 h: 6 h left = half-day + 2 h = 55 € net, 66 € gross.
        let q = apply_credits(priced.clone(), &tariffs, 9 * 60, Credits { minutes: 180, cents: 0 });
        assert_eq!((q.minutes_used, q.due_cents), (180, 6600));
        // 90 minutes of credit spend one hour: 8 h left = a day.
        let q = apply_credits(priced.clone(), &tariffs, 9 * 60, Credits { minutes: 90, cents: 0 });
        assert_eq!((q.minutes_used, q.due_cents), (60, 7200));
        // More credit than time: only the booked hours are spent.
        let q = apply_credits(priced.clone(), &tariffs, 9 * 60, Credits { minutes: 6000, cents: 0 });
        assert_eq!((q.minutes_used, q.due_cents), (540, 0));
    }

    #[test]
    fn money_credits_pay_what_is_left_never_more() {
        let tariffs = public(1000, 3500, 6000);
        let priced = Grid::new(tariffs.clone()).unwrap().price(Audience::Public, 120).unwrap();
        let q = apply_credits(priced.clone(), &tariffs, 120, Credits { minutes: 0, cents: 1000 });
        assert_eq!((q.cents_used, q.due_cents), (1000, 1400));
        let q = apply_credits(priced.clone(), &tariffs, 120, Credits { minutes: 0, cents: 10_000 });
        assert_eq!((q.cents_used, q.due_cents), (2400, 0));
        let q = apply_credits(priced.clone(), &tariffs, 120, Credits { minutes: 60, cents: 10_000 });
        assert_eq!((q.minutes_used, q.cents_used, q.due_cents), (60, 1200, 0), "minutes first, money on the rest");
        let q = apply_credits(priced, &tariffs, 120, Credits::default());
        assert_eq!((q.minutes_used, q.cents_used, q.due_cents), (0, 0, 2400));
    }

    #[test]
    fn monthly_grants_are_owed_once_per_calendar_month() {
        assert_eq!(month_key(chrono::NaiveDate::from_ymd_opt(2027, 3, 31).unwrap()), 202703);
        assert_eq!(months_due(202711, None, 202802, &[]), vec![202711, 202712, 202801, 202802]);
        assert_eq!(months_due(202711, None, 202802, &[202711, 202801]), vec![202712, 202802]);
        assert_eq!(months_due(202711, Some(202712), 202802, &[]), vec![202711, 202712], "none after it ended");
        assert_eq!(months_due(202703, None, 202703, &[202703]), Vec::<i64>::new());
        assert_eq!(months_due(202704, None, 202703, &[]), Vec::<i64>::new(), "nothing before it starts");
    }
}
