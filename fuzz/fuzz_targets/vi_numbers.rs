//! Fuzzes the Vietnamese number and date conventions of `mtqg_core::vi`: `parse_number` and `parse_date` on the
//! input as text, `amount_in_words` and `format_int` on its first 8 bytes as an i64 (read back from the words),
//! `format_decimal` / `format_number` on them as an f64 with 0–12 decimals (read back with `parse_number`), and the
//! text helpers (`fold`, `nfc`, `compare`). Nothing may panic and every formatted value reads back as itself.
#![no_main]

use std::cmp::Ordering;

use chrono::Datelike;
use libfuzzer_sys::fuzz_target;
use mtqg_core::vi::{
    amount_in_words, capitalise_first, compare, fold, format_date, format_date_long,
    format_decimal, format_int, format_million_dong, format_number, format_percent, nfc,
    parse_date, parse_number, ParsedNumber,
};

/// Reads a group below one thousand: "[d trăm] [d mươi | mười | linh] [d | mốt | tư | lăm]".
fn group_value(words: &[&str]) -> Option<u64> {
    let digit = |word: &str| match word {
        "không" => Some(0),
        "một" | "mốt" => Some(1),
        "hai" => Some(2),
        "ba" => Some(3),
        "bốn" | "tư" => Some(4),
        "năm" | "lăm" => Some(5),
        "sáu" => Some(6),
        "bảy" => Some(7),
        "tám" => Some(8),
        "chín" => Some(9),
        _ => None,
    };
    let mut rest = words;
    let mut value = 0;
    if let [d, "trăm", tail @ ..] = rest {
        value += digit(d)? * 100;
        rest = tail;
    }
    match rest {
        ["mười", tail @ ..] => {
            value += 10;
            rest = tail;
        }
        ["linh", tail @ ..] => rest = tail,
        [d, "mươi", tail @ ..] => {
            value += digit(d)? * 10;
            rest = tail;
        }
        _ => {}
    }
    match rest {
        [] => Some(value),
        [d] => Some(value + digit(d)?),
        _ => None,
    }
}

/// Reads words below one tỷ: groups followed by "triệu", "nghìn" or nothing.
fn below_ty(words: &[&str]) -> Option<u64> {
    let mut total = 0;
    let mut rest = words;
    for (unit, scale) in [("triệu", 1_000_000), ("nghìn", 1_000)] {
        if let Some(at) = rest.iter().position(|word| *word == unit) {
            total += group_value(&rest[..at])? * scale;
            rest = &rest[at + 1..];
        }
    }
    Some(total + group_value(rest)?)
}

/// Reads what `amount_in_words` wrote: the part before the last "tỷ" counts in tỷ (and may hold "tỷ" itself).
fn words_value(words: &[&str]) -> Option<u64> {
    match words.iter().rposition(|word| *word == "tỷ") {
        Some(at) => words_value(&words[..at])?
            .checked_mul(1_000_000_000)?
            .checked_add(below_ty(&words[at + 1..])?),
        None => below_ty(words),
    }
}

fn check_amount(amount: i64) {
    let text = amount_in_words(amount);
    assert!(
        !text.contains("  ") && text.ends_with(" đồng"),
        "{amount}: {text:?}"
    );
    assert!(!capitalise_first(&text).is_empty());
    let words: Vec<&str> = text.split(' ').collect();
    let (negative, body) = match words[..words.len() - 1] {
        ["âm", ref rest @ ..] => (true, rest),
        ref rest => (false, rest),
    };
    assert_eq!(negative, amount < 0, "{amount}: {text:?}");
    if amount == 0 {
        assert_eq!(text, "không đồng");
        return;
    }
    assert!(
        body.first() != Some(&"không"),
        "{amount}: {text:?} starts with \"không\""
    );
    assert_eq!(
        words_value(body),
        Some(amount.unsigned_abs()),
        "{amount}: {text:?}"
    );
    assert_eq!(
        parse_number(&format_int(amount)),
        Ok(ParsedNumber {
            digits: i128::from(amount),
            decimals: 0
        }),
        "{amount}"
    );
    let _ = format_million_dong(amount);
}

fn check_decimal(value: f64, decimals: u32) {
    let text = format_decimal(value, decimals);
    let scaled = (value * 10_i64.pow(decimals) as f64).round() as i64;
    assert_eq!(
        parse_number(&text),
        Ok(ParsedNumber {
            digits: i128::from(scaled),
            decimals
        }),
        "format_decimal({value:?}, {decimals}) gave {text:?}"
    );
    let short = format_number(value, decimals);
    let read = parse_number(&short).unwrap_or_else(|err| panic!("{short:?}: {err}"));
    assert!(read.decimals <= decimals);
    assert_eq!(
        read.digits * 10_i128.pow(decimals - read.decimals),
        i128::from(scaled),
        "format_number({value:?}, {decimals}) gave {short:?}"
    );
    let _ = format_percent(value);
}

fuzz_target!(|data: &[u8]| {
    let mut head = [0u8; 8];
    let n = data.len().min(8);
    head[..n].copy_from_slice(&data[..n]);
    check_amount(i64::from_le_bytes(head));
    let decimals = u32::from(data.get(8).copied().unwrap_or(1) % 13);
    check_decimal(f64::from_le_bytes(head), decimals);

    let text = String::from_utf8_lossy(data);
    match parse_number(&text) {
        Ok(number) => {
            assert!(number.decimals <= 12);
            let kept: String = text
                .chars()
                .filter(|ch| !ch.is_whitespace() && *ch != '\u{a0}')
                .collect();
            assert!(kept
                .trim_start_matches('-')
                .chars()
                .all(|ch| ch.is_ascii_digit() || ch == '.' || ch == ','));
            if number.digits.unsigned_abs() < 1 << 49 {
                let value = number.digits as f64 / 10_f64.powi(number.decimals as i32);
                assert_eq!(
                    parse_number(&format_decimal(value, number.decimals)),
                    Ok(number),
                    "{text:?}"
                );
                check_decimal(value, number.decimals);
            }
            if let Ok(amount) = i64::try_from(number.digits) {
                check_amount(amount);
            }
        }
        Err(message) => assert!(!message.is_empty()),
    }
    if let Some(date) = parse_date(&text) {
        let _ = format_date_long(date);
        if (1..=9999).contains(&date.year()) {
            assert_eq!(parse_date(&format_date(date)), Some(date), "{text:?}");
            assert_eq!(
                parse_date(&date.format("%Y-%m-%d").to_string()),
                Some(date),
                "{text:?}"
            );
        }
    }
    let folded = fold(&text);
    assert!(
        !folded.contains("  ") && folded.trim() == folded,
        "fold({text:?}) = {folded:?}"
    );
    assert_eq!(compare(&text, &text), Ordering::Equal);
    assert_eq!(compare(&nfc(&text), &text), Ordering::Equal, "{text:?}");
});
