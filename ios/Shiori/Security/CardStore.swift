import Foundation

/// The last library card the server sent, kept in the Keychain so the card
/// still shows at the library desk without network. Not a secret like the
/// token, but personal (name, card number): same service, its own account,
/// same protection (this device only, readable while unlocked), through
/// TokenStore's Keychain helpers. Cleared together with the token.
enum CardStore {
    private static let account = "library-card"

    /// The `LibraryCard` fields as JSON (the generated record is not Codable).
    private struct StoredCard: Codable {
        let cardNumber: String
        let humanReadable: String
        let barcodePayload: String
        let name: String
    }

    /// Store (or replace) the card.
    static func save(_ card: LibraryCard) throws {
        let stored = StoredCard(cardNumber: card.cardNumber,
                                humanReadable: card.humanReadable,
                                barcodePayload: card.barcodePayload,
                                name: card.name)
        try TokenStore.saveItem(try JSONEncoder().encode(stored), account: account)
    }

    /// The stored card, or nil if there is none, it does not decode, or the
    /// Keychain is locked.
    static func load() -> LibraryCard? {
        guard let data = TokenStore.loadItem(account: account),
              let stored = try? JSONDecoder().decode(StoredCard.self, from: data)
        else { return nil }
        return LibraryCard(cardNumber: stored.cardNumber,
                           humanReadable: stored.humanReadable,
                           barcodePayload: stored.barcodePayload,
                           name: stored.name)
    }

    static func delete() {
        TokenStore.deleteItem(account: account)
    }
}
