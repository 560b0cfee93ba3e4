//! Vietnamese conventions shared by every capability: number and date formatting, diacritics folding and collation.
//!
//! Numbers group thousands with "." and mark decimals with "," ("25.608,6"); dates print as dd/mm/yyyy or,
//! in documents, "ngày 19 tháng 01 năm 2024" (../shared/DOMAIN.md §9).

use std::cmp::Ordering;

use chrono::{Datelike, NaiveDate};
use unicode_normalization::UnicodeNormalization;

/// Formats an integer with "." as the thousands separator: `51673` gives "51.673".
pub fn format_int(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut res = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if value < 0 {
        res.push('-');
    }
    for (idx, ch) in digits.chars().enumerate() {
        if idx > 0 && (digits.len() - idx) % 3 == 0 {
            res.push('.');
        }
        res.push(ch);
    }
    res
}

/// Formats a decimal number with `decimals` digits after ",", rounding half away from zero:
/// `format_decimal(25608.6, 1)` gives "25.608,6".
pub fn format_decimal(value: f64, decimals: u32) -> String {
    let scale = 10_i64.pow(decimals);
    let scaled = (value * scale as f64).round() as i64;
    let int_part = scaled / scale;
    let frac_part = (scaled % scale).unsigned_abs();
    let mut res = if scaled < 0 && int_part == 0 {
        "-0".to_owned()
    } else {
        format_int(int_part)
    };
    if decimals > 0 {
        res.push(',');
        res.push_str(&format!("{frac_part:0width$}", width = decimals as usize));
    }
    res
}

/// Formats a decimal number and drops trailing zeros of the fraction: `43.60` with 2 decimals gives "43,6",
/// `51673.0` gives "51.673". Reports print amounts this way.
pub fn format_number(value: f64, max_decimals: u32) -> String {
    let res = format_decimal(value, max_decimals);
    match res.split_once(',') {
        Some((int_part, frac)) => {
            let frac = frac.trim_end_matches('0');
            if frac.is_empty() {
                int_part.to_owned()
            } else {
                format!("{int_part},{frac}")
            }
        }
        None => res,
    }
}

/// Formats a ratio (0.436) as a percentage with one decimal: "43,6%".
pub fn format_percent(ratio: f64) -> String {
    format!("{}%", format_number(ratio * 100.0, 1))
}

/// Formats an amount held in whole đồng as million đồng with up to one decimal: 25_608_600_000 gives "25.608,6".
pub fn format_million_dong(amount_dong: i64) -> String {
    format_number(amount_dong as f64 / 1_000_000.0, 1)
}

/// Reads an amount of money in words the way administrative documents and accounting software write it
/// ("Bằng chữ: …"): 51_673_000_000 gives "năm mươi mốt tỷ sáu trăm bảy mươi ba triệu đồng".
///
/// The rules:
/// - digits go in groups of three, read with "nghìn", "triệu" and "tỷ"; above 999 tỷ the part before "tỷ" is read
///   as a number of its own, so "tỷ" repeats: 10^12 is "một nghìn tỷ", 10^18 "một tỷ tỷ";
/// - groups that are all zero are skipped: 2_000_500 is "hai triệu năm trăm";
/// - a group after a non-zero one reads its hundreds even when zero: 1_015 is "một nghìn không trăm mười lăm",
///   3_000_005_000 "ba tỷ không trăm linh năm nghìn"; the leading group does not ("mười lăm", not "không trăm …");
/// - tens zero with units non-zero after hundreds reads "linh": 105 is "một trăm linh năm";
/// - ten is "mười", other tens "… mươi"; units after tens read 5 as "lăm" (15 "mười lăm", 25 "hai mươi lăm"),
///   and after "mươi" 1 as "mốt" and 4 as "tư" (21 "hai mươi mốt", 24 "hai mươi tư", but 11 "mười một",
///   14 "mười bốn", 104 "một trăm linh bốn");
/// - zero is "không đồng"; a negative amount starts with "âm".
///
/// Documents start the sentence with a capital: see `capitalise_first`.
pub fn amount_in_words(amount_dong: i64) -> String {
    let mut words = Vec::new();
    if amount_dong < 0 {
        words.push("âm");
    }
    match amount_dong.unsigned_abs() {
        0 => words.push("không"),
        magnitude => push_number_words(magnitude, true, &mut words),
    }
    words.push("đồng");
    words.join(" ")
}

