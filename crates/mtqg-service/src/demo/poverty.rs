//! Generated household lists from a fixed seed: a province's households with names, villages, ethnicity, income
//! and deprivations, evolving year to year (incomes grow, some households leave, new ones form), written as the
//! CSV an officer would upload, then imported and frozen through the same service calls. Used by `serve --demo`
//! (a few dozen households per commune) and the benchmark (a million households).

use std::io::Write;

use chrono::NaiveDate;
use mtqg_core::geo::Level;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::auth::Actor;
use crate::geography::TableSource;
use crate::poverty::{review_day, HouseholdImportOptions, Progress};
use crate::{Service, ServiceError};

const FAMILY: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đỗ", "Lò", "Hà", "Cầm", "Vi", "Lương", "Bùi",
];
const MIDDLE: &[&str] = &["Văn", "Thị", "Đức", "Minh", "Ngọc", "Xuân"];
const GIVEN: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Hoa", "Lan", "Mai", "Nam", "Phúc", "Quang", "Sơn", "Tâm",
    "Thu", "Hùng", "Hương",
];
const ETHNIC: &[(&str, f64)] = &[
    ("Kinh", 0.72),
    ("Mường", 0.86),
    ("Thái", 0.95),
    ("H'Mông", 0.98),
    ("Dao", 1.0),
];
/// The indicators of the generated columns (the NĐ 07/2021 set; "CS1" … "CS12" as headers).
const INDICATORS: usize = 12;

/// The CSV header of generated lists.
pub fn household_header() -> String {
    let mut header = "Mã xã,Mã hộ,Họ tên chủ hộ,Thôn,Khu vực,Dân tộc,Năm sinh chủ hộ,Giới tính,Thu nhập bình quân (đồng/người/tháng)".to_owned();
    for i in 1..=INDICATORS {
        header.push_str(&format!(",CS{i}"));
    }
    header
}

/// One generated household.
#[derive(Debug, Clone)]
struct Synthetic {
    code: String,
    /// Commune code in the year being written.
    commune: String,
    name: String,
    village: u32,
    urban: bool,
    ethnicity: &'static str,
    birth_year: i32,
    female: bool,
    income: f64,
    /// Bit i set: deprived on indicator i + 1.
    deprived: u16,
    present: bool,
}

/// A province's households over the years.
#[derive(Debug)]
pub struct SyntheticHouseholds {
    rng: StdRng,
    households: Vec<Synthetic>,
    next: usize,
}

impl SyntheticHouseholds {
    /// `per_commune` households in each commune; incomes are drawn so that roughly 5 % are poor and 5 % near-poor
    /// under NĐ 07/2021, more among ethnic-minority households.
    pub fn new(communes: &[String], per_commune: usize, seed: u64) -> SyntheticHouseholds {
        let mut generated = SyntheticHouseholds {
            rng: StdRng::seed_from_u64(seed),
            households: Vec::with_capacity(communes.len() * per_commune),
            next: 0,
        };
        for commune in communes {
            for _ in 0..per_commune {
                let household = generated.household(commune);
                generated.households.push(household);
            }
        }
        generated
    }

