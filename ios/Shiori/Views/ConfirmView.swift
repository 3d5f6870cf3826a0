import SwiftUI

/// The 4 facts the card's signing certificate holds (read-only) and the
/// resident's own details, then registration. The server verifies the proof
/// and derives the facts itself; what is shown here is for the resident.
@MainActor
struct ConfirmView: View {
    @EnvironmentObject private var model: AppModel
    let proof: RegistrationProof
    let facts: BasicFacts

    @State private var email = ""
    @State private var kana = ""
    @State private var phone = ""
    /// A branch code; "" for none.
    @State private var homeBranch = ""

    init(proof: RegistrationProof, facts: BasicFacts) {
        self.proof = proof
        self.facts = facts
    }

    /// Only enables the button; the server checks the address.
    private var emailLooksUsable: Bool {
        guard let trimmed = email.trimmedOrNil else { return false }
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
    }

    private var hasSubstitutes: Bool {
        facts.nameSubstitutes.contains("1") || facts.addressSubstitutes.contains("1")
    }

    var body: some View {
        NavigationView {
            Form {
                Section {
                    FactRow("氏名", facts.name)
                    FactRow("住所", facts.address)
                    FactRow("生年月日", Self.japaneseDate(facts.birthDate))
                    FactRow("性別", facts.genderJa)
                } header: {
                    Text("カードから読み取った情報")
                } footer: {
                    VStack(alignment: .leading, spacing: 4) {
                        Text("署名用電子証明書の4情報です。ここでは変更できません。")
                        if hasSubstitutes {
                            Text("一部の文字は、カードに代替文字として記録されています。")
                        }
                    }
                }

                Section {
                    TextField("メールアドレス(必須)", text: $email)
                        .keyboardType(.emailAddress)
                        .textContentType(.emailAddress)
                        .textInputAutocapitalization(.never)
                        .disableAutocorrection(true)
                    TextField("フリガナ(任意)", text: $kana)
                        .disableAutocorrection(true)
                    TextField("電話番号(任意)", text: $phone)
                        .keyboardType(.phonePad)
                        .textContentType(.telephoneNumber)
                    Picker("よく使う館", selection: $homeBranch) {
                        Text("指定しない").tag("")
                        ForEach(model.branches, id: \.code) { branch in
                            Text(branch.name).tag(branch.code)
                        }
                    }
                } header: {
                    Text("連絡先")
                } footer: {
                    Text("予約の受取のお知らせなどをメールでお送りします。")
                }

                Section {
                    Button("この内容で登録する") { register() }
                        .disabled(!emailLooksUsable || model.busy != nil)
                }
            }
            .navigationTitle("登録内容の確認")
            .toolbar {
                ToolbarItem(placement: .cancellationAction) {
                    Button("やめる") { model.backToStart() }
                }
            }
        }
        .navigationViewStyle(.stack)
    }

    private func register() {
        let details = RegistrationDetails(
            email: email.trimmedOrNil ?? "",
            nameKana: kana.trimmedOrNil,
            phone: phone.trimmedOrNil,
            homeBranch: homeBranch.isEmpty ? nil : homeBranch
        )
        Task { await model.completeRegistration(proof, details: details) }
    }

    /// `1990-01-02` → `1990年1月2日`; anything else as it is.
    private static func japaneseDate(_ iso: String) -> String {
        let parts = iso.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return iso }
        return "\(parts[0])年\(parts[1])月\(parts[2])日"
    }
}
