//! Statutory form definitions as data (`data/reporting/forms/*.toml`) and their filling.
//!
//! A definition lists columns and rows. A row has a `key`; a column says what its cells hold, as a template in which
//! `{key}` is the row's key: `measure = "{key}.th_ky"` takes a figure the system computes (`Values`), `field =
//! "{key}.kh"` a figure the unit enters by hand (`Fields`), `ratio = ["{key}.dat", "ntm.xa"]` the quotient of two
//! figures as a percentage. A row with `sum = ["1", "2"]` adds the rows with those STT instead; a row with
//! `each = "ntm.criteria"` stands for one row per item the caller lists under that name (`{code}`, `{name}`
//! and `{n}` are filled in). Column headers may use `{year}`, `{prev_year}` and `{rest}` (what is left of the year).
//! Columns with the same `group` share a merged header cell above them.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use super::layout::{FilledForm, FormCell, FormRow, HeaderCell};
use super::period::Period;

/// Figures computed by the system, by key (money in whole đồng, counts as counts).
pub type Values = BTreeMap<String, f64>;
/// Figures entered by hand, by key, as typed ("1.234,5").
pub type Fields = BTreeMap<String, String>;

/// A checked form definition.
#[derive(Debug, Clone, PartialEq)]
pub struct FormDefinition {
    pub code: String,
    /// "Biểu số 01".
    pub label: String,
    pub title: String,
    /// "Đơn vị tính: triệu đồng".
    pub unit_note: String,
    /// Measures and fields are divided by this before display (1 000 000 for triệu đồng).
    pub scale: f64,
    pub decimals: u8,
    pub landscape: bool,
    pub basis: String,
    pub verify: bool,
    /// Adds a row numbering the columns (1), (2), … under the header, as printed forms do.
    pub numbered: bool,
    pub columns: Vec<Column>,
    pub rows: Vec<RowSpec>,
}

/// A column: what its cells hold, and its header.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub header: String,
    pub group: Option<String>,
    pub width: f64,
    pub content: Content,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    Stt,
    Label,
    Measure(String),
    Field(String),
    Ratio(String, String),
}

/// A row of the definition (before `each` rows are expanded).
#[derive(Debug, Clone, PartialEq)]
pub struct RowSpec {
    pub stt: String,
    pub label: String,
    pub key: Option<String>,
    pub sum: Vec<String>,
    pub each: Option<String>,
    pub bold: bool,
}

/// One item a `each` row expands to.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub code: String,
    pub name: String,
}

