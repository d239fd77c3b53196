//! Server functions, one module per area. Each body is: read the state,
//! call a service, map the error. Nothing else.

pub mod accounts;
pub mod auth;
pub mod billing;
pub mod crm;
pub mod documents;
pub mod home;
pub mod intake;
pub mod invitations;
pub mod matter_page;
pub mod matter_settings;
pub mod matters;
pub mod messages;
pub mod search;
pub mod settings;
pub mod stage_templates;
pub mod users;
pub mod walls;
