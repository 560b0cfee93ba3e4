//! The home page: the dashboard of the user's scope unit (or `?unit=` within it) on a date, with a card per
//! capability linking to its page, the children's disbursement rates and monthly curve as SVG, and for the whole
//! country a map of the provinces.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::Datelike;
use minijinja::context;
use mtqg_core::geo::Level;
use mtqg_core::money::{format_amount, MoneyUnit};
use mtqg_core::report::submission::Status as SubmissionStatus;
use mtqg_core::vi;
use mtqg_service::home::Home;
use serde::Deserialize;

use crate::auth::Authed;
use crate::charts::{Bar, Series};
use crate::error::{date_param, AppError};
use crate::views::UserView;
use crate::AppState;

/// Overdue tasks listed on the card; the rest are on the direction page.
const OVERDUE_SHOWN: usize = 5;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/", get(show_home))
}

#[derive(Deserialize, Default)]
struct HomeQuery {
    unit: Option<String>,
    /// As of this date (dd/mm/yyyy or yyyy-mm-dd); today when absent.
    date: Option<String>,
}

/// Whole đồng as "25.608,6 triệu đồng".
fn million(dong: i64) -> String {
    format_amount(dong, MoneyUnit::Million)
}

/// A rate already in percent (poverty rates) with two decimals: "4,12%".
fn percent_points(value: f64) -> String {
    format!("{}%", vi::format_decimal(value, 2))
}

async fn show_home(
    State(state): State<AppState>,
    authed: Authed,
    Query(query): Query<HomeQuery>,
) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    let date = date_param(&query.date, false)?;
    let asked = query
        .unit
        .as_deref()
        .map(str::trim)
        .filter(|code| !code.is_empty());
    let home = state
        .service
        .home(actor, asked, date)
        .await
        .map_err(|err| AppError::service(err, false))?;
    let day = vi::format_date(date);
    let code = home.unit.as_ref().map(|unit| unit.code.clone());
    // "unit=38&" or nothing, so every link keeps the unit and the date shown.
    let unit_param = code
        .as_ref()
        .map(|code| format!("unit={code}&"))
        .unwrap_or_default();
    // Going up is offered once the user has gone below their own scope unit.
    let up = home
        .unit
        .as_ref()
        .filter(|unit| Some(unit.id) != actor.scope_unit_id)
        .map(|unit| match &unit.parent_code {
            Some(parent) => format!("/?unit={parent}&date={day}"),
            None => format!("/?date={day}"),
        });
    let charts = charts(&home, &day);
    let province_scope = home
        .unit
        .as_ref()
        .is_some_and(|unit| unit.level == Level::Province);
    crate::pages::render(
        &state,
        "home.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token, nav => "home",
            date => day, unit => code.clone().unwrap_or_default(), up,
            unit_name => home.unit.as_ref().map(|unit| unit.name.clone()).unwrap_or_else(|| "Toàn quốc".to_owned()),
            money => money_card(&home, &unit_param, &day),
            new_rural => new_rural_card(&home, &unit_param, &day),
            poverty => poverty_card(&home, &unit_param),
            direction => direction_card(&home),
            reporting => reporting_card(&home),
            children => children_rows(&home, &day),
            bars_chart => charts.bars.map(minijinja::Value::from_safe_string),
            curve_chart => charts.curve.map(minijinja::Value::from_safe_string),
            map => charts.map.map(minijinja::Value::from_safe_string), map_caption => charts.map_caption,
            province_scope,
        },
    )
}

fn money_card(home: &Home, unit_param: &str, day: &str) -> Option<minijinja::Value> {
    let money = home.money.as_ref()?;
    let summary = &money.summary;
    let year = summary.plan_year;
    Some(context! {
        year,
        plan => million(summary.totals.plan),
        disbursed => million(summary.totals.disbursed),
        rate => summary.totals.rate().map(vi::format_percent),
        rank => summary.rank_in_parent.map(|(place, of)| format!("{place}/{of}")),
        will_lapse => million(money.will_lapse), n_lapsing => money.n_lapsing,
        deadline => vi::format_date(summary.investment_deadline),
        link => format!("/capital?{unit_param}year={year}&date={day}"),
        lapse_link => format!("/capital/lapse?{unit_param}year={year}&date={day}"),
    })
}

