//! The documents of a matter and its document requests, for the matter
//! page: [`DocumentsPanel`] and [`RequestsPanel`].
//!
//! Uploads go straight to the streaming upload route, one request per file,
//! so each file has its own progress bar (see [`upload`]). Downloads are
//! plain links to the download route, sent as attachments.

mod upload;

use leptos::prelude::*;

use crate::ui::components::forms::SubmitButton;
use crate::{
    api::{
        auth::get_current_user,
        documents::{
            CreateDocumentRequest, ReviewDocumentRequest, SetDocumentVisibility, get_upload_rules,
            list_document_requests, list_documents,
        },
    },
    domain::{
        AppError,
        document::{
            DocumentRequestView, DocumentVersionView, DocumentView, RequestStatus, ReviewStatus,
            UploadRules, Visibility, human_size,
        },
        ids::MatterId,
        matter::MatterDetailView,
    },
    ui::components::{
        action_error,
        time::{Due, When, firm_zone_hint},
    },
};

pub use upload::MAX_FILES_PER_PICK;

/// One file being uploaded, as the progress list shows it.
///
/// Reference-counted signals rather than owned ones: the input that started
/// an upload may be re-rendered away (its request was just fulfilled) while
/// the upload still reports progress.
#[derive(Clone, Debug)]
pub struct UploadProgress {
    /// Percent sent, 0 to 100.
    pub percent: ArcRwSignal<u32>,
    /// `None` while sending; then `Ok` with the new document's id, or the
    /// error to show.
    pub outcome: ArcRwSignal<Option<Result<String, String>>>,
}

/// Files being uploaded from one panel, each with its progress. Kept by
/// the panel, outside the lists that reload, so a bar stays on screen after
/// its upload finished and the list behind it changed.
pub type Uploads = RwSignal<Vec<(usize, String, UploadProgress)>>;

/// A file input that uploads every chosen file at once; each file gets a row
/// with a progress bar in `files`. `query` is appended to the upload URL
/// (`&request=…`).
///
/// With `choose`, the firm picks who may see the files before picking
/// them: "Firm only" unless it deliberately chooses the client, which is
/// confirmed the first time on the page (issue 12, point 1).
#[component]
pub fn UploadControl(
    matter_id: MatterId,
    /// The input's visible label.
    label: String,
    /// Extra query parameters, already encoded.
    query: String,
    /// Where the progress rows go.
    files: Uploads,
    /// Bumped after each finished upload, to reload lists.
    uploaded: RwSignal<u32>,
    /// A unique id for the input.
    input_id: String,
    /// Who may see the uploaded files (at first, with `choose`).
    #[prop(default = Visibility::Client)]
    visibility: Visibility,
    /// Offer the choice of who may see the files.
    #[prop(optional)]
    choose: bool,
    /// Offer the phone's camera too (clients sending papers).
    #[prop(optional)]
    camera: bool,
) -> impl IntoView {
    let base = crate::domain::links::matter_documents(matter_id.as_str());
    // Provided by the page with its data (`MatterDocuments::load`, the
    // thread page).
    let rules = use_context::<UploadRules>().unwrap_or_else(UploadRules::unknown);
    let chosen = RwSignal::new(visibility);
    let sharing_confirmed = StoredValue::new(false);
    let on_change = move |ev: leptos::ev::Event| {
        let query = format!("&visibility={}{query}", chosen.get_untracked().as_str());
        upload::upload_chosen_files(&ev, &base, &query, files, uploaded, rules);
    };
    let on_choose = move |ev: leptos::ev::Event| {
        let picked = event_target_value(&ev);
        if picked == Visibility::Client.as_str()
            && !sharing_confirmed.get_value()
            && !upload::confirm_sharing()
        {
            // Declined: back to firm only (setting the signal redraws the
            // select's value even though it did not change).
            chosen.set(Visibility::Internal);
            return;
        }
        if picked == Visibility::Client.as_str() {
            sharing_confirmed.set_value(true);
            chosen.set(Visibility::Client);
        } else {
            chosen.set(Visibility::Internal);
        }
    };
    let choice = choose.then(|| {
        let select_id = format!("{input_id}-visibility");
        view! {
            <label for=select_id.clone()>"Who can see them"</label>
            <select id=select_id on:change=on_choose prop:value=move || chosen.get().as_str()>
                <option value=Visibility::Internal.as_str() selected=visibility == Visibility::Internal>
                    "Firm only"
                </option>
                <option value=Visibility::Client.as_str() selected=visibility == Visibility::Client>
                    "The client too"
                </option>
            </select>
        }
    });
    let hint_id = format!("{input_id}-limits");
    let camera = camera.then(|| {
        let camera_id = format!("{input_id}-camera");
        let on_change = on_change.clone();
        view! {
            <label for=camera_id.clone() class="upload-label camera">"Take a photo"</label>
            <input id=camera_id class="camera" type="file" accept="image/*" capture="environment" on:change=on_change />
        }
    });
    view! {
        <div class="upload">
            {choice}
            <label for=input_id.clone() class="upload-label">{label}</label>
            <input id=input_id type="file" multiple on:change=on_change aria-describedby=hint_id.clone() />
            {camera}
            <p class="muted upload-limits" id=hint_id>{rules.text()}</p>
        </div>
    }
    // Type-erased: the matter page nests several of these, deeper than the
    // compiler follows.
    .into_any()
}

