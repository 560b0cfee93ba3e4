//! Tests of the poverty rules: classification at the lines under each shipped standard, local standards, answers,
//! tallies, reductions, flows, and reading household rows.

use super::flows::{flows, Movement};
use super::*;

const ND07: &str = include_str!("../../../../data/poverty/nd07-2021.toml");
const QD59: &str = include_str!("../../../../data/poverty/qd59-2015.toml");
const ND351: &str = include_str!("../../../../data/poverty/nd351-2025.toml");

fn nd07() -> Standard {
    Standard::from_toml(ND07).expect("shipped standard is valid")
}

fn household(area: Area, income: i64, deprived: &[&str]) -> Household {
    Household {
        area: Some(area),
        income: Some(income),
        deprived: deprived.iter().map(|code| (*code).to_owned()).collect(),
        ..Household::default()
    }
}

fn class_of(standard: &Standard, area: Area, income: i64, deprived: &[&str]) -> Class {
    standard
        .classify(&household(area, income, deprived))
        .expect("classifiable")
        .class
}

const THREE: [&str; 3] = ["bhyt", "nha_tieu", "vien_thong"];
const TWO: [&str; 2] = ["bhyt", "nha_tieu"];

#[test]
fn every_shipped_standard_loads_and_is_flagged_for_checking() {
    for text in [ND07, QD59, ND351] {
        let standard = Standard::from_toml(text).expect("valid");
        assert!(standard.verify, "{} must be flagged", standard.code);
    }
    assert_eq!(nd07().indicators().count(), 12);
    assert_eq!(nd07().dimensions.len(), 6);
    assert_eq!(Standard::from_toml(QD59).unwrap().indicators().count(), 10);
}

#[test]
fn nd07_income_at_the_rural_line_with_three_deprivations_is_poor() {
    let standard = nd07();
    assert_eq!(
        class_of(&standard, Area::Rural, 1_500_000, &THREE),
        Class::Poor
    );
    assert_eq!(
        class_of(&standard, Area::Rural, 1_500_001, &THREE),
        Class::Average
    );
}

#[test]
fn nd07_two_deprivations_under_the_line_make_a_household_near_poor() {
    let standard = nd07();
    assert_eq!(
        class_of(&standard, Area::Rural, 1_000_000, &TWO),
        Class::NearPoor
    );
    assert_eq!(
        class_of(&standard, Area::Rural, 1_500_000, &[]),
        Class::NearPoor
    );
}

#[test]
fn nd07_urban_households_use_the_urban_line() {
    let standard = nd07();
    assert_eq!(
        class_of(&standard, Area::Urban, 2_000_000, &THREE),
        Class::Poor
    );
    assert_eq!(
        class_of(&standard, Area::Rural, 2_000_000, &THREE),
        Class::Average
    );
    assert_eq!(
        class_of(&standard, Area::Urban, 2_000_001, &THREE),
        Class::Average
    );
}

#[test]
fn nd07_average_living_standard_band_is_above_the_line_up_to_one_and_a_half_times_it() {
    let standard = nd07();
    assert_eq!(
        class_of(&standard, Area::Rural, 2_250_000, &[]),
        Class::Average
    );
    assert_eq!(
        class_of(&standard, Area::Rural, 2_250_001, &[]),
        Class::Other
    );
    assert_eq!(
        class_of(&standard, Area::Urban, 3_000_000, &THREE),
        Class::Average
    );
    assert_eq!(
        class_of(&standard, Area::Urban, 3_000_001, &[]),
        Class::Other
    );
}

#[test]
fn qd59_income_at_the_poverty_line_is_poor_whatever_the_deprivations() {
    let standard = Standard::from_toml(QD59).unwrap();
    assert_eq!(class_of(&standard, Area::Rural, 700_000, &[]), Class::Poor);
    assert_eq!(
        class_of(&standard, Area::Rural, 700_001, &[]),
        Class::NearPoor
    );
    assert_eq!(
        class_of(&standard, Area::Rural, 1_000_000, &THREE),
        Class::Poor
    );
    assert_eq!(
        class_of(&standard, Area::Rural, 1_000_000, &TWO),
        Class::NearPoor
    );
    assert_eq!(
        class_of(&standard, Area::Rural, 1_000_001, &THREE),
        Class::Average
    );
    assert_eq!(class_of(&standard, Area::Urban, 900_000, &[]), Class::Poor);
    assert_eq!(
        class_of(&standard, Area::Urban, 1_300_000, &TWO),
        Class::NearPoor
    );
}