/// What a form is filled for: who, when, and the lines above the table.
#[derive(Debug, Clone, PartialEq)]
pub struct Heading {
    pub issuer: Vec<String>,
    pub unit_name: String,
    pub period: Period,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawForm {
    code: String,
    label: String,
    title: String,
    #[serde(default)]
    unit_note: String,
    #[serde(default = "one")]
    scale: f64,
    #[serde(default)]
    decimals: u8,
    #[serde(default)]
    landscape: bool,
    #[serde(default)]
    basis: String,
    #[serde(default)]
    verify: bool,
    #[serde(default)]
    numbered: bool,
    columns: Vec<RawColumn>,
    rows: Vec<RawRow>,
}

fn one() -> f64 {
    1.0
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawColumn {
    header: String,
    group: Option<String>,
    width: Option<f64>,
    kind: Option<String>,
    measure: Option<String>,
    field: Option<String>,
    ratio: Option<[String; 2]>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRow {
    #[serde(default)]
    stt: String,
    #[serde(default)]
    label: String,
    key: Option<String>,
    #[serde(default)]
    sum: Vec<String>,
    each: Option<String>,
    #[serde(default)]
    bold: bool,
}

impl FormDefinition {
    /// Reads and checks a definition; every problem is listed.
    pub fn from_toml(text: &str) -> Result<FormDefinition, Vec<String>> {
        let raw: RawForm =
            toml::from_str(text).map_err(|err| vec![format!("định nghĩa biểu: {err}")])?;
        let mut problems = Vec::new();
        let at = format!("biểu \"{}\"", raw.code);
        if raw.code.trim().is_empty()
            || raw.code.contains(char::is_whitespace)
            || raw.code.len() > 31
        {
            problems.push(format!(
                "{at}: mã biểu phải khác rỗng, không có khoảng trắng, tối đa 31 ký tự"
            ));
        }
        if !(raw.scale.is_finite() && raw.scale > 0.0) {
            problems.push(format!("{at}: scale phải là số dương"));
        }
        let mut columns = Vec::new();
        for (idx, col) in raw.columns.into_iter().enumerate() {
            let col_at = format!("{at}, cột {} (\"{}\")", idx + 1, col.header);
            let mut contents = Vec::new();
            match col.kind.as_deref() {
                Some("stt") => contents.push(Content::Stt),
                Some("label") => contents.push(Content::Label),
                Some(other) => problems.push(format!(
                    "{col_at}: kind \"{other}\" không hợp lệ (stt, label)"
                )),
                None => {}
            }
            if let Some(measure) = col.measure {
                contents.push(Content::Measure(measure));
            }
            if let Some(field) = col.field {
                contents.push(Content::Field(field));
            }
            if let Some([num, den]) = col.ratio {
                contents.push(Content::Ratio(num, den));
            }
            if contents.len() != 1 {
                problems.push(format!(
                    "{col_at}: mỗi cột có đúng một trong kind, measure, field, ratio"
                ));
                continue;
            }
            columns.push(Column {
                header: col.header,
                group: col.group,
                width: col.width.unwrap_or(14.0),
                content: contents.remove(0),
            });
        }
        if columns.len() < 2 {
            problems.push(format!("{at}: cần ít nhất hai cột"));
        }
        for (idx, col) in columns.iter().enumerate() {
            if let Some(group) = &col.group {
                let seen_before = columns[..idx]
                    .iter()
                    .any(|other| other.group.as_ref() == Some(group));
                let previous_same = idx > 0 && columns[idx - 1].group.as_ref() == Some(group);
                if seen_before && !previous_same {
                    problems.push(format!("{at}: các cột của nhóm \"{group}\" phải liền nhau"));
                }
            }
        }
        let rows: Vec<RowSpec> = raw
            .rows
            .into_iter()
            .map(|row| RowSpec {
                stt: row.stt,
                label: row.label,
                key: row.key,
                sum: row.sum,
                each: row.each,
                bold: row.bold,
            })
            .collect();
        if rows.is_empty() {
            problems.push(format!("{at}: cần ít nhất một dòng"));
        }
        let mut stts = BTreeSet::new();
        for row in &rows {
            if !row.stt.is_empty() && row.each.is_none() && !stts.insert(row.stt.as_str()) {
                problems.push(format!("{at}: STT \"{}\" lặp lại", row.stt));
            }
        }
        for (idx, row) in rows.iter().enumerate() {
            let row_at = format!("{at}, dòng {} (\"{}\")", idx + 1, row.label);
            for target in &row.sum {
                if !stts.contains(target.as_str()) || *target == row.stt {
                    problems.push(format!(
                        "{row_at}: dòng cộng \"{target}\" không có trong biểu"
                    ));
                }
            }
            if row.each.is_some() && (!row.sum.is_empty() || row.key.is_none()) {
                problems.push(format!("{row_at}: dòng lặp (each) cần key và không có sum"));
            }
            if row.key.is_some() && !row.sum.is_empty() {
                problems.push(format!("{row_at}: một dòng có key hoặc sum, không cả hai"));
            }
        }
        if problems.is_empty() && has_sum_cycle(&rows) {
            problems.push(format!("{at}: các dòng cộng tham chiếu vòng"));
        }
        if problems.is_empty() {
            Ok(FormDefinition {
                code: raw.code.trim().to_owned(),
                label: raw.label,
                title: raw.title,
                unit_note: raw.unit_note,
                scale: raw.scale,
                decimals: raw.decimals,
                landscape: raw.landscape,
                basis: raw.basis,
                verify: raw.verify,
                numbered: raw.numbered,
                columns,
                rows,
            })
        } else {
            Err(problems)
        }
    }

    /// The keys of figures entered by hand this form reads, for the given expansions, in row order, with their labels
    /// for `period` ("Giao thông — Kế hoạch năm 2025 (số xã đạt)").
    pub fn field_labels(
        &self,
        items: &BTreeMap<String, Vec<Item>>,
        period: Period,
    ) -> Vec<(String, String)> {
        self.field_keys(items)
            .into_iter()
            .map(|(key, label)| (key, header_text(&label, period)))
            .collect()
    }

    /// The keys of figures entered by hand this form reads, for the given expansions, in row order.
    pub fn field_keys(&self, items: &BTreeMap<String, Vec<Item>>) -> Vec<(String, String)> {
        let rows = self.expand(items);
        let mut keys = Vec::new();
        for row in &rows {
            let Some(key) = &row.key else { continue };
            for col in &self.columns {
                if let Content::Field(template) = &col.content {
                    keys.push((
                        fill_key(template, key),
                        format!("{} — {}", row.label, col.header),
                    ));
                }
            }
        }
        keys
    }

    /// Every measure key this form reads, for the given expansions (used to document and check packages).
    pub fn measure_keys(&self, items: &BTreeMap<String, Vec<Item>>) -> BTreeSet<String> {
        let mut keys = BTreeSet::new();
        for row in self.expand(items) {
            let Some(key) = &row.key else { continue };
            for col in &self.columns {
                match &col.content {
                    Content::Measure(template) => {
                        keys.insert(fill_key(template, key));
                    }
                    Content::Ratio(num, den) => {
                        keys.insert(fill_key(num, key));
                        keys.insert(fill_key(den, key));
                    }
                    _ => {}
                }
            }
        }
        keys
    }

    fn expand(&self, items: &BTreeMap<String, Vec<Item>>) -> Vec<RowSpec> {
        let mut rows = Vec::new();
        for row in &self.rows {
            let Some(list) = &row.each else {
                rows.push(row.clone());
                continue;
            };
            for (n, item) in items
                .get(list)
                .map(Vec::as_slice)
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                let fill = |text: &str| {
                    text.replace("{code}", &item.code)
                        .replace("{name}", &item.name)
                        .replace("{n}", &(n + 1).to_string())
                };
                rows.push(RowSpec {
                    stt: fill(&row.stt),
                    label: fill(&row.label),
                    key: row.key.as_deref().map(fill),
                    sum: Vec::new(),
                    each: None,
                    bold: row.bold,
                });
            }
        }
        rows
    }

    /// Fills the form: every cell from `values` and `fields`, sums and ratios computed, headers laid out. A figure
    /// missing from both stays empty; a field that is not a number is reported with its row and column.
    pub fn fill(
        &self,
        heading: &Heading,
        values: &Values,
        fields: &Fields,
        items: &BTreeMap<String, Vec<Item>>,
    ) -> Result<FilledForm, Vec<String>> {
        let rows = self.expand(items);
        let mut problems = Vec::new();
        let mut numbers: BTreeMap<String, f64> = values.clone();
        // Only the fields this form reads are numbers; a submission's other fields (texts of the narrative) are not.
        let read: BTreeSet<String> = self
            .field_keys(items)
            .into_iter()
            .map(|(key, _)| key)
            .collect();
        for (key, text) in fields {
            if text.trim().is_empty() || !read.contains(key) {
                continue;
            }
            match crate::vi::parse_number(text) {
                Ok(parsed) => {
                    let value = parsed.digits as f64 / 10f64.powi(parsed.decimals as i32);
                    numbers.insert(key.clone(), value * self.field_scale());
                }
                Err(err) => problems.push(format!("ô \"{key}\": {err}")),
            }
        }
        let by_stt: BTreeMap<&str, &RowSpec> = rows
            .iter()
            .filter(|row| !row.stt.is_empty())
            .map(|row| (row.stt.as_str(), row))
            .collect();
        let mut body = Vec::new();
        for row in &rows {
            let mut cells = Vec::new();
            for col in &self.columns {
                let cell = match &col.content {
                    Content::Stt => FormCell::Text(row.stt.clone()),
                    Content::Label => FormCell::Text(row.label.clone()),
                    Content::Measure(template) | Content::Field(template) => {
                        match row_value(row, template, &by_stt, &numbers, 0) {
                            Some(value) => FormCell::Number {
                                value: value / self.scale,
                                decimals: self.decimals,
                            },
                            None => FormCell::Empty,
                        }
                    }
                    Content::Ratio(num, den) => {
                        let num = row_value(row, num, &by_stt, &numbers, 0);
                        let den = row_value(row, den, &by_stt, &numbers, 0);
                        match (num, den) {
                            (Some(num), Some(den)) if den != 0.0 => FormCell::Percent(num / den),
                            _ => FormCell::Empty,
                        }
                    }
                };
                cells.push(cell);
            }
            body.push(FormRow {
                cells,
                bold: row.bold,
            });
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let period = heading.period;
        let header_text = |text: &str| header_text(text, period);
        let grouped = self.columns.iter().any(|col| col.group.is_some());
        let mut top = Vec::new();
        let mut second = Vec::new();
        let mut idx = 0;
        while idx < self.columns.len() {
            let col = &self.columns[idx];
            match (&col.group, grouped) {
                (Some(group), _) => {
                    let span = self.columns[idx..]
                        .iter()
                        .take_while(|other| other.group.as_ref() == Some(group))
                        .count();
                    top.push(HeaderCell {
                        text: header_text(group),
                        col: idx,
                        rows: 1,
                        cols: span,
                    });
                    for offset in 0..span {
                        second.push(HeaderCell {
                            text: header_text(&self.columns[idx + offset].header),
                            col: idx + offset,
                            rows: 1,
                            cols: 1,
                        });
                    }
                    idx += span;
                }
                (None, grouped) => {
                    let rows = if grouped { 2 } else { 1 };
                    top.push(HeaderCell {
                        text: header_text(&col.header),
                        col: idx,
                        rows,
                        cols: 1,
                    });
                    idx += 1;
                }
            }
        }
        let mut header = vec![top];
        if grouped {
            header.push(second);
        }
        if self.numbered {
            header.push(
                (0..self.columns.len())
                    .map(|col| HeaderCell {
                        text: format!("({})", col + 1),
                        col,
                        rows: 1,
                        cols: 1,
                    })
                    .collect(),
            );
        }
        let mut notes = Vec::new();
        if !self.basis.is_empty() {
            notes.push(format!("Căn cứ: {}", self.basis));
        }
        if self.verify {
            notes.push("Mẫu biểu cần đối chiếu văn bản gốc trước khi gửi chính thức.".to_owned());
        }
        Ok(FilledForm {
            code: self.code.clone(),
            issuer: heading.issuer.clone(),
            form_label: self.label.clone(),
            title: header_text(&self.title),
            subtitle: vec![
                format!("Kỳ báo cáo: {}", period.label()),
                format!("Đơn vị báo cáo: {}", heading.unit_name),
            ],
            unit_note: self.unit_note.clone(),
            header,
            widths: self.columns.iter().map(|col| col.width).collect(),
            body,
            notes,
            landscape: self.landscape,
        })
    }

    /// Fields are typed in the unit of the form (triệu đồng), values are held unscaled (đồng).
    fn field_scale(&self) -> f64 {
        self.scale
    }
}

/// A header or label with the period filled in: `{year}`, `{prev_year}`, `{rest}` (what is left of the year) and
/// `{period}`.
pub fn header_text(text: &str, period: Period) -> String {
    text.replace("{year}", &period.year().to_string())
        .replace("{prev_year}", &(period.year() - 1).to_string())
        .replace("{rest}", period.rest_of_year_label().unwrap_or("năm sau"))
        .replace("{period}", &period.label())
}

fn fill_key(template: &str, key: &str) -> String {
    template.replace("{key}", key)
}

/// A row's figure for a column template: its own key's, or the sum of its `sum` rows'.
fn row_value(
    row: &RowSpec,
    template: &str,
    by_stt: &BTreeMap<&str, &RowSpec>,
    numbers: &BTreeMap<String, f64>,
    depth: usize,
) -> Option<f64> {
    if depth > 32 {
        return None;
    }
    if let Some(key) = &row.key {
        return numbers.get(&fill_key(template, key)).copied();
    }
    if row.sum.is_empty() {
        if template.contains("{key}") {
            return None;
        }
        return numbers.get(template).copied();
    }
    let mut total = None;
    for stt in &row.sum {
        if let Some(value) = by_stt
            .get(stt.as_str())
            .and_then(|part| row_value(part, template, by_stt, numbers, depth + 1))
        {
            *total.get_or_insert(0.0) += value;
        }
    }
    total
}

fn has_sum_cycle(rows: &[RowSpec]) -> bool {
    let by_stt: BTreeMap<&str, &RowSpec> = rows.iter().map(|row| (row.stt.as_str(), row)).collect();
    fn visit<'a>(
        stt: &'a str,
        by_stt: &BTreeMap<&'a str, &'a RowSpec>,
        path: &mut Vec<&'a str>,
    ) -> bool {
        if path.contains(&stt) {
            return true;
        }
        path.push(stt);
        let cyclic = by_stt
            .get(stt)
            .is_some_and(|row| row.sum.iter().any(|next| visit(next, by_stt, path)));
        path.pop();
        cyclic
    }
    rows.iter()
        .any(|row| visit(&row.stt, &by_stt, &mut Vec::new()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_scale_that_is_not_a_positive_number_is_refused() {
        let text = FORM.replace("scale = 1000000", "scale = nan");
        let problems = FormDefinition::from_toml(&text).unwrap_err();
        assert!(problems.iter().any(|p| p.contains("scale")), "{problems:?}");
    }

    use super::*;

    const FORM: &str = r#"
code = "HUYDONG"
label = "Biểu số 01"
title = "KẾT QUẢ HUY ĐỘNG NGUỒN LỰC NĂM {year}"
unit_note = "Đơn vị tính: triệu đồng"
scale = 1000000
decimals = 1
numbered = true

[[columns]]
header = "STT"
kind = "stt"
[[columns]]
header = "Nguồn vốn"
kind = "label"
[[columns]]
header = "KQ đến 31/12/{prev_year}"
measure = "{key}.th_truoc"
[[columns]]
header = "TH 6 tháng"
group = "Năm {year}"
measure = "{key}.th_ky"
[[columns]]
header = "KH {rest}"
group = "Năm {year}"
field = "{key}.kh"
[[columns]]
header = "Tỷ lệ"
ratio = ["{key}.th_ky", "{key}.kh_nam"]

[[rows]]
label = "TỔNG CỘNG"
sum = ["1", "2"]
bold = true
[[rows]]
stt = "1"
label = "Ngân sách trung ương"
key = "von.nstw"
[[rows]]
stt = "2"
label = "Doanh nghiệp"
key = "von.dn"
"#;

    fn heading() -> Heading {
        Heading {
            issuer: vec!["UBND TỈNH LÀO CAI".to_owned()],
            unit_name: "Tỉnh Lào Cai".to_owned(),
            period: Period::FirstHalf(2025),
        }
    }

    #[test]
    fn a_form_fills_measures_fields_sums_and_ratios() {
        let form = FormDefinition::from_toml(FORM).unwrap();
        let values = Values::from([
            ("von.nstw.th_truoc".to_owned(), 10_000_000_000.0),
            ("von.nstw.th_ky".to_owned(), 2_500_000_000.0),
            ("von.nstw.kh_nam".to_owned(), 5_000_000_000.0),
            ("von.dn.th_ky".to_owned(), 100_000_000.0),
        ]);
        let fields = Fields::from([
            ("von.dn.kh".to_owned(), "1.234,5".to_owned()),
            ("nguoi_ky".to_owned(), "Lê Văn Bình".to_owned()),
        ]);
        let filled = form
            .fill(&heading(), &values, &fields, &BTreeMap::new())
            .unwrap();
        assert_eq!(filled.title, "KẾT QUẢ HUY ĐỘNG NGUỒN LỰC NĂM 2025");
        assert_eq!(
            filled.cell("1", 2),
            Some(&FormCell::Number {
                value: 10_000.0,
                decimals: 1
            })
        );
        assert_eq!(
            filled.cell("2", 4),
            Some(&FormCell::Number {
                value: 1_234.5,
                decimals: 1
            })
        );
        assert_eq!(filled.cell("1", 4), Some(&FormCell::Empty));
        assert_eq!(filled.cell("1", 5), Some(&FormCell::Percent(0.5)));
        assert_eq!(
            filled.cell("TỔNG CỘNG", 3),
            Some(&FormCell::Number {
                value: 2_600.0,
                decimals: 1
            })
        );
        assert_eq!(
            filled.cell("TỔNG CỘNG", 4),
            Some(&FormCell::Number {
                value: 1_234.5,
                decimals: 1
            })
        );
        assert!(filled.body[0].bold);
    }

    #[test]
    fn grouped_columns_share_a_merged_header_and_the_others_span_two_rows() {
        let form = FormDefinition::from_toml(FORM).unwrap();
        let filled = form
            .fill(&heading(), &Values::new(), &Fields::new(), &BTreeMap::new())
            .unwrap();
        assert_eq!(
            filled.header.len(),
            3,
            "group row, column row, numbering row"
        );
        let group = filled.header[0]
            .iter()
            .find(|cell| cell.text == "Năm 2025")
            .unwrap();
        assert_eq!((group.col, group.cols, group.rows), (3, 2, 1));
        let stt = &filled.header[0][0];
        assert_eq!((stt.text.as_str(), stt.rows), ("STT", 2));
        assert!(filled.header[1]
            .iter()
            .any(|cell| cell.text == "KH 6 tháng cuối năm"));
        assert!(filled.header[0]
            .iter()
            .any(|cell| cell.text == "KQ đến 31/12/2024"));
        assert_eq!(filled.header[2][5].text, "(6)");
    }

    #[test]
    fn a_field_that_is_not_a_number_is_named() {
        let form = FormDefinition::from_toml(FORM).unwrap();
        let fields = Fields::from([("von.dn.kh".to_owned(), "nhiều".to_owned())]);
        let problems = form
            .fill(&heading(), &Values::new(), &fields, &BTreeMap::new())
            .unwrap_err();
        assert!(problems[0].contains("von.dn.kh"), "{problems:?}");
    }

    #[test]
    fn each_rows_expand_to_the_listed_items() {
        let text = r#"
code = "NTM-TC"
label = "Biểu số 02"
title = "KẾT QUẢ THỰC HIỆN TIÊU CHÍ"
[[columns]]
header = "STT"
kind = "stt"
[[columns]]
header = "Tiêu chí"
kind = "label"
[[columns]]
header = "Số xã đạt"
measure = "{key}.dat"
[[columns]]
header = "Tỷ lệ"
ratio = ["{key}.dat", "ntm.xa"]
[[rows]]
stt = "{n}"
label = "{name}"
key = "ntm.tc.{code}"
each = "criteria"
"#;
        let form = FormDefinition::from_toml(text).unwrap();
        let items = BTreeMap::from([(
            "criteria".to_owned(),
            vec![
                Item {
                    code: "1".to_owned(),
                    name: "Quy hoạch".to_owned(),
                },
                Item {
                    code: "2".to_owned(),
                    name: "Giao thông".to_owned(),
                },
            ],
        )]);
        let values = Values::from([
            ("ntm.tc.1.dat".to_owned(), 3.0),
            ("ntm.tc.2.dat".to_owned(), 1.0),
            ("ntm.xa".to_owned(), 4.0),
        ]);
        let filled = form
            .fill(&heading(), &values, &Fields::new(), &items)
            .unwrap();
        assert_eq!(filled.body.len(), 2);
        assert_eq!(filled.cell("Giao thông", 3), Some(&FormCell::Percent(0.25)));
        assert_eq!(
            form.measure_keys(&items),
            BTreeSet::from(["ntm.tc.1.dat", "ntm.tc.2.dat", "ntm.xa"].map(str::to_owned))
        );
    }

    #[test]
    fn a_definition_with_mistakes_lists_every_one() {
        let text = r#"
code = "BAD FORM"
label = "x"
title = "x"
[[columns]]
header = "A"
kind = "stt"
measure = "{key}.x"
[[columns]]
header = "B"
group = "G"
measure = "{key}.b"
[[columns]]
header = "C"
kind = "label"
[[columns]]
header = "D"
group = "G"
measure = "{key}.d"
[[rows]]
stt = "1"
sum = ["2"]
[[rows]]
stt = "2"
sum = ["1"]
[[rows]]
stt = "3"
sum = ["9"]
"#;
        let problems = FormDefinition::from_toml(text).unwrap_err();
        for needle in ["mã biểu", "đúng một", "liền nhau", "\"9\""] {
            assert!(
                problems.iter().any(|p| p.contains(needle)),
                "{needle}: {problems:?}"
            );
        }
    }
}
