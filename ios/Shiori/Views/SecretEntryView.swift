import SwiftUI

/// The signing password (registration) or the 4-digit PIN (login), then the
/// tap that uses it. Shows the tries left; with one try left the resident
/// must confirm before the app sets `allowLastTry`. Never retries on its own,
/// and clears the typed secret as soon as it is handed to the Rust core.
@MainActor
struct SecretEntryView: View {
    @EnvironmentObject private var model: AppModel
    let purpose: Purpose

    @State private var secret = ""
    @State private var confirmingLastTry = false

    init(purpose: Purpose) {
        self.purpose = purpose
    }

    private var isRegister: Bool { purpose == .register }

    /// Only enables the button; the Rust core checks the format again.
    private var isWellFormed: Bool {
        if isRegister {
            return (6...16).contains(secret.count)
                && secret.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
        }
        return secret.count == 4 && secret.allSatisfy { $0.isASCII && $0.isNumber }
    }

    var body: some View {
        NavigationView {
            Form {
                Section {
                    SecureField(isRegister ? "署名用電子証明書の暗証番号" : "利用者証明用電子証明書の暗証番号",
                                text: $secret)
                        .keyboardType(isRegister ? .asciiCapable : .numberPad)
                        .textInputAutocapitalization(.characters)
                        .disableAutocorrection(true)
                        .submitLabel(.go)
                        .onSubmit { submitTapped() }
                } header: {
                    Text(isRegister ? "暗証番号(英数字6〜16文字)" : "暗証番号(数字4桁)")
                } footer: {
                    triesFooter
                }

                Section {
                    TapGuide()
                        .padding(.vertical, 8)
                }

                Section {
                    Button(isRegister ? "カードを読み取る" : "カードを読み取ってログイン") {
                        submitTapped()
                    }
                    .disabled(!isWellFormed || model.busy != nil)
                }
            }
            .navigationTitle(isRegister ? "暗証番号の入力" : "ログイン")
            .toolbar {
                ToolbarItem(placement: .cancellationAction) {
                    Button("やめる") { model.backToStart() }
                }
            }
            .alert("残り1回です", isPresented: $confirmingLastTry) {
                Button("読み取る", role: .destructive) { send(allowLastTry: true) }
                Button("やめる", role: .cancel) {}
            } message: {
                Text("次に間違えると暗証番号がロックされ、市区町村の窓口で初期化が必要になります。暗証番号が確かなときだけ続けてください。")
            }
            .onDisappear { secret = "" }
        }
        .navigationViewStyle(.stack)
    }

    @ViewBuilder
    private var triesFooter: some View {
        if let left = model.triesLeft {
            VStack(alignment: .leading, spacing: 4) {
                Text("残り\(Int(left))回")
                if left == 1 {
                    Text("あと1回間違えるとロックされます。")
                        .foregroundColor(.red)
                }
            }
        } else {
            Text("続けて間違えるとロックされます。")
        }
    }

    private func submitTapped() {
        guard isWellFormed, model.busy == nil else { return }
        if model.triesLeft == 1 {
            confirmingLastTry = true
        } else {
            send(allowLastTry: false)
        }
    }

    private func send(allowLastTry: Bool) {
        let typed = secret
        // Clear the field at once: the secret is used for exactly one tap.
        secret = ""
        Task { await model.submit(secret: typed, for: purpose, allowLastTry: allowLastTry) }
    }
}