#[test]
fn nd351_raises_the_lines_and_has_no_average_band_until_one_is_loaded() {
    let standard = Standard::from_toml(ND351).unwrap();
    assert_eq!(
        class_of(&standard, Area::Rural, 2_200_000, &THREE),
        Class::Poor
    );
    assert_eq!(
        class_of(&standard, Area::Urban, 2_800_000, &TWO),
        Class::NearPoor
    );
    assert_eq!(
        class_of(&standard, Area::Urban, 2_800_001, &[]),
        Class::Other
    );
}

#[test]
fn score_a_is_used_when_income_is_not_known() {
    let standard = nd07();
    let mut by_score = Household {
        area: Some(Area::Urban),
        score_a: Some(175),
        deprived: THREE.iter().map(|code| (*code).to_owned()).collect(),
        ..Household::default()
    };
    let result = standard.classify(&by_score).unwrap();
    assert_eq!((result.class, result.basis), (Class::Poor, Basis::ScoreA));
    assert_eq!(result.score_b, 30);
    by_score.score_a = Some(176);
    // No score-A value for the average band: above the line a score alone cannot place the household in it.
    assert_eq!(standard.classify(&by_score).unwrap().class, Class::Other);
}

#[test]
fn a_household_without_income_or_area_cannot_be_classified() {
    let standard = nd07();
    let no_income = Household {
        area: Some(Area::Rural),
        ..Household::default()
    };
    assert_eq!(standard.classify(&no_income), Err(ClassifyError::NoIncome));
    let no_area = Household {
        income: Some(1),
        ..Household::default()
    };
    assert_eq!(standard.classify(&no_area), Err(ClassifyError::NoArea));
}

#[test]
fn reclassifying_under_another_standard_lists_the_indicators_never_asked() {
    let standard = Standard::from_toml(ND351).unwrap();
    let mut reviewed = household(Area::Rural, 1_400_000, &["bhyt", "nha_tieu"]);
    reviewed.answered = Some(
        nd07()
            .indicators()
            .map(|indicator| indicator.code.clone())
            .collect(),
    );
    let result = standard.classify(&reviewed).unwrap();
    assert_eq!(result.class, Class::NearPoor);
    assert_eq!(result.unanswered, vec!["xu_ly_rac".to_owned()]);
    // Under its own standard nothing is missing and the old indicator counts.
    reviewed.deprived.insert("tiep_can_thong_tin".to_owned());
    let own = nd07().classify(&reviewed).unwrap();
    assert!(own.unanswered.is_empty());
    assert_eq!(own.class, Class::Poor);
}

#[test]
fn deprivations_the_standard_does_not_have_are_ignored() {
    let standard = Standard::from_toml(QD59).unwrap();
    // viec_lam and nguoi_phu_thuoc are not QĐ 59 indicators.
    let result = standard
        .classify(&household(
            Area::Rural,
            900_000,
            &["viec_lam", "nguoi_phu_thuoc", "bhyt"],
        ))
        .unwrap();
    assert_eq!(result.deprived, vec!["bhyt".to_owned()]);
    assert_eq!(result.class, Class::NearPoor);
}

#[test]
fn a_local_standard_raises_the_lines_and_inherits_the_rest() {
    let local = Standard::from_toml(
        r#"
code = "HN-2022"
name = "Chuẩn nghèo thành phố Hà Nội"
legal_basis = "Nghị quyết của HĐND thành phố (minh họa)"
first_year = 2022
last_year = 2025
parent = "ND07-2021"
province = "01"
[lines.rural]
ngheo = 2_000_000
[lines.urban]
ngheo = 2_500_000
"#,
    )
    .unwrap();
    let standard = Standard::specialise(&local, &nd07()).expect("valid local standard");
    assert_eq!(standard.indicators().count(), 12);
    assert_eq!(
        class_of(&standard, Area::Rural, 2_000_000, &THREE),
        Class::Poor
    );
    assert_eq!(
        class_of(&nd07(), Area::Rural, 2_000_000, &THREE),
        Class::Average
    );
    assert_eq!(standard.line(Area::Rural, "trung_binh"), Some(2_250_000));
}

