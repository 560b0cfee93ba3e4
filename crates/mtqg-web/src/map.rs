//! A choropleth of provinces, drawn server-side as SVG from the shipped boundaries: today's 34
//! (`data/geography/provinces_2025.geojson`) or the 63 before 1/7/2025 (`provinces_2021.geojson`), both simplified by
//! `tools/prepare_boundaries.py`. Names are escaped here; the result goes into templates as trusted markup.

use std::collections::HashMap;
use std::sync::OnceLock;

use mtqg_core::vi;

const BOUNDARIES_2025: &str = include_str!("../../../data/geography/provinces_2025.geojson");
const BOUNDARIES_2021: &str = include_str!("../../../data/geography/provinces_2021.geojson");

/// Which provinces a map draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Provinces {
    /// The 63 provinces before the 2025 reform.
    Before2025,
    /// The 34 provinces from 1/7/2025.
    From2025,
}

impl Provinces {
    /// The provinces of the country on `date`.
    pub(crate) fn on(date: chrono::NaiveDate) -> Provinces {
        let reform = chrono::NaiveDate::from_ymd_opt(2025, 7, 1).expect("valid date");
        if date < reform {
            Provinces::Before2025
        } else {
            Provinces::From2025
        }
    }
}

struct Province {
    code: String,
    name: String,
    /// Rings of (longitude, latitude).
    rings: Vec<Vec<(f64, f64)>>,
}

fn provinces(which: Provinces) -> &'static [Province] {
    static BEFORE: OnceLock<Vec<Province>> = OnceLock::new();
    static FROM: OnceLock<Vec<Province>> = OnceLock::new();
    match which {
        Provinces::Before2025 => BEFORE.get_or_init(|| parse(BOUNDARIES_2021)),
        Provinces::From2025 => FROM.get_or_init(|| parse(BOUNDARIES_2025)),
    }
}

fn parse(boundaries: &str) -> Vec<Province> {
    {
        let collection: serde_json::Value =
            serde_json::from_str(boundaries).expect("the shipped boundaries are valid JSON");
        let mut res = Vec::new();
        for feature in collection["features"].as_array().into_iter().flatten() {
            let text = |key: &str| feature["properties"][key].as_str().unwrap_or("").to_owned();
            let mut rings = Vec::new();
            for polygon in feature["geometry"]["coordinates"]
                .as_array()
                .into_iter()
                .flatten()
            {
                for ring in polygon.as_array().into_iter().flatten() {
                    let points: Vec<(f64, f64)> = ring
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|point| Some((point[0].as_f64()?, point[1].as_f64()?)))
                        .collect();
                    rings.push(points);
                }
            }
            res.push(Province {
                code: text("code"),
                name: text("name"),
                rings,
            });
        }
        res
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The class of a share: five bands of 20 points, or no data.
fn band(share: Option<f64>) -> &'static str {
    match share {
        None => "map-none",
        Some(share) if share < 0.2 => "map-0",
        Some(share) if share < 0.4 => "map-1",
        Some(share) if share < 0.6 => "map-2",
        Some(share) if share < 0.8 => "map-3",
        Some(_) => "map-4",
    }
}

