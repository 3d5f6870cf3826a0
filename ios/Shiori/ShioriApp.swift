import SwiftUI

@main
@MainActor
struct ShioriApp: App {
    @StateObject private var model = AppModel()

    var body: some Scene {
        WindowGroup {
            RootView()
                .environmentObject(model)
                // A stored session token → restore it and show the card.
                .task { await model.start() }
        }
    }
}

/// Shows the screen the model is on, the busy overlay and the alerts.
@MainActor
struct RootView: View {
    @EnvironmentObject private var model: AppModel

    var body: some View {
        ZStack {
            content
            if let busy = model.busy {
                BusyOverlay(text: busy)
            }
        }
        .modifier(ProblemAlert(model: model))
    }

    @ViewBuilder
    private var content: some View {
        switch model.screen {
        case .launching:
            ProgressView()
        case .onboarding:
            OnboardingView()
        case let .cardCheck(purpose):
            CardCheckView(purpose: purpose)
        case let .secret(purpose):
            SecretEntryView(purpose: purpose)
        case let .confirm(proof, facts):
            ConfirmView(proof: proof, facts: facts)
        case .home:
            HomeView()
        }
    }
}
