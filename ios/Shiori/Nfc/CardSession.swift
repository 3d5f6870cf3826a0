import CoreNFC
import Foundation

/// Why a tap ended before the Rust core got to talk to a card.
enum CardSessionError: Error {
    /// This device cannot read NFC tags (no NFC, or an iPad / simulator).
    case nfcUnavailable
    /// The resident closed the NFC sheet.
    case cancelled
    /// The system ended the session (60 s limit, system busy, …).
    case ended(String)
}

/// One tap of the My Number Card: shows the system NFC sheet, connects to the
/// first ISO 7816 tag and runs `work` with a `CoreNfcLink` on the card queue.
///
/// Queues (see `CoreNfcLink` for the full threading rule):
/// * `sessionQueue` ("shiori.nfc.session", serial): the session's delegate
///   queue. Core NFC calls the delegate and every `connect` / `sendCommand`
///   completion here. Nothing on it may block.
/// * `cardQueue` ("shiori.card", serial): the blocking Rust call runs here;
///   `CoreNfcLink.transmit` waits on it for completions delivered on
///   `sessionQueue`.
///
/// The session's state (`phase`) is only touched on `sessionQueue`.
final class CardSession: NSObject, NFCTagReaderSessionDelegate {
    /// Run one card conversation. `work` runs off the main thread and off the
    /// session queue, and may block (it is a Rust call); its result or error
    /// is returned. `expectedApdus` only drives the progress bar on the sheet.
    /// The session itself is created and begun on the main actor.
    @MainActor
    static func run<T>(
        prompt: String,
        expectedApdus: Int,
        _ work: @escaping @Sendable (NfcLink) throws -> T
    ) async throws -> T {
        guard NFCTagReaderSession.readingAvailable else {
            throw CardSessionError.nfcUnavailable
        }
        let erased: @Sendable (NfcLink) throws -> Any = { link in try work(link) }
        let outcome: Any = try await withCheckedThrowingContinuation { continuation in
            let driver = CardSession(prompt: prompt, expectedApdus: expectedApdus, work: erased) { result in
                continuation.resume(with: result)
            }
            driver.begin()
        }
        guard let value = outcome as? T else {
            throw CardSessionError.ended("unexpected result type")
        }
        return value
    }

    private enum Phase {
        case waitingForCard
        case working
        case finished
    }

    private let sessionQueue = DispatchQueue(label: "shiori.nfc.session", qos: .userInitiated)
    private let cardQueue = DispatchQueue(label: "shiori.card", qos: .userInitiated)
    private let prompt: String
    private let expectedApdus: Int
    private let work: @Sendable (NfcLink) throws -> Any
    private let finish: (Result<Any, Error>) -> Void

    private var session: NFCTagReaderSession?
    private var phase = Phase.waitingForCard
    private var invalidated = false
    /// The session holds its delegate weakly: keep ourselves alive until done.
    private var keepAlive: CardSession?

    private init(
        prompt: String,
        expectedApdus: Int,
        work: @escaping @Sendable (NfcLink) throws -> Any,
        finish: @escaping (Result<Any, Error>) -> Void
    ) {
        self.prompt = prompt
        self.expectedApdus = max(expectedApdus, 1)
        self.work = work
        self.finish = finish
    }

    private func begin() {
        guard let session = NFCTagReaderSession(pollingOption: .iso14443, delegate: self, queue: sessionQueue) else {
            finish(.failure(CardSessionError.nfcUnavailable))
            return
        }
        self.session = session
        keepAlive = self
        session.alertMessage = prompt
        session.begin()
    }

    // MARK: NFCTagReaderSessionDelegate (all on sessionQueue)

    func tagReaderSessionDidBecomeActive(_ session: NFCTagReaderSession) {}

    func tagReaderSession(_ session: NFCTagReaderSession, didDetect tags: [NFCTag]) {
        guard case .waitingForCard = phase else { return }
        if tags.count > 1 {
            session.alertMessage = "複数のカードが検出されました。マイナンバーカード1枚だけを当ててください。"
            session.restartPolling()
            return
        }
        guard let found = tags.first(where: { if case .iso7816 = $0 { return true } else { return false } }),
              case let .iso7816(iso) = found
        else {
            session.alertMessage = "マイナンバーカードを読み取れませんでした。もう一度当ててください。"
            session.restartPolling()
            return
        }

        phase = .working
        session.connect(to: found) { [self] error in
            // On sessionQueue.
            if error != nil {
                guard !invalidated else { return }
                phase = .waitingForCard
                session.alertMessage = "カードとの通信が途切れました。もう一度当ててください。"
                session.restartPolling()
                return
            }
            session.alertMessage = progressText(apdus: 0)
            let link = CoreNfcLink(tag: iso, sessionQueue: sessionQueue) { [weak self] count in
                // Called on the card queue; the sheet is updated from the
                // session queue (async: never wait for it from here).
                guard let self else { return }
                self.sessionQueue.async {
                    guard !self.invalidated else { return }
                    self.session?.alertMessage = self.progressText(apdus: count)
                }
            }
            // The Rust call blocks: run it on the card queue, never here.
            cardQueue.async { [self] in
                let result = Result { try work(link) }
                sessionQueue.async { [self] in complete(result) }
            }
        }
    }

    func tagReaderSession(_ session: NFCTagReaderSession, didInvalidateWithError error: Error) {
        invalidated = true
        switch phase {
        case .finished:
            break
        case .working:
            // The Rust call is still running on the card queue. Its pending
            // or next sendCommand fails (→ LinkError.TagLost) or times out,
            // so it returns soon and `complete` reports that.
            break
        case .waitingForCard:
            if let nfc = error as? NFCReaderError, nfc.code == .readerSessionInvalidationErrorUserCanceled {
                complete(.failure(CardSessionError.cancelled))
            } else {
                complete(.failure(CardSessionError.ended(error.localizedDescription)))
            }
        }
    }

    // MARK: Ending

    private func complete(_ result: Result<Any, Error>) {
        guard phase != .finished else { return }
        phase = .finished
        if !invalidated, let session {
            switch result {
            case .success:
                session.alertMessage = "読み取りが完了しました。"
                session.invalidate()
            case let .failure(error):
                session.invalidate(errorMessage: Self.sheetMessage(for: error))
            }
        }
        finish(result)
        keepAlive = nil
    }

    /// The text on the NFC sheet while the card is read.
    private func progressText(apdus: Int) -> String {
        let segments = 10
        let filled = min(segments, apdus * segments / expectedApdus)
        let bar = String(repeating: "■", count: filled) + String(repeating: "□", count: segments - filled)
        return "読み取り中です。カードを動かさないでください。\n\(bar)"
    }

    /// The short message the NFC sheet shows when the tap failed; the app
    /// shows the full explanation afterwards.
    private static func sheetMessage(for error: Error) -> String {
        if let card = error as? CardError {
            return card.residentText
        }
        return "読み取りに失敗しました。"
    }
}
