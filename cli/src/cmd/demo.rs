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
//! 6. a login on a "new device" with the 4-digit PIN finds the same patron.

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
        eprintln!("\n[{n}/6] {text}");
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
    step(ui, 1,
        &format!("図書館サーバーを {origin} で起動しました（SQLite は一時ディレクトリ、信頼点はテスト用ルート証明書）。"),
        &format!("Library server started at {origin} (SQLite in a temporary directory, TEST trust anchors)."));
    let server = runtime.spawn(shiori_server::serve(listener, config));

    let result = demo(ui, &origin, &dir);
    if args.keep_running && result.is_ok() {
        eprintln!("{origin}  (Ctrl+C)");
        let _ = runtime.block_on(server);
    }
    runtime.shutdown_background();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn demo(ui: &Ui, origin: &str, dir: &std::path::Path) -> Result<(), CliError> {
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
        "署名用電子証明書の暗証番号で登録します: 残り回数を確認 → 照合 → 証明書2枚を読む → サーバーのチャレンジに署名。",
        "Registering with the signing password: tries left → VERIFY → read both certificates → sign the server's challenge.");
    let mut client = Client::new(origin);
    let details = RegistrationDetails {
        email: "hanako@example.jp".into(),
        name_kana: Some("タナカ　ハナコ".into()),
        phone: None,
        home_branch: None,
    };
    let password = SigningPassword::new(&password).map_err(fail)?;
    let done = register_with_card(&mut client, card()?, &password, &details, LastTry::Refuse)?;
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
    print_patron(ui, &done.response.patron, Some(done.response.created));

    step(
        ui,
        5,
        "図書館カード（窓口でスキャンするバーコード）:",
        "The library card (the barcode the desk scans):",
    );
    let library_card = client.card()?;
    show_card(ui, &library_card);
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
    if ui.json {
        ui.print_json(&serde_json::json!({
            "patron": done.response.patron,
            "card": library_card,
            "login_found_same_patron": same,
        }));
    } else {
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
        Ok(())
    } else {
        Err(fail("login found another patron"))
    }
}
