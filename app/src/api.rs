//! Server functions, one module per area. Each body is: read the state,
//! call a service, map the error. Nothing else.

pub mod auth;
pub mod matters;
