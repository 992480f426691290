//! Sanctions screening: official list parsers, an entity model shaped after
//! FollowTheMoney, a cross-script name matcher with explained scores, and
//! screening of names, CSV files and ISO 20022 payments.
//!
//! Data flow: list files → format parsers (`un`, `eu`, `uk`, `ofac_xml`,
//! `ofac_csv`, `ftm`) → [`model::Entity`] → [`index::Index`] (names prepared
//! once by [`normalize`], blocked by token / phonetic / prefix keys) →
//! [`matcher`] scores candidates → [`screen`] screens parties and resolves the
//! hits. Rendering is entente-report's; the CLI is the `entente` binary's.
//!
//! Feature `fetch` (off by default) adds `store::fetch`, which downloads
//! lists over HTTP.

pub mod audit;
pub mod countries;
pub mod eu;
pub mod ftm;
pub mod index;
pub mod iso20022;
pub mod korean;
pub mod lexicon;
pub mod lists;
pub mod matcher;
pub mod model;
pub mod normalize;
pub mod ofac_advanced;
pub mod ofac_csv;
pub mod ofac_xml;
pub mod policy;
pub mod screen;
pub mod store;
pub mod uk;
pub mod uk_spreadsheet;
pub mod un;
pub mod xml;
