import Foundation
import Security

/// The patron's session token in the Keychain (a generic password, this
/// device only, readable while unlocked). The token is a secret: it is never
/// printed, logged or put in an error message.
///
/// The Keychain helpers at the bottom are shared with `CardStore` (same
/// service, another account, same protection).
enum TokenStore {
    private static let service = "jp.shiori.app"
    private static let account = "session-token"

    struct KeychainError: Error, CustomStringConvertible {
        let status: OSStatus
        var description: String { "Keychain error \(status)" }
    }

    /// Store (or replace) the token.
    static func save(_ token: String) throws {
        try saveItem(Data(token.utf8), account: account)
    }

    /// The stored token, or nil if there is none (or the Keychain is locked).
    static func load() -> String? {
        loadItem(account: account).flatMap { String(data: $0, encoding: .utf8) }
    }

    /// Forget the token (logout, account deleted, session refused). The
    /// offline library card goes with it: see `AppModel.signOutLocally`.
    static func delete() {
        deleteItem(account: account)
    }

    // MARK: Keychain helpers

    private static func baseQuery(account: String) -> [String: Any] {
        [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
        ]
    }

    /// Store (or replace) `data` under `account` of the app's service, this
    /// device only, readable while unlocked.
    static func saveItem(_ data: Data, account: String) throws {
        let query = baseQuery(account: account)
        let attributes: [String: Any] = [
            kSecValueData as String: data,
            kSecAttrAccessible as String: kSecAttrAccessibleWhenUnlockedThisDeviceOnly,
        ]
        var status = SecItemUpdate(query as CFDictionary, attributes as CFDictionary)
        if status == errSecItemNotFound {
            let item = query.merging(attributes) { _, new in new }
            status = SecItemAdd(item as CFDictionary, nil)
        }
        guard status == errSecSuccess else { throw KeychainError(status: status) }
    }

    /// The data under `account`, or nil if there is none (or the Keychain is
    /// locked).
    static func loadItem(account: String) -> Data? {
        var query = baseQuery(account: account)
        query[kSecReturnData as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        var item: CFTypeRef?
        guard SecItemCopyMatching(query as CFDictionary, &item) == errSecSuccess else { return nil }
        return item as? Data
    }

    static func deleteItem(account: String) {
        SecItemDelete(baseQuery(account: account) as CFDictionary)
    }
}
