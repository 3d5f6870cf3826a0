//! `shiori demo`: a whole registration with a virtual TEST card against an
//! embedded server, through the production code paths, explaining each step.
//!
//! 1. start the server on 127.0.0.1 (SQLite in a temporary directory, the
//!    TEST trust anchors and CRLs);
//! 2. insert the virtual card of 田中 花子 and read its status (no PIN);
//! 3. registration tap: signing password → certificates → signed proof, the 4
//!    facts parsed on the device;
//! 4. the server verifies both chains, the CRLs and the proof, derives the facts
//!    itself, issues a library card number and a session;
//! 5. the library card, with its barcode;
//! 6. a login on a "new device" with the 4-digit PIN finds the same patron;
//! 7. a search of the demo catalogue for 村上 and a hold on the first title
//!    at the central library, with its queue position;
//! 8. the desk returns a copy: the hold system sets it aside, and the
//!    resident sees it ready with its pickup deadline.

use shiori_client::flows::{login_with_card, register_with_card, RegistrationDetails};
use shiori_client::Client;
use shiori_core::jpki::flows::read_status;
use shiori_core::pin::{AuthPin, LastTry, SigningPassword};
use shiori_core::virtual_card::{CardImage, VirtualCard};

use crate::cmd::patron::{print_patron, show_card};
use crate::messages::{Lang, Msg};
use crate::ui::{CliError, Ui};

/// The demo card, compiled in so the installed binary needs no files.
const CARD: &str = include_str!("../../../test-vectors/cards/tanaka-hanako.json");

/// `shiori demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Keep the server running after the demo until Ctrl+C.
    #[arg(long)]
    keep_running: bool,
}

fn step(ui: &Ui, n: u8, ja: &str, en: &str) {
    if !ui.json {
        let text = match ui.lang {
            Lang::Ja => ja,
            Lang::En => en,
        };
        eprintln!("\n[{n}/8] {text}");
    }
}

fn fail(detail: impl std::fmt::Display) -> CliError {
    CliError(Msg::Server {
        code: "demo_failed".into(),
        ja: format!("デモを開始できませんでした: {detail}"),
        en: format!("the demo could not start: {detail}"),
    })
}

