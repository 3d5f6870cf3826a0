//! The console's words, Japanese first and English: one `Texts` per
//! language, so a template can only name a text that exists in both, and
//! the messages for the desk's error codes (`error_text`).

use std::fmt;

/// The language of a page: `?lang=en` or `?lang=ja` chooses it and a cookie
/// remembers it; Japanese by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// 日本語 (the default).
    #[default]
    Ja,
    /// English.
    En,
}

impl Lang {
    /// `ja` or `en`, as in the `lang` attribute.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    /// `ja` → Japanese, `en` → English, anything else → `None`.
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "ja" => Some(Lang::Ja),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The other language (for the switch link).
    pub fn other(self) -> Lang {
        match self {
            Lang::Ja => Lang::En,
            Lang::En => Lang::Ja,
        }
    }

    /// The words of this language.
    pub(crate) fn texts(self) -> &'static Texts {
        match self {
            Lang::Ja => &JA,
            Lang::En => &EN,
        }
    }

    /// Pick the Japanese or the English form.
    pub(crate) fn pick<T>(self, ja: T, en: T) -> T {
        match self {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Every fixed text of the console's pages.
#[derive(Debug)]
pub(crate) struct Texts {
    pub(crate) app_name: &'static str,
    pub(crate) skip: &'static str,
    pub(crate) nav_label: &'static str,
    pub(crate) nav_desk: &'static str,
    pub(crate) nav_shelf: &'static str,
    pub(crate) nav_pick: &'static str,
    pub(crate) nav_sweep: &'static str,
    pub(crate) nav_audit: &'static str,
    pub(crate) nav_accounts: &'static str,
    pub(crate) logout: &'static str,
    pub(crate) signed_in_as: &'static str,
    pub(crate) other_lang_name: &'static str,
    pub(crate) login_title: &'static str,
    pub(crate) username: &'static str,
    pub(crate) password: &'static str,
    pub(crate) login_button: &'static str,
    pub(crate) desk_title: &'static str,
    pub(crate) scan_heading: &'static str,
    pub(crate) scan_label: &'static str,
    pub(crate) scan_hint: &'static str,
    pub(crate) scan_button: &'static str,
    pub(crate) return_heading: &'static str,
    pub(crate) return_label: &'static str,
    pub(crate) return_hint: &'static str,
    pub(crate) return_button: &'static str,
    pub(crate) patron_heading: &'static str,
    pub(crate) name: &'static str,
    pub(crate) card_number: &'static str,
    pub(crate) loans: &'static str,
    pub(crate) no_loans: &'static str,
    pub(crate) title: &'static str,
    pub(crate) item_barcode: &'static str,
    pub(crate) due: &'static str,
    pub(crate) overdue: &'static str,
    pub(crate) ready: &'static str,
    pub(crate) no_ready: &'static str,
    pub(crate) hold_shelf_at: &'static str,
    pub(crate) pickup_by: &'static str,
    pub(crate) waiting: &'static str,
    pub(crate) no_waiting: &'static str,
    pub(crate) state: &'static str,
    pub(crate) pickup_branch: &'static str,
    pub(crate) checkout_label: &'static str,
    pub(crate) checkout_button: &'static str,
    pub(crate) shelf_title: &'static str,
    pub(crate) branch: &'static str,
    pub(crate) show: &'static str,
    pub(crate) expired: &'static str,
    pub(crate) shelf_empty: &'static str,
    pub(crate) pick_title: &'static str,
    pub(crate) pick_explain: &'static str,
    pub(crate) shelf_mark: &'static str,
    pub(crate) pick_empty: &'static str,
    pub(crate) sweep_title: &'static str,
    pub(crate) sweep_explain: &'static str,
    pub(crate) sweep_button: &'static str,
    pub(crate) audit_title: &'static str,
    pub(crate) audit_explain: &'static str,
    pub(crate) at: &'static str,
    pub(crate) staff_user: &'static str,
    pub(crate) action: &'static str,
    pub(crate) patron: &'static str,
    pub(crate) audit_empty: &'static str,
    pub(crate) audit_filter_card: &'static str,
    pub(crate) audit_filter_button: &'static str,
    pub(crate) audit_all: &'static str,
    pub(crate) audit_older: &'static str,
    pub(crate) deleted_patron: &'static str,
    pub(crate) accounts_title: &'static str,
    pub(crate) role: &'static str,
    pub(crate) created: &'static str,
    pub(crate) password_set: &'static str,
    pub(crate) create_heading: &'static str,
    pub(crate) create_button: &'static str,
    pub(crate) reset_heading: &'static str,
    pub(crate) new_password: &'static str,
    pub(crate) reset_button: &'static str,
    pub(crate) password_hint: &'static str,
    pub(crate) role_staff: &'static str,
    pub(crate) role_admin: &'static str,
}

static JA: Texts = Texts {
    app_name: "しおり図書館 職員画面",
    skip: "本文へ移動",
    nav_label: "職員メニュー",
    nav_desk: "カウンター",
    nav_shelf: "予約棚",
    nav_pick: "ピッキングリスト",
    nav_sweep: "取置期限切れ処理",
    nav_audit: "監査ログ",
    nav_accounts: "職員アカウント",
    logout: "ログアウト",
    signed_in_as: "ログイン中",
    other_lang_name: "English",
    login_title: "職員ログイン",
    username: "ユーザー名",
    password: "パスワード",
    login_button: "ログイン",
    desk_title: "カウンター",
    scan_heading: "利用者カード",
    scan_label: "利用者カード番号（スキャンまたは入力）",
    scan_hint: "バーコードリーダーで利用者カードを読み取ってください。",
    scan_button: "表示",
    return_heading: "返却・回送資料の受け取り",
    return_label: "資料バーコード（返却）",
    return_hint: "返却された資料や他館から届いた予約資料を読み取ると、次の行き先を表示します。",
    return_button: "返却",
    patron_heading: "利用者",
    name: "氏名",
    card_number: "利用者カード番号",
    loans: "貸出中の資料",
    no_loans: "貸出中の資料はありません。",
    title: "タイトル",
    item_barcode: "資料バーコード",
    due: "返却期限",
    overdue: "延滞",
    ready: "受取可能な予約（予約棚）",
    no_ready: "受取可能な予約はありません。",
    hold_shelf_at: "予約棚",
    pickup_by: "取置期限",
    waiting: "その他の予約",
    no_waiting: "その他の予約はありません。",
    state: "状態",
    pickup_branch: "受取館",
    checkout_label: "貸出する資料のバーコード",
    checkout_button: "貸出",
    shelf_title: "予約棚一覧",
    branch: "館",
    show: "表示",
    expired: "取置期限切れ",
    shelf_empty: "予約棚に資料はありません。",
    pick_title: "ピッキングリスト",
    pick_explain: "予約待ちのある資料で、この館の書架にあるもの。取り出したら「返却」欄で読み取ると予約棚に回ります。",
    shelf_mark: "請求記号",
    pick_empty: "書架から取り出す資料はありません。",
    sweep_title: "取置期限切れ処理",
    sweep_explain: "受取期限を過ぎた予約を期限切れにし、資料を次の予約者か書架へ回します。終了した予約と古い監査ログ・職員セッションも削除します。",
    sweep_button: "期限切れ処理を実行",
    audit_title: "監査ログ",
    audit_explain: "職員が利用者の記録を開いた・変更した記録（新しい順、1ページ100件）。資料名は記録しません。",
    at: "日時",
    staff_user: "職員",
    action: "操作",
    patron: "利用者カード番号",
    audit_empty: "記録はありません。",
    audit_filter_card: "利用者カード番号で絞り込み",
    audit_filter_button: "絞り込む",
    audit_all: "すべて表示",
    audit_older: "さらに古い記録",
    deleted_patron: "（削除済みの利用者）",
    accounts_title: "職員アカウント",
    role: "権限",
    created: "作成日時",
    password_set: "パスワード設定日時",
    create_heading: "アカウントの作成",
    create_button: "作成",
    reset_heading: "パスワードの再設定",
    new_password: "新しいパスワード",
    reset_button: "再設定",
    password_hint: "12文字以上。",
    role_staff: "職員",
    role_admin: "管理者",
};

static EN: Texts = Texts {
    app_name: "Shiori library staff console",
    skip: "Skip to main content",
    nav_label: "Staff menu",
    nav_desk: "Desk",
    nav_shelf: "Hold shelf",
    nav_pick: "Pick list",
    nav_sweep: "Expiry sweep",
    nav_audit: "Audit log",
    nav_accounts: "Staff accounts",
    logout: "Log out",
    signed_in_as: "Signed in as",
    other_lang_name: "日本語",
    login_title: "Staff login",
    username: "User name",
    password: "Password",
    login_button: "Log in",
    desk_title: "Desk",
    scan_heading: "Library card",
    scan_label: "Library card number (scan or type)",
    scan_hint: "Scan the patron's library card with the barcode scanner.",
    scan_button: "Show",
    return_heading: "Returns and transit arrivals",
    return_label: "Item barcode (return)",
    return_hint: "Scan a returned copy, or a hold copy arriving from another branch, to see where it goes next.",
    return_button: "Return",
    patron_heading: "Patron",
    name: "Name",
    card_number: "Library card number",
    loans: "On loan",
    no_loans: "Nothing on loan.",
    title: "Title",
    item_barcode: "Item barcode",
    due: "Due",
    overdue: "overdue",
    ready: "Holds ready for pickup (hold shelf)",
    no_ready: "No hold is ready for pickup.",
    hold_shelf_at: "Hold shelf",
    pickup_by: "Pick up by",
    waiting: "Other holds",
    no_waiting: "No other holds.",
    state: "State",
    pickup_branch: "Pickup branch",
    checkout_label: "Item barcode to check out",
    checkout_button: "Check out",
    shelf_title: "Hold shelf",
    branch: "Branch",
    show: "Show",
    expired: "pickup expired",
    shelf_empty: "Nothing is on the hold shelf.",
    pick_title: "Pick list",
    pick_explain: "Copies on this branch's shelves that waiting holds need. Scan each pulled copy in the Return field to set it aside.",
    shelf_mark: "Shelf mark",
    pick_empty: "Nothing to pull from the shelves.",
    sweep_title: "Expiry sweep",
    sweep_explain: "Expires holds not collected by their deadline and passes their copies to the next hold or back to the shelf; deletes closed holds, old audit rows and ended staff sessions.",
    sweep_button: "Run the expiry sweep",
    audit_title: "Audit log",
    audit_explain: "Who opened or changed which patron record, and when (newest first, 100 rows a page). Titles are never recorded.",
    at: "Time (JST)",
    staff_user: "Staff",
    action: "Action",
    patron: "Library card number",
    audit_empty: "No entries.",
    audit_filter_card: "Only the patron with library card number",
    audit_filter_button: "Filter",
    audit_all: "Show all",
    audit_older: "Older entries",
    deleted_patron: "(deleted patron)",
    accounts_title: "Staff accounts",
    role: "Role",
    created: "Created",
    password_set: "Password set",
    create_heading: "Create an account",
    create_button: "Create",
    reset_heading: "Reset a password",
    new_password: "New password",
    reset_button: "Reset",
    password_hint: "At least 12 characters.",
    role_staff: "staff",
    role_admin: "admin",
};

/// What the desk says for a domain error `code` (from the circulation and
/// hold functions); `None` for codes without a desk text.
pub(crate) fn error_text(lang: Lang, code: &str) -> Option<&'static str> {
    let (ja, en) = match code {
        "invalid_card_number" => (
            "この図書館の利用者カード番号ではありません。読み取り直してください。",
            "Not a library card number of this library. Scan it again.",
        ),
        "unknown_card" => (
            "この利用者カード番号の利用者は登録されていません。",
            "No patron has this library card number.",
        ),
        "item_not_found" => (
            "このバーコードの資料はありません。",
            "No copy has this barcode.",
        ),
        "already_checked_out" => (
            "この資料はすでに貸出中です。先に返却処理をしてください。",
            "This copy is already checked out: return it first.",
        ),
        "on_hold_for_another" => (
            "この資料は別の利用者の予約のために取り置かれています。",
            "This copy is set aside for another patron's hold.",
        ),
        "item_in_transit" => (
            "この資料は予約のため回送中です。",
            "This copy is travelling to another branch for a hold.",
        ),
        "item_missing" => (
            "この資料は行方不明になっています。返却処理をすると戻ります。",
            "This copy is marked missing; return it to put it back.",
        ),
        "item_unavailable" => (
            "この資料は貸出できません。",
            "This copy cannot be checked out.",
        ),
        "loan_limit_reached" => (
            "貸出冊数の上限に達しています。",
            "The patron has reached the loan limit.",
        ),
        "item_already_trapped" => (
            "この資料はすでに予約の取り置き中か回送中です。",
            "This copy is already set aside or travelling for a hold.",
        ),
        "not_in_transit" => (
            "この資料は回送中ではありません。",
            "This copy is not travelling for a hold.",
        ),
        "empty_barcode" => (
            "バーコードを読み取ってください。",
            "Scan a barcode first.",
        ),
        "unknown_branch" => ("その館はありません。", "There is no such branch."),
        "invalid_username" => (
            "ユーザー名は英小文字・数字・「.」「_」「-」の1〜32文字で、英小文字か数字で始めてください。",
            "User names are 1–32 characters of a–z, 0–9, '.', '_' and '-', starting with a letter or digit.",
        ),
        "password_too_short" => (
            "パスワードは12文字以上にしてください。",
            "Passwords need at least 12 characters.",
        ),
        "password_too_long" => (
            "パスワードが長すぎます。",
            "The password is too long.",
        ),
        "username_taken" => (
            "そのユーザー名はすでに使われています。",
            "That user name is already taken.",
        ),
        "unknown_account" => (
            "そのユーザー名のアカウントはありません。",
            "There is no account with that user name.",
        ),
        "invalid_role" => ("権限の指定が正しくありません。", "Unknown role."),
        "login_failed" => (
            "ユーザー名またはパスワードが違います。",
            "Wrong user name or password.",
        ),
        "password_blank" => (
            "空白だけのパスワードは使えません。",
            "A password may not be only spaces.",
        ),
        "password_control_characters" => (
            "パスワードに制御文字（タブ・改行など）は使えません。",
            "A password may not contain control characters (tab, line break, …).",
        ),
        "rate_limited" => (
            "この端末からのログインの試行が多すぎます。しばらく待ってからお試しください。",
            "Too many login attempts from this address. Wait a little and try again.",
        ),
        "login_busy" => (
            "サーバーが混み合っています。数秒後にもう一度お試しください。",
            "The server is busy. Try again in a few seconds.",
        ),
        "login_locked" => (
            "ログインの失敗が続いたため、このユーザー名は一時的にロックされています。しばらくしてからお試しください。",
            "Too many failed logins: this user name is locked for a while. Try again later.",
        ),
        _ => return None,
    };
    Some(lang.pick(ja, en))
}
