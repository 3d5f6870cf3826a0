//! Circulation through the desk functions and the patron API: checkout,
//! return (the patron–copy link is deleted; history only when opted in),
//! renewal rules, hold pickup by checkout, refusals that change nothing,
//! the desk's patron summary, hold shelf and pick list.
#![allow(clippy::unwrap_used, missing_docs)]

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use shiori_server::circulation::{checkin, checkout, hold_shelf, patron_summary, pick_list};
use shiori_server::holds::{trap_item, Trapped};

mod support {
    pub mod library;
}
use support::library::{demo_isbn, library, library_with, Library, DAY};

/// The card number of a seeded patron, from `/me`.
async fn card_of(lib: &Library, token: &str) -> String {
    let (_, me) = lib.call(Method::GET, "/api/v1/me", None, Some(token)).await;
    me["card_number"].as_str().unwrap().to_owned()
}

async fn copies(lib: &Library, isbn: &str) -> Vec<Value> {
    let id = lib.title_id(isbn).await;
    let (_, t) = lib.get(&format!("/api/v1/titles/{id}")).await;
    t["items"].as_array().unwrap().clone()
}

async fn loans(lib: &Library, token: &str) -> Vec<Value> {
    let (s, body) = lib
        .call(Method::GET, "/api/v1/me/loans", None, Some(token))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body["loans"].as_array().unwrap().clone()
}

