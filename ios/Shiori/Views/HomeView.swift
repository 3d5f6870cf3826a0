import SwiftUI

/// Signed in: the library card, search, holds and loans.
@MainActor
struct HomeView: View {
    var body: some View {
        TabView {
            LibraryCardView()
                .tabItem { Label("利用者カード", systemImage: "barcode") }
            SearchView()
                .tabItem { Label("さがす", systemImage: "magnifyingglass") }
            HoldsView()
                .tabItem { Label("予約", systemImage: "bookmark") }
            LoansView()
                .tabItem { Label("貸出", systemImage: "books.vertical") }
        }
    }
}
