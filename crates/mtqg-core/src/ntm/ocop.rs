//! OCOP (One Commune One Product) scoring as data: the parts of the 100-point score with their maxima, the star tiers
//! and the product groups, read from a TOML file so a new decision is a new file.

use serde::Deserialize;

/// A part of the score (A, B, C).
#[derive(Debug, Clone, Deserialize)]
pub struct ScorePart {
    pub code: String,
    pub name: String,
    pub max: i64,
}

/// A star tier: products scoring at least `min` get `stars`.
#[derive(Debug, Clone, Deserialize)]
pub struct StarTier {
    pub stars: u8,
    pub min: i64,
}

/// A product group.
#[derive(Debug, Clone, Deserialize)]
pub struct ProductGroup {
    pub code: String,
    pub name: String,
}

/// A scoring scale.
#[derive(Debug, Clone, Deserialize)]
pub struct OcopScale {
    pub legal_basis: String,
    #[serde(default)]
    pub verify: bool,
    pub parts: Vec<ScorePart>,
    pub tiers: Vec<StarTier>,
    pub groups: Vec<ProductGroup>,
}

impl OcopScale {
    /// Reads and validates a scale: three parts, tiers in increasing order within the total.
    pub fn from_toml(text: &str) -> Result<OcopScale, Vec<String>> {
        let scale: OcopScale = toml::from_str(text).map_err(|err| vec![err.to_string()])?;
        let mut problems = Vec::new();
        let total: i64 = scale.parts.iter().map(|part| part.max).sum();
        if scale.parts.is_empty() || scale.parts.iter().any(|part| part.max <= 0) {
            problems.push("mỗi phần điểm cần điểm tối đa dương".to_owned());
        }
        if scale.tiers.is_empty() {
            problems.push("thiếu các hạng sao".to_owned());
        }
        for pair in scale.tiers.windows(2) {
            if pair[1].min <= pair[0].min || pair[1].stars <= pair[0].stars {
                problems.push("các hạng sao phải tăng dần".to_owned());
            }
        }
        if scale.tiers.iter().any(|tier| tier.min > total) {
            problems.push(format!("ngưỡng hạng sao vượt tổng điểm {total}"));
        }
        if problems.is_empty() {
            Ok(scale)
        } else {
            Err(problems)
        }
    }

    /// The stars of a product scored `a`, `b`, `c` (in the order of `parts`); `None` below the lowest tier; an error
    /// when a part is negative or above its maximum.
    pub fn stars(&self, a: i64, b: i64, c: i64) -> Result<Option<u8>, String> {
        for (part, score) in self.parts.iter().zip([a, b, c]) {
            if !(0..=part.max).contains(&score) {
                return Err(format!(
                    "điểm phần {} ({}) phải từ 0 đến {}, nhận {score}",
                    part.code, part.name, part.max
                ));
            }
        }
        let total = a + b + c;
        Ok(self
            .tiers
            .iter()
            .rev()
            .find(|tier| total >= tier.min)
            .map(|tier| tier.stars))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCALE: &str = include_str!("../../../../data/ntm/ocop-qd148-2023.toml");

    #[test]
    fn the_shipped_scale_loads_and_gives_stars_at_the_tier_boundaries() {
        let scale = OcopScale::from_toml(SCALE).expect("shipped scale is valid");
        assert_eq!(scale.stars(20, 10, 19), Ok(None), "49 points");
        assert_eq!(scale.stars(20, 10, 20), Ok(Some(3)), "50 points");
        assert_eq!(scale.stars(30, 20, 19), Ok(Some(3)), "69 points");
        assert_eq!(scale.stars(30, 20, 20), Ok(Some(4)), "70 points");
        assert_eq!(scale.stars(40, 25, 24), Ok(Some(4)), "89 points");
        assert_eq!(scale.stars(40, 25, 25), Ok(Some(5)), "90 points");
        assert_eq!(scale.stars(40, 25, 35), Ok(Some(5)), "100 points");
    }

    #[test]
    fn a_part_above_its_maximum_or_negative_is_refused() {
        let scale = OcopScale::from_toml(SCALE).expect("shipped scale is valid");
        assert!(scale.stars(41, 0, 0).unwrap_err().contains("từ 0 đến 40"));
        assert!(scale.stars(0, -1, 0).is_err());
    }

    #[test]
    fn tiers_out_of_order_are_refused() {
        let bad = SCALE.replace("min = 70", "min = 40");
        let problems = OcopScale::from_toml(&bad).unwrap_err();
        assert!(
            problems.iter().any(|p| p.contains("tăng dần")),
            "{problems:?}"
        );
    }
}
