import Foundation
import UIKit

/// Which card secrets a flow uses.
enum Purpose {
    /// Registration: the signing password (署名用電子証明書の暗証番号, 6–16
    /// letters and digits) AND the 4-digit user-authentication PIN, typed
    /// before the one tap that signs with both keys.
    case register
    /// Login on a new device: the 4-digit user-authentication PIN
    /// (利用者証明用電子証明書の暗証番号).
    case login
}

/// What the app knows of one secret's counter: `left` tries of `max`; nil
/// when unknown (e.g. already verified in the card's session).
struct Tries: Equatable {
    var left: UInt8?
    var max: UInt8?

    static let unknown = Tries(left: nil, max: nil)

    init(left: UInt8?, max: UInt8?) {
        self.left = left
        self.max = max
    }

    init(_ state: PinState) {
        switch state {
        case let .triesLeft(left, max):
            self.init(left: left, max: max)
        case .verified, .blocked:
            self.init(left: nil, max: nil)
        }
    }

    /// The next wrong entry blocks it: the resident must confirm first.
    var isLastTry: Bool { left == 1 }
}

/// The serial queue for blocking Rust server calls (HTTP through
/// shiori-client). Card calls use CardSession's own "shiori.card" queue.
private let serverQueue = DispatchQueue(label: "shiori.server", qos: .userInitiated)

/// Barcode rendering (no I/O) has its own queue, so the stored library card
/// shows at once even while a server call waits for an unreachable server.
private let renderQueue = DispatchQueue(label: "shiori.render", qos: .userInitiated)

/// Run a blocking Rust call on `queue` and hand its result back to the
/// awaiting caller (the main actor for AppModel).
private func runBlocking<T>(on queue: DispatchQueue, _ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        queue.async {
            continuation.resume(with: Result { try body() })
        }
    }
}

/// Run a blocking Rust server call on `serverQueue`.
func runOffMain<T>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await runBlocking(on: serverQueue, body)
}

/// Run a blocking Rust call that does no I/O (barcode rendering) on
/// `renderQueue`, never behind a server call.
func renderOffMain<T>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await runBlocking(on: renderQueue, body)
}

/// The app's state. Lives on the main actor; every Rust call (all of them
/// block) is dispatched off it — server calls through `call`, card calls
/// through `CardSession` — and the results are published on the main actor.
@MainActor
final class AppModel: ObservableObject {
    enum Screen {
        case launching
        case onboarding
        /// The first tap: tries left, no PIN sent.
        case cardCheck(Purpose)
        /// Password / PIN entry, then the tap that uses it.
        case secret(Purpose)
        /// The 4 facts read from the card, and the resident's details.
        case confirm(RegistrationProof, BasicFacts)
        case home
    }

    @Published private(set) var screen: Screen = .launching
    /// What the app is waiting for, shown over the screen; nil when idle.
    @Published private(set) var busy: String?
    /// The alert to show.
    @Published var problem: Problem?
    /// Tries left on the signing password (registration only), from the
    /// first tap and then from `CardError.WrongPin`; nil outside a
    /// registration.
    @Published private(set) var passwordTries: Tries?
    /// Tries left on the 4-digit PIN (registration and login), the same way.
    @Published private(set) var pinTries = Tries.unknown
    @Published private(set) var branches: [Branch] = []
    /// The library card: the stored copy at launch, then the server's.
    @Published private(set) var card: LibraryCard?
    /// The server could not be reached on the last refresh: `card` is the
    /// copy stored on the device (shown with "オフライン表示").
    @Published private(set) var cardIsOffline = false
    @Published private(set) var patron: Patron?
    @Published private(set) var holds: [Hold] = []
    @Published private(set) var loans: [Loan] = []

    private let server: LibraryServer
    private var started = false

    static let tapPrompt = "マイナンバーカードをiPhoneの上部に当て、読み取りが終わるまで動かさないでください。"

    init(baseURL: String = AppModel.configuredServer()) {
        // The one Rust call made on the main actor: the constructor only
        // stores the URL and an HTTP agent configuration (no I/O, no wait).
        server = LibraryServer(baseUrl: baseURL)
    }

    /// `ShioriServer` from Info.plist.
    nonisolated static func configuredServer() -> String {
        (Bundle.main.object(forInfoDictionaryKey: "ShioriServer") as? String) ?? "https://library.example.jp"
    }

    // MARK: Calling Rust

    /// Run a blocking server call off the main actor; the result is back on
    /// the main actor when this returns.
    func call<T>(_ body: @escaping @Sendable (LibraryServer) throws -> T) async throws -> T {
        let server = server
        return try await runOffMain { try body(server) }
    }

