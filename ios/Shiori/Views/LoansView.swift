import SwiftUI

/// The patron's loans: due date (overdue highlighted), renewals so far, and
/// renewal. The server decides (renewal limit, other patrons' holds,
/// overdue) and its Japanese reason is shown when it refuses.
@MainActor
struct LoansView: View {
    @EnvironmentObject private var model: AppModel

    var body: some View {
        NavigationView {
            List {
                if model.loans.isEmpty {
                    Text("借りている資料はありません。")
                        .foregroundColor(.secondary)
                }
                ForEach(model.loans, id: \.id) { loan in
                    LoanRow(loan: loan) {
                        Task { await model.renew(loan) }
                    }
                    .listRowBackground(loan.overdue ? Color.red.opacity(0.08) : nil)
                }
            }
            .refreshable { await model.refreshLoans() }
            .navigationTitle("貸出")
            .task { await model.refreshLoans() }
        }
        .navigationViewStyle(.stack)
    }
}

@MainActor
private struct LoanRow: View {
    @EnvironmentObject private var model: AppModel
    let loan: Loan
    let onRenew: () -> Void

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(loan.title).font(.headline)
            HStack {
                // Due at the end of a library day (JST): show the day.
                Text("返却期限: \(Labels.day(ofTimestamp: loan.dueAt))")
                    .fontWeight(loan.overdue ? .bold : .regular)
                    .foregroundColor(loan.overdue ? .red : .primary)
                if loan.overdue {
                    Text("延滞")
                        .font(.caption.bold())
                        .foregroundColor(.white)
                        .padding(.horizontal, 6)
                        .padding(.vertical, 2)
                        .background(Color.red, in: Capsule())
                }
            }
            .font(.subheadline)
            Text("延長回数: \(Int(loan.renewals))回")
                .font(.subheadline)
                .foregroundColor(.secondary)
            Text(verbatim: "貸出館: \(model.branchName(loan.branch))")
                .font(.subheadline)
                .foregroundColor(.secondary)
            Button("延長", action: onRenew)
                .buttonStyle(.borderless)
                .disabled(model.busy != nil)
                .padding(.top, 2)
        }
        .padding(.vertical, 4)
    }
}
