import SwiftUI

/// The first tap: the Rust core reads the card type, the certificates and the
/// tries left. No PIN is sent, so this costs no try.
@MainActor
struct CardCheckView: View {
    @EnvironmentObject private var model: AppModel
    let purpose: Purpose

    init(purpose: Purpose) {
        self.purpose = purpose
    }

    var body: some View {
        NavigationView {
            ScrollView {
                VStack(spacing: 24) {
                    Text(purpose == .register
                        ? "まず、カードの状態(2つの電子証明書と、署名用・利用者証明用の暗証番号の残り回数)を確認します。暗証番号はまだ入力しません。"
                        : "別の端末で登録済みの方は、カードの利用者証明用電子証明書でログインします。まず、カードの状態を確認します。")
                        .fixedSize(horizontal: false, vertical: true)
                    TapGuide()
                    Button {
                        Task { await model.checkCard(for: purpose) }
                    } label: {
                        Text("カードを読み取る").frame(maxWidth: .infinity)
                    }
                    .buttonStyle(.borderedProminent)
                    .controlSize(.large)
                    .disabled(model.busy != nil)
                }
                .padding()
            }
            .navigationTitle(purpose == .register ? "カードの確認" : "ログイン")
            .toolbar {
                ToolbarItem(placement: .cancellationAction) {
                    Button("戻る") { model.backToStart() }
                }
            }
        }
        .navigationViewStyle(.stack)
    }
}
