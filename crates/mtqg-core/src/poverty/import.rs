//! Reading household lists in the shape officers keep them: one row per household, the register fields, then the
//! review results (income per person per month and/or score A, one column per indicator). Headers may be English
//! or Vietnamese, with or without diacritics; indicator columns are named by code (`bhyt`), by number (`CS4`,
//! `Chỉ số 4`) or by name (`Bảo hiểm y tế`). Every problem of every row is collected with its column.

use std::collections::HashMap;

use super::{parse_answer, Area, IndicatorDef, ABSURD_INCOME};
use crate::import::RowProblem;
use crate::vi;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Commune,
    Code,
    Head,
    Village,
    Address,
    Area,
    Ethnicity,
    EthnicMinority,
    Meritorious,
    SocialProtection,
    NoWorker,
    HeadId,
    HeadBirthYear,
    HeadSex,
    Income,
    ScoreA,
    ScoreB,
    /// Kept by officers (ordinal, notes, their own class): read past.
    Ignored,
    Indicator(usize),
}

/// A header folded for matching: no diacritics, lower case, a trailing unit in parentheses dropped
/// ("Thu nhập bình quân (đồng/người/tháng)" reads as "thu nhap binh quan"), punctuation as spaces.
fn folded_header(header: &str) -> String {
    let without_unit = match header.find('(') {
        Some(at) if at > 0 => &header[..at],
        _ => header,
    };
    vi::fold(without_unit)
        .replace(['_', '-', '(', ')', '.', ':', '/'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn field_of(header: &str) -> Option<Field> {
    let folded = folded_header(header);
    Some(match folded.as_str() {
        "ma xa" | "ma don vi" | "xa" | "commune" | "commune code" => Field::Commune,
        "ma ho" | "ma ho gia dinh" | "ma so ho" | "household" | "household code" | "code" => {
            Field::Code
        }
        "chu ho" | "ho ten chu ho" | "ten chu ho" | "ho va ten chu ho" | "head" | "head name" => {
            Field::Head
        }
        "thon" | "thon ban" | "thon to" | "thon to dan pho" | "ten thon" | "village" => {
            Field::Village
        }
        "dia chi" | "address" => Field::Address,
        "khu vuc" | "area" | "nong thon thanh thi" => Field::Area,
        "dan toc" | "dan toc chu ho" | "ethnicity" => Field::Ethnicity,
        "dtts" | "dan toc thieu so" | "ho dtts" | "ethnic minority" => Field::EthnicMinority,
        "co cong" | "nguoi co cong" | "ho co cong" | "ho nguoi co cong" | "meritorious" => {
            Field::Meritorious
        }
        "btxh" | "bao tro xa hoi" | "ho bao tro xa hoi" | "social protection" => {
            Field::SocialProtection
        }
        "khong co lao dong" | "khong co nguoi lao dong" | "ho khong co lao dong" | "no worker" => {
            Field::NoWorker
        }
        "cccd"
        | "cccd chu ho"
        | "so dinh danh"
        | "so dinh danh chu ho"
        | "so cccd"
        | "national id" => Field::HeadId,
        "nam sinh" | "nam sinh chu ho" | "birth year" => Field::HeadBirthYear,
        "gioi tinh" | "gioi tinh chu ho" | "sex" => Field::HeadSex,
        "thu nhap"
        | "thu nhap binh quan"
        | "thu nhap binh quan dau nguoi"
        | "thu nhap bq"
        | "thu nhap binh quan dau nguoi thang"
        | "income" => Field::Income,
        "diem a" | "tong diem a" | "score a" => Field::ScoreA,
        "diem b" | "tong diem b" | "score b" => Field::ScoreB,
        "stt" | "so tt" | "ghi chu" | "note" | "phan loai" | "ket qua" | "ket qua phan loai"
        | "class" => Field::Ignored,
        _ => return None,
    })
}

/// Which indicator a header names, if any: code, "CS4" / "chỉ số 4", or name.
fn indicator_of(header: &str, indicators: &[IndicatorDef]) -> Option<usize> {
    let folded = folded_header(header);
    let number = folded
        .strip_prefix("cs")
        .or_else(|| folded.strip_prefix("chi so"))
        .map(str::trim);
    indicators.iter().position(|indicator| {
        folded == indicator.code.replace('_', " ")
            || number == Some(indicator.number.as_str())
            || folded == folded_header(&indicator.name)
    })
}

/// Sex of a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn parse(text: &str) -> Option<Sex> {
        match vi::fold(text).trim() {
            "nam" | "male" | "m" => Some(Sex::Male),
            "nu" | "female" | "f" => Some(Sex::Female),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "nam",
            Sex::Female => "nu",
        }
    }
}

/// A household's review results as read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReviewAnswers {
    pub income: Option<i64>,
    pub score_a: Option<i64>,
    /// The indicators marked deprived, as bits in the parser's indicator order (`HouseholdParser::indicator_codes`):
    /// a million rows stay small.
    pub deprived: u64,
}

