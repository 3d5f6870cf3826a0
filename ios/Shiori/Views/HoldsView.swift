import SwiftUI

/// The patron's holds: state, place in the queue, pickup deadline, cancel,
/// and suspend / resume for a hold still waiting in the queue.
@MainActor
struct HoldsView: View {
    @EnvironmentObject private var model: AppModel
    @State private var cancelling: Hold?
    @State private var suspending: SuspendTarget?

    var body: some View {
        NavigationView {
            List {
                if model.holds.isEmpty {
                    Text("予約はありません。")
                        .foregroundColor(.secondary)
                }
                ForEach(model.holds, id: \.id) { hold in
                    HoldRow(hold: hold,
                            onCancel: { cancelling = hold },
                            onSuspend: { suspending = SuspendTarget(hold: hold) },
                            onResume: { Task { await model.resume(hold) } })
                }
            }
            .refreshable { await model.refreshHolds() }
            .navigationTitle("予約")
            .confirmationDialog("この予約を取り消しますか?",
                                isPresented: Binding(get: { cancelling != nil },
                                                     set: { if !$0 { cancelling = nil } }),
                                titleVisibility: .visible,
                                presenting: cancelling) { hold in
                Button("予約を取り消す", role: .destructive) {
                    Task { await model.cancel(hold) }
                }
            } message: { hold in
                Text(hold.title)
            }
            .sheet(item: $suspending) { target in
                SuspendSheet(hold: target.hold)
                    .environmentObject(model)
            }
            .task { await model.refreshHolds() }
        }
        .navigationViewStyle(.stack)
    }
}

/// `sheet(item:)` wants Identifiable; the generated Hold is not.
private struct SuspendTarget: Identifiable {
    let hold: Hold
    var id: String { hold.id }
}

@MainActor
private struct HoldRow: View {
    @EnvironmentObject private var model: AppModel
    let hold: Hold
    let onCancel: () -> Void
    let onSuspend: () -> Void
    let onResume: () -> Void

    /// The server's open states (docs/holds.md); only these can be cancelled.
    private var isOpen: Bool {
        ["queued", "in_transit", "ready"].contains(hold.state)
    }

    /// Only a hold still waiting in the queue can be suspended or resumed
    /// (`hold_not_queued` otherwise).
    private var isQueued: Bool {
        hold.state == "queued"
    }

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(hold.title).font(.headline)
            HStack {
                Text(Labels.holdState(hold.state))
                    .bold()
                    .foregroundColor(hold.state == "ready" ? .green : .primary)
                if let position = hold.position, isQueued {
                    Text(verbatim: "\(position)番目")
                }
            }
            Text(verbatim: "受取館: \(model.branchName(hold.pickupBranch))")
                .font(.subheadline)
            if let until = hold.suspendedUntil {
                Text("休止中（〜\(Labels.day(until))）")
                    .font(.subheadline)
                    .foregroundColor(.orange)
            }
            if let deadline = hold.pickupDeadline {
                Text(verbatim: "受取期限: \(Labels.dateTime(deadline))")
                    .font(.subheadline)
                    .foregroundColor(.red)
            }
            if isOpen {
                // Borderless: each button gets its own tap inside the row.
                HStack(spacing: 20) {
                    if isQueued {
                        if hold.suspendedUntil != nil {
                            Button("再開", action: onResume)
                        } else {
                            Button("休止", action: onSuspend)
                        }
                    }
                    Button("取り消す", role: .destructive, action: onCancel)
                }
                .buttonStyle(.borderless)
                .disabled(model.busy != nil)
                .padding(.top, 2)
            }
        }
        .padding(.vertical, 4)
    }
}

/// Choose the day a queued hold waits until; it keeps its place in the
/// queue. Days are library days (JST): after today and within a year (the
/// server checks too and answers `invalid_date`).
@MainActor
private struct SuspendSheet: View {
    @EnvironmentObject private var model: AppModel
    @Environment(\.dismiss) private var dismiss
    let hold: Hold

    private let range: ClosedRange<Date>
    @State private var until: Date

    init(hold: Hold) {
        self.hold = hold
        let first = LibraryDay.start(daysFromToday: 1)
        let last = max(first, LibraryDay.startOneYearFromToday())
        range = first...last
        _until = State(initialValue: min(LibraryDay.start(daysFromToday: 7), last))
    }

    var body: some View {
        NavigationView {
            Form {
                Section {
                    Text(hold.title)
                }
                Section {
                    DatePicker("休止する期限", selection: $until, in: range, displayedComponents: .date)
                        .datePickerStyle(.graphical)
                        // The picked day is a library day: pick it on the
                        // Gregorian calendar in JST, as it is sent.
                        .environment(\.calendar, LibraryDay.calendar)
                        .environment(\.timeZone, LibraryDay.timeZone)
                } footer: {
                    Text("この日まで予約を休止します。予約の順番はそのままです。")
                }
                Section {
                    Button("休止する") {
                        Task {
                            if await model.suspend(hold, until: until) {
                                dismiss()
                            }
                        }
                    }
                    .disabled(model.busy != nil)
                }
            }
            .navigationTitle("予約の休止")
            .navigationBarTitleDisplayMode(.inline)
            .toolbar {
                ToolbarItem(placement: .cancellationAction) {
                    Button("閉じる") { dismiss() }
                }
            }
        }
        .modifier(ProblemAlert(model: model))
    }
}
