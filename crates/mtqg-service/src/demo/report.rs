//! Generated reporting data for one province: its communes' half-year reports in every state of the approval flow
//! (approved, returned with comments, waiting, late, still in draft, not sent), sent on dates around the deadline,
//! and the province's own report in draft with the fields its narrative reads. Written through the same service
//! calls as the forms, with the dates of a plausible reporting season.

use chrono::{Duration, NaiveDate};
use mtqg_core::report::form::Fields;
use mtqg_core::report::submission::Action;

use crate::report::ReportKey;
use crate::{Actor, Service, ServiceError};

/// What the reporting demo wrote.
#[derive(Debug, Clone, Default)]
pub struct ReportDemoReport {
    pub period: String,
    pub n_communes: usize,
    pub approved: usize,
    pub returned: usize,
    pub waiting: usize,
    pub drafts: usize,
}

impl Service {
    /// Fills the half-year report `period` ("2026-H1") of the communes of `province_code`: of every ten communes,
    /// four approved, one returned, two waiting (one of them late), one in draft, two not sent.
    pub async fn generate_reporting(
        &self,
        province_code: &str,
        period: &str,
    ) -> Result<ReportDemoReport, ServiceError> {
        let actor = Actor::system();
        let province = self
            .report_context(&actor, ReportKey::new("6T", period, province_code))
            .await?;
        let end = province.period.end();
        let communes = self.atlas().await?.children(province.unit.id, end);
        let mut report = ReportDemoReport {
            period: period.to_owned(),
            n_communes: communes.len(),
            ..ReportDemoReport::default()
        };
        for (idx, commune) in communes.iter().enumerate() {
            let key = ReportKey::new("6T", period, &commune.code);
            let context = self.report_context(&actor, key).await?;
            let Some(deadline) = context.deadline else {
                continue;
            };
            let fields = Fields::from([
                ("so_hieu".to_owned(), format!("{}/BC-UBND", 40 + idx)),
                ("nguoi_ky".to_owned(), "Chủ tịch UBND xã (demo)".to_owned()),
                (
                    "danh_gia".to_owned(),
                    "Các chương trình được triển khai đồng bộ; giải ngân vốn đầu tư còn chậm ở một số công trình."
                        .to_owned(),
                ),
            ]);
            let slot = idx % 10;
            let (action, on) = match slot {
                0..=3 => (Action::Submit, deadline - Duration::days((idx % 5) as i64)),
                4 | 5 => (Action::Submit, deadline - Duration::days(1)),
                6 => (Action::Submit, deadline + Duration::days(3)),
                7 => (Action::Save, deadline - Duration::days(2)),
                _ => continue,
            };
            let figures = if action == Action::Submit {
                let values = self.report_figures(&actor, &context).await?.values;
                Some(serde_json::to_string(&values).map_err(anyhow::Error::from)?)
            } else {
                None
            };
            self.write_submission(
                &actor, &context, deadline, fields, figures, action, None, "system", on,
            )
            .await?;
            // The province decides two days after the report arrives, in office hours (10:30 in Vietnam).
            let decided = (on + Duration::days(2))
                .and_hms_opt(3, 30, 0)
                .expect("valid time")
                .and_utc();
            match slot {
                0..=3 => {
                    self.decide_submission(&actor, key, Action::Approve, "", None)
                        .await?;
                    report.approved += 1;
                }
                4 => {
                    self.decide_at(
                        &actor,
                        key,
                        Action::Return,
                        "Đề nghị bổ sung số liệu vốn lồng ghép và đóng góp của cộng đồng; kiểm tra lại số xã đạt tiêu chí 17.",
                        None,
                        decided,
                    )
                    .await?;
                    report.returned += 1;
                }
                5 | 6 => report.waiting += 1,
                _ => report.drafts += 1,
            }
        }
        let fields = Fields::from([
            ("so_hieu".to_owned(), "215/BC-UBND".to_owned()),
            ("nguoi_ky".to_owned(), "Nguyễn Văn An (demo)".to_owned()),
            (
                "chuc_vu".to_owned(),
                "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH".to_owned(),
            ),
            (
                "kien_nghi".to_owned(),
                "Đề nghị Trung ương sớm hướng dẫn lồng ghép nguồn vốn giữa các chương trình.\n\
                 Đề nghị cho phép kéo dài thời gian giải ngân vốn sự nghiệp năm trước."
                    .to_owned(),
            ),
        ]);
        let today: NaiveDate = crate::report::today_in_vietnam();
        self.write_submission(
            &actor,
            &province,
            province.deadline.unwrap_or(end),
            fields,
            None,
            Action::Save,
            None,
            "system",
            today,
        )
        .await?;
        Ok(report)
    }
}