#[test]
fn a_local_standard_below_the_national_line_is_refused() {
    let local = Standard::from_toml(
        r#"
code = "XX-2022"
name = "Chuẩn thấp hơn"
legal_basis = "-"
first_year = 2022
last_year = 2030
parent = "ND07-2021"
province = "01"
[lines.rural]
ngheo = 1_000_000
"#,
    )
    .unwrap();
    let problems = Standard::specialise(&local, &nd07()).unwrap_err();
    assert!(
        problems.iter().any(|p| p.contains("thấp hơn")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("ngoài thời kỳ")),
        "{problems:?}"
    );
}

#[test]
fn a_standard_with_a_rule_naming_a_missing_line_lists_every_problem() {
    let text = ND07.replace(
        "income_above = \"ngheo\"\nincome_at_most = \"trung_binh\"",
        "income_above = \"ngheo\"\nincome_at_most = \"kha\"",
    );
    assert_ne!(text, ND07);
    let problems = Standard::from_toml(&text).unwrap_err();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("\"kha\""));
}

#[test]
fn a_standard_with_an_absurd_score_b_per_indicator_is_refused_at_load() {
    // u32::MAX per indicator overflowed the score of a household with two deprivations (fuzz target
    // poverty_standard); a standard gives 10.
    let text = format!("score_b_per_indicator = 4294967295\n{ND07}");
    let problems = Standard::from_toml(&text).unwrap_err();
    assert!(
        problems
            .iter()
            .any(|problem| problem.contains("điểm B mỗi chỉ số")),
        "{problems:?}"
    );
    let text = format!("score_b_per_indicator = 10\n{ND07}");
    assert_eq!(
        Standard::from_toml(&text).unwrap().score_b_per_indicator,
        10
    );
}

#[test]
fn answers_are_read_in_the_ways_officers_write_them() {
    for deprived in ["x", "X", "1", "có", "Thiếu hụt", "TH"] {
        assert_eq!(parse_answer(deprived), Ok(true), "{deprived}");
    }
    for not in ["", "0", "không", "KTH", "-"] {
        assert_eq!(parse_answer(not), Ok(false), "{not}");
    }
    assert!(parse_answer("có thể").unwrap_err().contains("không hợp lệ"));
}

#[test]
fn tallies_give_rates_for_all_and_ethnic_minority_households() {
    let mut tally = Tally::default();
    tally.add(Class::Poor, true, ["bhyt", "nha_tieu"]);
    tally.add(Class::Poor, false, ["bhyt"]);
    tally.add(Class::NearPoor, true, []);
    tally.add(Class::Other, false, []);
    assert_eq!(tally.poor_rate(), Some(50.0));
    assert_eq!(tally.em_poor_rate(), Some(50.0));
    assert_eq!(tally.em_near_poor_rate(), Some(50.0));
    assert_eq!(tally.deprivation_share("bhyt"), Some(100.0));
    assert_eq!(tally.deprivation_share("nha_tieu"), Some(50.0));
    let mut sum = Tally::default();
    sum.merge(&tally);
    sum.merge(&tally);
    assert_eq!(sum.households, 8);
    assert_eq!(sum.poor_rate(), Some(50.0));
    assert_eq!(Tally::default().poor_rate(), None);
}

#[test]
fn reduction_is_measured_in_points_and_against_the_target() {
    let result = reduction(10.0, 5.57, Some(4.0));
    assert!((result.points - 4.43).abs() < 1e-9);
    assert!((result.percent_of_target.unwrap() - 110.75).abs() < 1e-9);
    assert_eq!(reduction(3.0, 2.0, None).percent_of_target, None);
}

fn movement(start: Option<Class>, end: Option<Class>, before: bool) -> Movement {
    Movement {
        start,
        end,
        poor_before: before,
        near_poor_before: before,
    }
}

#[test]
fn flows_sort_every_change_of_the_poor_into_its_row() {
    use Class::*;
    let movements = [
        movement(Some(Poor), Some(Poor), false),
        movement(Some(Poor), Some(NearPoor), false),
        movement(Some(Poor), Some(Average), false),
        movement(Some(Poor), Some(Other), false),
        movement(Some(Poor), None, false),
        movement(Some(NearPoor), Some(Poor), false),
        movement(Some(Other), Some(Poor), true),
        movement(Some(Average), Some(Poor), false),
        movement(None, Some(Poor), false),
    ];
    let result = flows(&movements);
    let poor = result.poor;
    assert_eq!(poor.start, 5);
    assert_eq!(poor.to_other_class, 1);
    assert_eq!(poor.rose_above, 2);
    assert_eq!(poor.other_decreases, 1);
    assert_eq!(poor.from_other_class, 1);
    assert_eq!(poor.fell_back, 1);
    assert_eq!(poor.newly, 1);
    assert_eq!(poor.other_increases, 1);
    assert_eq!(poor.end, 5);
    assert!(poor.balances());
    let near = result.near_poor;
    assert_eq!(near.start, 1);
    assert_eq!(near.to_other_class, 1);
    assert_eq!(near.from_other_class, 1);
    assert_eq!(near.end, 1);
    assert!(near.balances());
}

