//! The firm's stage templates at `/admin/stages`, for admins: the stages
//! a new matter starts with, per practice area, and the default plan for
//! areas with none. Everyone else gets the not-found page.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::ui::components::forms::SubmitButton;
use crate::{
    api::stage_templates::{RemoveStageTemplate, SaveStageTemplate, list_stage_templates},
    domain::{
        AppError,
        matter::settings::{MAX_PRACTICE_AREA_CHARS, StageInput, StageTemplateView},
    },
    ui::{
        components::{action_error, matter_settings::StagePlanFields},
        pages::not_found::NotFoundPage,
    },
};

/// Blank rows a new practice area's form starts with (the form adds its
/// usual spare rows after them).
const NEW_AREA_ROWS: usize = 3;

/// The stage templates page.
#[component]
pub fn StagesPage() -> impl IntoView {
    let add = ServerAction::<SaveStageTemplate>::new();
    let remove = ServerAction::<RemoveStageTemplate>::new();
    let templates = Resource::new(
        move || (add.version().get(), remove.version().get()),
        |_| list_stage_templates(),
    );
    let remove_error = action_error(remove);
    view! {
        <Title text="Stage templates" />
        <Suspense fallback=|| view! { <p class="muted">"Loading the stage templates…"</p> }>
            {move || Suspend::new(async move {
                match templates.await {
                    Ok(templates) => view! {
                        <section class="page-head">
                            <h1>"Stage templates"</h1>
                        </section>
                        <p class="muted">
                            "A new matter starts with the stages of its practice area, which its client sees with their descriptions. Changing a template leaves the matters already opened as they are."
                        </p>
                        {move || remove_error().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                        {templates.into_iter().enumerate().map(|(index, template)| view! { <TemplateSection index template remove /> }).collect_view()}
                        <NewAreaSection add />
                    }
                    .into_any(),
                    Err(AppError::NotFound) => view! { <NotFoundPage /> }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// One practice area's stages, saved in place; a named area can also be
/// removed.
#[component]
fn TemplateSection(
    index: usize,
    template: StageTemplateView,
    remove: ServerAction<RemoveStageTemplate>,
) -> impl IntoView {
    let save = ServerAction::<SaveStageTemplate>::new();
    let error = action_error(save);
    let saved = move || {
        matches!(save.value().get(), Some(Ok(())))
            .then(|| view! { <p class="notice" role="status">"Stages saved."</p> })
    };
    let is_default = template.practice_area.is_empty();
    let heading = if is_default {
        "Default plan".to_owned()
    } else {
        template.practice_area.clone()
    };
    let note = if is_default {
        "For matters in a practice area with no template of its own.".to_owned()
    } else {
        match template.matters {
            0 => "No matters opened in this area yet.".to_owned(),
            1 => "1 matter opened in this area keeps its own copy.".to_owned(),
            n => format!("{n} matters opened in this area keep their own copies."),
        }
    };
    let prefix = format!("template-{index}");
    let save_label = format!("Save {heading} stages");
    let edit_label = format!("Edit the {} stages", template.stages.len());
    let remove_label = format!("Remove {heading}");
    let area = template.practice_area.clone();
    let region = heading.clone();
    view! {
        <section class="panel" data-testid="stage-template" aria-label=region>
            <h2>{heading}</h2>
            <p class="muted">{note}</p>
            // The plan at a glance; its fields fold away, so a firm with many
            // areas reads the page on a phone without scrolling past them all.
            <ol class="template-stages">
                {template.stages.iter().map(|stage| view! { <li>{stage.name.clone()}</li> }).collect_view()}
            </ol>
            <details class="editor">
                <summary>{edit_label}</summary>
                <ActionForm action=save attr:class="form" attr:method="post">
                    <input type="hidden" name="practice_area" value=template.practice_area.clone() />
                    {is_default.then(|| view! { <input type="hidden" name="default_plan" value="true" /> })}
                    <StagePlanFields stages=template.stages prefix />
                    {move || error().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                    <SubmitButton action=save label=save_label pending="Saving…" class="button primary" />
                </ActionForm>
            </details>
            {saved}
            {(!is_default).then(|| view! {
                <ActionForm action=remove attr:class="form compact" attr:method="post">
                    <input type="hidden" name="practice_area" value=area />
                    <SubmitButton action=remove label=remove_label pending="Removing…" />
                </ActionForm>
            })}
        </section>
    }
}

/// A practice area with a plan of its own; saving an existing area's
/// name replaces its stages.
#[component]
fn NewAreaSection(add: ServerAction<SaveStageTemplate>) -> impl IntoView {
    let error = action_error(add);
    let added = move || {
        matches!(add.value().get(), Some(Ok(())))
            .then(|| view! { <p class="notice" role="status">"Practice area added."</p> })
    };
    view! {
        <section class="panel" aria-labelledby="new-area-heading">
            <h2 id="new-area-heading">"New practice area"</h2>
            {added}
            <ActionForm action=add attr:class="form" attr:method="post">
                <label for="new-area-name">"Practice area"</label>
                <input id="new-area-name" name="practice_area" type="text" required maxlength=MAX_PRACTICE_AREA_CHARS />
                <StagePlanFields stages=vec![StageInput::default(); NEW_AREA_ROWS] prefix="new-area".to_owned() />
                {move || error().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                <SubmitButton action=add label="Add practice area" pending="Adding…" class="button primary" />
            </ActionForm>
        </section>
    }
}
