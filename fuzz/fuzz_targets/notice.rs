//! Fuzzes the paste-to-tasks parser `mtqg_core::direction::parse_notice` on arbitrary UTF-8 with the agency registry
//! of its tests plus agencies declared in the input (`#=agency:CODE=Name|Abbreviation`) and the meeting date
//! (`#=meeting:2023-09-15`). It never panics; every task has a number; the lead and the coordinating agencies are
//! registry codes, the lead is not also coordinating, and no agency coordinates twice.
#![no_main]

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use mtqg_core::direction::{deadline, parse_notice, task_status, AgencyNames, Deadline};
use mtqg_fuzz::directives;

fn registry() -> Vec<AgencyNames> {
    let agency = |code: &str, names: &[&str]| AgencyNames {
        code: code.to_owned(),
        names: names.iter().map(|n| (*n).to_owned()).collect(),
    };
    vec![
        agency("SKHDT", &["Sở Kế hoạch và Đầu tư", "Sở KH&ĐT", "Sở KHĐT"]),
        agency("STC", &["Sở Tài chính"]),
        agency(
            "SNNPTNT",
            &["Sở Nông nghiệp và Phát triển nông thôn", "Sở NN&PTNT"],
        ),
        agency(
            "VPDP",
            &[
                "Văn phòng Điều phối nông thôn mới tỉnh",
                "VP Điều phối NTM",
                "Văn phòng Điều phối NTM",
            ],
        ),
        agency(
            "SLDTBXH",
            &["Sở Lao động - Thương binh và Xã hội", "Sở LĐ-TB&XH"],
        ),
        agency(
            "UBND-ML",
            &["UBND huyện Mường Lát", "Ủy ban nhân dân huyện Mường Lát"],
        ),
    ]
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut agencies = registry();
    let mut meeting = NaiveDate::from_ymd_opt(2023, 9, 15).expect("valid date");
    for (name, value) in directives(text) {
        match name {
            "agency" => {
                if let Some((code, names)) = value.split_once('=') {
                    agencies.push(AgencyNames {
                        code: code.trim().to_owned(),
                        names: names.split('|').map(str::to_owned).collect(),
                    });
                }
            }
            "meeting" => {
                if let Some(date) = mtqg_core::vi::parse_date(value) {
                    meeting = date;
                }
            }
            _ => {}
        }
    }
    let parsed = parse_notice(text, meeting, &agencies);
    let known = |code: &str| agencies.iter().any(|agency| agency.code == code);
    for task in &parsed.tasks {
        assert!(!task.number.is_empty(), "a task without a number: {task:?}");
        if parsed.by_paragraph {
            assert!(
                !task.text.is_empty(),
                "an empty paragraph became task {}",
                task.number
            );
        }
        if let Some(lead) = &task.lead {
            assert!(
                known(lead),
                "task {}: lead {lead} is not in the registry",
                task.number
            );
            assert!(
                !task.coordinating.contains(lead),
                "task {}: {lead} leads and coordinates",
                task.number
            );
        }
        for (idx, code) in task.coordinating.iter().enumerate() {
            assert!(
                known(code),
                "task {}: {code} is not in the registry",
                task.number
            );
            assert!(
                !task.coordinating[..idx].contains(code),
                "task {}: {code} twice",
                task.number
            );
        }
        for name in &task.unknown_agencies {
            assert!(
                !name.trim().is_empty(),
                "task {}: an empty unknown agency",
                task.number
            );
        }
        // A task's deadline is the one its own text gives, or else (a bullet) its item's.
        let own = deadline(&task.text, meeting);
        assert!(
            own == task.deadline || (own == Deadline::None && !parsed.by_paragraph),
            "task {}: deadline {:?}, its text gives {own:?}",
            task.number,
            task.deadline
        );
        let _ = task_status(task.deadline, false, None, meeting).label();
    }
});