#[test]
fn flows_of_the_near_poor_count_fall_backs_and_newcomers() {
    use Class::*;
    let movements = [
        movement(Some(Other), Some(NearPoor), true),
        movement(Some(Average), Some(NearPoor), false),
        movement(None, Some(NearPoor), true),
        movement(Some(NearPoor), Some(Average), false),
    ];
    let near = flows(&movements).near_poor;
    assert_eq!(
        (
            near.fell_back,
            near.newly,
            near.other_increases,
            near.rose_above
        ),
        (1, 1, 1, 1)
    );
    assert_eq!((near.start, near.end), (1, 3));
    assert!(near.balances());
}

mod reading {
    use super::super::import::{parse_income, HouseholdParser, Sex};
    use super::*;

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|cell| (*cell).to_owned()).collect()
    }

    fn parser(headers: &[&str]) -> HouseholdParser {
        let standard = nd07();
        let indicators: Vec<IndicatorDef> = standard.indicators().cloned().collect();
        HouseholdParser::new(&strings(headers), &indicators, 2026)
    }

    const HEAD: &[&str] = &[
        "STT",
        "Mã xã",
        "Mã hộ",
        "Họ tên chủ hộ",
        "Thôn",
        "Khu vực",
        "Dân tộc",
        "Năm sinh chủ hộ",
        "Giới tính",
        "Thu nhập bình quân (đồng/người/tháng)",
        "CS1",
        "Chỉ số 4",
        "nha_tieu",
        "Sử dụng dịch vụ viễn thông",
    ];

    #[test]
    fn vietnamese_headers_and_indicator_columns_by_number_code_or_name_are_recognised() {
        let mut parser = parser(HEAD);
        assert!(parser.problems().is_empty(), "{:?}", parser.problems());
        assert!(parser.has_review());
        assert_eq!(
            parser.answered(),
            ["viec_lam", "bhyt", "nha_tieu", "vien_thong"]
        );
        let line = parser
            .push(
                2,
                &strings(&[
                    "1",
                    "15103",
                    "HGD-0001",
                    "Lò Văn A",
                    "Bản Na",
                    "Nông thôn",
                    "Thái",
                    "1980",
                    "Nam",
                    "1.200.000",
                    "x",
                    "x",
                    "",
                    "x",
                ]),
            )
            .expect("valid row");
        assert!(line.ethnic_minority, "Thái is an ethnic minority");
        assert_eq!(line.head_sex, Some(Sex::Male));
        let review = line.review.expect("review columns present");
        assert_eq!(review.income, Some(1_200_000));
        let codes = parser.indicator_codes();
        let deprived: Vec<&String> = review.deprived_codes(&codes).collect();
        assert_eq!(deprived, ["viec_lam", "bhyt", "vien_thong"]);
    }

    #[test]
    fn every_bad_cell_of_a_row_is_reported_with_its_column() {
        let mut parser = parser(HEAD);
        let line = parser.push(
            7,
            &strings(&[
                "1",
                "15103",
                "HGD-0002",
                "Nguyễn Văn B",
                "",
                "trên núi",
                "Kinh",
                "2031",
                "?",
                "-5",
                "có thể",
                "",
                "",
                "",
            ]),
        );
        assert!(line.is_none());
        let columns: Vec<&str> = parser
            .problems()
            .iter()
            .map(|problem| problem.column.as_deref().unwrap_or(""))
            .collect();
        assert_eq!(
            columns,
            [
                "Khu vực",
                "Năm sinh chủ hộ",
                "Giới tính",
                "Thu nhập bình quân (đồng/người/tháng)",
                "CS1"
            ]
        );
        assert!(parser.problems().iter().all(|problem| problem.row == 7));
        assert!(parser.problems()[1].message.contains("tương lai"));
        assert!(parser.problems()[4].message.contains("không hợp lệ"));
    }

    #[test]
    fn absurd_income_is_refused_with_a_hint_about_the_unit() {
        assert!(parse_income("1.200.000.000").unwrap_err().contains("1 tỷ"));
        assert!(parse_income("-1").unwrap_err().contains("âm"));
        assert_eq!(parse_income("1.500.000 đ"), Ok(1_500_000));
        assert_eq!(parse_income("0"), Ok(0));
        assert_eq!(parse_income("1000000000"), Ok(1_000_000_000));
    }

    #[test]
    fn a_household_twice_in_a_commune_or_in_two_communes_is_refused() {
        let mut parser = parser(&["Mã xã", "Mã hộ", "Chủ hộ", "Khu vực"]);
        assert!(!parser.has_review());
        let row = |commune: &str, code: &str| strings(&[commune, code, "Hà Thị C", "thành thị"]);
        assert!(parser.push(2, &row("00004", "H1")).is_some());
        assert!(parser.push(3, &row("00004", "H1")).is_none());
        assert!(parser.push(4, &row("00007", "H1")).is_none());
        let messages: Vec<&str> = parser
            .problems()
            .iter()
            .map(|p| p.message.as_str())
            .collect();
        assert!(
            messages[0].contains("trùng trong xã 00004 (đã có ở dòng 2)"),
            "{messages:?}"
        );
        assert!(
            messages[1].contains("không thể thuộc hai xã"),
            "{messages:?}"
        );
    }

    #[test]
    fn unknown_and_missing_columns_are_problems_of_the_header() {
        let parser = parser(&["Mã hộ", "Chủ hộ", "Khu vực", "Màu nhà"]);
        let messages: Vec<String> = parser
            .problems()
            .iter()
            .map(|p| format!("{}:{}", p.row, p.message))
            .collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].contains("Màu nhà"));
        assert!(messages[1].contains("thiếu cột \"Mã xã\""));
    }

    #[test]
    fn a_review_row_without_income_or_score_a_cannot_be_classified() {
        let mut parser = parser(&[
            "Mã xã",
            "Mã hộ",
            "Chủ hộ",
            "Khu vực",
            "Điểm A",
            "Điểm B",
            "CS4",
        ]);
        assert!(parser
            .push(2, &strings(&["1", "H1", "A", "NT", "120", "10", "x"]))
            .is_some());
        assert!(parser
            .push(3, &strings(&["1", "H2", "A", "NT", "", "", ""]))
            .is_none());
        assert!(parser
            .push(4, &strings(&["1", "H3", "A", "NT", "100", "20", "x"]))
            .is_none());
        let messages: Vec<&str> = parser
            .problems()
            .iter()
            .map(|p| p.message.as_str())
            .collect();
        assert!(messages[0].contains("thiếu thu nhập"), "{messages:?}");
        assert!(messages[1].contains("điểm B ghi 20"), "{messages:?}");
    }
}

