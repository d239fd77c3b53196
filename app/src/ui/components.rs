//! Components shared by several pages.

pub mod billing;
pub mod documents;
