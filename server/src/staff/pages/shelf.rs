//! The hold shelf (`/staff/shelf`): one branch's hold copies by card
//! number, expired ones marked.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;

use super::{
    branch_name, card_display, chosen_branch, render, BranchOption, Chrome, Notice, PageResult,
};
use crate::circulation;
use crate::holds::library_date;
use crate::staff::auth::StaffSession;
use crate::staff::i18n::Lang;
use crate::state::AppState;

/// One copy on the hold shelf.
struct ShelfView {
    card: String,
    title: String,
    barcode: String,
    deadline: String,
    expired: bool,
}

#[derive(Template)]
#[template(path = "shelf.html")]
struct ShelfPage {
    c: Chrome,
    branch_name: String,
    branches: Vec<BranchOption>,
    rows: Vec<ShelfView>,
}

/// `GET /staff/shelf?branch=`: the hold shelf by card number, expired marked.
pub(crate) async fn shelf(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    RawQuery(query): RawQuery,
) -> PageResult {
    let c = Chrome::new(lang, &session, "shelf", "/staff/shelf");
    let (chosen, branches) = chosen_branch(&state, lang, query.as_deref());
    let Some(branch) = chosen else {
        let page = ShelfPage {
            c: c.with(Notice::code(lang, "unknown_branch")),
            branch_name: String::new(),
            branches,
            rows: Vec::new(),
        };
        return render(StatusCode::NOT_FOUND, &page);
    };
    let now = state.now();
    let rows = circulation::hold_shelf(&state, &branch)
        .await?
        .into_iter()
        .map(|e| ShelfView {
            card: card_display(&state, &e.card_number),
            title: e.title,
            barcode: e.item_barcode,
            deadline: library_date(e.pickup_deadline),
            expired: e.pickup_deadline < now,
        })
        .collect();
    let page = ShelfPage {
        c,
        branch_name: branch_name(&state, lang, &branch),
        branches,
        rows,
    };
    render(StatusCode::OK, &page)
}
