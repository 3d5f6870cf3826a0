import SwiftUI

/// The secrets for the next tap, typed before it: a registration asks for
/// the signing password AND the 4-digit PIN (the one tap signs with both
/// keys), a login for the PIN. Shows the tries left of each when known. A
/// secret at its last try needs its own confirmation: one alert per such
/// secret, and only when each is confirmed does the app set `allowLastTry`
/// (Rust's flag covers both secrets of the tap). Never retries on its own,
/// and clears the typed secrets as soon as they are handed to the Rust core.
@MainActor
struct SecretEntryView: View {
    @EnvironmentObject private var model: AppModel
    let purpose: Purpose

    @State private var password = ""
    @State private var pin = ""
    /// The secrets at their last try still to be confirmed, in order.
    @State private var confirming: [PinKind] = []

    init(purpose: Purpose) {
        self.purpose = purpose
    }

    private var isRegister: Bool { purpose == .register }

    /// Only enables the button; the Rust core checks the formats again.
    private var isWellFormed: Bool {
        let pinOK = pin.count == 4 && pin.allSatisfy { $0.isASCII && $0.isNumber }
        guard isRegister else { return pinOK }
        return pinOK && (6...16).contains(password.count)
            && password.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }

    var body: some View {
        NavigationView {
            Form {
                if isRegister {
                    Section {
                        Text("登録では、カードを1回当てるだけで2つの電子証明書を使います。同じ方のカードであることを図書館が確認するため、両方の暗証番号を先に入力してください。")
                            .font(.callout)
                    }
                    Section {
                        SecureField("署名用電子証明書の暗証番号", text: $password)
                            .keyboardType(.asciiCapable)
                            .textInputAutocapitalization(.characters)
                            .disableAutocorrection(true)
                            .submitLabel(.next)
                    } header: {
                        Text("署名用電子証明書の暗証番号(英数字6〜16文字)")
                    } footer: {
                        TriesFooter(tries: model.passwordTries)
                    }
                }

                Section {
                    SecureField("利用者証明用電子証明書の暗証番号", text: $pin)
                        .keyboardType(.numberPad)
                        .disableAutocorrection(true)
                        .submitLabel(.go)
                        .onSubmit { submitTapped() }
                } header: {
                    Text("利用者証明用電子証明書の暗証番号(数字4桁)")
                } footer: {
                    TriesFooter(tries: model.pinTries)
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
            .alert("残り1回です", isPresented: confirmingBinding) {
                Button("読み取る", role: .destructive) { confirmOne() }
                Button("やめる", role: .cancel) { confirming = [] }
            } message: {
                Text(confirming.first == .signingPassword
                    ? "署名用電子証明書の暗証番号は残り1回です。次に間違えるとロックされ、市区町村の窓口で初期化が必要になります。暗証番号が確かなときだけ続けてください。"
                    : "利用者証明用電子証明書の暗証番号は残り1回です。次に間違えるとロックされ、市区町村の窓口で初期化が必要になります。暗証番号が確かなときだけ続けてください。")
            }
            .onDisappear {
                password = ""
                pin = ""
            }
        }
        .navigationViewStyle(.stack)
    }

    /// The alert shows while a secret waits for its confirmation.
    private var confirmingBinding: Binding<Bool> {
        Binding(get: { !confirming.isEmpty }, set: { shown in if !shown { confirming = [] } })
    }

    private func submitTapped() {
        guard isWellFormed, model.busy == nil else { return }
        var last: [PinKind] = []
        if isRegister, model.passwordTries?.isLastTry == true { last.append(.signingPassword) }
        if model.pinTries.isLastTry { last.append(.authPin) }
        if last.isEmpty {
            send(allowLastTry: false)
        } else {
            confirming = last
        }
    }

    /// The resident confirmed the first secret in the queue; the tap runs
    /// once every last try is confirmed.
    private func confirmOne() {
        let rest = Array(confirming.dropFirst())
        if rest.isEmpty {
            confirming = []
            send(allowLastTry: true)
        } else {
            // Let this alert close before the next one opens.
            DispatchQueue.main.async { confirming = rest }
            confirming = []
        }
    }

    private func send(allowLastTry: Bool) {
        let typedPassword = isRegister ? password : nil
        let typedPin = pin
        // Clear the fields at once: the secrets are used for exactly one tap.
        password = ""
        pin = ""
        Task {
            await model.submit(password: typedPassword, pin: typedPin, for: purpose, allowLastTry: allowLastTry)
        }
    }
}

/// Tries left on one secret, when known.
private struct TriesFooter: View {
    let tries: Tries?

    var body: some View {
        if let left = tries?.left {
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
}
