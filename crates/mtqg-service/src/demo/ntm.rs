//! Generated new-rural data for one province from a fixed seed: recognitions under the 2016–2020 set, yearly
//! registrations, self-assessments and appraisals against the 2021–2025 set, recognitions of those meeting every
//! criterion, a revocation, advanced recognitions, 2026 assessments of the merged xã against the 2026–2030 set,
//! vườn mẫu and OCOP products. Everything goes through the service calls an officer's forms use.
//!
//! The shipped national sets carry no thresholds yet (they are flagged for checking against the annexes), so the
//! demo loads a provincial specialisation with illustrative thresholds, named as such, to give the assessments
//! something to meet.

use std::fmt::Write;

use chrono::NaiveDate;
use mtqg_core::geo::Level;
use mtqg_core::ntm::{CriteriaSet, IndicatorKind, Tier};
use mtqg_core::vi;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::auth::Actor;
use crate::ntm::AssessmentInput;
use crate::recognition::{LocalRecognitionInput, OcopInput, RecognitionInput, RegistrationInput};
use crate::{Service, ServiceError};

/// The code of the illustrative provincial set the demo loads.
pub const DEMO_SET: &str = "QD318-2022-XA-38-MINHHOA";

/// What was generated.
#[derive(Debug, Clone, Default)]
pub struct NtmDemoReport {
    pub n_assessments: usize,
    pub n_recognitions: usize,
    pub n_registrations: usize,
    pub n_ocop: usize,
}

/// An illustrative threshold for an indicator without one.
fn illustrative_threshold(kind: IndicatorKind, unit: &str) -> f64 {
    match (kind, unit) {
        (IndicatorKind::AtMost, _) => 5.0,
        (IndicatorKind::AtLeast, "%") => 80.0,
        (IndicatorKind::AtLeast, _) => 50.0,
        (IndicatorKind::CountAtLeast, _) => 1.0,
        (IndicatorKind::PassFail, _) => 0.0,
    }
}

/// TOML of a provincial set giving every numeric indicator of `national` an illustrative threshold.
fn illustrative_set(national: &CriteriaSet, province: &str) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "code = \"{DEMO_SET}\"");
    let _ = writeln!(
        text,
        "name = \"Bộ tiêu chí xã nông thôn mới — ngưỡng minh họa cho dữ liệu demo (không phải văn bản thật)\""
    );
    let _ = writeln!(
        text,
        "legal_basis = \"Dữ liệu minh họa của mtqg, không có giá trị pháp lý\""
    );
    let _ = writeln!(
        text,
        "level = \"commune\"\ntier = \"standard\"\nvalid_from = \"{}\"",
        national.valid_from
    );
    let keys: Vec<String> = national
        .keys
        .iter()
        .map(|key| format!("\"{key}\""))
        .collect();
    let _ = writeln!(
        text,
        "keyed_by = \"{}\"\nkeys = [{}]\nparent = \"{}\"\nprovince = \"{province}\"\nverify = true",
        national.keyed_by,
        keys.join(", "),
        national.code
    );
    for criterion in &national.criteria {
        let numeric: Vec<_> = criterion
            .indicators
            .iter()
            .filter(|indicator| {
                indicator.kind != IndicatorKind::PassFail && indicator.thresholds.is_empty()
            })
            .collect();
        if numeric.is_empty() {
            continue;
        }
        let _ = writeln!(
            text,
            "\n[[criteria]]\ncode = \"{}\"\nname = \"{}\"",
            criterion.code, criterion.name
        );
        for indicator in numeric {
            let kind = match indicator.kind {
                IndicatorKind::AtLeast => "at_least",
                IndicatorKind::AtMost => "at_most",
                IndicatorKind::CountAtLeast => "count_at_least",
                IndicatorKind::PassFail => "pass_fail",
            };
            let _ = writeln!(
                text,
                "\n[[criteria.indicators]]\ncode = \"{}\"\nname = \"{}\"\nkind = \"{kind}\"\nunit = \"{}\"\nverify = true\n\
                 [[criteria.indicators.thresholds]]\nkey = \"*\"\nvalue = {:.1}",
                indicator.code,
                indicator.name.replace('"', "'"),
                indicator.unit,
                illustrative_threshold(indicator.kind, &indicator.unit)
            );
        }
    }
    text
}