impl ReviewAnswers {
    /// How many indicators are marked deprived.
    pub fn n_deprived(&self) -> usize {
        self.deprived.count_ones() as usize
    }

    /// The codes of the deprived indicators, given the parser's indicator codes.
    pub fn deprived_codes<'a>(&self, codes: &'a [String]) -> impl Iterator<Item = &'a String> + 'a {
        let mask = self.deprived;
        codes
            .iter()
            .enumerate()
            .filter(move |(idx, _)| *idx < 64 && mask & (1 << idx) != 0)
            .map(|(_, code)| code)
    }
}

/// One valid row.
#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdLine {
    pub row: usize,
    pub commune_code: String,
    pub code: String,
    pub head_name: String,
    pub village: String,
    pub address: String,
    pub area: Area,
    pub ethnicity: String,
    pub ethnic_minority: bool,
    pub meritorious: bool,
    pub social_protection: bool,
    pub no_worker: bool,
    pub head_national_id: Option<String>,
    pub head_birth_year: Option<i32>,
    pub head_sex: Option<Sex>,
    /// Present when the file has review columns.
    pub review: Option<ReviewAnswers>,
}

/// Reads household rows: give it the header, push rows, collect the problems.
#[derive(Debug)]
pub struct HouseholdParser {
    fields: Vec<Option<Field>>,
    headers: Vec<String>,
    indicators: Vec<IndicatorDef>,
    has_review: bool,
    current_year: i32,
    problems: Vec<RowProblem>,
    /// Household code → (commune, row) of its first row; communes are numbered in `communes`.
    codes: HashMap<String, (u32, usize)>,
    communes: Vec<String>,
    commune_numbers: HashMap<String, u32>,
    /// National ID → row of its first use.
    national_ids: HashMap<String, usize>,
}

fn yes_no(text: &str) -> Result<bool, String> {
    parse_answer(text).map_err(|_| {
        format!(
            "giá trị \"{text}\" không hợp lệ: ghi \"x\" (hoặc 1, có) nếu đúng, để trống nếu không"
        )
    })
}

impl HouseholdParser {
    /// Maps the header; unknown columns and missing required ones are problems of row 1.
    pub fn new(headers: &[String], indicators: &[IndicatorDef], current_year: i32) -> Self {
        let mut problems = Vec::new();
        // Answers are kept as bits of a u64; no standard has more than a few dozen indicators.
        let indicators = &indicators[..indicators.len().min(64)];
        let mut fields = Vec::with_capacity(headers.len());
        for header in headers {
            let trimmed = header.trim();
            let field = if trimmed.is_empty() {
                None
            } else {
                let found = field_of(trimmed)
                    .or_else(|| indicator_of(trimmed, indicators).map(Field::Indicator));
                if found.is_none() {
                    problems.push(RowProblem {
                        sheet: None,
                        row: 1,
                        column: Some(trimmed.to_owned()),
                        message: format!(
                            "không nhận ra cột \"{trimmed}\": xem các cột được chấp nhận trong hướng dẫn (mtqg poverty classify --help)"
                        ),
                    });
                }
                found
            };
            if let Some(field) = field {
                if field != Field::Ignored && fields.contains(&Some(field)) {
                    problems.push(RowProblem {
                        sheet: None,
                        row: 1,
                        column: Some(trimmed.to_owned()),
                        message: format!("cột \"{trimmed}\" bị lặp"),
                    });
                }
            }
            fields.push(field);
        }
        for (required, label) in [
            (Field::Commune, "Mã xã"),
            (Field::Code, "Mã hộ"),
            (Field::Head, "Họ tên chủ hộ"),
            (Field::Area, "Khu vực"),
        ] {
            if !fields.contains(&Some(required)) {
                problems.push(RowProblem {
                    sheet: None,
                    row: 1,
                    column: Some(label.to_owned()),
                    message: format!("thiếu cột \"{label}\""),
                });
            }
        }
        let has_review = fields.iter().any(|field| {
            matches!(
                field,
                Some(Field::Income | Field::ScoreA | Field::Indicator(_))
            )
        });
        HouseholdParser {
            fields,
            headers: headers.iter().map(|h| h.trim().to_owned()).collect(),
            indicators: indicators.to_vec(),
            has_review,
            current_year,
            problems,
            codes: HashMap::new(),
            communes: Vec::new(),
            commune_numbers: HashMap::new(),
            national_ids: HashMap::new(),
        }
    }

