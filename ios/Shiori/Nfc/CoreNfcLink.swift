import CoreNFC
import Foundation

/// The Rust core's `NfcLink` over Core NFC's `NFCISO7816Tag`.
///
/// ## Threading rule (read this before changing anything here)
///
/// Every Rust card function (`cardStatus`, `registrationTap`, `loginTap`, …)
/// is synchronous: it blocks for the whole conversation with the card and
/// calls `transmit(command:)` once per APDU **on the thread that called it**.
///
/// Core NFC is asynchronous: `sendCommand(apdu:completionHandler:)` returns at
/// once and later runs its completion handler **on the session's delegate
/// queue** (the queue given to `NFCTagReaderSession(pollingOption:delegate:queue:)`).
///
/// So `transmit` sends the command and then waits on a `DispatchSemaphore`
/// that the completion handler signals. That wait is only safe on a queue
/// that is *not* the session's queue: waiting on the session's own queue
/// would block the very queue the completion needs, and nothing would ever
/// signal the semaphore (a deadlock, here cut short by the timeout).
/// `CardSession` therefore runs the Rust call on its own serial "shiori.card"
/// queue, and `transmit` refuses to run on the session queue.
///
/// One link serves one Rust call, which calls `transmit` strictly one APDU
/// at a time from one thread; hence `@unchecked Sendable`.
final class CoreNfcLink: NfcLink, @unchecked Sendable {
    /// How long one APDU may take before the link gives up (the Rust core
    /// then reports a timeout and the resident taps again).
    static let apduTimeout: DispatchTimeInterval = .seconds(20)

    private let tag: NFCISO7816Tag
    private let sessionQueueKey: DispatchSpecificKey<Bool>
    private let onApdu: (Int) -> Void
    private var apdus = 0

    /// - Parameters:
    ///   - tag: the connected ISO 7816 tag.
    ///   - sessionQueue: the NFC session's delegate queue, where Core NFC
    ///     delivers `sendCommand` completions; `transmit` must never run on it.
    ///   - onApdu: called (on the calling queue) after each answered APDU with
    ///     the running count, for the progress text on the NFC sheet.
    init(tag: NFCISO7816Tag, sessionQueue: DispatchQueue, onApdu: @escaping (Int) -> Void) {
        self.tag = tag
        self.onApdu = onApdu
        sessionQueueKey = DispatchSpecificKey<Bool>()
        sessionQueue.setSpecific(key: sessionQueueKey, value: true)
    }

    func capabilities() throws -> LinkCapabilities {
        // iPhones carry extended-length APDUs to ISO 7816 tags; the largest
        // response is 65536 data bytes plus SW1 SW2.
        LinkCapabilities(extendedLength: true, maxTransceive: 65538)
    }

    func transmit(command: Data) throws -> Data {
        if DispatchQueue.getSpecific(key: sessionQueueKey) == true {
            // See the threading rule above: waiting here would deadlock.
            throw LinkError.Other(reason: "transmit called on the NFC session queue")
        }
        guard let apdu = NFCISO7816APDU(data: command) else {
            throw LinkError.Unsupported(reason: "Core NFC cannot parse this command APDU (\(command.count) bytes)")
        }

        let answer = Answer()
        let done = DispatchSemaphore(value: 0)
        // The completion runs on the session's delegate queue: it only stores
        // the answer and wakes this (card) queue up.
        tag.sendCommand(apdu: apdu) { response, sw1, sw2, error in
            if let error {
                answer.set(.failure(Self.linkError(error)))
            } else {
                var whole = response
                whole.append(sw1)
                whole.append(sw2)
                answer.set(.success(whole))
            }
            done.signal()
        }

        if done.wait(timeout: .now() + Self.apduTimeout) == .timedOut {
            throw LinkError.Timeout(reason: "no answer from the card within 20 s")
        }
        guard let result = answer.get() else {
            throw LinkError.Other(reason: "Core NFC returned no answer")
        }
        let response = try result.get()
        apdus += 1
        onApdu(apdus)
        return response
    }

    /// Core NFC's errors as the Rust core's link errors. A lost or
    /// disconnected tag and an ended session all mean "tap again".
    static func linkError(_ error: Error) -> LinkError {
        let text = error.localizedDescription
        guard let nfc = error as? NFCReaderError else {
            return .Other(reason: text)
        }
        switch nfc.code {
        case .readerTransceiveErrorTagConnectionLost,
             .readerTransceiveErrorTagNotConnected,
             .readerTransceiveErrorSessionInvalidated,
             .readerSessionInvalidationErrorUserCanceled,
             .readerSessionInvalidationErrorSessionTimeout,
             .readerSessionInvalidationErrorSessionTerminatedUnexpectedly,
             .readerSessionInvalidationErrorSystemIsBusy:
            return .TagLost(reason: text)
        case .readerTransceiveErrorPacketTooLong:
            return .Unsupported(reason: text)
        default:
            return .Other(reason: text)
        }
    }
}

/// The answer handed from the completion handler (session queue) to the
/// waiting `transmit` (card queue). A class with a lock because Core NFC's
/// completion handler is `@Sendable` and may still run after a timeout.
private final class Answer: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Result<Data, LinkError>?

    func set(_ result: Result<Data, LinkError>) {
        lock.lock()
        defer { lock.unlock() }
        value = result
    }

    func get() -> Result<Data, LinkError>? {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