/// Cell texts for an assessment meeting exactly the criteria not in `unmet`.
fn values_for(set: &CriteriaSet, unmet: &[usize]) -> std::collections::HashMap<String, String> {
    let mut values = std::collections::HashMap::new();
    for (i, criterion) in set.criteria.iter().enumerate() {
        let met = !unmet.contains(&i);
        for (j, indicator) in criterion.indicators.iter().enumerate() {
            // An unmet criterion misses on its first indicator only.
            let pass = met || j > 0;
            let threshold = indicator
                .thresholds
                .first()
                .map(|threshold| threshold.value)
                .unwrap_or_else(|| illustrative_threshold(indicator.kind, &indicator.unit));
            let text = match (indicator.kind, pass) {
                (IndicatorKind::PassFail, true) => "Đạt".to_owned(),
                (IndicatorKind::PassFail, false) => "Không đạt".to_owned(),
                (IndicatorKind::AtLeast, true) => vi::format_number(threshold * 1.08, 1),
                (IndicatorKind::AtLeast, false) => vi::format_number(threshold * 0.85, 1),
                (IndicatorKind::AtMost, true) => vi::format_number(threshold * 0.7, 1),
                (IndicatorKind::AtMost, false) => vi::format_number(threshold * 1.3, 1),
                (IndicatorKind::CountAtLeast, true) => vi::format_number(threshold.ceil(), 0),
                (IndicatorKind::CountAtLeast, false) => {
                    vi::format_number((threshold - 1.0).max(0.0), 0)
                }
            };
            values.insert(indicator.code.clone(), text);
        }
    }
    values
}

fn day(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("valid demo date")
}

