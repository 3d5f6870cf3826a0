//! The pick list (`/staff/pick-list`): the copies to pull from one
//! branch's shelves for holds.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;

use super::{branch_name, chosen_branch, render, BranchOption, Chrome, Notice, PageResult};
use crate::circulation;
use crate::staff::auth::StaffSession;
use crate::staff::i18n::Lang;
use crate::state::AppState;

/// One copy to pull.
struct PickView {
    shelf: String,
    title: String,
    barcode: String,
}

#[derive(Template)]
#[template(path = "pick.html")]
struct PickPage {
    c: Chrome,
    branch_name: String,
    branches: Vec<BranchOption>,
    rows: Vec<PickView>,
}

/// `GET /staff/pick-list?branch=`.
pub(crate) async fn pick_list(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    RawQuery(query): RawQuery,
) -> PageResult {
    let c = Chrome::new(lang, &session, "pick", "/staff/pick-list");
    let (chosen, branches) = chosen_branch(&state, lang, query.as_deref());
    let Some(branch) = chosen else {
        let page = PickPage {
            c: c.with(Notice::code(lang, "unknown_branch")),
            branch_name: String::new(),
            branches,
            rows: Vec::new(),
        };
        return render(StatusCode::NOT_FOUND, &page);
    };
    let rows = circulation::pick_list(&state, &branch)
        .await?
        .into_iter()
        .map(|e| PickView {
            shelf: e.shelf.unwrap_or_default(),
            title: e.title,
            barcode: e.item_barcode,
        })
        .collect();
    let page = PickPage {
        c,
        branch_name: branch_name(&state, lang, &branch),
        branches,
        rows,
    };
    render(StatusCode::OK, &page)
}