/// Provinces coloured by `shares` (province code → its name in the register and a share 0–1), each linking to
/// `link(code)`; a province missing from `shares` shows the boundary file's name and no data.
pub(crate) fn choropleth(
    which: Provinces,
    title: &str,
    shares: &HashMap<String, (String, Option<f64>)>,
    link: impl Fn(&str) -> String,
) -> String {
    let all = provinces(which);
    let points = all.iter().flat_map(|p| p.rings.iter().flatten());
    let (mut min_x, mut max_x, mut min_y, mut max_y) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in points {
        min_x = min_x.min(x);
        max_x = max_x.max(x);
        min_y = min_y.min(y);
        max_y = max_y.max(y);
    }
    // Equirectangular, longitudes shortened by the cosine of the middle latitude.
    let squeeze = ((min_y + max_y) / 2.0).to_radians().cos();
    let width = 320.0;
    let scale = width / ((max_x - min_x) * squeeze);
    let height = (max_y - min_y) * scale;
    let mut svg = format!(
        "<svg class=\"map\" viewBox=\"0 0 {width:.0} {:.0}\" width=\"100%\" role=\"img\" aria-label=\"{}\">",
        height + 58.0,
        escape(title)
    );
    for province in all {
        let (name, share) = shares
            .get(&province.code)
            .map(|(name, share)| (name.as_str(), *share))
            .unwrap_or((province.name.as_str(), None));
        let mut d = String::new();
        for ring in &province.rings {
            for (i, (x, y)) in ring.iter().enumerate() {
                d.push_str(&format!(
                    "{}{:.1},{:.1}",
                    if i == 0 { "M" } else { "L" },
                    (x - min_x) * squeeze * scale,
                    (max_y - y) * scale
                ));
            }
            d.push('Z');
        }
        svg.push_str(&format!(
            "<a href=\"{}\"><path d=\"{d}\" class=\"{}\"><title>{}: {}</title></path></a>",
            escape(&link(&province.code)),
            band(share),
            escape(name),
            share
                .map(vi::format_percent)
                .unwrap_or_else(|| "chưa có số liệu".to_owned())
        ));
    }
    // Two rows of three, so the labels never run into the next square; grey is "no data".
    for (i, (class, label)) in [
        ("map-0", "dưới 20%"),
        ("map-1", "20–40%"),
        ("map-2", "40–60%"),
        ("map-3", "60–80%"),
        ("map-4", "từ 80%"),
        (band(None), "chưa có số liệu"),
    ]
    .iter()
    .enumerate()
    {
        let x = 4.0 + (i % 3) as f64 * 105.0;
        let y = height + 14.0 + (i / 3) as f64 * 20.0;
        svg.push_str(&format!(
            "<rect x=\"{x:.0}\" y=\"{y:.0}\" width=\"12\" height=\"12\" class=\"{class}\"/>\
             <text x=\"{:.0}\" y=\"{:.0}\" class=\"value\">{label}</text>",
            x + 16.0,
            y + 10.0
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_boundaries_hold_the_34_provinces_with_their_codes() {
        let all = provinces(Provinces::From2025);
        assert_eq!(all.len(), 34);
        assert!(all
            .iter()
            .any(|p| p.code == "38" && p.name.starts_with("Tỉnh Thanh Ho")));
        assert!(all.iter().all(|p| !p.rings.is_empty()));
    }

    #[test]
    fn the_shipped_boundaries_before_the_reform_hold_the_63_provinces_with_their_codes() {
        let all = provinces(Provinces::Before2025);
        assert_eq!(all.len(), 63);
        let codes: std::collections::HashSet<&str> = all.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes.len(), 63);
        // Hà Giang (02) and Bình Định (52) ended in the reform; their shapes are here.
        assert!(all
            .iter()
            .any(|p| p.code == "02" && p.name == "Tỉnh Hà Giang"));
        assert!(all
            .iter()
            .any(|p| p.code == "52" && p.name == "Tỉnh Bình Định"));
        assert!(all.iter().all(|p| !p.rings.is_empty()));
        assert_eq!(
            Provinces::on(chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()),
            Provinces::Before2025
        );
        assert_eq!(
            Provinces::on(chrono::NaiveDate::from_ymd_opt(2025, 7, 1).unwrap()),
            Provinces::From2025
        );
    }

    #[test]
    fn each_province_is_coloured_by_its_band_and_links_to_its_page() {
        let shares = HashMap::from([
            ("38".to_owned(), ("Tỉnh Thanh Hóa".to_owned(), Some(0.436))),
            ("01".to_owned(), ("Thành phố Hà Nội".to_owned(), Some(0.95))),
        ]);
        let svg = choropleth(Provinces::From2025, "Tỷ lệ xã", &shares, |code| {
            format!("/ntm?unit={code}")
        });
        assert_eq!(svg.matches("<path").count(), 34);
        assert!(svg.contains("<a href=\"/ntm?unit=38\"><path"));
        assert!(
            svg.contains("class=\"map-2\"><title>Tỉnh Thanh Hóa: 43,6%</title>"),
            "{svg}"
        );
        assert!(
            svg.contains("class=\"map-4\"><title>Thành phố Hà Nội: 95%</title>"),
            "{svg}"
        );
        assert!(svg.contains("chưa có số liệu"));
    }
}