/// The progress rows of a panel's uploads.
#[component]
pub fn UploadList(files: Uploads) -> impl IntoView {
    view! {
        <ul class="upload-list" aria-live="polite">
            <For each=move || files.get() key=|(n, ..)| *n let:file>
                <UploadRow name=file.1 progress=file.2 />
            </For>
        </ul>
    }
}

#[component]
fn UploadRow(name: String, progress: UploadProgress) -> impl IntoView {
    let label = format!("Uploading {name}");
    let (percent, outcome) = (progress.percent, progress.outcome);
    let (value, now, text) = (percent.clone(), percent.clone(), percent.clone());
    // A file refused before sending has no progress to show.
    let refused = {
        let (percent, outcome) = (percent.clone(), outcome.clone());
        move || percent.get() == 0 && matches!(outcome.get(), Some(Err(_)))
    };
    let bar = move || {
        (!refused()).then(|| {
            let (value, now, percent, label) =
                (value.clone(), now.clone(), percent.clone(), label.clone());
            view! {
                <progress
                    role="progressbar"
                    max="100"
                    value=move || value.get()
                    aria-label=label
                    aria-valuemin="0"
                    aria-valuemax="100"
                    aria-valuenow=move || now.get()
                >
                    {move || format!("{}%", percent.get())}
                </progress>
            }
        })
    };
    view! {
        <li class="upload-row">
            <span class="upload-name">{name}</span>
            {bar}
            {move || match outcome.get() {
                None => view! { <span class="muted">{format!("{}%", text.get())}</span> }.into_any(),
                Some(Ok(_)) => view! { <span class="tag status-paid">"Uploaded"</span> }.into_any(),
                Some(Err(err)) => view! { <span class="error" role="alert">{err}</span> }.into_any(),
            }}
        </li>
    }
}

/// Everything the documents and requests panels of one matter load or
/// change: their resources, actions and upload rows.
///
/// The matter page makes this once, at its top, and reads the resources in
/// its one `Suspense`; the panels only draw what was loaded. Resources made
/// inside a `Suspense`, or read by `Suspense`s nested in another, left the
/// page's server rendering waiting for ever now and then under load
/// (leptos-rs/leptos#4866).
#[derive(Clone, Copy)]
pub struct MatterDocuments {
    /// Whether the signed-in user works for the firm (and so manages
    /// documents and requests).
    firm: Resource<bool>,
    rules: Resource<Result<UploadRules, AppError>>,
    documents: Resource<Result<Vec<DocumentView>, AppError>>,
    requests: Resource<Result<Vec<DocumentRequestView>, AppError>>,
    visibility: ServerAction<SetDocumentVisibility>,
    create: ServerAction<CreateDocumentRequest>,
    review: ServerAction<ReviewDocumentRequest>,
    /// Bumped as each upload finishes, so both lists reload.
    uploaded: RwSignal<u32>,
    document_files: Uploads,
    request_files: Uploads,
    /// The last change of who sees a document, for its Undo: (document,
    /// who saw it before, its name).
    last_share: RwSignal<Option<(String, Visibility, String)>>,
}

/// What [`MatterDocuments`] loaded, for the panels to draw.
#[derive(Clone)]
pub struct LoadedDocuments {
    manage: bool,
    documents: Result<Vec<DocumentView>, AppError>,
    requests: Result<Vec<DocumentRequestView>, AppError>,
}

