//! The catalogue and holds through the HTTP API, in process, on the demo
//! catalogue (`server/data/demo-catalogue.csv`) and seeded patrons: search in
//! Japanese and English, ISBN forms, filters and paging; holds placed,
//! queued, suspended, cancelled, trapped, in transit, expired and passed on;
//! limits and bad input; 1,000 simultaneous holds on one title. Runs on
//! SQLite, or on PostgreSQL with `SHIORI_TEST_POSTGRES`.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use shiori_server::holds::{receive_transit, sweep, trap_item, Trapped};

mod support {
    pub mod library;
}
use support::library::{call, demo_isbn, isbn10, library, library_with, DAY, NOW};

#[tokio::test]
async fn one_and_two_character_japanese_words_are_found() {
    let lib = library().await;
    let cat = lib.search("猫").await;
    for t in [
        "吾輩は猫である",
        "猫の事務所",
        "猫を棄てる 父親について語るとき",
    ] {
        assert!(cat.iter().any(|x| x == t), "猫 → {t}: {cat:?}");
    }
    assert!(!cat.iter().any(|x| x == "坊っちゃん"), "{cat:?}");
    // Subjects are searched too: 100万回生きたねこ has the subject 猫.
    assert!(cat.iter().any(|x| x == "100万回生きたねこ"), "{cat:?}");

    let murakami = lib.search("村上").await;
    for t in [
        "ノルウェイの森 上",
        "海辺のカフカ 上",
        "騎士団長殺し 第1部",
        "村上ラヂオ",
    ] {
        assert!(murakami.iter().any(|x| x == t), "村上 → {t}: {murakami:?}");
    }
    // 村田沙耶香 shares 村 but not 村上.
    assert!(
        !murakami.iter().any(|x| x == "コンビニ人間"),
        "{murakami:?}"
    );

    // Two words narrow: 村上 and 猫.
    assert_eq!(
        lib.search("村上 猫").await,
        ["猫を棄てる 父親について語るとき"]
    );
    // The kana reading, in katakana or hiragana, and full-width letters.
    assert!(lib
        .search("ノルウェイ")
        .await
        .contains(&"ノルウェイの森 下".to_owned()));
    assert!(lib
        .search("のるうぇい")
        .await
        .contains(&"ノルウェイの森 下".to_owned()));
    assert!(lib
        .search("ｍｕｒａｋａｍｉ")
        .await
        .contains(&"Norwegian Wood".to_owned()));
    assert!(lib.search("Harry Potter").await.len() == 1);
    assert!(lib.search("存在しない言葉").await.is_empty());
}

#[tokio::test]
async fn isbn_10_and_13_with_or_without_hyphens() {
    let lib = library().await;
    let isbn = demo_isbn("ノルウェイの森 上");
    let hyphenated = format!(
        "{}-{}-{}-{}-{}",
        &isbn[..3],
        &isbn[3..4],
        &isbn[4..6],
        &isbn[6..12],
        &isbn[12..]
    );
    let ten = isbn10(&isbn);
    let ten_hyphenated = format!("{}-{}-{}-{}", &ten[..1], &ten[1..3], &ten[3..9], &ten[9..]);
    for q in [isbn.clone(), hyphenated, ten, ten_hyphenated] {
        assert_eq!(lib.search(&q).await, ["ノルウェイの森 上"], "{q}");
    }
    // A wrong check digit finds nothing (it is not that book).
    let mut wrong = isbn.clone();
    let last = wrong.pop().unwrap().to_digit(10).unwrap();
    wrong.push(char::from_digit((last + 1) % 10, 10).unwrap());
    assert!(lib.search(&wrong).await.is_empty());
}

