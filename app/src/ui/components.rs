//! Components shared by several pages.

pub mod billing;
pub mod documents;

use leptos::{prelude::*, server_fn::ServerFn};

use crate::domain::AppError;

/// The message of the error from `action`'s last run, if it failed: what a
/// form shows under its fields. Reactive: call it inside a view.
pub fn action_error<S>(
    action: ServerAction<S>,
) -> impl Fn() -> Option<String> + Copy + Send + Sync + 'static
where
    S: ServerFn<Error = AppError> + Send + Sync + Clone + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    move || {
        action
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    }
}
