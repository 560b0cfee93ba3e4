//! Money of the programs: capital types, sources, amounts in whole đồng, the ledger's typed events and the rules a
//! new event must satisfy, disbursement deadlines, the will-lapse projection and rankings (../shared/DOMAIN.md §4).
//!
//! The ledger is append-only. Each holder of money — a unit, or an investment project inside a unit — has, per
//! bucket (program item, source, capital type, plan year), a [`Balance`] of its *own* money: allocating to a lower
//! unit moves plan from the upper unit's balance to the lower one's, so sums over a subtree never count twice.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use crate::vi;

mod capital_import;

pub use capital_import::{CapitalRow, CapitalRowParser, TEMPLATE_HEADERS};

/// Vốn đầu tư phát triển (public investment) or kinh phí sự nghiệp (recurrent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CapitalType {
    Investment,
    Recurrent,
}

impl CapitalType {
    pub const ALL: [CapitalType; 2] = [CapitalType::Investment, CapitalType::Recurrent];

    pub fn key(self) -> &'static str {
        match self {
            CapitalType::Investment => "dtpt",
            CapitalType::Recurrent => "su_nghiep",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CapitalType::Investment => "Vốn đầu tư phát triển",
            CapitalType::Recurrent => "Kinh phí sự nghiệp",
        }
    }

    /// Parses the key or Vietnamese words ("ĐTPT", "đầu tư", "sự nghiệp", "thường xuyên").
    pub fn parse(text: &str) -> Option<CapitalType> {
        match vi::fold(text).replace(['_', '-'], " ").as_str() {
            "dtpt" | "dau tu" | "dau tu phat trien" | "von dau tu phat trien" | "investment" => {
                Some(CapitalType::Investment)
            }
            "su nghiep" | "kinh phi su nghiep" | "thuong xuyen" | "recurrent" => {
                Some(CapitalType::Recurrent)
            }
            _ => None,
        }
    }
}

/// Where money comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// Ngân sách trung ương.
    Central,
    /// Ngân sách địa phương cấp tỉnh.
    LocalProvince,
    /// Ngân sách địa phương cấp huyện (until 30/6/2025).
    LocalDistrict,
    /// Ngân sách địa phương cấp xã.
    LocalCommune,
    /// Vốn lồng ghép.
    Integrated,
    /// Tín dụng chính sách.
    PolicyCredit,
    /// Doanh nghiệp.
    Enterprise,
    /// Cộng đồng, người dân: tiền mặt.
    CommunityCash,
    /// Cộng đồng, người dân: ngày công, hiện vật quy đổi.
    CommunityInKind,
}

impl Source {
    pub const ALL: [Source; 9] = [
        Source::Central,
        Source::LocalProvince,
        Source::LocalDistrict,
        Source::LocalCommune,
        Source::Integrated,
        Source::PolicyCredit,
        Source::Enterprise,
        Source::CommunityCash,
        Source::CommunityInKind,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Source::Central => "nstw",
            Source::LocalProvince => "nsdp_tinh",
            Source::LocalDistrict => "nsdp_huyen",
            Source::LocalCommune => "nsdp_xa",
            Source::Integrated => "long_ghep",
            Source::PolicyCredit => "tin_dung",
            Source::Enterprise => "doanh_nghiep",
            Source::CommunityCash => "cong_dong_tien",
            Source::CommunityInKind => "cong_dong_hien_vat",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Source::Central => "Ngân sách trung ương",
            Source::LocalProvince => "Ngân sách địa phương (tỉnh)",
            Source::LocalDistrict => "Ngân sách địa phương (huyện)",
            Source::LocalCommune => "Ngân sách địa phương (xã)",
            Source::Integrated => "Vốn lồng ghép",
            Source::PolicyCredit => "Tín dụng chính sách",
            Source::Enterprise => "Doanh nghiệp",
            Source::CommunityCash => "Cộng đồng, người dân (tiền mặt)",
            Source::CommunityInKind => "Cộng đồng, người dân (ngày công, hiện vật)",
        }
    }

    /// Parses the key, the label, or a common abbreviation ("NSTW", "NSĐP tỉnh").
    pub fn parse(text: &str) -> Option<Source> {
        let folded = vi::fold(text).replace(['_', '-', '(', ')', ','], " ");
        let folded = folded.split_whitespace().collect::<Vec<_>>().join(" ");
        Source::ALL.into_iter().find(|source| {
            folded == source.key().replace('_', " ")
                || folded
                    == vi::fold(source.label())
                        .replace(['(', ')', ','], "")
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
        })
    }
}

/// What a ledger event does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventKind {
    /// Kế hoạch vốn trung hạn 5 năm giao cho đơn vị.
    MediumTermPlan,
    /// Giao dự toán / kế hoạch vốn năm cho đơn vị (from outside the system or the unit's own budget).
    AnnualPlan,
    /// Phân bổ: from a unit to a lower unit or to one of its projects.
    Allocation,
    /// Điều chỉnh: a signed correction of an earlier plan, allocation or disbursement, with a reason.
    Adjustment,
    /// Giải ngân.
    Disbursement,
    /// Chuyển nguồn: undisbursed money kept for the next year, with its new deadline.
    CarryOver,
    /// Hủy dự toán, hoàn trả: money that lapses or is returned.
    Lapse,
}

