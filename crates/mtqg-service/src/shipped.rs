//! The official geography shipped inside the binary, and the order and dates in which it is loaded.
//!
//! The files are in mtqg's own import formats (built from ../shared/data by tools/prepare_geography.py),
//! so they go through the same validation and planning as a user's import.

use chrono::NaiveDate;

/// One file of the shipped load.
pub(crate) struct Step {
    pub(crate) file: &'static str,
    pub(crate) bytes: &'static [u8],
    /// The date the list describes, as `yyyy-mm-dd`; `None` for the oldest list, whose start is unknown.
    as_of: Option<&'static str>,
    /// Recorded on units this step ends.
    pub(crate) end_note: Option<&'static str>,
}

impl Step {
    pub(crate) fn as_of(&self) -> Option<NaiveDate> {
        self.as_of.map(|text| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("shipped dates are valid")
        })
    }
}

/// The 2023 list; the 1/3/2025 list, applied as of 1/11/2024 because the 2023–2025 arrangements took effect
/// on several dates between then and 1/1/2025 and the lists do not say which (an administrator can correct
/// a unit's dates by import); the 1/7/2025 two-level list; the 2025 crosswalk; the 30/4/2026 changes; the 7 and 6
/// socio-economic regions as dated memberships (tools/prepare_groupings.py).
pub(crate) const STEPS: &[Step] = &[
    Step {
        file: "units_2023-04-08.csv",
        bytes: include_bytes!("../../../data/geography/units_2023-04-08.csv"),
        as_of: None,
        end_note: None,
    },
    Step {
        file: "units_2025-03-01.csv",
        bytes: include_bytes!("../../../data/geography/units_2025-03-01.csv"),
        as_of: Some("2024-11-01"),
        end_note: Some("Không còn trong danh mục ngày 01/3/2025; ngày kết thúc 01/11/2024 là ước lượng"),
    },
    Step {
        file: "units_2025-07-01.csv",
        bytes: include_bytes!("../../../data/geography/units_2025-07-01.csv"),
        as_of: Some("2025-07-01"),
        end_note: Some("Chấm dứt từ 01/7/2025 khi sắp xếp đơn vị hành chính và tổ chức chính quyền địa phương 2 cấp"),
    },
    Step {
        file: "crosswalk_2025-07-01.csv",
        bytes: include_bytes!("../../../data/geography/crosswalk_2025-07-01.csv"),
        as_of: None,
        end_note: None,
    },
    Step {
        file: "units_2026-04-30.csv",
        bytes: include_bytes!("../../../data/geography/units_2026-04-30.csv"),
        as_of: Some("2026-04-30"),
        end_note: None,
    },
    Step {
        file: "groupings_regions.csv",
        bytes: include_bytes!("../../../data/geography/groupings_regions.csv"),
        as_of: None,
        end_note: None,
    },
];
