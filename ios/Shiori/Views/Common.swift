import SwiftUI

/// A dimmed layer with a spinner while the app waits for the server or the
/// card (the NFC sheet itself is the system's).
struct BusyOverlay: View {
    let text: String

    var body: some View {
        ZStack {
            Color.black.opacity(0.25).ignoresSafeArea()
            VStack(spacing: 12) {
                ProgressView()
                Text(text).multilineTextAlignment(.center)
            }
            .padding(24)
            .background(.regularMaterial, in: RoundedRectangle(cornerRadius: 16))
            .padding(40)
        }
        .accessibilityElement(children: .combine)
    }
}

/// The model's current problem as an alert. Used at the root and in sheets
/// (an alert cannot be shown from under a sheet).
@MainActor
struct ProblemAlert: ViewModifier {
    @ObservedObject var model: AppModel

    func body(content: Content) -> some View {
        content.alert(item: $model.problem) { problem in
            Alert(title: Text(problem.title),
                  message: Text(problem.message),
                  dismissButton: .default(Text("OK")))
        }
    }
}

/// A read-only label / value row.
struct FactRow: View {
    let label: String
    let value: String

    init(_ label: String, _ value: String) {
        self.label = label
        self.value = value
    }

    var body: some View {
        VStack(alignment: .leading, spacing: 2) {
            Text(label).font(.caption).foregroundColor(.secondary)
            Text(value).textSelection(.enabled)
        }
        .accessibilityElement(children: .combine)
    }
}

/// How to hold the card to the iPhone.
struct TapGuide: View {
    var body: some View {
        VStack(spacing: 12) {
            Image(systemName: "wave.3.right.circle")
                .font(.system(size: 56))
                .foregroundColor(.accentColor)
                .accessibilityHidden(true)
            VStack(alignment: .leading, spacing: 6) {
                Text("1. 「カードを読み取る」を押します。")
                Text("2. iPhoneの上部(カメラのあたり)を、机に置いたマイナンバーカードの中央に重ねます。")
                Text("3. 読み取りが終わるまで、カードとiPhoneを動かさないでください。")
            }
            .font(.callout)
            .fixedSize(horizontal: false, vertical: true)
        }
    }
}

extension String {
    /// Trimmed, or nil when nothing is left.
    var trimmedOrNil: String? {
        let trimmed = trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }
}