/// Run the demo.
pub fn run(ui: &Ui, args: &Args) -> Result<(), CliError> {
    let dir = std::env::temp_dir().join(format!("shiori-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(fail)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(fail)?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .map_err(fail)?;
    let origin = format!("http://{}", listener.local_addr().map_err(fail)?);
    let config = shiori_server::Config::test_defaults(dir.join("shiori.db"), &origin);
    let (router, state) = runtime
        .block_on(shiori_server::build_app(config))
        .map_err(fail)?;
    let catalogue = runtime
        .block_on(shiori_server::import::import_csv(
            &state,
            shiori_server::import::DEMO_CATALOGUE,
        ))
        .map_err(fail)?;
    step(ui, 1,
        &format!("図書館サーバーを {origin} で起動しました（SQLite は一時ディレクトリ、信頼点はテスト用ルート証明書、蔵書 {} タイトル・{} 冊）。", catalogue.titles, catalogue.items),
        &format!("Library server started at {origin} (SQLite in a temporary directory, TEST trust anchors, {} titles and {} copies).", catalogue.titles, catalogue.items));
    let serve_state = state.clone();
    let server = runtime.spawn(async move {
        shiori_server::serve_app_with_state(listener, router, &serve_state).await
    });

    let result = demo(ui, &origin, &dir)
        .and_then(|(client, summary)| reserve(ui, &client, &runtime, &state, summary));
    if args.keep_running && result.is_ok() {
        eprintln!("{origin}  (Ctrl+C)");
        let _ = runtime.block_on(server);
    }
    runtime.shutdown_background();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn demo(
    ui: &Ui,
    origin: &str,
    dir: &std::path::Path,
) -> Result<(Client, serde_json::Value), CliError> {
    let image: CardImage = serde_json::from_str(CARD).map_err(fail)?;
    let password = image
        .signing_password
        .clone()
        .ok_or_else(|| fail("card without password"))?;
    let pin = image.auth_pin.clone();
    let card = || VirtualCard::from_image(image.clone()).map_err(fail);

    step(ui, 2,
        "仮想マイナンバーカード（テスト用: 田中 花子）をかざしました。暗証番号は送らずに状態を読みます。",
        "The virtual My Number Card (TEST: Tanaka Hanako) is on the reader. Reading its status sends no PIN.");
    let status = read_status(card()?)?;
    if !ui.json {
        eprintln!(
            "      {:?}; {:?}",
            status.token.token_type, status.signing_password
        );
    }

    step(ui, 3,
        "署名用パスワードと利用者証明用暗証番号で、1回のタッチで登録します: 両方の残り回数を確認 → パスワード照合 → 証明書2枚を読む → 署名用の鍵でサーバーのチャレンジに署名 → 暗証番号照合 → 利用者証明用の鍵で同じ内容に署名（同じ人が両方の鍵を持つことの証明）。",
        "Registering with the signing password and the 4-digit PIN in one tap: tries left of both → VERIFY password → read both certificates → sign the server's challenge with the signing key → VERIFY PIN → sign the same proof with the auth key (proving one person holds both keys).");
    let mut client = Client::new(origin);
    let details = RegistrationDetails {
        email: "hanako@example.jp".into(),
        name_kana: Some("タナカ　ハナコ".into()),
        phone: None,
        home_branch: None,
    };
    let password = SigningPassword::new(&password).map_err(fail)?;
    let auth_pin = AuthPin::new(&pin).map_err(fail)?;
    let done = register_with_card(
        &mut client,
        card()?,
        &password,
        &auth_pin,
        &details,
        LastTry::Refuse,
    )?;
    if !ui.json {
        let f = &done.local_facts;
        eprintln!(
            "      {} APDUs; {} / {} / {} / {}",
            done.apdus,
            f.name,
            f.address,
            f.birth_date,
            f.gender.english_label()
        );
    }

    step(ui, 4,
        "サーバーが証明書チェーン・失効情報・署名を自分で検証し、証明書から4情報を取り出して利用者を登録しました。",
        "The server verified both chains, the CRLs and the signature itself, took the 4 facts from the certificate and registered the patron.");
    // In --json mode one summary is printed at the end instead.
    if !ui.json {
        print_patron(ui, &done.response.patron, Some(done.response.created));
    }

    step(
        ui,
        5,
        "図書館カード（窓口でスキャンするバーコード）:",
        "The library card (the barcode the desk scans):",
    );
    let library_card = client.card()?;
    if !ui.json {
        show_card(ui, &library_card);
    }
    let png = dir.join("library-card.png");
    std::fs::write(&png, client.card_png()?).map_err(fail)?;

    step(
        ui,
        6,
        "新しい端末から、利用者証明用電子証明書の暗証番号（4桁）でログインします。",
        "Logging in from a new device with the 4-digit user-authentication PIN.",
    );
    let mut other_device = Client::new(origin);
    let pin = AuthPin::new(&pin).map_err(fail)?;
    let login = login_with_card(&mut other_device, card()?, &pin, LastTry::Refuse)?;
    let same = login.patron.id == done.response.patron.id;
    let summary = serde_json::json!({
        "patron": done.response.patron,
        "card": library_card,
        "login_found_same_patron": same,
    });
    if !ui.json {
        eprintln!(
            "      {}",
            match (ui.lang, same) {
                (Lang::Ja, true) => "同じ利用者として見つかりました。",
                (Lang::En, true) => "The same patron was found.",
                (Lang::Ja, false) => "別の利用者になりました（想定外）。",
                (Lang::En, false) => "A different patron was found (unexpected).",
            }
        );
    }
    if same {
        Ok((client, summary))
    } else {
        Err(fail("login found another patron"))
    }
}

/// Steps 7 and 8: search, reserve, and the desk trapping a returned copy.
fn reserve(
    ui: &Ui,
    client: &Client,
    runtime: &tokio::runtime::Runtime,
    state: &shiori_server::AppState,
    mut summary: serde_json::Value,
) -> Result<(), CliError> {
    step(ui, 7,
        "蔵書を「村上」で検索し、最初の本を中央図書館受取で予約します。",
        "Searching the catalogue for 村上 and reserving the first title for pickup at the central library.");
    let found = client.search("村上", None, false, 1, 5)?;
    let title = found
        .titles
        .first()
        .ok_or_else(|| fail("the demo catalogue has no 村上"))?;
    if !ui.json {
        for t in &found.titles {
            eprintln!(
                "      {} — {} ({}/{})",
                t.title,
                t.authors.join("、"),
                t.available,
                t.copies
            );
        }
    }
    let hold = client.place_hold(title.id, "central")?;
    if !ui.json {
        eprintln!(
            "      {}: {} #{}",
            hold.title,
            hold.state,
            hold.position.unwrap_or_default()
        );
    }

    step(ui, 8,
        "窓口: 返却された1冊をスキャンすると、予約の先頭の人のために取り置かれます。利用者のアプリには受取期限が表示されます。",
        "At the desk: a returned copy is scanned and set aside for the first hold in the queue. The resident's app shows the pickup deadline.");
    let details = client.title(title.id)?;
    let copy = details
        .items
        .iter()
        .find(|i| i.branch == "central")
        .or_else(|| details.items.first())
        .ok_or_else(|| fail("the title has no copy"))?;
    let trapped = runtime
        .block_on(shiori_server::holds::trap_item(state, &copy.barcode))
        .map_err(|e| fail(e.body.message))?;
    let holds = client.holds()?;
    let mine = holds
        .holds
        .iter()
        .find(|h| h.id == hold.id)
        .ok_or_else(|| fail("the hold vanished"))?;
    if ui.json {
        summary["search"] = serde_json::json!(found);
        summary["hold"] = serde_json::json!(mine);
        ui.print_json(&summary);
    } else {
        use shiori_server::holds::{library_date, Trapped};
        let line = match (&trapped, ui.lang) {
            (
                Trapped::Ready {
                    pickup_deadline, ..
                },
                Lang::Ja,
            ) => format!(
                "資料 {} を予約棚に取り置きました。受取期限 {}。",
                copy.barcode,
                library_date(*pickup_deadline)
            ),
            (
                Trapped::Ready {
                    pickup_deadline, ..
                },
                Lang::En,
            ) => format!(
                "Copy {} is on the hold shelf; collect it by {} (JST).",
                copy.barcode,
                library_date(*pickup_deadline)
            ),
            (Trapped::InTransit { to_branch, .. }, Lang::Ja) => {
                format!("資料 {} を {to_branch} へ回送します。", copy.barcode)
            }
            (Trapped::InTransit { to_branch, .. }, Lang::En) => {
                format!("Copy {} travels to {to_branch}.", copy.barcode)
            }
            (Trapped::Shelved, Lang::Ja) => format!("資料 {} は書架に戻ります。", copy.barcode),
            (Trapped::Shelved, Lang::En) => {
                format!("Copy {} goes back on the shelf.", copy.barcode)
            }
        };
        eprintln!("      {line}");
        eprintln!("      {}: {}", mine.title, mine.state);
        // What the desk sees on the hold shelf list of the pickup branch.
        let shelf = runtime
            .block_on(shiori_server::circulation::hold_shelf(
                state,
                &mine.pickup_branch,
            ))
            .map_err(|e| fail(e.body.message))?;
        eprintln!(
            "      {}",
            match ui.lang {
                Lang::Ja => format!("職員画面の予約棚一覧（{}）:", mine.pickup_branch),
                Lang::En => format!("The staff hold-shelf list ({}):", mine.pickup_branch),
            }
        );
        for entry in &shelf {
            eprintln!(
                "        {}  {}  {}  → {}",
                entry.card_number,
                entry.item_barcode,
                entry.title,
                library_date(entry.pickup_deadline)
            );
        }
    }
    if mine.state.has_item() {
        Ok(())
    } else {
        Err(fail("the returned copy was not set aside for the hold"))
    }
}