impl EventKind {
    pub const ALL: [EventKind; 7] = [
        EventKind::MediumTermPlan,
        EventKind::AnnualPlan,
        EventKind::Allocation,
        EventKind::Adjustment,
        EventKind::Disbursement,
        EventKind::CarryOver,
        EventKind::Lapse,
    ];

    pub fn key(self) -> &'static str {
        match self {
            EventKind::MediumTermPlan => "medium_term_plan",
            EventKind::AnnualPlan => "annual_plan",
            EventKind::Allocation => "allocation",
            EventKind::Adjustment => "adjustment",
            EventKind::Disbursement => "disbursement",
            EventKind::CarryOver => "carry_over",
            EventKind::Lapse => "lapse",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EventKind::MediumTermPlan => "Kế hoạch trung hạn",
            EventKind::AnnualPlan => "Giao kế hoạch vốn năm",
            EventKind::Allocation => "Phân bổ",
            EventKind::Adjustment => "Điều chỉnh",
            EventKind::Disbursement => "Giải ngân",
            EventKind::CarryOver => "Chuyển nguồn",
            EventKind::Lapse => "Hủy, hoàn trả",
        }
    }

    /// Parses the key or the Vietnamese label.
    pub fn parse(text: &str) -> Option<EventKind> {
        let folded = vi::fold(text).replace(['_', '-'], " ");
        EventKind::ALL.into_iter().find(|kind| {
            folded == kind.key().replace('_', " ")
                || folded == vi::fold(kind.label()).replace(',', "")
                || folded == vi::fold(kind.label())
        })
    }
}

/// The unit amounts are entered and shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MoneyUnit {
    Dong,
    #[default]
    Million,
    Billion,
}

impl MoneyUnit {
    /// Đồng per unit.
    pub fn factor(self) -> i64 {
        match self {
            MoneyUnit::Dong => 1,
            MoneyUnit::Million => 1_000_000,
            MoneyUnit::Billion => 1_000_000_000,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            MoneyUnit::Dong => "dong",
            MoneyUnit::Million => "trieu",
            MoneyUnit::Billion => "ty",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MoneyUnit::Dong => "đồng",
            MoneyUnit::Million => "triệu đồng",
            MoneyUnit::Billion => "tỷ đồng",
        }
    }

    pub fn parse(text: &str) -> Option<MoneyUnit> {
        match vi::fold(text).as_str() {
            "dong" | "d" => Some(MoneyUnit::Dong),
            "trieu" | "trieu dong" | "million" => Some(MoneyUnit::Million),
            "ty" | "ty dong" | "billion" => Some(MoneyUnit::Billion),
            _ => None,
        }
    }
}

/// Parses an amount written the Vietnamese way in `unit` into whole đồng. Refuses negative amounts (unless
/// `allow_negative`, for adjustments), zero, and fractions of a đồng.
pub fn parse_amount(text: &str, unit: MoneyUnit, allow_negative: bool) -> Result<i64, String> {
    let number = vi::parse_number(text)?;
    if number.digits == 0 {
        return Err("số tiền phải khác 0".to_owned());
    }
    if number.digits < 0 && !allow_negative {
        return Err(format!("số tiền \"{}\" không được âm", text.trim()));
    }
    let scale = 10_i128.pow(number.decimals);
    let dong = number
        .digits
        .checked_mul(unit.factor() as i128)
        .ok_or_else(|| format!("số tiền \"{}\" quá lớn", text.trim()))?;
    if dong % scale != 0 {
        return Err(format!(
            "số tiền \"{}\" {} có phần lẻ dưới 1 đồng",
            text.trim(),
            unit.label()
        ));
    }
    i64::try_from(dong / scale).map_err(|_| format!("số tiền \"{}\" quá lớn", text.trim()))
}

/// Formats whole đồng in `unit` the Vietnamese way, with up to one decimal for millions and two for billions:
/// "25.608,6 triệu đồng".
pub fn format_amount(dong: i64, unit: MoneyUnit) -> String {
    format!("{} {}", format_amount_number(dong, unit), unit.label())
}

/// The number part of [`format_amount`], for tables whose header names the unit.
pub fn format_amount_number(dong: i64, unit: MoneyUnit) -> String {
    match unit {
        MoneyUnit::Dong => vi::format_int(dong),
        MoneyUnit::Million => vi::format_number(dong as f64 / 1e6, 1),
        MoneyUnit::Billion => vi::format_number(dong as f64 / 1e9, 2),
    }
}

/// Rate of `part` over `whole` ("đạt 43,6% KH"), `None` when there is no plan.
pub fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole != 0).then(|| part as f64 / whole as f64)
}

/// Who holds money: a unit, or an investment project (inside one unit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Holder {
    Unit(i64),
    Project(i64),
}