async fn count(lib: &Library, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(lib.state.db().pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn checkout_and_return_leave_no_link_between_patron_and_copy() {
    let lib = library().await;
    let [p] = lib.patrons(1).await.try_into().unwrap();
    let card = card_of(&lib, &p).await;
    let item = copies(&lib, &demo_isbn("雪国")).await[0]["barcode"]
        .as_str()
        .unwrap()
        .to_owned();

    // Scanned as the barcode payload, with the start/stop characters.
    let scanned = format!("A{card}A");
    let loan = checkout(&lib.state, &scanned, &item).await.unwrap();
    // 雪国's copy is at the west branch: 21 days, to the end of the day JST.
    assert_eq!(loan.due_at, "2026-12-21T14:59:59Z");
    assert!(!loan.overdue);
    assert_eq!(loans(&lib, &p).await.len(), 1);
    let e = checkout(&lib.state, &card, &item).await.unwrap_err();
    assert_eq!(e.body.code, "already_checked_out");

    let done = checkin(&lib.state, &item).await.unwrap();
    assert!(done.was_on_loan);
    assert!(!done.overdue);
    assert_eq!(done.next, Trapped::Shelved);
    assert!(loans(&lib, &p).await.is_empty());
    assert_eq!(count(&lib, "loans").await, 0, "the link is deleted");
    assert_eq!(
        count(&lib, "reading_history").await,
        0,
        "no history unless opted in"
    );
    let (_, export) = lib
        .call(Method::GET, "/api/v1/me/export", None, Some(&p))
        .await;
    assert_eq!(export["loans"], json!([]));
    assert_eq!(export["reading_history"], json!([]));
}

#[tokio::test]
async fn reading_history_only_after_opting_in_and_gone_when_opting_out() {
    let lib = library().await;
    let [p] = lib.patrons(1).await.try_into().unwrap();
    let card = card_of(&lib, &p).await;
    let item = copies(&lib, &demo_isbn("火花")).await[0]["barcode"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, h) = lib
        .call(Method::GET, "/api/v1/me/history", None, Some(&p))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h, json!({"enabled": false, "entries": []}));
    let (s, h) = lib
        .call(
            Method::PUT,
            "/api/v1/me/history",
            Some(json!({"enabled": true})),
            Some(&p),
        )
        .await;
    assert_eq!((s, h["enabled"].clone()), (StatusCode::OK, json!(true)));
    checkout(&lib.state, &card, &item).await.unwrap();
    checkin(&lib.state, &item).await.unwrap();
    let (_, h) = lib
        .call(Method::GET, "/api/v1/me/history", None, Some(&p))
        .await;
    assert_eq!(h["entries"][0]["title"], "火花");
    assert_eq!(h["entries"][0]["returned_on"], "2026-11-30");
    assert_eq!(count(&lib, "loans").await, 0);

    let (_, h) = lib
        .call(
            Method::PUT,
            "/api/v1/me/history",
            Some(json!({"enabled": false})),
            Some(&p),
        )
        .await;
    assert_eq!(h, json!({"enabled": false, "entries": []}));
    assert_eq!(count(&lib, "reading_history").await, 0);
}

#[tokio::test]
async fn a_copy_on_the_hold_shelf_goes_only_to_its_patron() {
    let lib = library().await;
    let [a, b] = lib.patrons(2).await.try_into().unwrap();
    let title = lib.title_id(&demo_isbn("雪国")).await;
    let item = copies(&lib, &demo_isbn("雪国")).await[0]["barcode"]
        .as_str()
        .unwrap()
        .to_owned();
    let hold = lib.place(&a, title, "west").await.1;
    lib.place(&b, title, "west").await;

    // B is out with it... no: it is on the shelf for A. Pull it (pick list).
    let pick = pick_list(&lib.state, "west").await.unwrap();
    assert_eq!(pick.len(), 1, "one copy here, two holds: pull the one copy");
    assert_eq!(pick[0].item_barcode, item);
    assert!(pick_list(&lib.state, "east").await.unwrap().is_empty());
    let done = checkin(&lib.state, &item).await.unwrap();
    assert!(!done.was_on_loan, "found on the shelf, not a return");
    assert!(
        matches!(done.next, Trapped::Ready { ref hold_id, .. } if hold_id == hold["id"].as_str().unwrap())
    );
    assert!(pick_list(&lib.state, "west").await.unwrap().is_empty());

    let shelf = hold_shelf(&lib.state, "west").await.unwrap();
    assert_eq!(shelf.len(), 1);
    assert_eq!(shelf[0].card_number, card_of(&lib, &a).await);
    assert_eq!(shelf[0].item_barcode, item);

    let e = checkout(&lib.state, &card_of(&lib, &b).await, &item)
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "on_hold_for_another");
    let summary = patron_summary(&lib.state, &card_of(&lib, &a).await)
        .await
        .unwrap();
    assert_eq!(summary.ready.len(), 1);
    assert!(summary.loans.is_empty());

    checkout(&lib.state, &card_of(&lib, &a).await, &item)
        .await
        .unwrap();
    let a_holds = lib.holds(&a).await;
    assert_eq!(a_holds[0]["state"], "filled");
    assert!(hold_shelf(&lib.state, "west").await.unwrap().is_empty());

    // A returns it: B is next, at the same branch.
    let done = checkin(&lib.state, &item).await.unwrap();
    assert!(done.was_on_loan);
    assert!(matches!(done.next, Trapped::Ready { .. }));
    assert_eq!(lib.holds(&b).await[0]["state"], "ready");
}