mod members {
    use super::super::import::{MemberParser, Sex};

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|cell| (*cell).to_owned()).collect()
    }

    #[test]
    fn members_are_read_with_every_bad_cell_named() {
        let mut parser = MemberParser::new(
            Some("Thành viên"),
            &strings(&[
                "Mã hộ",
                "Họ tên",
                "Năm sinh",
                "Giới tính",
                "Quan hệ với chủ hộ",
                "CCCD",
            ]),
            2026,
        );
        let good = parser
            .push(
                Some("Thành viên"),
                2,
                &strings(&["H1", "Lò Thị Xuân", "2010", "Nữ", "Con", "038210000001"]),
            )
            .expect("valid");
        assert_eq!((good.birth_year, good.sex), (Some(2010), Some(Sex::Female)));
        assert!(parser
            .push(
                Some("Thành viên"),
                3,
                &strings(&["H1", "Lò Văn Nam", "2030", "?", "Con", "038210000001"])
            )
            .is_none());
        let problems = parser.into_problems();
        let columns: Vec<&str> = problems
            .iter()
            .map(|p| p.column.as_deref().unwrap_or(""))
            .collect();
        assert_eq!(columns, ["Năm sinh", "Giới tính", "CCCD"]);
        assert!(problems
            .iter()
            .all(|p| p.sheet.as_deref() == Some("Thành viên") && p.row == 3));
        assert!(problems[2].message.contains("dòng 2"));
    }
}