fn new_rural_card(home: &Home, unit_param: &str, day: &str) -> Option<minijinja::Value> {
    let part = home.new_rural.as_ref()?;
    let link = match (&home.unit, part.own_status) {
        (Some(xa), Some(_)) => format!("/ntm/xa/{}?date={day}", xa.code),
        _ => format!("/ntm?{unit_param}date={day}"),
    };
    Some(context! {
        n_xa => vi::format_int(part.n_xa as i64), recognised => vi::format_int(part.recognised as i64),
        percent => part.share().map(vi::format_percent),
        at_risk => part.at_risk,
        own_status => part.own_status.map(|status| status.label()),
        link,
    })
}

fn poverty_card(home: &Home, unit_param: &str) -> Option<minijinja::Value> {
    let rates = home.poverty.as_ref()?;
    let total = &rates.total;
    let year = rates.year;
    let reduction = total.reduction.map(|reduction| {
        context! {
            fell => reduction.points >= 0.0,
            points => vi::format_decimal(reduction.points.abs(), 2),
            percent_of_target => reduction.percent_of_target.map(|p| vi::format_decimal(p, 2)),
        }
    });
    Some(context! {
        year, previous_year => year - 1,
        rate => total.tally.poor_rate().map(percent_points),
        near_poor_rate => total.tally.near_poor_rate().map(percent_points),
        poor => vi::format_int(total.tally.poor as i64),
        households => vi::format_int(total.tally.households as i64),
        previous_rate => total.previous.as_ref().and_then(|p| p.poor_rate()).map(percent_points),
        reduction,
        target => rates.target.as_ref().map(|t| vi::format_decimal(t.target_points, 2)),
        rebased => rates.rebased,
        link => format!("/poverty?{unit_param}year={year}"),
    })
}

fn direction_card(home: &Home) -> Option<minijinja::Value> {
    let part = home.direction.as_ref()?;
    Some(context! {
        n_overdue => part.overdue.len(), n_tasks => part.n_tasks, n_meetings => part.n_meetings,
        overdue => part.overdue.iter().take(OVERDUE_SHOWN).map(|(meeting, view)| context! {
            number => view.task.number.clone(), content => view.task.content.clone(),
            due => view.task.due_on.map(vi::format_date),
            lead => view.lead.as_ref().map(|agency| agency.name.clone()),
            meeting => meeting.title.clone(), meeting_link => format!("/direction/meetings/{}", meeting.id),
        }).collect::<Vec<_>>(),
        more => part.overdue.len().saturating_sub(OVERDUE_SHOWN),
        link => "/direction",
    })
}

fn reporting_card(home: &Home) -> Option<minijinja::Value> {
    let part = home.reporting.as_ref()?;
    let dashboard = &part.dashboard;
    let period = dashboard.period.to_string();
    let unit_param = dashboard
        .unit
        .as_ref()
        .map(|unit| format!("&unit={}", unit.code))
        .unwrap_or_default();
    let own_status = dashboard
        .own
        .as_ref()
        .and_then(|own| SubmissionStatus::parse(&own.status));
    Some(context! {
        name => dashboard.kind.name.clone(), period_label => dashboard.period.label(),
        pending => part.pending, expected => dashboard.expected, submitted => dashboard.submitted,
        approved => dashboard.approved, returned => dashboard.returned,
        own_deadline => part.own_deadline.map(vi::format_date),
        own_status => own_status.map(SubmissionStatus::label).unwrap_or("Chưa lập báo cáo"),
        link => format!("/reports?report={}&period={period}{unit_param}", dashboard.kind.code),
    })
}

/// The units directly under the one shown, each linking to its own dashboard, with its disbursement rate and share
/// of xã recognised.
fn children_rows(home: &Home, day: &str) -> Vec<minijinja::Value> {
    let mut rows: Vec<(String, String, Option<String>, Option<String>)> = Vec::new();
    if let Some(money) = &home.money {
        for child in &money.summary.children {
            rows.push((
                child.unit.code.clone(),
                child.unit.name.clone(),
                child.figures.rate().map(vi::format_percent),
                None,
            ));
        }
    }
    if let Some(part) = &home.new_rural {
        for child in &part.children {
            let share = child.share().map(vi::format_percent);
            match rows.iter_mut().find(|row| row.0 == child.code) {
                Some(row) => row.3 = share,
                None => rows.push((child.code.clone(), child.name.clone(), None, share)),
            }
        }
    }
    rows.sort_by(|a, b| vi::compare(&a.1, &b.1));
    rows.into_iter()
        .map(|(code, name, rate, share)| {
            context! { link => format!("/?unit={code}&date={day}"), code, name, rate, share }
        })
        .collect()
}

