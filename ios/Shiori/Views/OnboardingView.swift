import SwiftUI

/// What Shiori does and what it reads, before the first tap.
@MainActor
struct OnboardingView: View {
    @EnvironmentObject private var model: AppModel

    var body: some View {
        NavigationView {
            ScrollView {
                VStack(alignment: .leading, spacing: 20) {
                    Text("マイナンバーカードで図書館の利用登録")
                        .font(.title2.bold())
                    Text("iPhoneにマイナンバーカードを当てるだけで、図書館の利用者登録ができ、利用者カードがこの画面に表示されます。")

                    GroupBox {
                        VStack(alignment: .leading, spacing: 6) {
                            Text("・マイナンバーカード")
                            Text("・署名用電子証明書の暗証番号(英数字6〜16文字)")
                            Text("・利用者証明用電子証明書の暗証番号(数字4桁)")
                            Text("・メールアドレス")
                        }
                        .frame(maxWidth: .infinity, alignment: .leading)
                    } label: {
                        Label("用意するもの", systemImage: "checklist")
                    }

                    GroupBox {
                        VStack(alignment: .leading, spacing: 6) {
                            Text("氏名・住所・生年月日・性別の4情報は、カードの署名用電子証明書から読み取ります。登録の前に画面で確認できます。")
                            Text("個人番号(マイナンバー)は読み取りません。")
                                .bold()
                            Text("暗証番号はカードにだけ送られ、この端末にも図書館にも保存されません。")
                        }
                        .frame(maxWidth: .infinity, alignment: .leading)
                    } label: {
                        Label("プライバシー", systemImage: "lock.shield")
                    }

                    Button {
                        model.begin(.register)
                    } label: {
                        Text("登録をはじめる").frame(maxWidth: .infinity)
                    }
                    .buttonStyle(.borderedProminent)
                    .controlSize(.large)

                    Button {
                        model.begin(.login)
                    } label: {
                        Text("登録済みの方(この端末でログイン)").frame(maxWidth: .infinity)
                    }
                    .buttonStyle(.bordered)
                    .controlSize(.large)
                }
                .padding()
            }
            .navigationTitle("栞")
        }
        .navigationViewStyle(.stack)
    }
}