impl Service {
    /// Generates the new-rural demo of `province` (a code valid in 2022 and after the 2025 reform) up to `until`.
    pub async fn generate_ntm(
        &self,
        province: &str,
        until: NaiveDate,
        seed: u64,
    ) -> Result<NtmDemoReport, ServiceError> {
        let actor = Actor::system();
        let mut rng = StdRng::seed_from_u64(seed);
        let mut report = NtmDemoReport::default();
        let national = self.criteria_set(&actor, "QD318-2022-XA").await?;
        let loaded = self
            .load_criteria_set(
                &actor,
                "demo-minh-hoa.toml",
                &illustrative_set(&national, province),
                false,
            )
            .await?;
        let stored = self.criteria_sets(&actor).await?;
        if !loaded.problems.is_empty() && !stored.iter().any(|s| s.code == DEMO_SET) {
            return Err(ServiceError::Other(anyhow::anyhow!(
                "demo set refused: {}",
                loaded.problems.join("; ")
            )));
        }
        let set = self.criteria_set(&actor, DEMO_SET).await?;
        let atlas = self.atlas().await?;
        let xa_on = |date: NaiveDate| -> Vec<String> {
            atlas
                .unit_by_code(province, date)
                .map(|root| {
                    atlas
                        .descendants(root.id, date, Some(Level::Commune))
                        .into_iter()
                        .filter(|unit| unit.unit_type == "Xã")
                        .map(|unit| unit.code)
                        .collect()
                })
                .unwrap_or_default()
        };

        // Maturity of each old xã: the share of criteria it meets, growing each year.
        let old_xa = xa_on(day(2022, 6, 30));
        let mut maturity: std::collections::HashMap<String, f64> = old_xa
            .iter()
            .map(|code| (code.clone(), rng.gen_range(0.45..1.0)))
            .collect();
        let mut recognised: std::collections::HashSet<String> = Default::default();
        let mut recognised_before: std::collections::HashSet<String> = Default::default();
        // A third of the most mature were recognised under the 2016–2020 set.
        for code in &old_xa {
            if maturity[code] > 0.8 && rng.gen_bool(0.6) {
                self.record_recognition(
                    &actor,
                    RecognitionInput {
                        commune_code: code.clone(),
                        set_code: "QD1980-2016-XA".to_owned(),
                        decision: format!("QĐ {}/QĐ-UBND", 1000 + report.n_recognitions),
                        decided_on: day(2019 + i32::from(rng.gen_bool(0.5)), 12, 20),
                    },
                )
                .await?;
                recognised_before.insert(code.clone());
                report.n_recognitions += 1;
            }
        }
        let mut revoked_one = false;
        for year in 2022..=2025 {
            // The xã existing at the end of the year (of the old tree in 2025).
            let tree_date = day(year, 12, 31).min(day(2025, 6, 30));
            if day(year, 1, 15) > until {
                break;
            }
            let xa = xa_on(tree_date);
            let n = set.criteria.len();
            let mut inputs = Vec::new();
            let mut will_meet = Vec::new();
            for code in &xa {
                let level = maturity.entry(code.clone()).or_insert(0.5);
                *level = (*level + rng.gen_range(0.02..0.09)).min(1.0);
                let n_met = ((n as f64) * *level).round() as usize;
                let mut order: Vec<usize> = (0..n).collect();
                order.shuffle(&mut rng);
                let unmet: Vec<usize> = order.into_iter().take(n - n_met.min(n)).collect();
                let already = recognised.contains(code) || recognised_before.contains(code);
                let registered = !already && unmet.len() <= 1;
                if registered {
                    self.register_target(
                        &actor,
                        RegistrationInput {
                            commune_code: code.clone(),
                            target_year: year,
                            tier: Tier::Standard,
                            registered_on: day(year, 1, 15),
                            legal_basis: format!("Kế hoạch {}/KH-UBND năm {year}", 10 + year % 100),
                        },
                    )
                    .await?;
                    report.n_registrations += 1;
                }
                let values = values_for(&set, &unmet);
                let assessment = |stage: &str| AssessmentInput {
                    commune_code: code.clone(),
                    year,
                    stage: stage.to_owned(),
                    set_code: DEMO_SET.to_owned(),
                    values: values.clone(),
                    evidence: Some(format!("Báo cáo tự đánh giá năm {year}")),
                    on: Some(tree_date),
                    ..AssessmentInput::default()
                };
                inputs.push(assessment("tu_danh_gia"));
                if registered || (already && unmet.is_empty()) {
                    inputs.push(assessment("tham_dinh"));
                }
                if unmet.is_empty() && registered {
                    will_meet.push(code.clone());
                }
            }
            report.n_assessments += inputs.len();
            self.record_assessments(&actor, inputs).await?;
            // 2025: decided before the xã were merged on 1/7.
            let decided_on = if year == 2025 {
                day(2025, 6, 20)
            } else {
                day(year, 12, 15)
            };
            if decided_on <= until {
                for code in will_meet {
                    self.record_recognition(
                        &actor,
                        RecognitionInput {
                            commune_code: code.clone(),
                            set_code: DEMO_SET.to_owned(),
                            decision: format!("QĐ {}/QĐ-UBND", 2000 + report.n_recognitions),
                            decided_on,
                        },
                    )
                    .await?;
                    recognised.insert(code);
                    report.n_recognitions += 1;
                }
            }
            // The most advanced of those recognised in earlier years reach the advanced tier.
            if year >= 2024 && decided_on <= until {
                let mut advanced: Vec<&String> = recognised
                    .iter()
                    .filter(|code| maturity.get(*code).is_some_and(|level| *level >= 0.97))
                    .collect();
                advanced.sort();
                for code in advanced.into_iter().take(4) {
                    let res = self
                        .record_recognition(
                            &actor,
                            RecognitionInput {
                                commune_code: code.clone(),
                                set_code: "QD318-2022-XA-NC".to_owned(),
                                decision: format!("QĐ {}/QĐ-UBND", 2500 + report.n_recognitions),
                                decided_on,
                            },
                        )
                        .await;
                    match res {
                        Ok(_) => report.n_recognitions += 1,
                        // Already advanced (recognised in an earlier year of the loop).
                        Err(ServiceError::Invalid(_)) => {}
                        Err(err) => return Err(err),
                    }
                }
            }
            // One commune recognised under the old set falls behind and loses recognition.
            if year == 2024 && !revoked_one {
                let card = self
                    .store()
                    .recognitions(day(2024, 12, 31), None)
                    .await?
                    .into_iter()
                    .find(|r| r.set_code == "QD1980-2016-XA" && r.revoked_on.is_none());
                if let Some(record) = card {
                    self.revoke_recognition(
                        &actor,
                        record.id,
                        day(2024, 11, 30),
                        "QĐ 4567/QĐ-UBND",
                        "Không duy trì được tiêu chí môi trường và nghèo đa chiều",
                    )
                    .await?;
                    revoked_one = true;
                }
            }
        }

        // 2026: the merged xã assessed against the 2026–2030 set, commune group from their old maturity.
        if day(2026, 3, 1) <= until {
            let set_2026 = self.criteria_set(&actor, "QD51-2025-XA").await?;
            let xa = xa_on(day(2026, 6, 30));
            let mut inputs = Vec::new();
            let mut meeting = Vec::new();
            for code in &xa {
                let level: f64 = rng.gen_range(0.5..1.0);
                let n = set_2026.criteria.len();
                let n_met = ((n as f64) * level).round() as usize;
                let mut order: Vec<usize> = (0..n).collect();
                order.shuffle(&mut rng);
                let unmet: Vec<usize> = order.into_iter().take(n - n_met.min(n)).collect();
                let group = ["1", "2", "3"][rng.gen_range(0..3)];
                inputs.push(AssessmentInput {
                    commune_code: code.clone(),
                    year: 2026,
                    stage: "tu_danh_gia".to_owned(),
                    set_code: "QD51-2025-XA".to_owned(),
                    values: values_for(&set_2026, &unmet),
                    evidence: Some("Báo cáo tự đánh giá năm 2026".to_owned()),
                    key: Some(group.to_owned()),
                    ..AssessmentInput::default()
                });
                if unmet.is_empty() {
                    meeting.push(code.clone());
                }
            }
            report.n_assessments += inputs.len();
            self.record_assessments(&actor, inputs).await?;
            let decided_on = day(2026, 9, 25);
            if decided_on <= until {
                for code in meeting.into_iter().take(12) {
                    self.record_recognition(
                        &actor,
                        RecognitionInput {
                            commune_code: code,
                            set_code: "QD51-2025-XA".to_owned(),
                            decision: format!("QĐ {}/QĐ-UBND", 3000 + report.n_recognitions),
                            decided_on,
                        },
                    )
                    .await?;
                    report.n_recognitions += 1;
                }
            }
        }

        // Vườn mẫu and OCOP products in the old xã, 2022–2025.
        let groups = ["thuc_pham", "do_uong", "thao_duoc", "luu_niem_noi_that"];
        let products = [
            "Mật ong",
            "Chè",
            "Gạo",
            "Nem chua",
            "Mắm",
            "Nước mắm",
            "Mây tre đan",
        ];
        for i in 0..60 {
            let code = &old_xa[rng.gen_range(0..old_xa.len())];
            let decided_on = day(2022 + (i % 4) as i32, 3 + (i % 9) as u32, 10);
            if decided_on > until || decided_on >= day(2025, 7, 1) {
                continue;
            }
            self.record_local_recognition(
                &actor,
                LocalRecognitionInput {
                    kind: "vuon_mau".to_owned(),
                    commune_code: code.clone(),
                    village_code: None,
                    name: format!("Vườn hộ gia đình số {}", i + 1),
                    decision: format!("QĐ {}/QĐ-UBND", 500 + i),
                    decided_on,
                },
            )
            .await?;
            if i % 2 == 0 {
                let score_a = rng.gen_range(22..=40);
                let score_b = rng.gen_range(12..=25);
                let score_c = rng.gen_range(18..=35);
                let res = self
                    .record_ocop_product(
                        &actor,
                        OcopInput {
                            code: format!("OCOP-{province}-{:03}", i / 2 + 1),
                            name: format!("{} {}", products[i % products.len()], code),
                            owner: format!("HTX nông nghiệp số {}", i / 2 + 1),
                            commune_code: code.clone(),
                            product_group: groups[i % groups.len()].to_owned(),
                            score_a,
                            score_b,
                            score_c,
                            decision: format!("QĐ {}/QĐ-UBND", 700 + i),
                            decided_on,
                        },
                    )
                    .await;
                match res {
                    Ok(_) => report.n_ocop += 1,
                    // Below three stars: not recognised, as the scale says.
                    Err(ServiceError::Invalid(_)) => {}
                    Err(err) => return Err(err),
                }
            }
        }
        Ok(report)
    }
}

