//! The domain core of mtqg: types, rules and calculations, with no IO and no async.
#![doc = include_str!("../README.md")]

pub mod access;
pub mod atlas;
pub mod direction;
pub mod geo;
pub mod import;
pub mod money;
pub mod ntm;
pub mod poverty;
pub mod report;
pub mod vi;
