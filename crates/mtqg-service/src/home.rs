//! The home dashboard: the key figures of every capability for one unit (or the country) on a date, gathered from
//! the use cases that own them. A part the actor's role may not read, or that has no data, is reported missing
//! rather than failing the page; only internal errors propagate.

use chrono::{Datelike, NaiveDate};
use mtqg_core::atlas::UnitAsOf;
use mtqg_core::direction::{task_status, Deadline, TaskStatus};
use mtqg_core::geo::Level;
use mtqg_core::ntm::Status as NtmStatus;
use mtqg_core::report::period::Period;
use mtqg_core::report::submission::Status as SubmissionStatus;
use mtqg_store::MeetingRecord;

use crate::direction::TaskView;
use crate::money::CapitalSummary;
use crate::poverty_lists::Rates;
use crate::recognition::ChildShare;
use crate::report::ReportDashboard;
use crate::{Actor, Service, ServiceError};

/// How many years back the poverty part looks for the latest year with recognised lists.
const POVERTY_YEARS_BACK: i32 = 5;

/// Everything the home page shows for one unit on one day. Each part is `None` when it has no data or the actor's
/// role may not read it.
#[derive(Debug, Clone)]
pub struct Home {
    /// The unit the dashboard is about; `None` for the country.
    pub unit: Option<UnitAsOf>,
    pub date: NaiveDate,
    pub money: Option<MoneyPart>,
    pub new_rural: Option<NewRuralPart>,
    pub poverty: Option<Rates>,
    pub direction: Option<DirectionPart>,
    pub reporting: Option<ReportingPart>,
}

/// Money of the plan year of the date: the capital summary (totals, children, monthly curve) and what will lapse.
#[derive(Debug, Clone)]
pub struct MoneyPart {
    pub summary: CapitalSummary,
    /// Sum of the will-lapse projection over every holder in scope, in đồng.
    pub will_lapse: i64,
    /// Holders (units' unallocated money, projects) with money projected to lapse.
    pub n_lapsing: usize,
}

/// New-rural status of the xã under the unit.
#[derive(Debug, Clone)]
pub struct NewRuralPart {
    /// Xã counted (1 when the dashboard is one xã).
    pub n_xa: usize,
    /// Of those, holding at least the standard (đạt chuẩn trở lên).
    pub recognised: usize,
    /// Recognised under an earlier set and not yet meeting the set in force.
    pub at_risk: usize,
    /// The xã's own status when the dashboard is one xã.
    pub own_status: Option<NtmStatus>,
    /// The units directly under the one shown, with their shares.
    pub children: Vec<ChildShare>,
}

impl NewRuralPart {
    /// Share of xã holding at least the standard.
    pub fn share(&self) -> Option<f64> {
        (self.n_xa > 0).then(|| self.recognised as f64 / self.n_xa as f64)
    }
}

/// Tasks of the meetings of units within the dashboard's unit, with their status on the date.
#[derive(Debug, Clone)]
pub struct DirectionPart {
    pub n_meetings: usize,
    pub n_tasks: usize,
    /// Overdue tasks with their meeting, earliest deadline first.
    pub overdue: Vec<(MeetingRecord, TaskView)>,
}

/// The current report period's completeness among the units reporting to the dashboard's unit.
#[derive(Debug, Clone)]
pub struct ReportingPart {
    pub dashboard: ReportDashboard,
    /// Reports sent and waiting for a decision (status "đã gửi").
    pub pending: usize,
    /// The unit's own deadline when it reports further up itself.
    pub own_deadline: Option<NaiveDate>,
}

/// The report period a dashboard opens on: after 30/6 the first half of the year, before it last year's annual
/// report (the one whose deadlines fall in the first months of the year).
pub fn current_period(date: NaiveDate) -> Period {
    let mid_year = NaiveDate::from_ymd_opt(date.year(), 6, 30).expect("30/6 exists every year");
    if date > mid_year {
        Period::FirstHalf(date.year())
    } else {
        Period::Year(date.year() - 1)
    }
}