/// What the national new-rural seeding wrote.
#[derive(Debug, Clone, Copy, Default)]
pub struct NationalNtm {
    pub n_xa: usize,
    pub n_rows: usize,
}

impl Service {
    /// Seeds the new-rural data of every xã of the country as of 30/6/2025, straight through the store (no
    /// per-row evaluation): recognitions under the 2016–2020 and 2021–2025 sets (one in twenty awaiting), advanced
    /// tiers, two years of self-assessments with criteria met, and registrations. For national benchmarks and the
    /// national demo; the province demo (`generate_ntm`) goes through the forms' use cases instead.
    pub async fn generate_ntm_national(&self) -> Result<NationalNtm, ServiceError> {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("valid date");
        let as_of = day(2025, 6, 30);
        let atlas = self.atlas().await?;
        let xa: Vec<i64> = atlas
            .of_level(Level::Commune, as_of)
            .into_iter()
            .filter(|unit| unit.unit_type == "Xã")
            .map(|unit| unit.id)
            .collect();
        let mut tx = self.store().begin().await?;
        let mut n_rows = 0;
        for (i, &unit_id) in xa.iter().enumerate() {
            let (set, tier, on) = match i % 20 {
                0 => ("QD1980-2016-XA", "standard", day(2019, 12, 20)),
                1..=3 => ("", "", as_of),
                _ => (
                    "QD318-2022-XA",
                    "standard",
                    day(2022 + (i % 3) as i32, 12, 15),
                ),
            };
            if !set.is_empty() {
                let record = mtqg_store::RecognitionRecord {
                    id: 0,
                    unit_id,
                    tier: tier.to_owned(),
                    set_code: set.to_owned(),
                    decision: format!("QĐ {i}/QĐ-UBND"),
                    decided_on: on,
                    revoked_on: None,
                    revocation_decision: None,
                    revocation_reason: None,
                };
                tx.insert_recognition(&record, None).await?;
                n_rows += 1;
                if i % 5 == 0 && set == "QD318-2022-XA" {
                    let advanced = mtqg_store::RecognitionRecord {
                        tier: "advanced".to_owned(),
                        set_code: "QD318-2022-XA-NC".to_owned(),
                        decided_on: day(2024, 12, 20),
                        ..record
                    };
                    tx.insert_recognition(&advanced, None).await?;
                    n_rows += 1;
                }
            }
            for year in [2024, 2025] {
                let n_met = 12 + (i + year as usize) % 8;
                let assessment = mtqg_store::NewAssessment {
                    unit_id,
                    year,
                    stage: "tu_danh_gia".to_owned(),
                    set_code: "QD318-2022-XA".to_owned(),
                    region_key: "BTB".to_owned(),
                    flags: String::new(),
                    values: serde_json::json!({}),
                    evidence: None,
                    n_met,
                    n_criteria: 19,
                    status: if n_met == 19 { "Standard" } else { "NotMet" }.to_owned(),
                    met_criteria: (1..=n_met)
                        .map(|c| c.to_string())
                        .collect::<Vec<_>>()
                        .join(","),
                };
                tx.insert_assessment(&assessment, None).await?;
                n_rows += 1;
            }
            if i % 9 == 0 {
                tx.insert_registration(
                    &mtqg_store::RegistrationRecord {
                        unit_id,
                        target_year: 2025,
                        tier: "standard".to_owned(),
                        registered_on: day(2025, 1, 15),
                        legal_basis: String::new(),
                    },
                    None,
                )
                .await?;
                n_rows += 1;
            }
        }
        tx.commit().await?;
        Ok(NationalNtm {
            n_xa: xa.len(),
            n_rows,
        })
    }
}
