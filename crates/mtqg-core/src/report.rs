//! Reporting (../shared/DOMAIN.md §8): periods and their deadlines, the calendar of reports as data, statutory
//! form definitions and their filling, the submission workflow, the narrative report's text, and the layouts
//! (`layout`) the XLSX and DOCX writers and the HTML view render.

pub mod calendar;
pub mod form;
pub mod layout;
pub mod narrative;
pub mod period;
pub mod submission;