/// The key money is counted under: program item, source, capital type and plan year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bucket {
    pub item_id: i64,
    pub source: Source,
    pub capital_type: CapitalType,
    pub plan_year: i32,
}

/// What a holder has of one bucket, own money only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Balance {
    /// Medium-term plan (units).
    pub medium_term: i64,
    /// A unit's plan net of what it allocated to lower units; a project's allocation.
    pub received: i64,
    /// What a unit allocated to its projects.
    pub to_projects: i64,
    pub disbursed: i64,
    /// Disbursed after the ordinary deadline, against carried-over money.
    pub disbursed_late: i64,
    pub carried: i64,
    pub lapsed: i64,
    /// The latest deadline a carry-over gave this money.
    pub carry_deadline: Option<NaiveDate>,
}

impl Balance {
    /// What the holder can still allocate or disburse.
    pub fn available(&self) -> i64 {
        self.received - self.to_projects - self.disbursed - self.lapsed
    }
}

/// A measure whose own-level amount an event changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Measure {
    MediumTerm,
    Received,
    ToProjects,
    Disbursed,
    DisbursedLate,
    Carried,
    Lapsed,
}

impl Measure {
    pub const ALL: [Measure; 7] = [
        Measure::MediumTerm,
        Measure::Received,
        Measure::ToProjects,
        Measure::Disbursed,
        Measure::DisbursedLate,
        Measure::Carried,
        Measure::Lapsed,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Measure::MediumTerm => "medium_term",
            Measure::Received => "received",
            Measure::ToProjects => "to_projects",
            Measure::Disbursed => "disbursed",
            Measure::DisbursedLate => "disbursed_late",
            Measure::Carried => "carried",
            Measure::Lapsed => "lapsed",
        }
    }

    pub fn parse(text: &str) -> Option<Measure> {
        Measure::ALL
            .into_iter()
            .find(|measure| measure.key() == text)
    }
}

/// One change an event makes to a holder's balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delta {
    pub holder: Holder,
    pub measure: Measure,
    pub amount: i64,
}

/// A new ledger event, before it is checked.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub kind: EventKind,
    /// The unit (or project) the money belongs to; for an allocation, the one giving it.
    pub holder: Holder,
    /// For an allocation: the lower unit or the project receiving it. For an adjustment of an allocation: the same.
    pub counterpart: Option<Holder>,
    pub bucket: Bucket,
    /// Whole đồng; positive except for adjustments.
    pub amount: i64,
    pub date: NaiveDate,
    /// For an adjustment: which kind of event it corrects.
    pub adjusts: Option<EventKind>,
    /// For a carry-over: the new deadline.
    pub deadline: Option<NaiveDate>,
    pub reason: String,
}

/// Why an event is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    NotPositive,
    AdjustmentWithoutReason,
    AdjustmentTarget,
    MissingCounterpart,
    OverAllocation { available: i64 },
    OverDisbursement { available: i64 },
    AfterDeadline { deadline: NaiveDate },
    LateBeyondCarried { carried_left: i64 },
    NegativeResult { measure: Measure },
    CarryOverWithoutDeadline,
    WrongHolder,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let million = |dong: i64| format_amount(dong, MoneyUnit::Million);
        match self {
            Violation::NotPositive => f.write_str("số tiền phải lớn hơn 0"),
            Violation::AdjustmentWithoutReason => f.write_str("điều chỉnh phải ghi lý do"),
            Violation::AdjustmentTarget => f.write_str(
                "điều chỉnh phải nêu loại nghiệp vụ được điều chỉnh (kế hoạch, phân bổ, giải ngân)",
            ),
            Violation::MissingCounterpart => {
                f.write_str("phân bổ phải nêu đơn vị cấp dưới hoặc dự án nhận vốn")
            }
            Violation::OverAllocation { available } => {
                write!(f, "vượt số vốn còn được phân bổ ({})", million(*available))
            }
            Violation::OverDisbursement { available } => {
                write!(
                    f,
                    "vượt số vốn đã phân bổ còn lại ({})",
                    million(*available)
                )
            }
            Violation::AfterDeadline { deadline } => write!(
                f,
                "giải ngân sau thời hạn {} mà không có gia hạn hoặc chuyển nguồn",
                vi::format_date(*deadline)
            ),
            Violation::LateBeyondCarried { carried_left } => write!(
                f,
                "giải ngân sau thời hạn vượt số vốn đã chuyển nguồn còn lại ({})",
                million(*carried_left)
            ),
            Violation::NegativeResult { measure } => {
                write!(
                    f,
                    "điều chỉnh làm số liệu \"{}\" âm hoặc nhỏ hơn số đã sử dụng",
                    measure.key()
                )
            }
            Violation::CarryOverWithoutDeadline => {
                f.write_str("chuyển nguồn phải có thời hạn giải ngân mới")
            }
            Violation::WrongHolder => {
                f.write_str("đối tượng nhận vốn không phù hợp với loại nghiệp vụ")
            }
        }
    }
}