/// Upper-cases the first letter, for text that starts a sentence: "năm mươi mốt tỷ đồng" gives "Năm mươi mốt tỷ đồng".
pub fn capitalise_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

const DIGIT_WORDS: [&str; 10] = [
    "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
];

/// Pushes the words of `number` (nothing for 0). `leading` holds while no higher group has been read: the first
/// non-zero group of the whole amount reads "mười lăm", every later one "không trăm mười lăm".
fn push_number_words(number: u64, leading: bool, words: &mut Vec<&'static str>) {
    const TY: u64 = 1_000_000_000;
    if number >= TY {
        push_number_words(number / TY, leading, words);
        words.push("tỷ");
        push_number_words(number % TY, false, words);
        return;
    }
    let mut leading = leading;
    for (scale, unit) in [
        (1_000_000, Some("triệu")),
        (1_000, Some("nghìn")),
        (1, None),
    ] {
        let group = (number / scale % 1_000) as usize;
        if group == 0 {
            continue;
        }
        let (hundreds, tens, units) = (group / 100, group / 10 % 10, group % 10);
        let read_hundreds = !leading || hundreds > 0;
        if read_hundreds {
            words.extend([DIGIT_WORDS[hundreds], "trăm"]);
        }
        match tens {
            0 if units > 0 && read_hundreds => words.push("linh"),
            0 => {}
            1 => words.push("mười"),
            _ => words.extend([DIGIT_WORDS[tens], "mươi"]),
        }
        match (tens, units) {
            (_, 0) => {}
            (2.., 1) => words.push("mốt"),
            (2.., 4) => words.push("tư"),
            (1.., 5) => words.push("lăm"),
            _ => words.push(DIGIT_WORDS[units]),
        }
        words.extend(unit);
        leading = false;
    }
}

/// Formats a date as dd/mm/yyyy.
pub fn format_date(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

/// Formats a date the way administrative documents write it: "ngày 19 tháng 01 năm 2024".
pub fn format_date_long(date: NaiveDate) -> String {
    format!(
        "ngày {:02} tháng {:02} năm {}",
        date.day(),
        date.month(),
        date.year()
    )
}

/// Parses a date written as dd/mm/yyyy, d/m/yyyy or ISO yyyy-mm-dd.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y"))
        .ok()
}

/// A number read from Vietnamese text, exact: `digits` scaled by 10^`decimals` ("25.608,6" is 256086 with 1 decimal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedNumber {
    pub digits: i128,
    pub decimals: u32,
}

/// Parses a number written the Vietnamese way: "." groups thousands (groups of exactly three digits), "," marks
/// decimals, spaces are ignored, a leading "-" is kept. "1.234,5" is 1234.5; "1,234" is 1.234 (one point two three
/// four, since the comma is the decimal mark); "1.5" and "1.23.4" are refused as ambiguous or malformed.
pub fn parse_number(text: &str) -> Result<ParsedNumber, String> {
    let cleaned: String = text
        .chars()
        .filter(|ch| !ch.is_whitespace() && *ch != '\u{a0}')
        .collect();
    let (negative, body) = match cleaned.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, cleaned.as_str()),
    };
    if body.is_empty() {
        return Err("ô trống".to_owned());
    }
    let (int_part, frac_part) = match body.split_once(',') {
        Some((int_part, frac)) => (int_part, Some(frac)),
        None => (body, None),
    };
    let groups: Vec<&str> = int_part.split('.').collect();
    let well_grouped = groups.len() == 1
        || (!groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[1..].iter().all(|group| group.len() == 3));
    let all_digits = |part: &str| part.chars().all(|ch| ch.is_ascii_digit());
    if int_part.is_empty() || !well_grouped || !groups.iter().all(|group| all_digits(group)) {
        return Err(format!(
            "\"{text}\" không phải số theo cách viết Việt Nam (dấu chấm phân cách hàng nghìn, dấu phẩy thập phân, ví dụ 1.234,5)"
        ));
    }
    let frac = frac_part.unwrap_or("");
    if frac_part.is_some() && (frac.is_empty() || !all_digits(frac)) || frac.len() > 12 {
        return Err(format!("phần thập phân của \"{text}\" không hợp lệ"));
    }
    let all: String = groups.concat() + frac;
    if all.len() > 30 {
        return Err(format!("số \"{text}\" quá lớn"));
    }
    let magnitude: i128 = all
        .parse()
        .map_err(|_| format!("số \"{text}\" không hợp lệ"))?;
    Ok(ParsedNumber {
        digits: if negative { -magnitude } else { magnitude },
        decimals: frac.len() as u32,
    })
}