    /// `call`, with a failure shown as an alert; nil on failure.
    func attempt<T>(_ body: @escaping @Sendable (LibraryServer) throws -> T) async -> T? {
        do {
            return try await call(body)
        } catch {
            report(error)
            return nil
        }
    }

    func report(_ error: Error) {
        if let serverError = error as? ServerError, serverError.endsSession, case .home = screen {
            signOutLocally()
            problem = Problem(title: "ログインしてください",
                              message: "ログインの有効期限が切れました。もう一度ログインしてください。")
            return
        }
        problem = Problem(error)
    }

    // MARK: Launch

    /// On launch: a stored session token → restore it and show the card
    /// (the stored copy at once, then the server's).
    func start() async {
        guard !started else { return }
        started = true
        guard let token = TokenStore.load() else {
            // Keychain items outlive the app: drop a card copy left without
            // its session (an old install). Not while the device is locked:
            // then the token only looked absent.
            if UIApplication.shared.isProtectedDataAvailable {
                CardStore.delete()
            }
            screen = .onboarding
            return
        }
        card = CardStore.load()
        do {
            try await call { $0.restoreSession(token: token) }
        } catch {
            report(error)
        }
        screen = .home
        await refreshHome()
    }

    // MARK: Registration and login

    func begin(_ purpose: Purpose) {
        forgetTries()
        screen = .cardCheck(purpose)
    }

    func backToStart() {
        forgetTries()
        screen = .onboarding
    }

    private func forgetTries() {
        passwordTries = nil
        pinTries = .unknown
    }

    /// The first tap: card type, certificates and tries left. Sends no PIN.
    func checkCard(for purpose: Purpose) async {
        busy = "カードを確認しています…"
        defer { busy = nil }
        let status: CardStatus
        do {
            status = try await CardSession.run(prompt: Self.tapPrompt, expectedApdus: 6) { link in
                try cardStatus(link: link)
            }
        } catch {
            report(error)
            return
        }

        guard status.cardType == .myNumberCard else {
            problem = Problem(title: "マイナンバーカードではありません",
                              message: "このカードでは登録できません。マイナンバーカード(個人番号カード)を当ててください。")
            return
        }
        // A registration signs with both keys in one tap, so it needs both
        // certificates and both secrets; a login the auth certificate and PIN.
        var password: PinState?
        if purpose == .register {
            guard status.signingCertificate, let signing = status.signingPassword else {
                problem = Problem(title: "署名用電子証明書がありません",
                                  message: "このカードには署名用電子証明書が入っていません(未発行または失効)。お住まいの市区町村の窓口で発行を受けてください。")
                return
            }
            password = signing
        }
        guard status.authCertificate else {
            problem = Problem(title: "利用者証明用電子証明書がありません",
                              message: "このカードには利用者証明用電子証明書が入っていません。お住まいの市区町村の窓口で発行を受けてください。")
            return
        }
        if case .blocked? = password {
            problem = Problem(title: "ロックされています",
                              message: "署名用電子証明書の暗証番号がロックされています。お住まいの市区町村の窓口で初期化を受けてください。")
            return
        }
        if case .blocked = status.authPin {
            problem = Problem(title: "ロックされています",
                              message: "利用者証明用電子証明書の暗証番号がロックされています。お住まいの市区町村の窓口で初期化を受けてください。")
            return
        }
        passwordTries = password.map(Tries.init)
        pinTries = Tries(status.authPin)
        screen = .secret(purpose)
    }

    /// The tap that uses the secrets: for a registration the signing
    /// `password` and the `pin` (one tap), for a login the `pin` (`password`
    /// nil). `allowLastTry`: the resident confirmed the last try of each
    /// secret that has one left (Rust's flag covers both secrets of the tap;
    /// SecretEntryView asks per secret). The caller clears its copies at
    /// once; the Rust core moves them into zeroizing memory. Never retried
    /// automatically.
    func submit(password: String?, pin: String, for purpose: Purpose, allowLastTry: Bool) async {
        switch purpose {
        case .register:
            guard let password else { return }
            await tapForRegistration(password: password, pin: pin, allowLastTry: allowLastTry)
        case .login:
            await tapForLogin(pin: pin, allowLastTry: allowLastTry)
        }
    }