/// Checks a new event against the balances of the holders it touches and returns the changes it makes.
/// `balance` gives the current own balance of a holder in the event's bucket; `deadline` is the ordinary
/// disbursement deadline of the bucket (after extensions, see [`Deadlines`]).
pub fn check_event(
    event: &NewEvent,
    balance: &dyn Fn(Holder) -> Balance,
    deadline: NaiveDate,
) -> Result<Vec<Delta>, Violation> {
    let delta = |holder, measure, amount| Delta {
        holder,
        measure,
        amount,
    };
    if event.kind != EventKind::Adjustment && event.amount <= 0 {
        return Err(Violation::NotPositive);
    }
    let own = balance(event.holder);
    match event.kind {
        EventKind::MediumTermPlan => unit_only(event.holder)
            .map(|_| vec![delta(event.holder, Measure::MediumTerm, event.amount)]),
        EventKind::AnnualPlan => unit_only(event.holder)
            .map(|_| vec![delta(event.holder, Measure::Received, event.amount)]),
        EventKind::Allocation => {
            unit_only(event.holder)?;
            let target = event.counterpart.ok_or(Violation::MissingCounterpart)?;
            if own.available() < event.amount {
                return Err(Violation::OverAllocation {
                    available: own.available(),
                });
            }
            Ok(allocation_deltas(event.holder, target, event.amount))
        }
        EventKind::Disbursement => {
            if own.available() < event.amount {
                return Err(Violation::OverDisbursement {
                    available: own.available(),
                });
            }
            let mut res = vec![delta(event.holder, Measure::Disbursed, event.amount)];
            if event.date > deadline {
                let carried_left = own.carried - own.disbursed_late;
                match own.carry_deadline {
                    Some(carry_deadline) if event.date <= carry_deadline => {
                        if carried_left < event.amount {
                            return Err(Violation::LateBeyondCarried { carried_left });
                        }
                        res.push(delta(event.holder, Measure::DisbursedLate, event.amount));
                    }
                    Some(carry_deadline) => {
                        return Err(Violation::AfterDeadline {
                            deadline: carry_deadline,
                        })
                    }
                    None => return Err(Violation::AfterDeadline { deadline }),
                }
            }
            Ok(res)
        }
        EventKind::CarryOver => {
            if event.deadline.is_none() {
                return Err(Violation::CarryOverWithoutDeadline);
            }
            let left = own.available() - (own.carried - own.disbursed_late);
            if left < event.amount {
                return Err(Violation::OverDisbursement {
                    available: left.max(0),
                });
            }
            Ok(vec![delta(event.holder, Measure::Carried, event.amount)])
        }
        EventKind::Lapse => {
            if own.available() < event.amount {
                return Err(Violation::OverDisbursement {
                    available: own.available(),
                });
            }
            Ok(vec![delta(event.holder, Measure::Lapsed, event.amount)])
        }
        EventKind::Adjustment => check_adjustment(event, balance, own),
    }
}

fn unit_only(holder: Holder) -> Result<(), Violation> {
    match holder {
        Holder::Unit(_) => Ok(()),
        Holder::Project(_) => Err(Violation::WrongHolder),
    }
}

fn allocation_deltas(from: Holder, to: Holder, amount: i64) -> Vec<Delta> {
    match to {
        // Plan moves down: the upper unit's own plan shrinks, the lower unit's grows.
        Holder::Unit(_) => vec![
            Delta {
                holder: from,
                measure: Measure::Received,
                amount: -amount,
            },
            Delta {
                holder: to,
                measure: Measure::Received,
                amount,
            },
        ],
        // A project's money stays within the unit: the unit records it as committed to projects.
        Holder::Project(_) => vec![
            Delta {
                holder: from,
                measure: Measure::ToProjects,
                amount,
            },
            Delta {
                holder: to,
                measure: Measure::Received,
                amount,
            },
        ],
    }
}

fn check_adjustment(
    event: &NewEvent,
    balance: &dyn Fn(Holder) -> Balance,
    own: Balance,
) -> Result<Vec<Delta>, Violation> {
    if event.reason.trim().is_empty() {
        return Err(Violation::AdjustmentWithoutReason);
    }
    if event.amount == 0 {
        return Err(Violation::NotPositive);
    }
    let amount = event.amount;
    let deltas = match event.adjusts {
        Some(EventKind::MediumTermPlan) => {
            unit_only(event.holder)?;
            vec![Delta {
                holder: event.holder,
                measure: Measure::MediumTerm,
                amount,
            }]
        }
        Some(EventKind::AnnualPlan) => {
            unit_only(event.holder)?;
            vec![Delta {
                holder: event.holder,
                measure: Measure::Received,
                amount,
            }]
        }
        Some(EventKind::Allocation) => {
            unit_only(event.holder)?;
            let target = event.counterpart.ok_or(Violation::MissingCounterpart)?;
            if amount > 0 && own.available() < amount {
                return Err(Violation::OverAllocation {
                    available: own.available(),
                });
            }
            allocation_deltas(event.holder, target, amount)
        }
        Some(EventKind::Disbursement) => {
            if amount > 0 && own.available() < amount {
                return Err(Violation::OverDisbursement {
                    available: own.available(),
                });
            }
            vec![Delta {
                holder: event.holder,
                measure: Measure::Disbursed,
                amount,
            }]
        }
        _ => return Err(Violation::AdjustmentTarget),
    };
    // No balance may go below zero, and no holder may end up having used more than it has.
    let mut touched: Vec<(Holder, Balance)> = Vec::new();
    for delta in &deltas {
        let entry = match touched
            .iter_mut()
            .find(|(holder, _)| *holder == delta.holder)
        {
            Some(entry) => entry,
            None => {
                touched.push((delta.holder, balance(delta.holder)));
                touched.last_mut().expect("just pushed")
            }
        };
        apply_delta(&mut entry.1, delta);
        if measure_value(&entry.1, delta.measure) < 0 {
            return Err(Violation::NegativeResult {
                measure: delta.measure,
            });
        }
    }
    if let Some((_, balance)) = touched.iter().find(|(_, balance)| balance.available() < 0) {
        let measure = if balance.disbursed > 0 {
            Measure::Disbursed
        } else {
            Measure::Received
        };
        return Err(Violation::NegativeResult { measure });
    }
    Ok(deltas)
}