    /// Whether the file carries review results (income, score A or indicator columns).
    pub fn has_review(&self) -> bool {
        self.has_review
    }

    /// The codes of the indicators in the order `ReviewAnswers::deprived` numbers them.
    pub fn indicator_codes(&self) -> Vec<String> {
        self.indicators.iter().map(|i| i.code.clone()).collect()
    }

    /// Codes of the indicator columns present: the indicators the households were asked about.
    pub fn answered(&self) -> Vec<String> {
        self.fields
            .iter()
            .filter_map(|field| match field {
                Some(Field::Indicator(idx)) => Some(self.indicators[*idx].code.clone()),
                _ => None,
            })
            .collect()
    }

    pub fn problems(&self) -> &[RowProblem] {
        &self.problems
    }

    pub fn n_problems(&self) -> usize {
        self.problems.len()
    }

    pub fn into_problems(self) -> Vec<RowProblem> {
        self.problems
    }

    /// Reads one row; `None` (with its problems recorded) when it is invalid. Blank rows are skipped.
    pub fn push(&mut self, row: usize, cells: &[String]) -> Option<HouseholdLine> {
        if cells.iter().all(|cell| cell.trim().is_empty()) {
            return None;
        }
        let before = self.problems.len();
        let mut line = HouseholdLine {
            row,
            commune_code: String::new(),
            code: String::new(),
            head_name: String::new(),
            village: String::new(),
            address: String::new(),
            area: Area::Rural,
            ethnicity: String::new(),
            ethnic_minority: false,
            meritorious: false,
            social_protection: false,
            no_worker: false,
            head_national_id: None,
            head_birth_year: None,
            head_sex: None,
            review: self.has_review.then(ReviewAnswers::default),
        };
        let mut area = None;
        let mut minority = None;
        let mut score_b = None;
        let mut problems = Vec::new();
        for (idx, field) in self.fields.iter().enumerate() {
            let Some(field) = field else { continue };
            let text = cells.get(idx).map(|cell| cell.trim()).unwrap_or("");
            let mut fail = |message: String| problems.push((idx, message));
            match field {
                Field::Commune => line.commune_code = text.to_owned(),
                Field::Code => line.code = text.to_owned(),
                Field::Head => line.head_name = vi::nfc(text),
                Field::Village => line.village = vi::nfc(text),
                Field::Address => line.address = vi::nfc(text),
                Field::Ethnicity => line.ethnicity = vi::nfc(text),
                Field::Area => match Area::parse(text) {
                    Some(parsed) => area = Some(parsed),
                    None if text.is_empty() => {
                        fail("thiếu khu vực (nông thôn / thành thị)".to_owned())
                    }
                    None => fail(format!(
                        "khu vực \"{text}\" không hợp lệ: ghi \"nông thôn\" hoặc \"thành thị\""
                    )),
                },
                Field::EthnicMinority if text.is_empty() => {}
                Field::EthnicMinority => match yes_no(text) {
                    Ok(value) => minority = Some(value),
                    Err(message) => fail(message),
                },
                Field::Meritorious => match yes_no(text) {
                    Ok(value) => line.meritorious = value,
                    Err(message) => fail(message),
                },
                Field::SocialProtection => match yes_no(text) {
                    Ok(value) => line.social_protection = value,
                    Err(message) => fail(message),
                },
                Field::NoWorker => match yes_no(text) {
                    Ok(value) => line.no_worker = value,
                    Err(message) => fail(message),
                },
                Field::HeadId if text.is_empty() => {}
                Field::HeadId => {
                    if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
                        line.head_national_id = Some(text.to_owned());
                    } else {
                        fail("số định danh cá nhân (CCCD) phải gồm đúng 12 chữ số".to_owned());
                    }
                }
                Field::HeadBirthYear if text.is_empty() => {}
                Field::HeadBirthYear => match text.parse::<i32>() {
                    Ok(year) if year > self.current_year => fail(format!(
                        "năm sinh {year} ở tương lai (năm nay là {})",
                        self.current_year
                    )),
                    Ok(year) if year < self.current_year - 130 => {
                        fail(format!("năm sinh {year} không hợp lệ"))
                    }
                    Ok(year) => line.head_birth_year = Some(year),
                    Err(_) => fail(format!("năm sinh \"{text}\" không phải là số năm")),
                },
                Field::HeadSex if text.is_empty() => {}
                Field::HeadSex => match Sex::parse(text) {
                    Some(sex) => line.head_sex = Some(sex),
                    None => fail(format!(
                        "giới tính \"{text}\" không hợp lệ: ghi \"Nam\" hoặc \"Nữ\""
                    )),
                },
                Field::Income if text.is_empty() => {}
                Field::Income => match parse_income(text) {
                    Ok(income) => {
                        if let Some(review) = line.review.as_mut() {
                            review.income = Some(income);
                        }
                    }
                    Err(message) => fail(message),
                },
                Field::ScoreA if text.is_empty() => {}
                Field::ScoreA => match text.parse::<i64>() {
                    Ok(score) if (0..=1_000).contains(&score) => {
                        if let Some(review) = line.review.as_mut() {
                            review.score_a = Some(score);
                        }
                    }
                    _ => fail(format!("điểm A \"{text}\" phải là số nguyên từ 0 đến 1000")),
                },
                Field::ScoreB if text.is_empty() => {}
                Field::ScoreB => match text.parse::<u32>() {
                    Ok(score) => score_b = Some(score),
                    Err(_) => fail(format!("điểm B \"{text}\" phải là số nguyên")),
                },
                Field::Ignored => {}
                Field::Indicator(indicator) => match parse_answer(text) {
                    Ok(true) => {
                        if let Some(review) = line.review.as_mut() {
                            review.deprived |= 1 << *indicator;
                        }
                    }
                    Ok(false) => {}
                    Err(message) => fail(message),
                },
            }
        }
        if line.commune_code.is_empty() && self.fields.contains(&Some(Field::Commune)) {
            problems.push((self.column(Field::Commune), "thiếu mã xã".to_owned()));
        }
        if line.code.is_empty() && self.fields.contains(&Some(Field::Code)) {
            problems.push((self.column(Field::Code), "thiếu mã hộ".to_owned()));
        }
        if line.head_name.is_empty() && self.fields.contains(&Some(Field::Head)) {
            problems.push((self.column(Field::Head), "thiếu họ tên chủ hộ".to_owned()));
        }
        let income_failed = problems.iter().any(|(idx, _)| {
            matches!(
                self.fields.get(*idx),
                Some(Some(Field::Income | Field::ScoreA))
            )
        });
        if let Some(review) = &line.review {
            if review.income.is_none() && review.score_a.is_none() && !income_failed {
                let column = self
                    .fields
                    .iter()
                    .position(|field| *field == Some(Field::Income))
                    .unwrap_or_else(|| self.column(Field::ScoreA));
                problems.push((
                    column,
                    "thiếu thu nhập bình quân đầu người (hoặc điểm A): cần một trong hai để phân loại"
                        .to_owned(),
                ));
            }
            if let Some(score) = score_b {
                let points = review.n_deprived() as u32 * 10;
                if score != points {
                    problems.push((
                        self.column(Field::ScoreB),
                        format!(
                            "điểm B ghi {score} nhưng các chỉ số thiếu hụt đánh dấu cho {points} điểm ({} chỉ số × 10)",
                            review.n_deprived()
                        ),
                    ));
                }
            }
        }
        line.area = area.unwrap_or(Area::Rural);
        line.ethnic_minority = minority.unwrap_or_else(|| {
            let folded = vi::fold(&line.ethnicity);
            !folded.trim().is_empty() && folded.trim() != "kinh"
        });
        if !line.code.is_empty() && !line.commune_code.is_empty() {
            let number = match self.commune_numbers.get(&line.commune_code) {
                Some(number) => *number,
                None => {
                    let number = self.communes.len() as u32;
                    self.communes.push(line.commune_code.clone());
                    self.commune_numbers
                        .insert(line.commune_code.clone(), number);
                    number
                }
            };
            match self.codes.get(&line.code).copied() {
                Some((commune, first)) if commune == number => problems.push((
                    self.column(Field::Code),
                    format!(
                        "mã hộ {} trùng trong xã {} (đã có ở dòng {first})",
                        line.code, self.communes[commune as usize]
                    ),
                )),
                Some((commune, first)) => problems.push((
                    self.column(Field::Code),
                    format!(
                        "hộ {} đã được ghi ở xã {} (dòng {first}): một hộ không thể thuộc hai xã",
                        line.code, self.communes[commune as usize]
                    ),
                )),
                None => {
                    self.codes.insert(line.code.clone(), (number, row));
                }
            }
        }
        if let Some(id) = &line.head_national_id {
            match self.national_ids.get(id) {
                Some(first) => problems.push((
                    self.column(Field::HeadId),
                    format!("số định danh đã được ghi cho chủ hộ ở dòng {first}"),
                )),
                None => {
                    self.national_ids.insert(id.clone(), row);
                }
            }
        }
        for (idx, message) in problems {
            self.problems.push(RowProblem {
                sheet: None,
                row,
                column: self.headers.get(idx).cloned(),
                message,
            });
        }
        (self.problems.len() == before).then_some(line)
    }

    fn column(&self, field: Field) -> usize {
        self.fields
            .iter()
            .position(|candidate| *candidate == Some(field))
            .unwrap_or(usize::MAX)
    }
}