    pub fn len(&self) -> usize {
        self.households.iter().filter(|h| h.present).count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn household(&mut self, commune: &str) -> Synthetic {
        self.next += 1;
        let rng = &mut self.rng;
        let roll: f64 = rng.gen();
        let ethnicity = ETHNIC
            .iter()
            .find(|(_, upto)| roll < *upto)
            .map_or("Kinh", |(name, _)| *name);
        let minority = ethnicity != "Kinh";
        let female = rng.gen_bool(0.3);
        let name = format!(
            "{} {} {}",
            FAMILY[rng.gen_range(0..FAMILY.len())],
            if female {
                "Thị"
            } else {
                MIDDLE[rng.gen_range(0..MIDDLE.len())]
            },
            GIVEN[rng.gen_range(0..GIVEN.len())]
        );
        // Log-normal income around 4 million đồng, lower for ethnic-minority households.
        let normal: f64 = (0..6).map(|_| rng.gen::<f64>()).sum::<f64>() - 3.0;
        let median = if minority { 2_700_000.0 } else { 4_200_000.0 };
        let income = (median * (0.55 * normal).exp()).clamp(300_000.0, 60_000_000.0);
        let mut deprived = 0u16;
        let chance = if income < 1_600_000.0 { 0.3 } else { 0.08 };
        for i in 0..INDICATORS {
            if rng.gen_bool(chance) {
                deprived |= 1 << i;
            }
        }
        Synthetic {
            code: format!("{commune}-{:06}", self.next),
            commune: commune.to_owned(),
            name,
            village: rng.gen_range(1..=12),
            urban: rng.gen_bool(0.12),
            ethnicity,
            birth_year: rng.gen_range(1945..2002),
            female,
            income,
            deprived,
            present: true,
        }
    }

    /// One year passes: incomes grow (some fall), deprivations are resolved or appear, 1.5 % of households leave
    /// and as many new ones form; `commune_of` gives each household's commune in the new year (lineage); a household
    /// whose commune has none leaves the register.
    pub fn advance(&mut self, commune_of: &dyn Fn(&str) -> Option<String>) {
        let n = self.households.len();
        for idx in 0..n {
            let rng = &mut self.rng;
            let household = &mut self.households[idx];
            if !household.present {
                continue;
            }
            if rng.gen_bool(0.015) {
                household.present = false;
                continue;
            }
            match commune_of(&household.commune) {
                Some(commune) => household.commune = commune,
                None => {
                    household.present = false;
                    continue;
                }
            }
            let growth = if rng.gen_bool(0.08) {
                rng.gen_range(0.6..0.95)
            } else {
                rng.gen_range(1.03..1.25)
            };
            household.income *= growth;
            for i in 0..INDICATORS {
                let bit = 1 << i;
                if household.deprived & bit != 0 && rng.gen_bool(0.3) {
                    household.deprived &= !bit;
                } else if household.deprived & bit == 0 && rng.gen_bool(0.02) {
                    household.deprived |= bit;
                }
            }
        }
        let leaving = n - self.len();
        for _ in 0..leaving {
            let pick = loop {
                let pick = self.rng.gen_range(0..n);
                if self.households[pick].present {
                    break pick;
                }
            };
            let commune = self.households[pick].commune.clone();
            let household = self.household(&commune);
            self.households.push(household);
        }
    }

    /// The present households as the cells of an officer's table (the columns of `household_header`).
    pub fn rows(&self) -> impl Iterator<Item = Vec<String>> + '_ {
        self.households
            .iter()
            .filter(|h| h.present)
            .map(|household| {
                let mut row = vec![
                    household.commune.clone(),
                    household.code.clone(),
                    household.name.clone(),
                    format!("Thôn {}", household.village),
                    if household.urban {
                        "Thành thị"
                    } else {
                        "Nông thôn"
                    }
                    .to_owned(),
                    household.ethnicity.to_owned(),
                    household.birth_year.to_string(),
                    if household.female { "Nữ" } else { "Nam" }.to_owned(),
                    ((household.income / 1_000.0).round() as i64 * 1_000).to_string(),
                ];
                row.extend((0..INDICATORS).map(|i| {
                    if household.deprived & (1 << i) != 0 {
                        "x"
                    } else {
                        ""
                    }
                    .to_owned()
                }));
                row
            })
    }

    /// Writes the present households as an officer's CSV.
    pub fn write_csv(&self, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(out, "{}", household_header())?;
        for row in self.rows() {
            writeln!(out, "{}", row.join(","))?;
        }
        Ok(())
    }
}

/// What the poverty demo generated.
#[derive(Debug, Clone, Default)]
pub struct PovertyDemoReport {
    pub n_households: usize,
    pub n_lists: usize,
    pub years: Vec<i32>,
}