/// The value of one measure in a balance.
pub fn measure_value(balance: &Balance, measure: Measure) -> i64 {
    match measure {
        Measure::MediumTerm => balance.medium_term,
        Measure::Received => balance.received,
        Measure::ToProjects => balance.to_projects,
        Measure::Disbursed => balance.disbursed,
        Measure::DisbursedLate => balance.disbursed_late,
        Measure::Carried => balance.carried,
        Measure::Lapsed => balance.lapsed,
    }
}

/// Adds one delta to a balance.
pub fn apply_delta(balance: &mut Balance, delta: &Delta) {
    let slot = match delta.measure {
        Measure::MediumTerm => &mut balance.medium_term,
        Measure::Received => &mut balance.received,
        Measure::ToProjects => &mut balance.to_projects,
        Measure::Disbursed => &mut balance.disbursed,
        Measure::DisbursedLate => &mut balance.disbursed_late,
        Measure::Carried => &mut balance.carried,
        Measure::Lapsed => &mut balance.lapsed,
    };
    *slot += delta.amount;
}

/// The rule giving a plan year's ordinary disbursement deadline, as data: "until `month`/`day` of the year after
/// the plan year" (31/1 for public investment under the Law on Public Investment, [verify]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineRule {
    pub capital_type: CapitalType,
    pub years_after: i32,
    pub month: u32,
    pub day: u32,
    pub legal_basis: String,
    pub verify: bool,
}

/// A recorded extension: money of `plan_year` (optionally only one capital type or program item) may be disbursed
/// until `until`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    pub plan_year: i32,
    pub capital_type: Option<CapitalType>,
    pub item_id: Option<i64>,
    pub until: NaiveDate,
    pub legal_basis: String,
}

/// Deadline rules and extensions together.
#[derive(Debug, Clone, Default)]
pub struct Deadlines {
    pub rules: Vec<DeadlineRule>,
    pub extensions: Vec<Extension>,
}

impl Deadlines {
    /// The shipped rules: public investment until 31/1 of the next year, recurrent until 31/12 of the plan year
    /// (both [verify]); replaced by the catalogue file when it is loaded.
    pub fn standard() -> Deadlines {
        Deadlines {
            rules: vec![
                DeadlineRule {
                    capital_type: CapitalType::Investment,
                    years_after: 1,
                    month: 1,
                    day: 31,
                    legal_basis: "Luật Đầu tư công 2019, Điều 68".to_owned(),
                    verify: true,
                },
                DeadlineRule {
                    capital_type: CapitalType::Recurrent,
                    years_after: 0,
                    month: 12,
                    day: 31,
                    legal_basis: "Luật Ngân sách nhà nước (năm ngân sách)".to_owned(),
                    verify: true,
                },
            ],
            extensions: Vec::new(),
        }
    }

    /// The ordinary deadline of a bucket: its rule's date, moved by the latest matching extension.
    pub fn deadline(&self, bucket: &Bucket) -> NaiveDate {
        let base = self
            .rules
            .iter()
            .find(|rule| rule.capital_type == bucket.capital_type)
            .and_then(|rule| {
                NaiveDate::from_ymd_opt(bucket.plan_year + rule.years_after, rule.month, rule.day)
            })
            .or_else(|| NaiveDate::from_ymd_opt(bucket.plan_year + 1, 1, 31))
            .expect("31 January exists");
        self.extensions
            .iter()
            .filter(|ext| {
                ext.plan_year == bucket.plan_year
                    && ext
                        .capital_type
                        .is_none_or(|ctype| ctype == bucket.capital_type)
                    && ext.item_id.is_none_or(|item| item == bucket.item_id)
            })
            .map(|ext| ext.until)
            .fold(base, NaiveDate::max)
    }
}