    private func tapForRegistration(password: String, pin: String, allowLastTry: Bool) async {
        busy = "図書館のサーバーに接続しています…"
        defer { busy = nil }
        do {
            // The challenge comes first (network), before the NFC sheet, so
            // the card stays on the phone only for the card conversation.
            let challenge = try await call { try $0.registrationChallenge() }
            busy = "カードを読み取っています…"
            // 9 APDUs with extended length: SELECT, both tries, VERIFY the
            // password, both certificates, sign, VERIFY the PIN, sign.
            let (proof, facts) = try await CardSession.run(prompt: Self.tapPrompt, expectedApdus: 9) { link -> (RegistrationProof, BasicFacts) in
                let proof = try registrationTap(link: link, challenge: challenge,
                                                signingPassword: password, authPin: pin,
                                                allowLastTry: allowLastTry)
                return (proof, proof.facts())
            }
            screen = .confirm(proof, facts)
            if branches.isEmpty { await loadBranches() }
        } catch {
            tapFailed(error)
        }
    }

    private func tapForLogin(pin: String, allowLastTry: Bool) async {
        busy = "図書館のサーバーに接続しています…"
        defer { busy = nil }
        do {
            let challenge = try await call { try $0.loginChallenge() }
            busy = "カードを読み取っています…"
            let proof = try await CardSession.run(prompt: Self.tapPrompt, expectedApdus: 6) { link in
                try loginTap(link: link, challenge: challenge, authPin: pin, allowLastTry: allowLastTry)
            }
            busy = "ログインしています…"
            let signedIn = try await call { try $0.login(proof: proof) }
            try await keepSession()
            patron = signedIn.patron
            screen = .home
            await refreshHome()
        } catch let ServerError.RegisterAgain(reason, reasonJa) {
            // Registered before registrations proved both keys: register
            // again (same patron, library card number and holds).
            begin(.register)
            problem = Problem(title: "もう一度利用登録をしてください",
                              message: Self.registerAgainText + "\n\n" + (reasonJa ?? reason))
        } catch {
            tapFailed(error)
        }
    }

    static let registerAgainText = "このカードは、2つの暗証番号で確認する前の方式で登録されています。署名用電子証明書の暗証番号と利用者証明用電子証明書の暗証番号(数字4桁)の両方で、もう一度利用登録をしてください。登録内容・利用者カード番号・予約はそのまま引き継がれます。"

    /// Keep the tries-left display of each secret in step with what the
    /// card said; never tap again on our own.
    private func tapFailed(_ error: Error) {
        if let card = error as? CardError {
            switch card {
            case let .WrongPin(kind, left, _, _):
                setTries(kind, left: left)
                // A registration verifies the password first: a wrong PIN
                // means the password was right, and its counter is full again.
                if kind == .authPin, let password = passwordTries {
                    passwordTries = Tries(left: password.max, max: password.max)
                }
                if left == 0 { backToStart() }
            case let .LastTryRefused(kind, _, _):
                // Nothing was sent: this secret is at its last try.
                setTries(kind, left: 1)
            case .PinBlocked:
                backToStart()
            default:
                break
            }
        }
        report(error)
    }

    private func setTries(_ kind: PinKind, left: UInt8) {
        switch kind {
        case .signingPassword:
            passwordTries = Tries(left: left, max: passwordTries?.max)
        case .authPin:
            pinTries.left = left
        }
    }

    /// Send the proof with the resident's details; keep the new session.
    func completeRegistration(_ proof: RegistrationProof, details: RegistrationDetails) async {
        busy = "登録しています…"
        defer { busy = nil }
        do {
            let signedIn = try await call { try $0.register(proof: proof, details: details) }
            try await keepSession()
            patron = signedIn.patron
            screen = .home
            await refreshHome()
        } catch let ServerError.Refused(code, _, reason, reasonJa) where code.hasPrefix("challenge_") {
            // The proof answered a challenge that is no longer valid (the
            // resident took too long): read the card again.
            problem = Problem(title: "もう一度カードを読み取ってください", message: reasonJa ?? reason)
            screen = .secret(.register)
        } catch {
            report(error)
        }
    }

    /// Move the session token from the Rust client into the Keychain. It
    /// stays off the main actor and is never printed.
    private func keepSession() async throws {
        try await call { (server: LibraryServer) throws -> Void in
            guard let token = server.sessionToken() else {
                throw ServerError.NotLoggedIn(reason: "the server returned no session")
            }
            try TokenStore.save(token)
        }
    }

    // MARK: Signed in

    /// After launch, registration and login: the card first (and kept on the
    /// device), then the patron, branches and holds. Offline, it stops after
    /// the card so the desk sees the stored card without a pile of alerts.
    func refreshHome() async {
        guard await refreshCard() else { return }
        guard let me = await attempt({ try $0.me() }) else { return }
        patron = me
        await loadBranches()
        await refreshHolds()
    }