impl MatterDocuments {
    /// The panels' data for the matter whose id `matter_id` gives. Nothing
    /// is asked for until `matter` loaded: a matter the user may not see
    /// has no panels, and its denial is audited once.
    pub fn new(
        matter_id: Signal<String>,
        matter: Resource<Result<MatterDetailView, AppError>>,
    ) -> Self {
        let uploaded = upload::uploads_finished();
        let visibility = ServerAction::<SetDocumentVisibility>::new();
        let create = ServerAction::<CreateDocumentRequest>::new();
        let review = ServerAction::<ReviewDocumentRequest>::new();
        let firm = Resource::new(
            || (),
            |()| async move {
                get_current_user()
                    .await
                    .ok()
                    .flatten()
                    .is_some_and(|u| u.role.is_firm())
            },
        );
        let documents = Resource::new(
            move || (matter_id.get(), uploaded.get(), visibility.version().get()),
            move |(id, ..)| async move {
                matter.await?;
                list_documents(id).await
            },
        );
        let requests = Resource::new(
            move || {
                (
                    matter_id.get(),
                    uploaded.get(),
                    create.version().get(),
                    review.version().get(),
                )
            },
            move |(id, ..)| async move {
                matter.await?;
                list_document_requests(id).await
            },
        );
        Self {
            firm,
            rules: Resource::new(|| (), |()| get_upload_rules()),
            documents,
            requests,
            visibility,
            create,
            review,
            uploaded,
            document_files: RwSignal::new(Vec::new()),
            request_files: RwSignal::new(Vec::new()),
            last_share: RwSignal::new(None),
        }
    }

    /// Waits for everything the panels show, and provides the upload
    /// rules to the upload controls made after it in the same `Suspend`.
    pub async fn load(self) -> LoadedDocuments {
        provide_context(self.rules.await.unwrap_or_else(|_| UploadRules::unknown()));
        LoadedDocuments {
            manage: self.firm.await,
            documents: self.documents.await,
            requests: self.requests.await,
        }
    }
}

/// The documents of one matter: each with its versions and download links,
/// and an input to add more.
#[component]
pub fn DocumentsPanel(
    matter_id: MatterId,
    data: MatterDocuments,
    loaded: LoadedDocuments,
    /// False for a closed matter: its documents download, nothing is added.
    open: bool,
) -> impl IntoView {
    let MatterDocuments {
        visibility,
        uploaded,
        document_files: files,
        last_share,
        ..
    } = data;
    let (firm, manage) = (loaded.manage, loaded.manage && open);
    let list = match loaded.documents {
        Ok(list) if list.is_empty() => {
            view! { <p class="muted">"No documents yet."</p> }.into_any()
        }
        Ok(list) => view! {
            <ul class="document-list">
                {list
                    .into_iter()
                    .map(|doc| {
                        let replace = manage.then(|| (matter_id.clone(), files, uploaded));
                        view! { <DocumentRow doc firm manage visibility replace last_share /> }
                    })
                    .collect_view()}
            </ul>
        }
        .into_any(),
        Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
    };
    let input_id = format!("add-documents-{matter_id}");
    // Firm only unless the firm deliberately chooses the client (and
    // confirms it): nothing is shared by accident.
    let uploads = open.then(|| {
        view! {
            <UploadControl
                matter_id
                label="Add documents".to_owned()
                query=String::new()
                files
                uploaded
                input_id
                visibility=if manage { Visibility::Internal } else { Visibility::Client }
                choose=manage
            />
        }
    });
    view! {
        <section class="panel" aria-labelledby="documents-heading">
            <h2 id="documents-heading">"Documents"</h2>
            <ShareUndo visibility last_share />
            {list}
            {uploads}
            <UploadList files />
        </section>
    }
    .into_any()
}