/// Money that will lapse at `deadline` if disbursement goes on at its recent pace: the average daily disbursement
/// over the `window_days` before `as_of`, projected to the deadline; what remains beyond that lapses.
/// Zero when the deadline has passed (that money has lapsed or been carried over already).
pub fn projected_lapse(
    remaining: i64,
    disbursed_in_window: i64,
    window_days: i64,
    as_of: NaiveDate,
    deadline: NaiveDate,
) -> i64 {
    if remaining <= 0 || deadline < as_of || window_days <= 0 {
        return 0;
    }
    let days_left = (deadline - as_of).num_days();
    let projected = (disbursed_in_window as i128 * days_left as i128 / window_days as i128) as i64;
    (remaining - projected).max(0)
}

/// Ranks items by value, highest first, with ties sharing a rank ("1, 2, 2, 4"); items without a value come last,
/// unranked.
pub fn rank<K: Clone>(items: &[(K, Option<f64>)]) -> Vec<(K, Option<usize>)> {
    let mut ranked: Vec<f64> = items.iter().filter_map(|(_, value)| *value).collect();
    ranked.sort_by(|a, b| b.total_cmp(a));
    items
        .iter()
        .map(|(key, value)| {
            let place =
                value.map(|value| ranked.iter().filter(|other| **other > value).count() + 1);
            (key.clone(), place)
        })
        .collect()
}

/// The plan year's label in documents: "năm 2024".
pub fn plan_year_label(year: i32) -> String {
    format!("năm {year}")
}

/// Parses one line of a committed schedule, "03/2024: 1.234,5" or "2024-03 1.234,5" (amount in triệu đồng),
/// into the month's first day and whole đồng.
pub fn parse_commitment_line(line: &str) -> Result<(NaiveDate, i64), String> {
    let line = line.trim();
    let (month_text, amount_text) = line
        .split_once([':', ' ', '\t'])
        .map(|(month, amount)| (month.trim(), amount.trim().trim_start_matches(':').trim()))
        .ok_or_else(|| format!("\"{line}\": cần tháng và số tiền, ví dụ 03/2024: 1.234,5"))?;
    let month = month_text
        .split_once('/')
        .and_then(|(m, y)| Some((y.parse::<i32>().ok()?, m.parse::<u32>().ok()?)))
        .or_else(|| {
            month_text
                .split_once('-')
                .and_then(|(y, m)| Some((y.parse().ok()?, m.parse().ok()?)))
        })
        .and_then(|(year, month)| NaiveDate::from_ymd_opt(year, month, 1))
        .ok_or_else(|| format!("tháng \"{month_text}\" không hợp lệ (mm/yyyy)"))?;
    let amount = parse_amount(amount_text, MoneyUnit::Million, false)?;
    Ok((month, amount))
}

