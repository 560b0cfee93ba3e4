//! Recognition lifecycle: what a commune is recognised as on a date, who is at risk of losing it, registrations
//! against what was achieved. Pure: the service reads the decisions and assessments and asks these functions.

use chrono::NaiveDate;

use super::{Status, Tier};

impl From<Tier> for Status {
    fn from(tier: Tier) -> Status {
        match tier {
            Tier::Standard => Status::Standard,
            Tier::Advanced => Status::Advanced,
            Tier::Model => Status::Model,
            Tier::Modern => Status::Modern,
        }
    }
}

/// A recognition decision (quyết định công nhận) and, when it was taken back, the revocation (thu hồi).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recognition {
    pub tier: Tier,
    /// The criteria set the commune was recognised under.
    pub set_code: String,
    pub decided_on: NaiveDate,
    pub revoked_on: Option<NaiveDate>,
}

impl Recognition {
    /// In force on `date`: decided on or before it and not revoked by then.
    pub fn holds_on(&self, date: NaiveDate) -> bool {
        self.decided_on <= date && self.revoked_on.is_none_or(|revoked| revoked > date)
    }
}

/// The highest tier a commune holds on `date` (each tier presupposes the ones below it).
pub fn recognised_status(recognitions: &[Recognition], date: NaiveDate) -> Status {
    recognitions
        .iter()
        .filter(|recognition| recognition.holds_on(date))
        .map(|recognition| Status::from(recognition.tier))
        .max()
        .unwrap_or(Status::NotMet)
}

/// The set in force for a tier, as the at-risk rule needs it.
#[derive(Debug, Clone, Copy)]
pub struct SetInForce<'a> {
    pub code: &'a str,
    pub tier: Tier,
    /// By when communes recognised under an earlier set must meet this one (from the set file; `None` when the
    /// decision gives no date or it is not yet recorded).
    pub catch_up_until: Option<NaiveDate>,
}

/// The latest assessment of a commune against the set in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatestResult {
    pub year: i32,
    pub n_met: usize,
    pub n_criteria: usize,
    pub all_met: bool,
}

/// Why a recognised commune is at risk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtRisk {
    /// The earlier set it was recognised under.
    pub recognised_under: String,
    pub recognised_on: NaiveDate,
    /// The set it must now meet, and by when.
    pub must_meet: String,
    pub deadline: Option<NaiveDate>,
    /// Its latest result against that set; `None`: not assessed against it yet.
    pub latest: Option<LatestResult>,
    /// The deadline has passed on the date asked about.
    pub overdue: bool,
}

/// A commune holding recognition of `in_force.tier` on `date` under an earlier set is at risk until an assessment
/// against the set in force meets every criterion. Recognised under the set in force, or not recognised at that tier:
/// not at risk.
pub fn at_risk(
    recognitions: &[Recognition],
    date: NaiveDate,
    in_force: SetInForce<'_>,
    latest: Option<LatestResult>,
) -> Option<AtRisk> {
    let held: Vec<&Recognition> = recognitions
        .iter()
        .filter(|recognition| recognition.tier == in_force.tier && recognition.holds_on(date))
        .collect();
    if held.is_empty()
        || held
            .iter()
            .any(|recognition| recognition.set_code == in_force.code)
    {
        return None;
    }
    if latest.is_some_and(|result| result.all_met) {
        return None;
    }
    let earliest = held
        .iter()
        .min_by_key(|recognition| recognition.decided_on)
        .expect("held is not empty");
    Some(AtRisk {
        recognised_under: earliest.set_code.clone(),
        recognised_on: earliest.decided_on,
        must_meet: in_force.code.to_owned(),
        deadline: in_force.catch_up_until,
        latest,
        overdue: in_force
            .catch_up_until
            .is_some_and(|deadline| deadline < date),
    })
}

/// Registered to reach a tier in a year, and whether a recognition of that tier or higher was decided that year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RegisteredVsAchieved {
    pub registered: usize,
    /// Of the registered, recognised during the year.
    pub achieved: usize,
    /// Recognised during the year without having registered.
    pub unregistered_achieved: usize,
}