#[tokio::test]
async fn filters_paging_and_details() {
    let lib = library().await;
    let (_, all) = lib
        .get("/api/v1/titles?q=%E6%9D%91%E4%B8%8A&per_page=2")
        .await;
    let total = all["total"].as_u64().unwrap();
    assert!(total >= 5, "{all}");
    assert_eq!(all["titles"].as_array().unwrap().len(), 2);
    let mut seen = BTreeSet::new();
    for page in 1..=total.div_ceil(2) {
        let (_, p) = lib
            .get(&format!(
                "/api/v1/titles?q=%E6%9D%91%E4%B8%8A&per_page=2&page={page}"
            ))
            .await;
        for t in p["titles"].as_array().unwrap() {
            assert!(seen.insert(t["id"].as_i64().unwrap()), "no title twice");
        }
    }
    assert_eq!(seen.len() as u64, total, "paging covers every match once");

    // 雪国 has one copy, at the west branch.
    let id = lib.title_id(&demo_isbn("雪国")).await;
    let (_, west) = lib.get("/api/v1/titles?branch=west&per_page=100").await;
    assert!(west["titles"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["id"] == id));
    let (_, east) = lib.get("/api/v1/titles?branch=east&per_page=100").await;
    assert!(!east["titles"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["id"] == id));

    let (status, details) = lib.get(&format!("/api/v1/titles/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(details["title"], "雪国");
    assert_eq!(details["authors"], json!(["川端康成"]));
    assert_eq!(details["copies"], 1);
    assert_eq!(details["available"], 1);
    assert_eq!(details["items"][0]["branch"], "west");

    // Available only: trap the one copy for a hold, and it is no longer available.
    let [p] = lib.patrons(1).await.try_into().unwrap();
    assert_eq!(lib.place(&p, id, "west").await.0, StatusCode::CREATED);
    let barcode = details["items"][0]["barcode"].as_str().unwrap().to_owned();
    assert!(matches!(
        trap_item(&lib.state, &barcode).await.unwrap(),
        Trapped::Ready { .. }
    ));
    let (_, avail) = lib
        .get("/api/v1/titles?branch=west&available=true&per_page=100")
        .await;
    assert!(!avail["titles"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["id"] == id));
    let (_, branches) = lib.get("/api/v1/branches").await;
    assert_eq!(branches["branches"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn bad_search_input_is_a_clear_4xx() {
    let lib = library().await;
    for (path, status, code) in [
        (
            "/api/v1/titles?page=0",
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            "/api/v1/titles?per_page=1000",
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            "/api/v1/titles?available=maybe",
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            "/api/v1/titles?sort=year",
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            "/api/v1/titles?q=%00",
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            "/api/v1/titles?branch=mars",
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_branch",
        ),
        (
            "/api/v1/titles/999999",
            StatusCode::NOT_FOUND,
            "title_not_found",
        ),
        (
            "/api/v1/titles/abc",
            StatusCode::NOT_FOUND,
            "title_not_found",
        ),
    ] {
        let (s, body) = lib.get(path).await;
        assert_eq!(
            (s, body["code"].as_str().unwrap()),
            (status, code),
            "{path}"
        );
    }
    let long = "猫".repeat(201);
    let q: String = url::form_urlencoded::byte_serialize(long.as_bytes()).collect();
    let (s, _) = lib.get(&format!("/api/v1/titles?q={q}")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // LIKE wildcards are literal.
    assert!(lib.search("%").await.is_empty());
    assert!(lib.search("_").await.is_empty());
}

#[tokio::test]
async fn the_queue_moves_up_when_someone_ahead_cancels() {
    let lib = library().await;
    let id = lib.title_id(&demo_isbn("人間失格")).await;
    let patrons = lib.patrons(3).await;
    let mut hold_ids = Vec::new();
    for (i, p) in patrons.iter().enumerate() {
        let (status, hold) = lib.place(p, id, "central").await;
        assert_eq!(status, StatusCode::CREATED, "{hold}");
        assert_eq!(hold["position"], i + 1);
        assert_eq!(hold["state"], "queued");
        hold_ids.push(hold["id"].as_str().unwrap().to_owned());
    }
    // One open hold per title and patron.
    let (status, body) = lib.place(&patrons[1], id, "east").await;
    assert_eq!(
        (status, body["code"].as_str().unwrap()),
        (StatusCode::CONFLICT, "hold_exists")
    );

    let (status, cancelled) = lib
        .call(
            Method::DELETE,
            &format!("/api/v1/me/holds/{}", hold_ids[0]),
            None,
            Some(&patrons[0]),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cancelled["state"], "cancelled");
    assert_eq!(lib.holds(&patrons[1]).await[0]["position"], 1);
    assert_eq!(lib.holds(&patrons[2]).await[0]["position"], 2);
    // Cancelling twice is a conflict; someone else's hold is not found.
    let (status, body) = lib
        .call(
            Method::DELETE,
            &format!("/api/v1/me/holds/{}", hold_ids[0]),
            None,
            Some(&patrons[0]),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str().unwrap()),
        (StatusCode::CONFLICT, "hold_closed")
    );
    let (status, body) = lib
        .call(
            Method::DELETE,
            &format!("/api/v1/me/holds/{}", hold_ids[2]),
            None,
            Some(&patrons[1]),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str().unwrap()),
        (StatusCode::NOT_FOUND, "hold_not_found")
    );
    assert_eq!(
        lib.holds(&patrons[2]).await[0]["state"],
        "queued",
        "untouched"
    );
    // Without a token: 401.
    let (status, _) = lib.call(Method::GET, "/api/v1/me/holds", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn holds_that_cannot_be_placed_change_nothing() {
    let lib = library_with(|c| c.holds.max_open_per_patron = 2).await;
    let [p] = lib.patrons(1).await.try_into().unwrap();
    let no_copies = lib.title_id(&demo_isbn("学問のすゝめ")).await;
    let a = lib.title_id(&demo_isbn("こころ")).await;
    let b = lib.title_id(&demo_isbn("雪国")).await;
    let c = lib.title_id(&demo_isbn("火花")).await;
    for (title, branch, status, code) in [
        (
            no_copies,
            "central",
            StatusCode::UNPROCESSABLE_ENTITY,
            "no_items",
        ),
        (
            a,
            "mars",
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_branch",
        ),
        (
            987_654_321,
            "central",
            StatusCode::NOT_FOUND,
            "title_not_found",
        ),
    ] {
        let (s, body) = lib.place(&p, title, branch).await;
        assert_eq!((s, body["code"].as_str().unwrap()), (status, code));
    }
    assert!(lib.holds(&p).await.is_empty(), "nothing stored");
    assert_eq!(lib.place(&p, a, "central").await.0, StatusCode::CREATED);
    assert_eq!(lib.place(&p, b, "west").await.0, StatusCode::CREATED);
    let (s, body) = lib.place(&p, c, "central").await;
    assert_eq!(
        (s, body["code"].as_str().unwrap()),
        (StatusCode::CONFLICT, "hold_limit_reached")
    );
    assert_eq!(lib.holds(&p).await.len(), 2);
    // Malformed bodies.
    for bad in [
        json!({"title_id": "one", "pickup_branch": "central"}),
        json!({"title_id": a}),
        json!({"title_id": a, "pickup_branch": "central", "extra": 1}),
    ] {
        let (s, _) = lib
            .call(
                Method::POST,
                "/api/v1/me/holds",
                Some(bad.clone()),
                Some(&p),
            )
            .await;
        assert!(s.is_client_error(), "{bad}: {s}");
    }
}

#[tokio::test]
async fn a_returned_copy_goes_to_the_first_eligible_hold_and_expires_to_the_next() {
    let lib = library().await;
    let title = lib.title_id(&demo_isbn("雪国")).await; // one copy, west
    let (_, details) = lib.get(&format!("/api/v1/titles/{title}")).await;
    let barcode = details["items"][0]["barcode"].as_str().unwrap().to_owned();
    let [a, b, c] = lib.patrons(3).await.try_into().unwrap();
    let hold_a = lib.place(&a, title, "west").await.1;
    let hold_b = lib.place(&b, title, "east").await.1;
    let hold_c = lib.place(&c, title, "west").await.1;

    // A suspends: the copy skips A (who keeps first place) and goes to B,
    // whose pickup branch is elsewhere: in transit.
    let until = "2026-12-10";
    let (s, suspended) = lib
        .call(
            Method::PUT,
            &format!(
                "/api/v1/me/holds/{}/suspension",
                hold_a["id"].as_str().unwrap()
            ),
            Some(json!({"until": until})),
            Some(&a),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{suspended}");
    assert_eq!(suspended["suspended_until"], until);
    assert_eq!(suspended["position"], 1);
    match trap_item(&lib.state, &barcode).await.unwrap() {
        Trapped::InTransit { hold_id, to_branch } => {
            assert_eq!(hold_id, hold_b["id"].as_str().unwrap());
            assert_eq!(to_branch, "east");
        }
        other => panic!("{other:?}"),
    }
    // Scanning it again is refused; it is travelling.
    let e = trap_item(&lib.state, &barcode).await.unwrap_err();
    assert_eq!(e.body.code, "item_already_trapped");
    assert_eq!(lib.holds(&b).await[0]["state"], "in_transit");
    assert_eq!(
        lib.holds(&c).await[0]["position"],
        2,
        "A (suspended) and C queue"
    );

    // It arrives at the east branch: ready for B until the end of the 7th day.
    let Trapped::Ready {
        pickup_deadline, ..
    } = receive_transit(&lib.state, &barcode).await.unwrap()
    else {
        panic!("not ready")
    };
    let b_hold = &lib.holds(&b).await[0];
    assert_eq!(b_hold["state"], "ready");
    assert_eq!(b_hold["pickup_deadline"], "2026-12-07T14:59:59Z");
    assert!(pickup_deadline > NOW + 7 * DAY - DAY && pickup_deadline <= NOW + 8 * DAY);

    // B does not come. The day after the deadline the sweep expires B's hold;
    // A is still suspended (until Dec 10th), so C gets the copy.
    lib.clock.set(pickup_deadline + 1);
    let swept = sweep(&lib.state).await.unwrap();
    assert_eq!(swept.expired, [hold_b["id"].as_str().unwrap()]);
    assert_eq!(swept.passed_on.len(), 1);
    assert!(
        matches!(&swept.passed_on[0], Trapped::Ready { hold_id, .. } if hold_id == hold_c["id"].as_str().unwrap())
    );
    assert_eq!(lib.holds(&b).await[0]["state"], "pickup_expired");

    // C cancels while the copy waits: it goes back on the shelf, since A
    // is still suspended on this day.
    let (s, _) = lib
        .call(
            Method::DELETE,
            &format!("/api/v1/me/holds/{}", hold_c["id"].as_str().unwrap()),
            None,
            Some(&c),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, details) = lib.get(&format!("/api/v1/titles/{title}")).await;
    assert_eq!(details["items"][0]["status"], "available");

    // Closed holds disappear after the retention period (no history).
    lib.clock.set(pickup_deadline + 15 * DAY);
    let swept = sweep(&lib.state).await.unwrap();
    assert_eq!(swept.purged, 2);
    assert!(lib.holds(&b).await.is_empty());
    assert_eq!(lib.holds(&a).await.len(), 1, "A's open hold stays");
}

#[tokio::test]
async fn the_running_sweeper_expires_an_uncollected_hold() {
    let lib = library().await;
    let title = lib.title_id(&demo_isbn("雪国")).await; // one copy, west
    let (_, details) = lib.get(&format!("/api/v1/titles/{title}")).await;
    let barcode = details["items"][0]["barcode"].as_str().unwrap().to_owned();
    let [a] = lib.patrons(1).await.try_into().unwrap();
    lib.place(&a, title, "west").await;
    let Trapped::Ready {
        pickup_deadline, ..
    } = trap_item(&lib.state, &barcode).await.unwrap()
    else {
        panic!("not ready")
    };
    lib.clock.set(pickup_deadline + 1);

    // The timer's first sweep runs at once; wait for its effect, bounded.
    let sweeper = shiori_server::start_sweeper(&lib.state);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        if lib.holds(&a).await[0]["state"] == "pickup_expired" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the sweeper did not expire the hold"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    sweeper.abort();
    let (_, details) = lib.get(&format!("/api/v1/titles/{title}")).await;
    assert_eq!(
        details["items"][0]["status"], "available",
        "the copy is back"
    );
}

#[tokio::test]
async fn suspension_rules() {
    let lib = library().await;
    let title = lib.title_id(&demo_isbn("火花")).await;
    let [p] = lib.patrons(1).await.try_into().unwrap();
    let hold = lib.place(&p, title, "central").await.1;
    let path = format!(
        "/api/v1/me/holds/{}/suspension",
        hold["id"].as_str().unwrap()
    );
    for (until, status, code) in [
        (
            "2026-11-30",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_date",
        ), // today
        (
            "2025-01-01",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_date",
        ),
        (
            "2028-01-01",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_date",
        ), // > a year
        ("tomorrow", StatusCode::BAD_REQUEST, "invalid_date"),
        ("2026-02-30", StatusCode::BAD_REQUEST, "invalid_date"),
    ] {
        let (s, body) = lib
            .call(Method::PUT, &path, Some(json!({"until": until})), Some(&p))
            .await;
        assert_eq!(
            (s, body["code"].as_str().unwrap()),
            (status, code),
            "{until}"
        );
    }
    let (s, body) = lib
        .call(
            Method::PUT,
            &path,
            Some(json!({"until": "2026-12-01"})),
            Some(&p),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, body) = lib.call(Method::DELETE, &path, None, Some(&p)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["suspended_until"], Value::Null);
}

#[tokio::test]
async fn deleting_an_account_passes_its_waiting_copy_on() {
    let lib = library().await;
    let title = lib.title_id(&demo_isbn("雪国")).await;
    let (_, details) = lib.get(&format!("/api/v1/titles/{title}")).await;
    let barcode = details["items"][0]["barcode"].as_str().unwrap().to_owned();
    let [a, b] = lib.patrons(2).await.try_into().unwrap();
    lib.place(&a, title, "west").await;
    lib.place(&b, title, "west").await;
    trap_item(&lib.state, &barcode).await.unwrap();
    assert_eq!(lib.holds(&a).await[0]["state"], "ready");
    let (s, _) = lib.call(Method::DELETE, "/api/v1/me", None, Some(&a)).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(lib.holds(&b).await[0]["state"], "ready");
}

/// The concurrency test: 1,000 patrons reserve one bestseller at
/// the same moment. Positions are exactly 1..=1000.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_simultaneous_holds_on_one_title() {
    let lib = library().await;
    let title = lib.title_id(&demo_isbn("コンビニ人間")).await;
    let patrons = lib.patrons(1000).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(patrons.len()));
    let tasks: Vec<_> = patrons
        .into_iter()
        .map(|token| {
            let app = lib.app.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let (status, hold) = call(
                    &app,
                    Method::POST,
                    "/api/v1/me/holds",
                    Some(json!({"title_id": title, "pickup_branch": "central"})),
                    Some(&token),
                )
                .await;
                assert_eq!(status, StatusCode::CREATED, "{hold}");
                (token, hold["position"].as_u64().unwrap())
            })
        })
        .collect();
    let mut at_placement = Vec::new();
    for t in tasks {
        at_placement.push(t.await.unwrap());
    }
    let positions: BTreeSet<u64> = at_placement.iter().map(|(_, p)| *p).collect();
    assert_eq!(
        positions,
        (1..=1000).collect::<BTreeSet<_>>(),
        "no gap, no duplicate"
    );
    // And as each patron sees it afterwards.
    let mut seen = BTreeSet::new();
    for (token, placed) in at_placement.iter().take(50) {
        let now = lib.holds(token).await[0]["position"].as_u64().unwrap();
        assert_eq!(now, *placed);
        seen.insert(now);
    }
    assert_eq!(seen.len(), 50);
}

#[tokio::test]
async fn a_marc_file_imports_titles_and_copies() {
    let lib = library().await;
    let marc = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../test-vectors/catalogue/sample.mrc"),
    )
    .unwrap();
    let report = shiori_server::import::import_marc(&lib.state, &marc)
        .await
        .unwrap();
    assert_eq!(report.items, 3);
    let rejected: Vec<_> = report
        .rejected
        .iter()
        .map(|r| (r.line, r.code.as_str()))
        .collect();
    assert_eq!(rejected, [(4, "invalid_isbn"), (5, "missing_branch")]);
    // こころ is in the demo catalogue with the same ISBN: the title is
    // updated, not duplicated, and gains the MARC copies.
    let id = lib.title_id("9784003101117").await;
    let (_, details) = lib.get(&format!("/api/v1/titles/{id}")).await;
    let barcodes: Vec<&str> = details["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["barcode"].as_str().unwrap())
        .collect();
    assert!(
        barcodes.contains(&"M-0001") && barcodes.contains(&"M-0002"),
        "{barcodes:?}"
    );
    assert!(lib
        .search("Norwegian wood novel")
        .await
        .contains(&"Norwegian wood : a novel".to_owned()));
    // A file that ends inside its first record: nothing imported, and the
    // record reported (tests/import.rs has the other malformed files).
    let garbage = shiori_server::import::import_marc(&lib.state, b"<collection><record>")
        .await
        .unwrap();
    assert_eq!(garbage.rows_read, 1);
    assert_eq!(garbage.rejected[0].code, "marc_truncated");
}

/// Staff trap copies while patrons cancel, all at once. Afterwards every
/// copy is either set aside for exactly one open hold or back on the shelf
/// with nobody eligible waiting, no closed hold keeps a copy, and the queue
/// positions of those still waiting are 1..n.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn trapping_while_patrons_cancel_keeps_queue_and_shelf_consistent() {
    let lib = library().await;
    let isbn = demo_isbn("ノルウェイの森 上"); // 3 copies, one per branch
    let title = lib.title_id(&isbn).await;
    let (_, details) = lib.get(&format!("/api/v1/titles/{title}")).await;
    let barcodes: Vec<String> = details["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["barcode"].as_str().unwrap().to_owned())
        .collect();
    let patrons = lib.patrons(40).await;
    let mut holds = Vec::new();
    for (i, p) in patrons.iter().enumerate() {
        let branch = ["central", "east", "west"][i % 3];
        let (s, h) = lib.place(p, title, branch).await;
        assert_eq!(s, StatusCode::CREATED);
        holds.push(h["id"].as_str().unwrap().to_owned());
    }
    let lib = Arc::new(lib);
    let mut tasks = Vec::new();
    for b in barcodes.clone() {
        let lib = lib.clone();
        tasks.push(tokio::spawn(async move {
            let _ = trap_item(&lib.state, &b).await;
        }));
    }
    for (i, (p, h)) in patrons.iter().zip(&holds).enumerate() {
        if i % 2 == 0 {
            let lib = lib.clone();
            let (p, h) = (p.clone(), h.clone());
            tasks.push(tokio::spawn(async move {
                let (s, _) = lib
                    .call(
                        Method::DELETE,
                        &format!("/api/v1/me/holds/{h}"),
                        None,
                        Some(&p),
                    )
                    .await;
                assert_eq!(s, StatusCode::OK);
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }

    // Every copy: on the shelf for exactly one open hold, or travelling for
    // one, or available while nobody eligible waits.
    let mut attached = BTreeSet::new();
    let mut waiting_positions = Vec::new();
    for (p, h) in patrons.iter().zip(&holds) {
        let mine = lib.holds(p).await;
        let hold = mine.iter().find(|x| x["id"] == h.as_str()).unwrap();
        match hold["state"].as_str().unwrap() {
            "ready" | "in_transit" => {}
            "queued" => waiting_positions.push(hold["position"].as_u64().unwrap()),
            "cancelled" => {}
            other => panic!("unexpected state {other}"),
        }
    }
    let rows: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT state, item_barcode FROM holds WHERE title_id = $1")
            .bind(title)
            .fetch_all(lib.state.db().pool())
            .await
            .unwrap();
    for (state, item) in &rows {
        match (state.as_str(), item) {
            ("ready" | "in_transit", Some(b)) => assert!(attached.insert(b.clone()), "{b} twice"),
            ("ready" | "in_transit", None) => panic!("an open hold without its copy"),
            _ => {}
        }
    }
    let (_, details) = lib.get(&format!("/api/v1/titles/{title}")).await;
    for item in details["items"].as_array().unwrap() {
        let b = item["barcode"].as_str().unwrap();
        match item["status"].as_str().unwrap() {
            "on_hold_shelf" | "in_transit" => assert!(attached.contains(b), "{b} held by no hold"),
            "available" => assert!(
                waiting_positions.is_empty(),
                "{b} on the shelf while patrons wait"
            ),
            other => panic!("{b}: {other}"),
        }
    }
    assert_eq!(
        attached.len(),
        barcodes.len().min(20),
        "each copy went to a hold"
    );
    waiting_positions.sort();
    assert_eq!(
        waiting_positions,
        (1..=waiting_positions.len() as u64).collect::<Vec<_>>(),
        "no gap, no duplicate"
    );
}

/// Counting stops at 1,000 matches: the answer says "1,000 or more" and
/// paging still works past the first page.
#[tokio::test]
async fn counts_are_capped_at_a_thousand() {
    let lib = library().await;
    let mut csv = String::from("title,authors\n");
    for i in 0..1_050 {
        csv.push_str(&format!("猫の本 {i},著者{i}\n"));
    }
    let report = shiori_server::import::import_csv(&lib.state, csv.as_bytes())
        .await
        .unwrap();
    assert_eq!(report.imported_rows, 1_050);
    let (_, body) = lib
        .get("/api/v1/titles?q=%E7%8C%AB%E3%81%AE%E6%9C%AC&per_page=100&page=11")
        .await;
    assert_eq!(body["total"], 1000);
    assert_eq!(body["total_capped"], true);
    assert_eq!(
        body["titles"].as_array().unwrap().len(),
        50,
        "1,050 = 10 pages of 100 + 50"
    );
    let (_, body) = lib.get("/api/v1/titles?q=%E9%9B%AA%E5%9B%BD").await;
    assert_eq!(
        (body["total"].as_u64(), body["total_capped"].as_bool()),
        (Some(1), Some(false))
    );
}