#[tokio::test]
async fn renewals_follow_the_branch_rules() {
    // Sessions outlive the 40 days this test spans.
    let lib = library_with(|c| c.session_ttl_secs = 365 * 86_400).await;
    let [p, q] = lib.patrons(2).await.try_into().unwrap();
    let card = card_of(&lib, &p).await;
    // 坊っちゃん: one copy at central (14 days, 1 renewal).
    let item = copies(&lib, &demo_isbn("坊っちゃん")).await[0]["barcode"]
        .as_str()
        .unwrap()
        .to_owned();
    let loan = checkout(&lib.state, &card, &item).await.unwrap();
    let path = format!("/api/v1/me/loans/{}/renewal", loan.id);

    // Someone else cannot renew it (404, no detail).
    let (s, body) = lib.call(Method::POST, &path, None, Some(&q)).await;
    assert_eq!(
        (s, body["code"].as_str().unwrap()),
        (StatusCode::NOT_FOUND, "loan_not_found")
    );

    lib.clock.advance(10 * DAY);
    let (s, renewed) = lib.call(Method::POST, &path, None, Some(&p)).await;
    assert_eq!(s, StatusCode::OK, "{renewed}");
    assert_eq!(renewed["renewals"], 1);
    assert_eq!(
        renewed["due_at"], "2026-12-24T14:59:59Z",
        "14 days from the renewal day"
    );
    let (s, body) = lib.call(Method::POST, &path, None, Some(&p)).await;
    assert_eq!(
        (s, body["code"].as_str().unwrap()),
        (StatusCode::CONFLICT, "renewal_limit_reached")
    );

    // At the west branch two renewals are allowed, but not when someone waits.
    let west = copies(&lib, &demo_isbn("雪国")).await[0]["barcode"]
        .as_str()
        .unwrap()
        .to_owned();
    let loan = checkout(&lib.state, &card, &west).await.unwrap();
    let title = lib.title_id(&demo_isbn("雪国")).await;
    lib.place(&q, title, "west").await;
    let (s, body) = lib
        .call(
            Method::POST,
            &format!("/api/v1/me/loans/{}/renewal", loan.id),
            None,
            Some(&p),
        )
        .await;
    assert_eq!(
        (s, body["code"].as_str().unwrap()),
        (StatusCode::CONFLICT, "renewal_blocked_by_holds")
    );

    // Overdue: no renewal, and the return says so.
    lib.clock.advance(30 * DAY);
    assert!(loans(&lib, &p).await.iter().all(|l| l["overdue"] == true));
    let (s, body) = lib.call(Method::POST, &path, None, Some(&p)).await;
    assert_eq!(
        (s, body["code"].as_str().unwrap()),
        (StatusCode::CONFLICT, "loan_overdue")
    );
    assert!(checkin(&lib.state, &item).await.unwrap().overdue);
}

#[tokio::test]
async fn refused_desk_actions_change_nothing() {
    let lib = library_with(|c| c.loans.max_loans_per_patron = 1).await;
    let [p] = lib.patrons(1).await.try_into().unwrap();
    let card = card_of(&lib, &p).await;
    let neko = copies(&lib, &demo_isbn("吾輩は猫である")).await;
    let first = neko[0]["barcode"].as_str().unwrap();
    let second = neko[1]["barcode"].as_str().unwrap();

    for (card, item, code) in [
        ("12345", first, "invalid_card_number"),
        ("0290999990", first, "invalid_card_number"),
        (card.as_str(), "NO-SUCH-COPY", "item_not_found"),
    ] {
        let e = checkout(&lib.state, card, item).await.unwrap_err();
        assert_eq!(e.body.code, code, "{card} {item}");
    }
    checkout(&lib.state, &card, first).await.unwrap();
    let e = checkout(&lib.state, &card, second).await.unwrap_err();
    assert_eq!(e.body.code, "loan_limit_reached");
    assert_eq!(count(&lib, "loans").await, 1);
    let e = checkin(&lib.state, "NO-SUCH-COPY").await.unwrap_err();
    assert_eq!(e.body.code, "item_not_found");
    let e = patron_summary(&lib.state, "nonsense").await.unwrap_err();
    assert_eq!(e.body.code, "invalid_card_number");

    // A patron with a copy out cannot delete the account yet.
    let (s, body) = lib.call(Method::DELETE, "/api/v1/me", None, Some(&p)).await;
    assert_eq!(
        (s, body["code"].as_str().unwrap()),
        (StatusCode::CONFLICT, "loans_outstanding")
    );
    checkin(&lib.state, first).await.unwrap();
    let (s, _) = lib.call(Method::DELETE, "/api/v1/me", None, Some(&p)).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
}

/// The state and queue position of a patron's hold on a title.
async fn hold_on(lib: &Library, token: &str, title: i64) -> (String, Option<u64>) {
    let h = lib
        .holds(token)
        .await
        .into_iter()
        .find(|h| h["title_id"] == title)
        .unwrap();
    (
        h["state"].as_str().unwrap().to_owned(),
        h["position"].as_u64(),
    )
}