impl Service {
    /// The communes of `province` on the review day of `year`.
    pub async fn communes_of(
        &self,
        province: &str,
        year: i32,
    ) -> Result<Vec<String>, ServiceError> {
        let atlas = self.atlas().await?;
        let day = review_day(year);
        let root = atlas
            .unit_by_code(province, day)
            .ok_or_else(|| ServiceError::NotFound(format!("tỉnh mã {province}")))?;
        Ok(atlas
            .descendants(root.id, day, Some(Level::Commune))
            .into_iter()
            .map(|unit| unit.code)
            .collect())
    }

    /// The commune code each commune of `year` is carried to on the review day of `next`.
    pub async fn commune_successors(
        &self,
        communes: &[String],
        year: i32,
        next: i32,
    ) -> Result<std::collections::HashMap<String, String>, ServiceError> {
        let atlas = self.atlas().await?;
        let (from, to) = (review_day(year), review_day(next));
        Ok(communes
            .iter()
            .filter_map(|code| {
                let unit = atlas.unit_by_code(code, from)?;
                match atlas.carried_to(unit.id, to) {
                    Some(carried) => Some((code.clone(), atlas.unit(carried, to)?.code)),
                    // The 2023–2025 arrangements have no crosswalk: a commune that ended without lineage hands its
                    // households to a commune of the same district (demo data only).
                    None => {
                        let district = unit.parent_id?;
                        let sibling = atlas
                            .children(district, to)
                            .into_iter()
                            .filter(|child| child.level == Level::Commune)
                            .min_by(|a, b| a.code.cmp(&b.code))?;
                        Some((code.clone(), sibling.code))
                    }
                }
            })
            .collect())
    }

    /// Generates, imports and freezes the household lists of `province` for `years` (consecutive), with
    /// `per_commune` households per commune, and a 1-point reduction target per year for the province (labelled
    /// as a demo). Returns what was written.
    pub async fn generate_poverty(
        &self,
        province: &str,
        years: std::ops::RangeInclusive<i32>,
        per_commune: usize,
        seed: u64,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<PovertyDemoReport, ServiceError> {
        let actor = Actor::system();
        let mut report = PovertyDemoReport::default();
        let first = *years.start();
        let mut households =
            SyntheticHouseholds::new(&self.communes_of(province, first).await?, per_commune, seed);
        for year in years {
            if year > first {
                let before = self.communes_of(province, year - 1).await?;
                let map = self.commune_successors(&before, year - 1, year).await?;
                households.advance(&|code: &str| map.get(code).cloned());
            }
            let mut csv = Vec::new();
            households
                .write_csv(&mut csv)
                .map_err(|err| ServiceError::Other(err.into()))?;
            let imported = self
                .import_households(
                    &actor,
                    &format!("ho-ngheo-{province}-{year}.csv"),
                    TableSource::Csv(Box::new(std::io::Cursor::new(csv))),
                    &HouseholdImportOptions {
                        year,
                        kind: "annual".to_owned(),
                        dry_run: false,
                    },
                    progress,
                )
                .await?;
            if !imported.applied {
                return Err(ServiceError::Other(anyhow::anyhow!(
                    "demo list {year} refused: {:?}",
                    imported.problems.first()
                )));
            }
            let decided = NaiveDate::from_ymd_opt(year, 12, 15).expect("valid date");
            for (idx, (_, _, list_id)) in imported.lists.iter().enumerate() {
                self.freeze_poverty_list(
                    &actor,
                    *list_id,
                    &format!("{}/QĐ-UBND", 100 + idx),
                    decided,
                )
                .await?;
            }
            self.set_poverty_target(
                &actor,
                province,
                year,
                1.0,
                "Chỉ tiêu minh họa của dữ liệu demo",
                None,
            )
            .await?;
            report.n_households = report.n_households.max(imported.n_rows);
            report.n_lists += imported.lists.len();
            report.years.push(year);
        }
        Ok(report)
    }
}