/// A part's result: missing when the called use case refuses (role, scope) or finds nothing; internal errors
/// propagate so they are logged and shown once.
fn optional<T>(res: Result<T, ServiceError>) -> Result<Option<T>, ServiceError> {
    match res {
        Ok(value) => Ok(Some(value)),
        Err(err @ ServiceError::Other(_)) => Err(err),
        Err(_) => Ok(None),
    }
}

impl Service {
    /// The home dashboard of `unit_code` (within the actor's scope), else the actor's scope unit, else the country,
    /// on `date`. Each part calls the use case that owns it, which checks the role; a part that is refused or has no
    /// data is `None`. Fails only when the unit is unknown or outside the scope, or on an internal error.
    pub async fn home(
        &self,
        actor: &Actor,
        unit_code: Option<&str>,
        date: NaiveDate,
    ) -> Result<Home, ServiceError> {
        let atlas = self.atlas().await?;
        let unit = match (
            unit_code.map(str::trim).filter(|code| !code.is_empty()),
            actor.scope_unit_id,
        ) {
            (Some(code), _) => Some(self.unit_at(actor, code, date).await?),
            (None, Some(scope)) => Some(atlas.unit(scope, date).ok_or_else(|| {
                ServiceError::NotFound(format!(
                    "đơn vị phạm vi vào ngày {}",
                    mtqg_core::vi::format_date(date)
                ))
            })?),
            (None, None) => None,
        };
        let (money, new_rural, poverty, direction, reporting) = tokio::try_join!(
            self.home_money(actor, unit.as_ref(), date),
            self.home_new_rural(actor, unit.as_ref(), date),
            self.home_poverty(actor, unit.as_ref(), date),
            self.home_direction(actor, unit.as_ref(), date),
            self.home_reporting(actor, unit.as_ref(), date),
        )?;
        Ok(Home {
            unit,
            date,
            money,
            new_rural,
            poverty,
            direction,
            reporting,
        })
    }

    async fn home_money(
        &self,
        actor: &Actor,
        unit: Option<&UnitAsOf>,
        date: NaiveDate,
    ) -> Result<Option<MoneyPart>, ServiceError> {
        let code = unit.map(|unit| unit.code.as_str());
        let year = date.year();
        let Some(summary) = optional(self.capital_summary(actor, code, year, date, None).await)?
        else {
            return Ok(None);
        };
        if summary.totals.plan == 0 && summary.totals.disbursed == 0 {
            return Ok(None);
        }
        let (will_lapse, n_lapsing) =
            optional(self.will_lapse_total(actor, code, year, date).await)?.unwrap_or_default();
        Ok(Some(MoneyPart {
            summary,
            will_lapse,
            n_lapsing,
        }))
    }

    async fn home_new_rural(
        &self,
        actor: &Actor,
        unit: Option<&UnitAsOf>,
        date: NaiveDate,
    ) -> Result<Option<NewRuralPart>, ServiceError> {
        // A xã has no xã under it: its own standing is the figure.
        if let Some(xa) = unit.filter(|unit| unit.level == Level::Commune && unit.unit_type == "Xã")
        {
            let Some(card) = optional(self.ntm_scorecard(actor, &xa.code, date).await)? else {
                return Ok(None);
            };
            return Ok(Some(NewRuralPart {
                n_xa: 1,
                recognised: usize::from(card.status >= NtmStatus::Standard),
                at_risk: usize::from(card.at_risk.is_some()),
                own_status: Some(card.status),
                children: Vec::new(),
            }));
        }
        let code = unit.map(|unit| unit.code.as_str());
        let Some(rollup) = optional(self.ntm_rollup(actor, code, date).await)? else {
            return Ok(None);
        };
        if rollup.n_xa == 0 {
            return Ok(None);
        }
        Ok(Some(NewRuralPart {
            n_xa: rollup.n_xa,
            recognised: rollup
                .by_status
                .iter()
                .filter(|(status, _)| *status >= NtmStatus::Standard)
                .map(|(_, n)| n)
                .sum(),
            at_risk: rollup.at_risk.len(),
            own_status: None,
            children: rollup.children,
        }))
    }