#[tokio::test]
async fn checking_out_a_queued_title_fills_the_patrons_own_hold() {
    let lib = library().await;
    let [a, b, c] = lib.patrons(3).await.try_into().unwrap();
    let renew = |loan: &str| format!("/api/v1/me/loans/{loan}/renewal");

    // A waits for 坊っちゃん (one copy, central) and is handed the copy at
    // the desk before anyone scanned it for the hold: the hold is filled,
    // and nobody else waiting, A may renew.
    let botchan = lib.title_id(&demo_isbn("坊っちゃん")).await;
    lib.place(&a, botchan, "central").await;
    let copy = copies(&lib, &demo_isbn("坊っちゃん")).await[0]["barcode"]
        .as_str()
        .unwrap()
        .to_owned();
    let loan = checkout(&lib.state, &card_of(&lib, &a).await, &copy)
        .await
        .unwrap();
    assert_eq!(hold_on(&lib, &a, botchan).await, ("filled".into(), None));
    let (s, body) = lib
        .call(Method::POST, &renew(&loan.id), None, Some(&a))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");

    // In the middle of a queue: the others keep their order, one place up.
    let kokoro = lib.title_id(&demo_isbn("こころ")).await;
    for p in [&b, &a, &c] {
        lib.place(p, kokoro, "central").await;
    }
    let west = copies(&lib, &demo_isbn("こころ")).await[1]["barcode"]
        .as_str()
        .unwrap()
        .to_owned();
    checkout(&lib.state, &card_of(&lib, &a).await, &west)
        .await
        .unwrap();
    assert_eq!(hold_on(&lib, &a, kokoro).await, ("filled".into(), None));
    assert_eq!(hold_on(&lib, &b, kokoro).await, ("queued".into(), Some(1)));
    assert_eq!(hold_on(&lib, &c, kokoro).await, ("queued".into(), Some(2)));
    // Holds of others still block renewing it.
    let (s, body) = lib
        .call(
            Method::POST,
            &renew(&loan_id_of(&lib, &a, &west).await),
            None,
            Some(&a),
        )
        .await;
    assert_eq!(
        (s, body["code"].as_str().unwrap()),
        (StatusCode::CONFLICT, "renewal_blocked_by_holds")
    );
}

/// The id of the patron's loan of a copy.
async fn loan_id_of(lib: &Library, token: &str, barcode: &str) -> String {
    loans(lib, token)
        .await
        .into_iter()
        .find(|l| l["item_barcode"] == barcode)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn checking_out_another_copy_fills_a_ready_hold_and_passes_its_copy_on() {
    let lib = library().await;
    let [a, c] = lib.patrons(2).await.try_into().unwrap();
    // 100万回生きたねこ: copies at central, east and west.
    let isbn = demo_isbn("100万回生きたねこ");
    let title = lib.title_id(&isbn).await;
    let barcodes: Vec<String> = copies(&lib, &isbn)
        .await
        .iter()
        .map(|i| i["barcode"].as_str().unwrap().to_owned())
        .collect();
    lib.place(&a, title, "central").await;
    lib.place(&c, title, "central").await;
    let set_aside = trap_item(&lib.state, &barcodes[0]).await.unwrap();
    assert!(matches!(set_aside, Trapped::Ready { .. }), "{set_aside:?}");
    assert_eq!(hold_on(&lib, &a, title).await.0, "ready");

    // A borrows the east copy instead (as Koha fills the borrower's hold on
    // the title): A's hold is filled and the copy set aside for it goes to
    // C, the next in the queue, at once.
    checkout(&lib.state, &card_of(&lib, &a).await, &barcodes[1])
        .await
        .unwrap();
    assert_eq!(hold_on(&lib, &a, title).await, ("filled".into(), None));
    assert_eq!(hold_on(&lib, &c, title).await.0, "ready");
    let shelf = hold_shelf(&lib.state, "central").await.unwrap();
    assert_eq!(shelf.len(), 1);
    assert_eq!(shelf[0].item_barcode, barcodes[0]);
    assert_eq!(shelf[0].card_number, card_of(&lib, &c).await);
}