/// Counts for one tier and year over communes given as (registered for it?, their recognitions).
pub fn registered_vs_achieved<'a>(
    communes: impl IntoIterator<Item = (bool, &'a [Recognition])>,
    tier: Tier,
    year: i32,
) -> RegisteredVsAchieved {
    let mut counts = RegisteredVsAchieved::default();
    for (registered, recognitions) in communes {
        let achieved = recognitions.iter().any(|recognition| {
            recognition.tier >= tier
                && chrono::Datelike::year(&recognition.decided_on) == year
                && recognition
                    .revoked_on
                    .is_none_or(|revoked| chrono::Datelike::year(&revoked) > year)
        });
        match (registered, achieved) {
            (true, true) => {
                counts.registered += 1;
                counts.achieved += 1;
            }
            (true, false) => counts.registered += 1,
            (false, true) => counts.unregistered_achieved += 1,
            (false, false) => {}
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test date")
    }

    fn recognition(tier: Tier, set: &str, on: &str, revoked: Option<&str>) -> Recognition {
        Recognition {
            tier,
            set_code: set.to_owned(),
            decided_on: day(on),
            revoked_on: revoked.map(day),
        }
    }

    const IN_FORCE: SetInForce<'static> = SetInForce {
        code: "QD318-2022-XA",
        tier: Tier::Standard,
        catch_up_until: None,
    };

    #[test]
    fn a_recognition_holds_from_its_decision_until_its_revocation() {
        let held = recognition(
            Tier::Standard,
            "QD318-2022-XA",
            "2023-05-10",
            Some("2025-01-01"),
        );
        assert!(!held.holds_on(day("2023-05-09")));
        assert!(held.holds_on(day("2023-05-10")));
        assert!(held.holds_on(day("2024-12-31")));
        assert!(!held.holds_on(day("2025-01-01")));
    }

    #[test]
    fn the_status_is_the_highest_tier_held_on_the_date() {
        let all = [
            recognition(Tier::Standard, "QD318-2022-XA", "2022-06-01", None),
            recognition(
                Tier::Advanced,
                "QD318-2022-XA-NC",
                "2024-03-01",
                Some("2025-03-01"),
            ),
        ];
        assert_eq!(recognised_status(&all, day("2022-05-31")), Status::NotMet);
        assert_eq!(recognised_status(&all, day("2023-01-01")), Status::Standard);
        assert_eq!(recognised_status(&all, day("2024-12-31")), Status::Advanced);
        assert_eq!(
            recognised_status(&all, day("2025-03-01")),
            Status::Standard,
            "the advanced recognition was revoked"
        );
    }

    #[test]
    fn a_commune_recognised_under_the_earlier_set_is_at_risk_until_it_meets_the_current_one() {
        let all = [recognition(
            Tier::Standard,
            "QD1980-2016-XA",
            "2019-11-20",
            None,
        )];
        let in_force = SetInForce {
            catch_up_until: Some(day("2025-12-31")),
            ..IN_FORCE
        };
        let risk = at_risk(&all, day("2024-06-30"), in_force, None).expect("not assessed: at risk");
        assert_eq!(risk.recognised_under, "QD1980-2016-XA");
        assert_eq!(risk.deadline, Some(day("2025-12-31")));
        assert!(!risk.overdue);
        let short = LatestResult {
            year: 2024,
            n_met: 17,
            n_criteria: 19,
            all_met: false,
        };
        let risk = at_risk(&all, day("2026-01-05"), in_force, Some(short)).expect("17/19: at risk");
        assert!(risk.overdue, "past 31/12/2025");
        assert_eq!(risk.latest, Some(short));
        let met = LatestResult {
            n_met: 19,
            all_met: true,
            ..short
        };
        assert_eq!(at_risk(&all, day("2024-06-30"), in_force, Some(met)), None);
    }

    #[test]
    fn communes_recognised_under_the_current_set_or_not_recognised_are_not_at_risk() {
        let current = [recognition(
            Tier::Standard,
            "QD318-2022-XA",
            "2023-01-01",
            None,
        )];
        assert_eq!(at_risk(&current, day("2024-01-01"), IN_FORCE, None), None);
        let revoked = [recognition(
            Tier::Standard,
            "QD1980-2016-XA",
            "2019-01-01",
            Some("2023-01-01"),
        )];
        assert_eq!(at_risk(&revoked, day("2024-01-01"), IN_FORCE, None), None);
        assert_eq!(at_risk(&[], day("2024-01-01"), IN_FORCE, None), None);
    }

    #[test]
    fn registered_communes_count_as_achieved_when_recognised_at_that_tier_or_higher_in_the_year() {
        let standard_2024 = [recognition(
            Tier::Standard,
            "QD318-2022-XA",
            "2024-12-20",
            None,
        )];
        let advanced_2024 = [recognition(
            Tier::Advanced,
            "QD318-2022-XA-NC",
            "2024-11-02",
            None,
        )];
        let standard_2023 = [recognition(
            Tier::Standard,
            "QD318-2022-XA",
            "2023-12-20",
            None,
        )];
        let counts = registered_vs_achieved(
            [
                (true, &standard_2024[..]),
                (true, &standard_2023[..]),
                (false, &advanced_2024[..]),
                (true, &[][..]),
            ],
            Tier::Standard,
            2024,
        );
        assert_eq!(
            counts,
            RegisteredVsAchieved {
                registered: 3,
                achieved: 1,
                unregistered_achieved: 1
            }
        );
        let advanced = registered_vs_achieved([(true, &standard_2024[..])], Tier::Advanced, 2024);
        assert_eq!(advanced.achieved, 0, "standard does not reach advanced");
    }
}