/// Income per person per month in đồng, from "1.500.000", "1500000" or "1.500.000 đ"; negative and absurd values
/// (above one billion) are refused.
pub fn parse_income(text: &str) -> Result<i64, String> {
    let cleaned = text
        .trim()
        .trim_end_matches("đồng")
        .trim_end_matches('đ')
        .trim_end_matches('d')
        .trim();
    let number = vi::parse_number(cleaned).map_err(|_| {
        format!("thu nhập \"{text}\" không phải là số (ghi số đồng/người/tháng, ví dụ 1.500.000)")
    })?;
    let scale = 10_i128.pow(number.decimals);
    let dong = (number.digits + scale / 2) / scale;
    if dong < 0 {
        return Err(format!("thu nhập \"{text}\" không được âm"));
    }
    if dong > i128::from(ABSURD_INCOME) {
        return Err(format!(
            "thu nhập {} đồng/người/tháng vượt quá 1 tỷ đồng: kiểm tra lại đơn vị (đồng/người/tháng)",
            vi::format_int(dong as i64)
        ));
    }
    Ok(dong as i64)
}

/// One member row as read.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberLine {
    pub row: usize,
    pub household_code: String,
    pub name: String,
    pub birth_year: Option<i32>,
    pub sex: Option<Sex>,
    pub relation: String,
    pub national_id: Option<String>,
}