/// The first day of the month after `date`, for monthly curves.
pub fn next_month(date: NaiveDate) -> NaiveDate {
    let (year, month) = if date.month() == 12 {
        (date.year() + 1, 1)
    } else {
        (date.year(), date.month() + 1)
    };
    NaiveDate::from_ymd_opt(year, month, 1).expect("first of a month exists")
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_amount_too_large_for_the_ledger_is_refused_not_wrapped() {
        let err =
            parse_amount("340282366920938463463374607432", MoneyUnit::Billion, false).unwrap_err();
        assert!(err.contains("quá lớn"), "{err}");
    }

    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    const PROVINCE: Holder = Holder::Unit(1);
    const COMMUNE: Holder = Holder::Unit(2);
    const PROJECT: Holder = Holder::Project(9);

    fn bucket() -> Bucket {
        Bucket {
            item_id: 5,
            source: Source::Central,
            capital_type: CapitalType::Investment,
            plan_year: 2024,
        }
    }

    fn event(kind: EventKind, holder: Holder, amount: i64) -> NewEvent {
        NewEvent {
            kind,
            holder,
            counterpart: None,
            bucket: bucket(),
            amount,
            date: day(2024, 6, 1),
            adjusts: None,
            deadline: None,
            reason: String::new(),
        }
    }

    /// A tiny ledger: balances kept in memory, events applied one after another.
    struct Ledger(Vec<(Holder, Balance)>);

    impl Ledger {
        fn balance(&self, holder: Holder) -> Balance {
            self.0
                .iter()
                .find(|(h, _)| *h == holder)
                .map(|(_, b)| *b)
                .unwrap_or_default()
        }

        fn post(&mut self, event: &NewEvent) -> Result<(), Violation> {
            let deadline = Deadlines::standard().deadline(&event.bucket);
            let deltas = check_event(event, &|holder| self.balance(holder), deadline)?;
            for delta in deltas {
                match self.0.iter_mut().find(|(h, _)| *h == delta.holder) {
                    Some((_, balance)) => apply_delta(balance, &delta),
                    None => {
                        let mut balance = Balance::default();
                        apply_delta(&mut balance, &delta);
                        self.0.push((delta.holder, balance));
                    }
                }
            }
            if event.kind == EventKind::CarryOver {
                let entry = self
                    .0
                    .iter_mut()
                    .find(|(h, _)| *h == event.holder)
                    .expect("holder exists");
                entry.1.carry_deadline = event.deadline;
            }
            Ok(())
        }
    }

    fn funded() -> Ledger {
        let mut ledger = Ledger(Vec::new());
        ledger
            .post(&event(EventKind::AnnualPlan, PROVINCE, 1_000))
            .expect("plan");
        ledger
    }

    #[test]
    fn allocating_to_a_commune_moves_plan_down_so_the_subtree_sum_is_unchanged() {
        let mut ledger = funded();
        let mut allocation = event(EventKind::Allocation, PROVINCE, 600);
        allocation.counterpart = Some(COMMUNE);
        ledger.post(&allocation).expect("allocation fits");
        assert_eq!(ledger.balance(PROVINCE).received, 400);
        assert_eq!(ledger.balance(COMMUNE).received, 600);
        assert_eq!(
            ledger.balance(PROVINCE).received + ledger.balance(COMMUNE).received,
            1_000
        );
    }

    #[test]
    fn an_allocation_beyond_what_the_unit_received_is_refused() {
        let mut ledger = funded();
        let mut allocation = event(EventKind::Allocation, PROVINCE, 1_001);
        allocation.counterpart = Some(COMMUNE);
        assert_eq!(
            ledger.post(&allocation),
            Err(Violation::OverAllocation { available: 1_000 })
        );
        allocation.amount = 1_000;
        assert!(
            ledger.post(&allocation).is_ok(),
            "exactly all of it is allowed"
        );
    }

    #[test]
    fn a_project_cannot_disburse_more_than_it_was_allocated() {
        let mut ledger = funded();
        let mut allocation = event(EventKind::Allocation, PROVINCE, 300);
        allocation.counterpart = Some(PROJECT);
        ledger.post(&allocation).expect("allocation");
        assert_eq!(ledger.balance(PROVINCE).available(), 700);
        ledger
            .post(&event(EventKind::Disbursement, PROJECT, 250))
            .expect("disbursement");
        assert_eq!(
            ledger.post(&event(EventKind::Disbursement, PROJECT, 51)),
            Err(Violation::OverDisbursement { available: 50 })
        );
    }

    #[test]
    fn amounts_must_be_positive_except_adjustments_which_need_a_reason() {
        let mut ledger = funded();
        assert_eq!(
            ledger.post(&event(EventKind::Disbursement, PROVINCE, -5)),
            Err(Violation::NotPositive)
        );
        assert_eq!(
            ledger.post(&event(EventKind::AnnualPlan, PROVINCE, 0)),
            Err(Violation::NotPositive)
        );
        let mut adjustment = event(EventKind::Adjustment, PROVINCE, -200);
        adjustment.adjusts = Some(EventKind::AnnualPlan);
        assert_eq!(
            ledger.post(&adjustment),
            Err(Violation::AdjustmentWithoutReason)
        );
        adjustment.reason = "Quyết định điều chỉnh số 12".to_owned();
        ledger.post(&adjustment).expect("adjustment with a reason");
        assert_eq!(ledger.balance(PROVINCE).received, 800);
    }

    #[test]
    fn an_adjustment_cannot_cut_a_plan_below_what_was_already_spent() {
        let mut ledger = funded();
        ledger
            .post(&event(EventKind::Disbursement, PROVINCE, 900))
            .expect("disbursement");
        let mut adjustment = event(EventKind::Adjustment, PROVINCE, -200);
        adjustment.adjusts = Some(EventKind::AnnualPlan);
        adjustment.reason = "cắt giảm".to_owned();
        assert!(matches!(
            ledger.post(&adjustment),
            Err(Violation::NegativeResult { .. })
        ));
        adjustment.amount = -100;
        assert!(ledger.post(&adjustment).is_ok());
    }

    #[test]
    fn disbursing_after_the_deadline_needs_carried_over_money() {
        let mut ledger = funded();
        let mut late = event(EventKind::Disbursement, PROVINCE, 100);
        late.date = day(2025, 2, 1);
        assert_eq!(
            ledger.post(&late),
            Err(Violation::AfterDeadline {
                deadline: day(2025, 1, 31)
            })
        );
        let mut on_time = late.clone();
        on_time.date = day(2025, 1, 31);
        ledger.post(&on_time).expect("31/1 is still in time");
        let mut carry = event(EventKind::CarryOver, PROVINCE, 300);
        carry.date = day(2025, 1, 31);
        assert_eq!(
            ledger.post(&carry),
            Err(Violation::CarryOverWithoutDeadline)
        );
        carry.deadline = Some(day(2025, 12, 31));
        ledger.post(&carry).expect("carry-over");
        ledger
            .post(&late)
            .expect("late disbursement within the carried money");
        late.amount = 201;
        assert_eq!(
            ledger.post(&late),
            Err(Violation::LateBeyondCarried { carried_left: 200 })
        );
        late.amount = 50;
        late.date = day(2026, 1, 1);
        assert_eq!(
            ledger.post(&late),
            Err(Violation::AfterDeadline {
                deadline: day(2025, 12, 31)
            })
        );
    }

    #[test]
    fn an_extension_moves_the_deadline_of_its_plan_year_only() {
        let mut deadlines = Deadlines::standard();
        deadlines.extensions.push(Extension {
            plan_year: 2024,
            capital_type: Some(CapitalType::Investment),
            item_id: None,
            until: day(2025, 12, 31),
            legal_basis: "Nghị quyết của Quốc hội".to_owned(),
        });
        assert_eq!(deadlines.deadline(&bucket()), day(2025, 12, 31));
        let other_year = Bucket {
            plan_year: 2023,
            ..bucket()
        };
        assert_eq!(deadlines.deadline(&other_year), day(2024, 1, 31));
        let recurrent = Bucket {
            capital_type: CapitalType::Recurrent,
            ..bucket()
        };
        assert_eq!(deadlines.deadline(&recurrent), day(2024, 12, 31));
    }

    #[test]
    fn amounts_parse_in_the_chosen_unit_into_whole_dong() {
        assert_eq!(
            parse_amount("25.608,6", MoneyUnit::Million, false),
            Ok(25_608_600_000)
        );
        assert_eq!(
            parse_amount("1,234", MoneyUnit::Million, false),
            Ok(1_234_000)
        );
        assert_eq!(parse_amount("51.673", MoneyUnit::Dong, false), Ok(51_673));
        assert!(parse_amount("12,5", MoneyUnit::Dong, false)
            .unwrap_err()
            .contains("dưới 1 đồng"));
        assert!(parse_amount("-3", MoneyUnit::Million, false)
            .unwrap_err()
            .contains("âm"));
        assert_eq!(parse_amount("-3", MoneyUnit::Million, true), Ok(-3_000_000));
        assert!(parse_amount("0", MoneyUnit::Million, true).is_err());
    }

    #[test]
    fn amounts_format_in_millions_or_billions_the_vietnamese_way() {
        assert_eq!(
            format_amount(25_608_600_000, MoneyUnit::Million),
            "25.608,6 triệu đồng"
        );
        assert_eq!(
            format_amount(51_673_000_000, MoneyUnit::Billion),
            "51,67 tỷ đồng"
        );
        assert_eq!(format_amount(51_673, MoneyUnit::Dong), "51.673 đồng");
        assert_eq!(
            rate(25_608_600_000, 58_759_900_000)
                .map(vi::format_percent)
                .as_deref(),
            Some("43,6%")
        );
        assert_eq!(rate(1, 0), None);
    }

    #[test]
    fn the_lapse_projection_extends_the_recent_pace_to_the_deadline() {
        // 100 left, 30 disbursed over the last 30 days, 40 days to go: 40 more at that pace, 60 lapse.
        assert_eq!(
            projected_lapse(100, 30, 30, day(2024, 12, 22), day(2025, 1, 31)),
            60
        );
        assert_eq!(
            projected_lapse(100, 300, 30, day(2024, 12, 22), day(2025, 1, 31)),
            0
        );
        assert_eq!(
            projected_lapse(100, 0, 30, day(2024, 12, 22), day(2025, 1, 31)),
            100
        );
        assert_eq!(
            projected_lapse(100, 0, 30, day(2025, 2, 1), day(2025, 1, 31)),
            0
        );
    }

    #[test]
    fn ranks_share_places_on_ties_and_leave_units_without_plan_unranked() {
        let ranked = rank(&[
            ("a", Some(0.5)),
            ("b", Some(0.9)),
            ("c", Some(0.5)),
            ("d", None),
            ("e", Some(0.1)),
        ]);
        let places: Vec<Option<usize>> = ranked.iter().map(|(_, place)| *place).collect();
        assert_eq!(places, [Some(2), Some(1), Some(2), None, Some(4)]);
    }

    #[test]
    fn commitment_lines_take_a_month_and_an_amount_in_millions() {
        assert_eq!(
            parse_commitment_line("03/2024: 1.234,5"),
            Ok((day(2024, 3, 1), 1_234_500_000))
        );
        assert_eq!(
            parse_commitment_line("2024-10 200"),
            Ok((day(2024, 10, 1), 200_000_000))
        );
        assert!(parse_commitment_line("13/2024: 5")
            .unwrap_err()
            .contains("tháng"));
        assert!(parse_commitment_line("03/2024").is_err());
        assert!(parse_commitment_line("03/2024: -5")
            .unwrap_err()
            .contains("âm"));
    }

    #[test]
    fn kinds_sources_and_types_parse_from_vietnamese() {
        assert_eq!(EventKind::parse("Giải ngân"), Some(EventKind::Disbursement));
        assert_eq!(EventKind::parse("allocation"), Some(EventKind::Allocation));
        assert_eq!(Source::parse("NSTW"), Some(Source::Central));
        assert_eq!(
            Source::parse("Ngân sách địa phương (tỉnh)"),
            Some(Source::LocalProvince)
        );
        assert_eq!(CapitalType::parse("ĐTPT"), Some(CapitalType::Investment));
        assert_eq!(
            CapitalType::parse("sự nghiệp"),
            Some(CapitalType::Recurrent)
        );
        assert_eq!(MoneyUnit::parse("tỷ đồng"), Some(MoneyUnit::Billion));
    }
}
