//! A filled statutory form (`FilledForm`) written as a one-sheet XLSX file laid out for print: issuer and form label,
//! title, merged header, bordered body and notes in Times New Roman, on A4 one page wide.

use mtqg_core::report::layout::{FilledForm, FormCell};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

const FONT_NAME: &str = "Times New Roman";
const FONT_SIZE: f64 = 12.0;
const TITLE_FONT_SIZE: f64 = 14.0;
/// Excel's default column width, for columns the form gives no width.
const DEFAULT_WIDTH: f64 = 8.43;

/// Writes `form` as an XLSX file in memory: one sheet named after `form.code` (cut to Excel's 31 characters).
///
/// From the top: the issuer over the left third and the form label over the last two columns, a blank row, the
/// title and subtitle lines across the table, the unit note over the right third, the header (its cells merged over
/// their spans), the body, a blank row and the notes. Numbers stay numbers with a number format, so Excel shows them
/// with its locale's separators. The header rows repeat on every printed page and stay frozen on screen.
pub fn write_form(form: &FilledForm) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let worksheet = workbook.add_worksheet();
    worksheet.set_name(form.code.chars().take(31).collect::<String>())?;
    // Two columns at least, so the issuer and the form label never share a cell.
    let n_columns = form.n_columns().max(2) as u16;
    let last_col = n_columns - 1;
    let side_span = n_columns.div_ceil(3);
    let label_span = if n_columns >= 4 { 2 } else { 1 };
    let width_of = |first_col: u16, last_col: u16| -> f64 {
        (first_col..=last_col)
            .map(|col| {
                form.widths
                    .get(usize::from(col))
                    .copied()
                    .unwrap_or(DEFAULT_WIDTH)
            })
            .sum()
    };
    for (col, width) in form.widths.iter().enumerate() {
        worksheet.set_column_width(col as u16, *width)?;
    }

    let text = Format::new()
        .set_font_name(FONT_NAME)
        .set_font_size(FONT_SIZE)
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter);
    let bold_centre = text.clone().set_bold().set_align(FormatAlign::Center);
    let italic_centre = text.clone().set_italic().set_align(FormatAlign::Center);

    let issuer = form.issuer.join("\n");
    write_merged(worksheet, (0, 0), (0, side_span - 1), &issuer, &bold_centre)?;
    let label_col = n_columns - label_span;
    let label_format = bold_centre.clone().set_italic();
    write_merged(
        worksheet,
        (0, label_col),
        (0, last_col),
        &form.form_label,
        &label_format,
    )?;
    let top_height = row_height(&issuer, width_of(0, side_span - 1), FONT_SIZE).max(row_height(
        &form.form_label,
        width_of(label_col, last_col),
        FONT_SIZE,
    ));
    worksheet.set_row_height(0, top_height)?;

    let mut row = 2;
    let title_format = bold_centre.clone().set_font_size(TITLE_FONT_SIZE);
    write_merged(
        worksheet,
        (row, 0),
        (row, last_col),
        &form.title,
        &title_format,
    )?;
    let title_height = row_height(&form.title, width_of(0, last_col), TITLE_FONT_SIZE);
    worksheet.set_row_height(row, title_height)?;
    row += 1;
    for subtitle in &form.subtitle {
        write_merged(
            worksheet,
            (row, 0),
            (row, last_col),
            subtitle,
            &italic_centre,
        )?;
        worksheet.set_row_height(row, row_height(subtitle, width_of(0, last_col), FONT_SIZE))?;
        row += 1;
    }
    let unit_note_format = text.clone().set_italic().set_align(FormatAlign::Right);
    let unit_note_col = n_columns - side_span;
    write_merged(
        worksheet,
        (row, unit_note_col),
        (row, last_col),
        &form.unit_note,
        &unit_note_format,
    )?;
    row += 1;

    // Excel grows rows to fit wrapped text only in single cells, so each header row gets the height its tallest
    // cell needs, shared out over the rows a cell spans.
    let header_start = row;
    let header_format = bold_centre
        .clone()
        .set_border(FormatBorder::Thin)
        .set_background_color("#D9D9D9");
    let mut header_heights: Vec<f64> = Vec::new();
    for (row_idx, cells) in form.header.iter().enumerate() {
        for cell in cells {
            let n_rows = cell.rows.max(1);
            let first = (header_start + row_idx as u32, cell.col as u16);
            let last = (
                first.0 + n_rows as u32 - 1,
                first.1 + cell.cols.max(1) as u16 - 1,
            );
            write_merged(worksheet, first, last, &cell.text, &header_format)?;
            let height =
                row_height(&cell.text, width_of(first.1, last.1), FONT_SIZE) / n_rows as f64;
            if header_heights.len() < row_idx + n_rows {
                header_heights.resize(row_idx + n_rows, 0.0);
            }
            for spanned in &mut header_heights[row_idx..row_idx + n_rows] {
                *spanned = spanned.max(height);
            }
        }
    }
    for (row_idx, height) in header_heights.iter().enumerate() {
        worksheet.set_row_height(header_start + row_idx as u32, *height)?;
    }
    let body_start = header_start + header_heights.len() as u32;
    if body_start > header_start {
        worksheet.set_repeat_rows(header_start, body_start - 1)?;
        worksheet.set_freeze_panes(body_start, 0)?;
    }

    row = body_start;
    let cell_format = Format::new()
        .set_font_name(FONT_NAME)
        .set_font_size(FONT_SIZE)
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::VerticalCenter);
    for form_row in &form.body {
        let row_format = if form_row.bold {
            cell_format.clone().set_bold()
        } else {
            cell_format.clone()
        };
        for col in 0..usize::from(n_columns).max(form_row.cells.len()) {
            let col_num = col as u16;
            match form_row.cells.get(col).unwrap_or(&FormCell::Empty) {
                // The first column is the STT ("1", "1.1", "I"), centred like the header above it.
                FormCell::Text(value) => {
                    let align = if col == 0 {
                        FormatAlign::Center
                    } else {
                        FormatAlign::Left
                    };
                    let format = row_format.clone().set_text_wrap().set_align(align);
                    worksheet.write_string_with_format(row, col_num, value, &format)?
                }
                FormCell::Number { value, decimals } => {
                    let num_format = match decimals {
                        0 => "#,##0".to_owned(),
                        _ => format!("#,##0.{}", "0".repeat(usize::from(*decimals))),
                    };
                    let format = row_format.clone().set_num_format(num_format);
                    worksheet.write_number_with_format(row, col_num, *value, &format)?
                }
                FormCell::Percent(ratio) => {
                    let format = row_format.clone().set_num_format("0.0%");
                    worksheet.write_number_with_format(row, col_num, *ratio, &format)?
                }
                FormCell::Empty => worksheet.write_blank(row, col_num, &row_format)?,
            };
        }
        row += 1;
    }

    row += 1;
    let note_format = text.clone().set_italic().set_align(FormatAlign::Left);
    for note in &form.notes {
        write_merged(worksheet, (row, 0), (row, last_col), note, &note_format)?;
        worksheet.set_row_height(row, row_height(note, width_of(0, last_col), FONT_SIZE))?;
        row += 1;
    }

    worksheet.set_paper_size(9);
    if form.landscape {
        worksheet.set_landscape();
    } else {
        worksheet.set_portrait();
    }
    worksheet.set_print_fit_to_pages(1, 0);
    worksheet.set_margins(0.7, 0.5, 0.6, 0.6, 0.3, 0.3);
    worksheet.set_print_center_horizontally(true);
    workbook.save_to_buffer()
}

/// Writes `text` over the cells from `first` to `last` (row, column), merging them unless they are one cell.
fn write_merged(
    worksheet: &mut Worksheet,
    first: (u32, u16),
    last: (u32, u16),
    text: &str,
    format: &Format,
) -> Result<(), XlsxError> {
    if first == last {
        worksheet.write_string_with_format(first.0, first.1, text, format)?;
    } else {
        worksheet.merge_range(first.0, first.1, last.0, last.1, text, format)?;
    }
    Ok(())
}

/// The height in points of a row showing `text` wrapped in `width` column units (about one digit of Excel's
/// default font each). Rough on purpose: a row a little too tall prints fine, one too short cuts the text.
fn row_height(text: &str, width: f64, font_size: f64) -> f64 {
    let chars_per_line = (width * 11.0 / font_size / 1.15).max(1.0);
    let n_lines: f64 = text
        .split('\n')
        .map(|line| {
            (line.chars().count() as f64 / chars_per_line)
                .ceil()
                .max(1.0)
        })
        .sum();
    n_lines * font_size * 1.35
}