/// What a member column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MemberField {
    Household,
    Name,
    BirthYear,
    Sex,
    Relation,
    NationalId,
    Ignored,
}

fn member_field(header: &str) -> Option<MemberField> {
    Some(match folded_header(header).as_str() {
        "ma ho" | "ma ho gia dinh" | "household" | "household code" => MemberField::Household,
        "ho ten" | "ho va ten" | "ten" | "name" | "ho ten thanh vien" => MemberField::Name,
        "nam sinh" | "birth year" => MemberField::BirthYear,
        "gioi tinh" | "sex" => MemberField::Sex,
        "quan he" | "quan he voi chu ho" | "relation" => MemberField::Relation,
        "cccd" | "so cccd" | "so dinh danh" | "so dinh danh ca nhan" | "national id" => {
            MemberField::NationalId
        }
        "stt" | "ghi chu" | "note" | "ma xa" => MemberField::Ignored,
        _ => return None,
    })
}

/// Reads household members (sheet "Thành viên" of a household workbook, or a CSV of its own): household code, name,
/// birth year, sex, relation to the head, optional national ID.
#[derive(Debug)]
pub struct MemberParser {
    fields: Vec<Option<MemberField>>,
    headers: Vec<String>,
    current_year: i32,
    problems: Vec<RowProblem>,
    national_ids: HashMap<String, usize>,
}

