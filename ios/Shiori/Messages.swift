import Foundation

/// An error as the resident sees it: a short Japanese title and the text.
/// The text is the Rust core's `reasonJa` when it has one, else `reason`.
struct Problem: Identifiable {
    let id = UUID()
    let title: String
    let message: String

    /// nil for errors that need no alert (the resident closed the NFC sheet).
    init?(_ error: Error) {
        switch error {
        case let card as CardError:
            title = card.title
            message = card.residentText
        case let server as ServerError:
            title = server.title
            message = server.residentText
        case let session as CardSessionError:
            switch session {
            case .cancelled:
                return nil
            case .nfcUnavailable:
                title = "NFCを使用できません"
                message = "この端末ではマイナンバーカードを読み取れません。NFCに対応したiPhoneをお使いください。"
            case let .ended(reason):
                title = "読み取りが終了しました"
                message = reason
            }
        case let barcode as BarcodeError:
            title = "バーコードを表示できません"
            switch barcode {
            case let .BadPayload(_, reason), let .Render(_, reason):
                message = reason
            }
        case let keychain as TokenStore.KeychainError:
            title = "ログイン情報を保存できませんでした"
            message = keychain.description
        default:
            title = "エラー"
            message = error.localizedDescription
        }
    }

    init(title: String, message: String) {
        self.title = title
        self.message = message
    }
}

extension CardError {
    /// `reasonJa` when present, else `reason`.
    var residentText: String {
        switch self {
        case let .PinFormat(kind, _, _):
            // The core words this one in English only.
            return kind == .authPin
                ? "利用者証明用電子証明書の暗証番号は数字4桁です。入力を確認してください(カードには何も送っていません)。"
                : "署名用電子証明書の暗証番号は英数字6〜16文字です。入力を確認してください(カードには何も送っていません)。"
        case let .NotMyNumberCard(_, reasonJa),
             let .NoSigningCertificate(_, reasonJa),
             let .CardLost(_, reasonJa):
            return reasonJa
        case let .PinBlocked(_, _, reasonJa),
             let .LastTryRefused(_, _, reasonJa):
            return reasonJa
        case let .WrongPin(_, _, _, reasonJa):
            return reasonJa
        case let .Card(_, _, reasonJa):
            return reasonJa
        }
    }

    var title: String {
        switch self {
        case .PinFormat: return "入力の形式が正しくありません"
        case .NotMyNumberCard: return "マイナンバーカードではありません"
        case .NoSigningCertificate: return "署名用電子証明書がありません"
        case .PinBlocked: return "ロックされています"
        case .WrongPin: return "暗証番号が違います"
        case .LastTryRefused: return "残り1回です"
        case .CardLost: return "カードが離れました"
        case .Card: return "カードを読み取れませんでした"
        }
    }
}

extension ServerError {
    /// `reasonJa` when present, else `reason`.
    var residentText: String {
        switch self {
        case let .Refused(_, _, reason, reasonJa),
             let .RegisterAgain(reason, reasonJa):
            return reasonJa ?? reason
        case let .Unreachable(reason),
             let .BadAnswer(reason),
             let .NotLoggedIn(reason):
            return reason
        }
    }

    var title: String {
        switch self {
        case .Refused: return "受け付けられませんでした"
        case .Unreachable: return "図書館のサーバーに接続できません"
        case .BadAnswer: return "サーバーの応答が正しくありません"
        case .NotLoggedIn: return "ログインしてください"
        case .RegisterAgain: return "もう一度利用登録をしてください"
        }
    }

    /// The session is gone (logged out elsewhere, expired, account deleted).
    var endsSession: Bool {
        switch self {
        case .NotLoggedIn: return true
        case let .Refused(_, status, _, _): return status == 401
        default: return false
        }
    }
}

/// Japanese labels for the server's stable state codes (docs/holds.md).
enum Labels {
    static func holdState(_ state: String) -> String {
        switch state {
        case "queued": return "予約待ち"
        case "in_transit": return "回送中"
        case "ready": return "受取可能"
        case "filled": return "受取済み"
        case "cancelled": return "取消済み"
        case "pickup_expired": return "受取期限切れ"
        default: return state
        }
    }

    static func itemStatus(_ status: String) -> String {
        switch status {
        case "available": return "貸出可"
        case "checked_out": return "貸出中"
        case "in_transit": return "回送中"
        case "on_hold_shelf": return "予約取置中"
        case "missing": return "所在不明"
        default: return status
        }
    }

    /// `2025-04-01T09:00:00Z` → `2025年4月1日 18:00` in the device's zone;
    /// a plain date or anything unexpected is shown as it is.
    static func dateTime(_ rfc3339: String) -> String {
        guard let date = timestamp(rfc3339) else { return rfc3339 }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "ja_JP")
        formatter.dateStyle = .long
        formatter.timeStyle = .short
        return formatter.string(from: date)
    }

    /// The library day (JST) of a time: `2025-04-15T14:59:59Z` (a due time,
    /// the end of a library day) → `2025年4月15日`.
    static func day(ofTimestamp rfc3339: String) -> String {
        guard let date = timestamp(rfc3339) else { return rfc3339 }
        return dayFormatter().string(from: date)
    }

    /// A server date: `2025-05-01` → `2025年5月1日`; anything else as it is.
    static func day(_ yyyyMMdd: String) -> String {
        guard let date = LibraryDay.date(from: yyyyMMdd) else { return yyyyMMdd }
        return dayFormatter().string(from: date)
    }

    private static func timestamp(_ rfc3339: String) -> Date? {
        let plain = ISO8601DateFormatter()
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return plain.date(from: rfc3339) ?? fractional.date(from: rfc3339)
    }

    private static func dayFormatter() -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "ja_JP")
        formatter.calendar = LibraryDay.calendar
        formatter.timeZone = LibraryDay.timeZone
        formatter.dateStyle = .long
        formatter.timeStyle = .none
        return formatter
    }
}

/// Library days are Japan's (docs/holds.md): the server's `YYYY-MM-DD`
/// dates and day boundaries are in JST and Gregorian, whatever the phone's
/// time zone and calendar (和暦 included).
enum LibraryDay {
    static let timeZone = TimeZone(identifier: "Asia/Tokyo")!

    static var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// `YYYY-MM-DD` as the server reads and writes it. (`yyyy`, not `YYYY`:
    /// that would be the week-based year.)
    private static func wireFormatter() -> DateFormatter {
        let formatter = DateFormatter()
        formatter.calendar = calendar
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter
    }

    static func string(from date: Date) -> String {
        wireFormatter().string(from: date)
    }

    /// The start (00:00 JST) of the day, or nil if it is not `YYYY-MM-DD`.
    static func date(from yyyyMMdd: String) -> Date? {
        wireFormatter().date(from: yyyyMMdd)
    }

    /// The start of the library day `days` after today's (JST).
    static func start(daysFromToday days: Int) -> Date {
        let today = calendar.startOfDay(for: Date())
        return calendar.date(byAdding: .day, value: days, to: today) ?? today
    }

    /// The start of the library day one year after today's (JST): the last
    /// day a hold can be suspended until (the server allows up to 366 days).
    static func startOneYearFromToday() -> Date {
        let today = calendar.startOfDay(for: Date())
        return calendar.date(byAdding: .year, value: 1, to: today) ?? today
    }
}
