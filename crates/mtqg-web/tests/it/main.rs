//! In-process tests of the router: login, pages, API, CSRF and scope, on SQLite or PostgreSQL.

mod app;
mod home;
mod matrix;
mod report;
