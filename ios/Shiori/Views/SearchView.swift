import SwiftUI

/// Catalogue search (Japanese, English or an ISBN), title details with
/// copies, and reservation.
@MainActor
struct SearchView: View {
    @EnvironmentObject private var model: AppModel

    @State private var query = ""
    /// A branch code; "" for all branches.
    @State private var branch = ""
    @State private var availableOnly = false
    @State private var results: SearchResults?
    @State private var titles: [TitleSummary] = []
    @State private var searching = false

    var body: some View {
        NavigationView {
            List {
                Section {
                    TextField("書名・著者名・ISBN", text: $query)
                        .submitLabel(.search)
                        .disableAutocorrection(true)
                        .onSubmit { Task { await run(page: 1) } }
                    Picker("所蔵館", selection: $branch) {
                        Text("すべての館").tag("")
                        ForEach(model.branches, id: \.code) { branch in
                            Text(branch.name).tag(branch.code)
                        }
                    }
                    Toggle("貸出可のみ", isOn: $availableOnly)
                    Button("検索") { Task { await run(page: 1) } }
                        .disabled(query.trimmedOrNil == nil || searching)
                }

                if let results {
                    Section {
                        ForEach(titles, id: \.id) { title in
                            NavigationLink(destination: TitleDetailView(summary: title)) {
                                TitleRow(title: title)
                            }
                        }
                        if UInt64(titles.count) < results.total, !results.titles.isEmpty {
                            Button("さらに表示") { Task { await run(page: results.page + 1) } }
                                .disabled(searching)
                        }
                    } header: {
                        Text(verbatim: results.totalCapped ? "\(results.total)件以上" : "\(results.total)件")
                    }
                }
            }
            .navigationTitle("さがす")
            .overlay { if searching { ProgressView() } }
        }
        .navigationViewStyle(.stack)
    }

    private func run(page: UInt32) async {
        guard let text = query.trimmedOrNil, !searching else { return }
        searching = true
        defer { searching = false }
        guard let found = await model.findTitles(text, branch: branch.isEmpty ? nil : branch,
                                                 availableOnly: availableOnly, page: page)
        else { return }
        if page <= 1 {
            titles = found.titles
        } else {
            titles += found.titles
        }
        results = found
    }
}

@MainActor
struct TitleRow: View {
    let title: TitleSummary

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(title.title).font(.headline)
            if !title.authors.isEmpty {
                Text(title.authors.joined(separator: "、")).font(.subheadline)
            }
            Text(verbatim: "貸出可 \(title.available) / 所蔵 \(title.copies)冊・予約 \(title.holds)件")
                .font(.caption)
                .foregroundColor(.secondary)
        }
    }
}

@MainActor
struct TitleDetailView: View {
    @EnvironmentObject private var model: AppModel
    let summary: TitleSummary

    @State private var details: TitleDetails?
    @State private var reserving = false

    var body: some View {
        List {
            Section {
                Text(summary.title).font(.headline)
                if let kana = summary.titleKana {
                    Text(kana).font(.caption).foregroundColor(.secondary)
                }
                if !summary.authors.isEmpty {
                    FactRow("著者", summary.authors.joined(separator: "、"))
                }
                if let publisher = summary.publisher {
                    FactRow("出版者", summary.year.map { "\(publisher)(\($0)年)" } ?? publisher)
                }
                if let isbn = summary.isbn {
                    FactRow("ISBN", isbn)
                }
            }

            if let details {
                if !details.subjects.isEmpty {
                    Section("件名") {
                        Text(details.subjects.joined(separator: " / "))
                    }
                }
                Section("所蔵") {
                    ForEach(details.items, id: \.barcode) { item in
                        HStack {
                            VStack(alignment: .leading) {
                                Text(model.branchName(item.branch))
                                if let shelf = item.shelf {
                                    Text(shelf).font(.caption).foregroundColor(.secondary)
                                }
                            }
                            Spacer()
                            Text(Labels.itemStatus(item.status))
                                .foregroundColor(item.status == "available" ? .green : .secondary)
                        }
                    }
                }
            } else {
                ProgressView()
            }

            Section {
                Button("予約する") { reserving = true }
                    .disabled(model.branches.isEmpty)
            } footer: {
                Text(verbatim: "予約 \(summary.holds)件")
            }
        }
        .navigationTitle("資料の詳細")
        .navigationBarTitleDisplayMode(.inline)
        .task { details = await model.titleDetails(summary.id) }
        .sheet(isPresented: $reserving) {
            ReserveSheet(summary: summary)
                .environmentObject(model)
        }
    }
}

/// Choose the pickup branch and place the hold.
@MainActor
struct ReserveSheet: View {
    @EnvironmentObject private var model: AppModel
    @Environment(\.dismiss) private var dismiss
    let summary: TitleSummary

    @State private var pickup = ""
    @State private var placed = false

    private var pickupBranch: Branch? {
        model.branches.first { $0.code == pickup }
    }

    var body: some View {
        NavigationView {
            Form {
                Section {
                    Text(summary.title)
                }
                Section {
                    Picker("受取館", selection: $pickup) {
                        ForEach(model.branches, id: \.code) { branch in
                            Text(branch.name).tag(branch.code)
                        }
                    }
                } footer: {
                    if let branch = pickupBranch {
                        Text(verbatim: "用意ができたらメールでお知らせします。\(branch.name)での取置期間は\(branch.pickupDays)日です。")
                    }
                }
                Section {
                    Button("予約する") {
                        Task {
                            if await model.reserve(summary.id, pickupBranch: pickup) {
                                placed = true
                            }
                        }
                    }
                    .disabled(pickup.isEmpty || model.busy != nil)
                }
            }
            .navigationTitle("予約")
            .navigationBarTitleDisplayMode(.inline)
            .toolbar {
                ToolbarItem(placement: .cancellationAction) {
                    Button("閉じる") { dismiss() }
                }
            }
            .onAppear {
                if pickup.isEmpty {
                    pickup = model.patron?.homeBranch ?? model.branches.first?.code ?? ""
                }
            }
            .alert("予約しました", isPresented: $placed) {
                Button("OK") { dismiss() }
            } message: {
                Text("予約の状況は「予約」タブで確認できます。")
            }
        }
        .modifier(ProblemAlert(model: model))
    }
}