/// Normalises text to NFC, the form every stored Vietnamese string uses. Text already in NFC (all ASCII, or as
/// typed on most keyboards) is copied without decomposing it: imports call this for every name of a million rows.
pub fn nfc(text: &str) -> String {
    if unicode_normalization::is_nfc_quick(text.chars()) == unicode_normalization::IsNormalized::Yes
    {
        text.to_owned()
    } else {
        text.nfc().collect()
    }
}

/// Folds text for diacritics- and case-insensitive search: "Mường Lát" and "muong  lat" both give "muong lat".
/// "đ" folds to "d"; runs of whitespace collapse to one space.
pub fn fold(text: &str) -> String {
    let mut res = String::with_capacity(text.len());
    let mut pending_space = false;
    for ch in text.nfd() {
        if is_combining_mark(ch) {
            continue;
        }
        if ch.is_whitespace() {
            pending_space = !res.is_empty();
            continue;
        }
        if pending_space {
            res.push(' ');
            pending_space = false;
        }
        match ch {
            'đ' | 'Đ' => res.push('d'),
            _ => res.extend(ch.to_lowercase()),
        }
    }
    res
}

fn is_combining_mark(ch: char) -> bool {
    matches!(ch as u32, 0x0300..=0x036F)
}

/// The Vietnamese alphabet order: a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y,
/// with the tones ordered unmarked, huyền, hỏi, ngã, sắc, nặng as dictionaries do.
const LETTERS: &str = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz";
const TONES: [char; 5] = ['\u{0300}', '\u{0309}', '\u{0303}', '\u{0301}', '\u{0323}'];

/// A key that sorts strings in Vietnamese dictionary order ("Ân" after "Ăn", "Đà" after "Dương").
/// Letters compare first (with ă, â, đ, ê, ô, ơ, ư as letters of their own); tones only break ties.
pub fn collation_key(text: &str) -> Vec<u32> {
    let mut letters = Vec::new();
    let mut tones = Vec::new();
    for ch in text.nfc() {
        let mut tone = 0;
        let mut base = String::new();
        for part in ch.to_lowercase().nfd() {
            match TONES.iter().position(|mark| *mark == part) {
                Some(tone_idx) => tone = tone_idx as u32 + 1,
                None => base.push(part),
            }
        }
        let letter = base.nfc().next().unwrap_or(ch);
        // 0 ends the letters, 1 is a space, so "Ma Lai" sorts before "Mai"; digits and punctuation go last.
        let weight = match LETTERS.chars().position(|known| known == letter) {
            Some(pos) => pos as u32 + 2,
            None if letter.is_whitespace() => 1,
            None => 0x100 + letter as u32,
        };
        letters.push(weight);
        tones.push(tone);
    }
    letters.push(0);
    letters.extend(tones);
    letters
}