impl MemberParser {
    pub fn new(sheet: Option<&str>, headers: &[String], current_year: i32) -> Self {
        let mut problems = Vec::new();
        let fields: Vec<Option<MemberField>> = headers
            .iter()
            .map(|header| {
                let trimmed = header.trim();
                let field = member_field(trimmed);
                if field.is_none() && !trimmed.is_empty() {
                    problems.push(RowProblem {
                        sheet: sheet.map(str::to_owned),
                        row: 1,
                        column: Some(trimmed.to_owned()),
                        message: format!(
                            "không nhận ra cột \"{trimmed}\" của danh sách thành viên"
                        ),
                    });
                }
                field
            })
            .collect();
        for (required, label) in [
            (MemberField::Household, "Mã hộ"),
            (MemberField::Name, "Họ tên"),
        ] {
            if !fields.contains(&Some(required)) {
                problems.push(RowProblem {
                    sheet: sheet.map(str::to_owned),
                    row: 1,
                    column: Some(label.to_owned()),
                    message: format!("thiếu cột \"{label}\" của danh sách thành viên"),
                });
            }
        }
        MemberParser {
            fields,
            headers: headers.iter().map(|h| h.trim().to_owned()).collect(),
            current_year,
            problems,
            national_ids: HashMap::new(),
        }
    }

    pub fn into_problems(self) -> Vec<RowProblem> {
        self.problems
    }

    /// Reads one row; `None` (with its problems recorded) when invalid. Blank rows are skipped.
    pub fn push(
        &mut self,
        sheet: Option<&str>,
        row: usize,
        cells: &[String],
    ) -> Option<MemberLine> {
        if cells.iter().all(|cell| cell.trim().is_empty()) {
            return None;
        }
        let mut line = MemberLine {
            row,
            household_code: String::new(),
            name: String::new(),
            birth_year: None,
            sex: None,
            relation: String::new(),
            national_id: None,
        };
        let mut problems = Vec::new();
        for (idx, field) in self.fields.iter().enumerate() {
            let Some(field) = field else { continue };
            let text = cells.get(idx).map(|cell| cell.trim()).unwrap_or("");
            match field {
                MemberField::Household => line.household_code = text.to_owned(),
                MemberField::Name => line.name = vi::nfc(text),
                MemberField::Relation => line.relation = vi::nfc(text),
                MemberField::Ignored => {}
                _ if text.is_empty() => {}
                MemberField::BirthYear => match text.parse::<i32>() {
                    Ok(year) if year > self.current_year => problems.push((
                        idx,
                        format!(
                            "năm sinh {year} ở tương lai (năm nay là {})",
                            self.current_year
                        ),
                    )),
                    Ok(year) if year < self.current_year - 130 => {
                        problems.push((idx, format!("năm sinh {year} không hợp lệ")))
                    }
                    Ok(year) => line.birth_year = Some(year),
                    Err(_) => {
                        problems.push((idx, format!("năm sinh \"{text}\" không phải là số năm")))
                    }
                },
                MemberField::Sex => match Sex::parse(text) {
                    Some(sex) => line.sex = Some(sex),
                    None => problems.push((
                        idx,
                        format!("giới tính \"{text}\" không hợp lệ: ghi \"Nam\" hoặc \"Nữ\""),
                    )),
                },
                MemberField::NationalId => {
                    if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
                        match self.national_ids.get(text) {
                            Some(first) => problems
                                .push((idx, format!("số định danh đã được ghi ở dòng {first}"))),
                            None => {
                                self.national_ids.insert(text.to_owned(), row);
                                line.national_id = Some(text.to_owned());
                            }
                        }
                    } else {
                        problems.push((
                            idx,
                            "số định danh cá nhân (CCCD) phải gồm đúng 12 chữ số".to_owned(),
                        ));
                    }
                }
            }
        }
        let column_of = |wanted: MemberField| {
            self.fields
                .iter()
                .position(|field| *field == Some(wanted))
                .unwrap_or(usize::MAX)
        };
        if line.household_code.is_empty() {
            problems.push((column_of(MemberField::Household), "thiếu mã hộ".to_owned()));
        }
        if line.name.is_empty() {
            problems.push((
                column_of(MemberField::Name),
                "thiếu họ tên thành viên".to_owned(),
            ));
        }
        let ok = problems.is_empty();
        for (idx, message) in problems {
            self.problems.push(RowProblem {
                sheet: sheet.map(str::to_owned),
                row,
                column: self.headers.get(idx).cloned(),
                message,
            });
        }
        ok.then_some(line)
    }
}
