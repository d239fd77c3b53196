//! CRM touchpoints: being written.