/// Compares two strings in Vietnamese dictionary order.
pub fn compare(a: &str, b: &str) -> Ordering {
    collation_key(a).cmp(&collation_key(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_parse_with_dot_thousands_and_comma_decimals() {
        let parse = |text| parse_number(text).map(|n| (n.digits, n.decimals));
        assert_eq!(parse("25.608,6"), Ok((256086, 1)));
        assert_eq!(parse("51.673"), Ok((51673, 0)));
        assert_eq!(parse(" 1 234 567 "), Ok((1234567, 0)));
        assert_eq!(
            parse("1,234"),
            Ok((1234, 3)),
            "the comma is the decimal mark"
        );
        assert_eq!(parse("-12,5"), Ok((-125, 1)));
        assert_eq!(parse("1234,5"), Ok((12345, 1)));
        for bad in ["1.5", "1.23.4", "12.34,5", ".5", "1,", "abc", "1,2,3", ""] {
            assert!(parse_number(bad).is_err(), "{bad} must be refused");
        }
    }

    #[test]
    fn integers_group_thousands_with_dots() {
        assert_eq!(format_int(0), "0");
        assert_eq!(format_int(999), "999");
        assert_eq!(format_int(51_673), "51.673");
        assert_eq!(format_int(1_044_000_000), "1.044.000.000");
        assert_eq!(format_int(-10_066), "-10.066");
    }

    #[test]
    fn decimals_use_a_comma_and_round_half_away_from_zero() {
        assert_eq!(format_decimal(25_608.6, 1), "25.608,6");
        assert_eq!(format_decimal(58_759.95, 1), "58.760,0");
        assert_eq!(format_decimal(0.05, 1), "0,1");
        assert_eq!(format_decimal(-0.04, 1), "0,0");
        assert_eq!(format_decimal(-0.06, 1), "-0,1");
        assert_eq!(format_decimal(12.0, 2), "12,00");
    }

    #[test]
    fn numbers_drop_trailing_zeros_of_the_fraction() {
        assert_eq!(format_number(51_673.0, 1), "51.673");
        assert_eq!(format_number(12.02, 2), "12,02");
        assert_eq!(format_number(43.60, 2), "43,6");
    }

    #[test]
    fn percentages_read_like_reports() {
        assert_eq!(format_percent(25_608.6 / 58_759.9), "43,6%");
        assert_eq!(format_percent(1.1075), "110,8%");
        assert_eq!(format_percent(0.0), "0%");
    }

    #[test]
    fn amounts_in_dong_print_in_million_dong() {
        assert_eq!(format_million_dong(25_608_600_000), "25.608,6");
        assert_eq!(format_million_dong(51_673_000_000), "51.673");
    }

    fn check_words(amount_dong: i64, expected: &str) {
        assert_eq!(amount_in_words(amount_dong), expected, "{amount_dong}");
    }

    #[test]
    fn amounts_read_in_groups_of_nghin_trieu_and_ty() {
        check_words(
            51_673_000_000,
            "năm mươi mốt tỷ sáu trăm bảy mươi ba triệu đồng",
        );
        check_words(1_000_000, "một triệu đồng");
        check_words(
            1_234_567,
            "một triệu hai trăm ba mươi tư nghìn năm trăm sáu mươi bảy đồng",
        );
    }

    #[test]
    fn zero_is_khong_dong_and_a_negative_amount_starts_with_am() {
        check_words(0, "không đồng");
        check_words(-25, "âm hai mươi lăm đồng");
    }

    #[test]
    fn ten_is_muoi_and_other_tens_are_muoi() {
        check_words(10, "mười đồng");
        check_words(11, "mười một đồng");
        check_words(20, "hai mươi đồng");
        check_words(110, "một trăm mười đồng");
    }

    #[test]
    fn units_after_tens_read_five_as_lam_and_after_muoi_one_as_mot_and_four_as_tu() {
        check_words(15, "mười lăm đồng");
        check_words(25, "hai mươi lăm đồng");
        check_words(14, "mười bốn đồng");
        check_words(24, "hai mươi tư đồng");
        check_words(21, "hai mươi mốt đồng");
        check_words(5, "năm đồng");
        check_words(4, "bốn đồng");
    }

    #[test]
    fn tens_zero_after_hundreds_reads_linh() {
        check_words(105, "một trăm linh năm đồng");
        check_words(104, "một trăm linh bốn đồng");
        check_words(101, "một trăm linh một đồng");
    }

    #[test]
    fn an_inner_group_reads_its_zero_hundreds_but_the_leading_group_does_not() {
        check_words(1_015, "một nghìn không trăm mười lăm đồng");
        check_words(3_000_005_000, "ba tỷ không trăm linh năm nghìn đồng");
        check_words(1_000_005, "một triệu không trăm linh năm đồng");
        check_words(15_000, "mười lăm nghìn đồng");
    }

    #[test]
    fn groups_that_are_all_zero_are_skipped() {
        check_words(2_000_500, "hai triệu năm trăm đồng");
        check_words(7_000_000_000, "bảy tỷ đồng");
    }

    #[test]
    fn ty_repeats_above_nine_hundred_ninety_nine_ty() {
        check_words(1_000_000_000_000, "một nghìn tỷ đồng");
        check_words(1_500_000_000_000, "một nghìn năm trăm tỷ đồng");
        check_words(1_000_000_000_000_000_000, "một tỷ tỷ đồng");
        check_words(
            i64::MIN,
            "âm chín tỷ hai trăm hai mươi ba triệu ba trăm bảy mươi hai nghìn không trăm ba mươi sáu tỷ \
             tám trăm năm mươi tư triệu bảy trăm bảy mươi lăm nghìn tám trăm linh tám đồng",
        );
    }

    #[test]
    fn a_sentence_starts_with_a_capital() {
        assert_eq!(
            capitalise_first(&amount_in_words(51_673_000_000)),
            "Năm mươi mốt tỷ sáu trăm bảy mươi ba triệu đồng"
        );
        assert_eq!(capitalise_first("âm năm đồng"), "Âm năm đồng");
        assert_eq!(capitalise_first(""), "");
    }

    #[test]
    fn dates_print_short_and_long() {
        let date = NaiveDate::from_ymd_opt(2024, 1, 19).expect("valid date");
        assert_eq!(format_date(date), "19/01/2024");
        assert_eq!(format_date_long(date), "ngày 19 tháng 01 năm 2024");
    }

    #[test]
    fn dates_parse_in_vietnamese_and_iso_forms() {
        let date = NaiveDate::from_ymd_opt(2025, 7, 1).expect("valid date");
        assert_eq!(parse_date("01/07/2025"), Some(date));
        assert_eq!(parse_date("1/7/2025"), Some(date));
        assert_eq!(parse_date(" 2025-07-01 "), Some(date));
        assert_eq!(parse_date("31/02/2025"), None);
        assert_eq!(parse_date("2025-13-01"), None);
        assert_eq!(parse_date("hôm qua"), None);
    }

    #[test]
    fn folding_ignores_diacritics_case_and_spacing() {
        assert_eq!(fold("Mường Lát"), "muong lat");
        assert_eq!(fold("  MƯỜNG   lát "), "muong lat");
        assert_eq!(fold("Đồng Nai"), "dong nai");
        assert_eq!(fold("Thuỵ"), fold("Thụy"));
        assert_eq!(fold("Hoà"), fold("Hòa"));
    }

    #[test]
    fn folding_gives_the_same_key_for_decomposed_and_composed_text() {
        let decomposed: String = "Mường Lát".nfd().collect();
        assert_eq!(fold(&decomposed), fold("Mường Lát"));
    }

    #[test]
    fn collation_follows_the_vietnamese_alphabet() {
        let mut names = vec![
            "Đông", "Dương", "Ân", "Ăn", "An", "Ơn", "Ôn", "On", "Bắc", "Ưng", "Uông",
        ];
        names.sort_by(|a, b| compare(a, b));
        assert_eq!(
            names,
            vec![
                "An", "Ăn", "Ân", "Bắc", "Dương", "Đông", "On", "Ôn", "Ơn", "Uông", "Ưng"
            ]
        );
    }

    #[test]
    fn collation_orders_tones_after_letters() {
        let mut names = vec!["Má", "Mà", "Ma", "Mạ", "Mả", "Mã", "Mai"];
        names.sort_by(|a, b| compare(a, b));
        assert_eq!(names, vec!["Ma", "Mà", "Mả", "Mã", "Má", "Mạ", "Mai"]);
    }

    #[test]
    fn collation_is_case_insensitive_for_letters() {
        assert_eq!(compare("hà nội", "Hà Nội"), Ordering::Equal);
    }
}
