//! Story tests of the service layer; they run on SQLite, or on PostgreSQL when `MTQG_TEST_PG_URL` is set.

mod access;
mod concurrency;
mod direction;
mod geography;
mod groupings;
mod home;
mod money;
mod ntm;
mod poverty;
mod recognition;
mod report;
mod support;