    /// Fetch the library card and keep a copy in the Keychain (CardStore).
    /// Unreachable server with a card on screen: keep showing it, marked
    /// offline, instead of an alert. True when the server answered.
    @discardableResult
    func refreshCard() async -> Bool {
        do {
            let fresh = try await call { (server: LibraryServer) throws -> LibraryCard in
                let card = try server.card()
                // Best effort: without the copy the card still shows online.
                try? CardStore.save(card)
                return card
            }
            card = fresh
            cardIsOffline = false
            return true
        } catch ServerError.Unreachable where card != nil {
            cardIsOffline = true
            return false
        } catch {
            report(error)
            return false
        }
    }

    func loadBranches() async {
        if let list = await attempt({ try $0.branches() }) {
            branches = list
        }
    }

    func refreshHolds() async {
        if let list = await attempt({ try $0.holds() }) {
            holds = list
        }
    }

    func branchName(_ code: String) -> String {
        branches.first { $0.code == code }?.name ?? code
    }

    /// The library card's barcode, rendered by the Rust core (offline).
    func barcodeImage(for card: LibraryCard) async -> UIImage? {
        let payload = card.barcodePayload
        do {
            let png = try await renderOffMain { try libraryCardBarcodePng(barcodePayload: payload, modulePx: 4) }
            return UIImage(data: png)
        } catch {
            report(error)
            return nil
        }
    }

    func findTitles(_ query: String, branch: String?, availableOnly: Bool, page: UInt32) async -> SearchResults? {
        await attempt {
            try $0.search(query: query, branch: branch, availableOnly: availableOnly, page: page, perPage: 20)
        }
    }

    func titleDetails(_ id: Int64) async -> TitleDetails? {
        await attempt { try $0.title(id: id) }
    }

    /// Reserve a title; true when the hold was placed.
    func reserve(_ titleId: Int64, pickupBranch: String) async -> Bool {
        busy = "予約しています…"
        defer { busy = nil }
        guard await attempt({ try $0.placeHold(titleId: titleId, pickupBranch: pickupBranch) }) != nil else {
            return false
        }
        await refreshHolds()
        return true
    }

    func cancel(_ hold: Hold) async {
        let id = hold.id
        if await attempt({ try $0.cancelHold(id: id) }) != nil {
            await refreshHolds()
        }
    }

    /// Suspend a queued hold until `day` (a library day, JST; the server
    /// wants it after today and within a year). True when it was suspended.
    func suspend(_ hold: Hold, until day: Date) async -> Bool {
        busy = "予約を休止しています…"
        defer { busy = nil }
        let id = hold.id
        let until = LibraryDay.string(from: day)
        guard let updated = await attempt({ try $0.suspendHold(id: id, until: until) }) else {
            return false
        }
        replace(updated)
        return true
    }

    func resume(_ hold: Hold) async {
        busy = "予約を再開しています…"
        defer { busy = nil }
        let id = hold.id
        if let updated = await attempt({ try $0.resumeHold(id: id) }) {
            replace(updated)
        }
    }

    /// A suspended or resumed hold keeps its place: update it in the list.
    private func replace(_ hold: Hold) {
        holds = holds.map { $0.id == hold.id ? hold : $0 }
    }

    // MARK: Loans

    func refreshLoans() async {
        if let list = await attempt({ try $0.loans() }) {
            loans = list
        }
    }

    /// Renew a loan. A refusal (renewal limit, other patrons' holds, overdue)
    /// is shown with the server's Japanese reason.
    func renew(_ loan: Loan) async {
        busy = "貸出を延長しています…"
        defer { busy = nil }
        let id = loan.id
        do {
            let renewed = try await call { try $0.renewLoan(id: id) }
            loans = loans.map { $0.id == renewed.id ? renewed : $0 }
        } catch let ServerError.Refused(_, status, reason, reasonJa) where status != 401 {
            problem = Problem(title: "延長できませんでした", message: reasonJa ?? reason)
        } catch {
            report(error)
        }
    }

    func logOut() async {
        busy = "ログアウトしています…"
        defer { busy = nil }
        do {
            try await call { try $0.logout() }
        } catch {
            // Forget the session on this device anyway.
            problem = Problem(error)
        }
        signOutLocally()
    }

    func deleteAccount() async {
        busy = "退会の手続きをしています…"
        defer { busy = nil }
        do {
            try await call { try $0.deleteAccount() }
        } catch {
            report(error)
            return
        }
        signOutLocally()
        problem = Problem(title: "退会しました", message: "登録情報はすべて削除されました。ご利用ありがとうございました。")
    }

    /// Forget the session and everything shown for it: the token and the
    /// stored library card go together (logout, account deleted, session
    /// refused with NotLoggedIn / 401).
    private func signOutLocally() {
        TokenStore.delete()
        CardStore.delete()
        card = nil
        cardIsOffline = false
        patron = nil
        holds = []
        loans = []
        backToStart()
    }
}