    /// The rates of the latest year (up to the date's) with recognised lists in scope.
    async fn home_poverty(
        &self,
        actor: &Actor,
        unit: Option<&UnitAsOf>,
        date: NaiveDate,
    ) -> Result<Option<Rates>, ServiceError> {
        let code = unit.map(|unit| unit.code.as_str());
        for year in (date.year() - POVERTY_YEARS_BACK..=date.year()).rev() {
            match optional(self.poverty_rates(actor, code, year, false).await)? {
                Some(rates) if rates.total.n_lists > 0 => return Ok(Some(rates)),
                _ => continue,
            }
        }
        Ok(None)
    }

    /// Tasks of the meetings held by units within the dashboard's unit; statuses as on the meeting page.
    async fn home_direction(
        &self,
        actor: &Actor,
        unit: Option<&UnitAsOf>,
        date: NaiveDate,
    ) -> Result<Option<DirectionPart>, ServiceError> {
        let Some(meetings) = optional(self.meetings(actor).await)? else {
            return Ok(None);
        };
        let atlas = self.atlas().await?;
        let meetings: Vec<MeetingRecord> = meetings
            .into_iter()
            .map(|(meeting, _)| meeting)
            .filter(|meeting| unit.is_none_or(|unit| atlas.is_within(unit.id, meeting.unit_id)))
            .collect();
        if meetings.is_empty() {
            return Ok(None);
        }
        let agencies = self.store().agencies().await?;
        let mut n_tasks = 0;
        let mut overdue = Vec::new();
        for meeting in &meetings {
            for task in self.store().tasks_of_meeting(meeting.id).await? {
                n_tasks += 1;
                let deadline = match (task.due_on, task.ongoing) {
                    (Some(due), _) => Deadline::By(due),
                    (None, true) => Deadline::Ongoing,
                    (None, false) => Deadline::None,
                };
                let status = task_status(deadline, task.started_on.is_some(), task.done_on, date);
                if status != TaskStatus::Overdue {
                    continue;
                }
                let lead = task
                    .lead_agency_id
                    .and_then(|id| agencies.iter().find(|agency| agency.id == id).cloned());
                overdue.push((meeting.clone(), TaskView { task, status, lead }));
            }
        }
        overdue.sort_by_key(|(_, view)| view.task.due_on);
        Ok(Some(DirectionPart {
            n_meetings: meetings.len(),
            n_tasks,
            overdue,
        }))
    }

    /// The current period's first report in the calendar, as the reporting dashboard of the unit shows it.
    async fn home_reporting(
        &self,
        actor: &Actor,
        unit: Option<&UnitAsOf>,
        date: NaiveDate,
    ) -> Result<Option<ReportingPart>, ServiceError> {
        let period = current_period(date);
        let Some(kind) = crate::report::reporting().calendar.report_for(period, None) else {
            return Ok(None);
        };
        let code = unit.map(|unit| unit.code.as_str());
        let Some(dashboard) = optional(
            self.report_dashboard(actor, &kind.code, &period.to_string(), code)
                .await,
        )?
        else {
            return Ok(None);
        };
        let own_deadline = unit.and_then(|unit| kind.deadline(unit.level, period));
        if dashboard.expected == 0 && own_deadline.is_none() {
            return Ok(None);
        }
        let pending = dashboard
            .rows
            .iter()
            .filter(|row| row.status == Some(SubmissionStatus::Submitted))
            .count();
        Ok(Some(ReportingPart {
            dashboard,
            pending,
            own_deadline,
        }))
    }
}
