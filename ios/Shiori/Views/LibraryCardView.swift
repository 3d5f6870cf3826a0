import SwiftUI
import UIKit

/// The library card: the NW-7 barcode rendered by the Rust core, the number
/// below it, and the screen at full brightness while it is shown so the
/// desk's scanner reads it. The card is the copy stored on the device until
/// the server answers; without network it stays, marked "オフライン表示".
@MainActor
struct LibraryCardView: View {
    @EnvironmentObject private var model: AppModel
    @Environment(\.scenePhase) private var scenePhase

    @State private var barcode: UIImage?
    @State private var isVisible = false
    @State private var savedBrightness: CGFloat?
    @State private var confirmingDelete = false

    var body: some View {
        NavigationView {
            VStack(spacing: 16) {
                if let card = model.card {
                    Text(card.name)
                        .font(.headline)
                    Group {
                        if let barcode {
                            Image(uiImage: barcode)
                                .interpolation(.none)
                                .resizable()
                                .aspectRatio(contentMode: .fit)
                                .accessibilityLabel(Text("利用者カードのバーコード"))
                        } else {
                            ProgressView()
                        }
                    }
                    .frame(maxWidth: .infinity, minHeight: 120)
                    .padding()
                    .background(Color.white)
                    .cornerRadius(12)
                    Text(card.humanReadable)
                        .font(.system(.title2, design: .monospaced))
                        .textSelection(.enabled)
                    if model.cardIsOffline {
                        Label("オフライン表示", systemImage: "wifi.slash")
                            .font(.caption)
                            .foregroundColor(.secondary)
                    }
                    Text("図書館の窓口や自動貸出機で、この画面をお見せください。")
                        .font(.footnote)
                        .foregroundColor(.secondary)
                        .multilineTextAlignment(.center)
                } else {
                    Text("利用者カードを読み込めませんでした。")
                    Button("再読み込み") {
                        Task { await model.refreshHome() }
                    }
                    .buttonStyle(.bordered)
                }
                Spacer()
            }
            .padding()
            .navigationTitle("利用者カード")
            .toolbar {
                ToolbarItem(placement: .primaryAction) {
                    Menu {
                        Button("ログアウト") {
                            Task { await model.logOut() }
                        }
                        Button("退会する", role: .destructive) {
                            confirmingDelete = true
                        }
                    } label: {
                        Image(systemName: "person.crop.circle")
                            .accessibilityLabel(Text("アカウント"))
                    }
                }
            }
            .confirmationDialog("退会しますか?", isPresented: $confirmingDelete, titleVisibility: .visible) {
                Button("退会する", role: .destructive) {
                    Task { await model.deleteAccount() }
                }
            } message: {
                Text("登録情報と予約がすべて削除されます。元に戻せません。")
            }
            .task(id: model.card?.barcodePayload) {
                if let card = model.card {
                    barcode = await model.barcodeImage(for: card)
                } else {
                    barcode = nil
                }
            }
        }
        .navigationViewStyle(.stack)
        .onAppear {
            isVisible = true
            raiseBrightness()
        }
        .onDisappear {
            isVisible = false
            restoreBrightness()
        }
        .onChange(of: scenePhase) { phase in
            if phase == .active, isVisible {
                raiseBrightness()
                // Back from the background with the stored copy on screen:
                // try the server again (quietly if it is still unreachable).
                if model.cardIsOffline {
                    Task { await model.refreshCard() }
                }
            } else if phase != .active {
                restoreBrightness()
            }
        }
    }

    private func raiseBrightness() {
        guard savedBrightness == nil else { return }
        savedBrightness = UIScreen.main.brightness
        UIScreen.main.brightness = 1.0
    }

    private func restoreBrightness() {
        guard let saved = savedBrightness else { return }
        UIScreen.main.brightness = saved
        savedBrightness = nil
    }
}