#[component]
fn DocumentRow(
    doc: DocumentView,
    /// Whether the viewer works for the firm, and so is told who sees it.
    firm: bool,
    /// Whether they may change it (the firm, on an open matter).
    manage: bool,
    visibility: ServerAction<SetDocumentVisibility>,
    /// For the firm: the matter, the panel's upload rows and its reload
    /// signal, to offer a new version of this document.
    replace: Option<(MatterId, Uploads, RwSignal<u32>)>,
    /// Where a change of who sees it is noted, for its Undo.
    last_share: RwSignal<Option<(String, Visibility, String)>>,
) -> impl IntoView {
    // A new version keeps the document's visibility (the server insists).
    let new_version = replace.map(|(matter_id, files, uploaded)| {
        let input_id = format!("new-version-{}", doc.id);
        view! {
            <UploadControl
                matter_id
                label="Upload a new version".to_owned()
                query=format!("&replaces={}", doc.id)
                files
                uploaded
                input_id
                visibility=doc.visibility
            />
        }
    });
    let name = doc.name().to_owned();
    let internal = doc.visibility == Visibility::Internal;
    let (toggle_to, toggle_label) = if internal {
        ("client", "Share with client")
    } else {
        ("internal", "Make internal")
    };
    let id = doc.id.clone();
    let noted = (doc.id.clone(), doc.visibility, name.clone());
    view! {
        <li class="document-row">
            <div class="document-head">
                <strong class="document-name">{name}</strong>
                {firm.then(|| if internal {
                    view! { <span class="tag visibility-internal">"Firm only"</span> }
                } else {
                    view! { <span class="tag visibility-client">"Visible to client"</span> }
                })}
            </div>
            <ul class="version-list">
                {doc.versions.into_iter().map(|v| view! {
                    <li>
                        <a href=v.download_url download=v.name.clone()>
                            {format!("Version {}: {}", v.version, v.name)}
                        </a>
                        <span class="muted">{format!(" {} · {} · ", human_size(v.size), v.uploaded_by)}<When at=v.uploaded_at /></span>
                    </li>
                }).collect_view()}
            </ul>
            {new_version}
            {manage.then(|| view! {
                <ActionForm
                    action=visibility
                    attr:class="inline-form"
                    on:submit=move |_| last_share.set(Some(noted.clone()))
                >
                    <input type="hidden" name="document_id" value=id />
                    <input type="hidden" name="visibility" value=toggle_to />
                    <SubmitButton action=visibility label=toggle_label pending="Saving…" class="link-button dark" />
                </ActionForm>
            })}
        </li>
    }
}

/// Says who now sees the document whose visibility just changed, with an
/// Undo that puts it back (and can itself be undone). Sharing is the one
/// change here that could put a file in front of the wrong eyes.
#[component]
fn ShareUndo(
    visibility: ServerAction<SetDocumentVisibility>,
    last_share: RwSignal<Option<(String, Visibility, String)>>,
) -> impl IntoView {
    move || {
        let worked = matches!(visibility.value().get(), Some(Ok(())));
        let (id, before, name) = last_share.get().filter(|_| worked)?;
        let now = if before == Visibility::Internal {
            "visible to the client"
        } else {
            "firm only"
        };
        let after = if before == Visibility::Internal {
            Visibility::Client
        } else {
            Visibility::Internal
        };
        let undone = (id.clone(), after, name.clone());
        Some(view! {
            <div class="done-note share-undo" role="status">
                {format!("{name} is now {now}. ")}
                <ActionForm
                    action=visibility
                    attr:class="inline-form"
                    on:submit=move |_| last_share.set(Some(undone.clone()))
                >
                    <input type="hidden" name="document_id" value=id />
                    <input type="hidden" name="visibility" value=before.as_str() />
                    <SubmitButton action=visibility label="Undo" pending="Undoing…" class="link-button dark" />
                </ActionForm>
            </div>
        })
    }
}

/// The open document requests of a matter, each with an upload input; for
/// the firm, forms to ask for documents and to review uploads.
#[component]
pub fn RequestsPanel(
    matter_id: MatterId,
    data: MatterDocuments,
    loaded: LoadedDocuments,
    /// False for a closed matter: nothing is asked for or uploaded.
    open: bool,
) -> impl IntoView {
    let MatterDocuments {
        create,
        review,
        uploaded,
        request_files: files,
        ..
    } = data;
    let (firm, manage) = (loaded.manage, loaded.manage && open);
    // Each file sent against a request, newest version, by request.
    let sent: Vec<(String, DocumentVersionView)> = loaded
        .documents
        .iter()
        .flatten()
        .filter_map(|doc| Some((doc.request_id.clone()?, doc.versions.first()?.clone())))
        .collect();
    let list = match loaded.requests {
        Ok(list) => view! {
            {list.is_empty().then(|| view! { <p class="muted">"Nothing requested."</p> })}
            <ul class="request-list">
                {list.into_iter().map(|request| {
                    let sent = sent
                        .iter()
                        .filter(|(id, _)| *id == request.id)
                        .map(|(_, version)| version.clone())
                        .collect();
                    view! {
                        <RequestRow request sent matter_id=matter_id.clone() firm manage files uploaded review matter_open=open />
                    }
                }).collect_view()}
            </ul>
        }
        .into_any(),
        Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
    };
    view! {
        <section class="panel" aria-labelledby="requests-heading">
            <h2 id="requests-heading">"Requested documents"</h2>
            {list}
            {manage.then(|| view! { <NewRequestForm matter_id create /> })}
            <UploadList files />
        </section>
    }
    .into_any()
}