/// The SVG of the page, each absent when there is nothing to draw.
#[derive(Default)]
struct Charts {
    /// The children's disbursement rates.
    bars: Option<String>,
    /// Cumulative disbursement by month against the plan.
    curve: Option<String>,
    /// The provinces, for the whole country.
    map: Option<String>,
    /// Which figure colours the map.
    map_caption: Option<String>,
}

fn charts(home: &Home, day: &str) -> Charts {
    let map = national_map(home, day);
    let map_caption = map.as_ref().map(|_| match &home.money {
        Some(money) => format!(
            "Màu theo tỷ lệ giải ngân kế hoạch vốn năm {} của tỉnh.",
            money.summary.plan_year
        ),
        None => "Chưa có số liệu vốn: màu theo tỷ lệ xã đạt chuẩn nông thôn mới trở lên của tỉnh."
            .to_owned(),
    });
    let Some(money) = &home.money else {
        return Charts {
            map,
            map_caption,
            ..Charts::default()
        };
    };
    let summary = &money.summary;
    let bars: Vec<Bar> = summary
        .children
        .iter()
        .filter(|child| child.figures.plan != 0)
        .map(|child| Bar {
            label: child.unit.name.clone(),
            rate: child.figures.rate(),
            highlight: child.below_average,
        })
        .collect();
    let bars = (!bars.is_empty()).then(|| {
        crate::charts::rate_bars(
            "Tỷ lệ giải ngân theo đơn vị trực thuộc",
            &bars,
            summary.totals.rate(),
        )
    });
    let factor = MoneyUnit::Million.factor() as f64;
    let curve = (summary.curve.len() > 1).then(|| {
        let labels: Vec<String> = summary
            .curve
            .iter()
            .map(|point| format!("{}/{}", point.month.month(), point.month.year() % 100))
            .collect();
        let series = [
            Series {
                name: "Lũy kế giải ngân",
                class: "done",
                values: summary
                    .curve
                    .iter()
                    .map(|point| point.disbursed_cumulative as f64 / factor)
                    .collect(),
            },
            Series {
                name: "Kế hoạch vốn",
                class: "target",
                values: vec![summary.totals.plan as f64 / factor; summary.curve.len()],
            },
        ];
        crate::charts::lines(
            "Lũy kế giải ngân theo tháng",
            &labels,
            &series,
            MoneyUnit::Million.label(),
        )
    });
    Charts {
        bars,
        curve,
        map,
        map_caption,
    }
}

/// For the whole country, the provinces of the date coloured by disbursement rate (by the share of xã recognised
/// when there is no money yet), each linking to its dashboard.
fn national_map(home: &Home, day: &str) -> Option<String> {
    if home.unit.is_some() {
        return None;
    }
    let (title, shares): (&str, HashMap<String, (String, Option<f64>)>) =
        match (&home.money, &home.new_rural) {
            (Some(money), _) => (
                "Tỷ lệ giải ngân theo tỉnh",
                money
                    .summary
                    .children
                    .iter()
                    .map(|child| {
                        (
                            child.unit.code.clone(),
                            (child.unit.name.clone(), child.figures.rate()),
                        )
                    })
                    .collect(),
            ),
            (None, Some(part)) => (
                "Tỷ lệ xã đạt chuẩn nông thôn mới theo tỉnh",
                part.children
                    .iter()
                    .map(|child| (child.code.clone(), (child.name.clone(), child.share())))
                    .collect(),
            ),
            (None, None) => return None,
        };
    Some(crate::map::choropleth(
        crate::map::Provinces::on(home.date),
        title,
        &shares,
        |code| format!("/?unit={code}&date={day}"),
    ))
}
