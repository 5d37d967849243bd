//! Helpers shared by the integration tests of the processors. Each test file
//! includes this module with `mod common;` and uses only what it needs.

pub mod hostile;
pub mod invoices;
pub mod novel;
pub mod pdf;
pub mod recorder;