#[component]
fn RequestRow(
    request: DocumentRequestView,
    /// The files sent against it (their newest versions), for the client
    /// and for whoever reviews them.
    sent: Vec<DocumentVersionView>,
    matter_id: MatterId,
    /// Whether the viewer works for the firm.
    firm: bool,
    manage: bool,
    files: Uploads,
    uploaded: RwSignal<u32>,
    review: ServerAction<ReviewDocumentRequest>,
    matter_open: bool,
) -> impl IntoView {
    let accepted = request.review == Some(ReviewStatus::Accepted);
    let submitted = request.status == RequestStatus::Fulfilled;
    let (status_class, status) = match (request.status, accepted) {
        (_, true) => ("tag status-paid", "Accepted"),
        (RequestStatus::Fulfilled, false) => ("tag status-partial", "Submitted — awaiting review"),
        (RequestStatus::Overdue, false) => ("tag status-overdue", "Overdue"),
        (RequestStatus::Open, false) => ("tag", "Open"),
    };
    let open = !submitted;
    // More files may follow ("and the back of the passport") until the
    // firm accepts what was sent.
    let can_upload = !accepted && matter_open;
    let awaiting_review = submitted && request.review.is_none();
    let sent = (!sent.is_empty()).then(|| {
        view! {
            <ul class="version-list" aria-label=format!("Files sent for {}", request.title)>
                {sent
                    .into_iter()
                    .map(|v| view! {
                        <li>
                            <a href=v.download_url download=v.name.clone()>{v.name.clone()}</a>
                            <span class="muted nowrap">{format!(" {}", human_size(v.size))}</span>
                        </li>
                    })
                    .collect_view()}
            </ul>
        }
    });
    let query = format!("&request={}", request.id);
    let label = format!("Upload for {}", request.title);
    let input_id = format!("request-{}", request.id);
    let id = request.id.clone();
    view! {
        <li class="request-row" data-testid="document-request">
            <div class="document-head">
                <strong>{request.title.clone()}</strong>
                <span class=status_class>{status}</span>
            </div>
            {(!request.note.is_empty()).then(|| view! { <p>{request.note.clone()}</p> })}
            {request.due_at.map(|due| if open {
                view! { <p><Due at=due /></p> }.into_any()
            } else {
                view! { <p class="muted">"Was due " <When at=due day_only=true /></p> }.into_any()
            })}
            {sent}
            {request.rejection_reason.clone().filter(|_| open).map(|reason| view! {
                <p class="error">{format!("Sent back: {reason}")}</p>
            })}
            // The firm uploading on the client's behalf chooses who sees it,
            // firm only by default, as in the documents panel.
            {can_upload.then(|| view! {
                <UploadControl
                    matter_id
                    label
                    query
                    files
                    uploaded
                    input_id
                    visibility=if firm { Visibility::Internal } else { Visibility::Client }
                    choose=firm
                    camera=!firm
                />
            })}
            {(manage && awaiting_review).then(|| {
                let reason_id = format!("reason-{id}");
                let accept_id = id.clone();
                view! {
                    <div class="review-forms">
                        <ActionForm action=review attr:class="inline-form">
                            <input type="hidden" name="request_id" value=accept_id />
                            <input type="hidden" name="accept" value="true" />
                            <input type="hidden" name="reason" value="" />
                            <SubmitButton action=review label="Accept" pending="Accepting…" />
                        </ActionForm>
                        <ActionForm action=review attr:class="inline-form">
                            <input type="hidden" name="request_id" value=id />
                            <input type="hidden" name="accept" value="false" />
                            <label for=reason_id.clone()>"Reason for rejecting"</label>
                            <input id=reason_id name="reason" required maxlength="2000" />
                            <SubmitButton action=review label="Reject" pending="Rejecting…" />
                        </ActionForm>
                    </div>
                }
            })}
        </li>
    }
}

#[component]
fn NewRequestForm(
    matter_id: MatterId,
    create: ServerAction<CreateDocumentRequest>,
) -> impl IntoView {
    view! {
        <ActionForm action=create attr:class="stack-form">
            <h3>"Ask the client for a document"</h3>
            <input type="hidden" name="matter_id" value=matter_id.to_string() />
            <label for="request-title">"What is needed"</label>
            <input id="request-title" name="title" required maxlength="200" />
            <label for="request-note">"Note"</label>
            <textarea id="request-note" name="note" maxlength="2000"></textarea>
            <label for="request-due">"Due date"</label>
            <input id="request-due" name="due_date" type="date" aria-describedby="request-due-zone" />
            <p id="request-due-zone" class="muted">{firm_zone_hint()}</p>
            <SubmitButton action=create label="Request document" pending="Requesting…" />
            {move || action_error(create)().map(|message| view! {
                <p class="error" role="alert">{message}</p>
            })}
        </ActionForm>
    }
}
