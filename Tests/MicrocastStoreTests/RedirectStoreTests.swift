import Foundation
import MicrocastCore
import Testing

/// The redirect table on both stores: what imports keep and the studio edits.
@Suite("Redirects from old addresses")
struct RedirectStoreTests {
    @Test(
        "a redirect is kept by its old path, pointed elsewhere by setting it again, listed in path order and removed",
        arguments: StoreKind.allCases
    )
    func redirects(kind: StoreKind) async throws {
        try await kind.with { store in
            let now = Date(timeIntervalSince1970: 1_700_000_000)
            #expect(try await store.redirect(path: "/2019/05/bread") == nil)
            try await store.setRedirect(Redirect(path: "/2019/05/bread", target: "/posts/bread", createdAt: now))
            try await store.setRedirect(Redirect(path: "/?p=12", target: "/posts/jam", createdAt: now))
            #expect(try await store.redirect(path: "/2019/05/bread")?.target == "/posts/bread")
            try await store.setRedirect(Redirect(path: "/2019/05/bread", target: "/posts/sourdough", createdAt: now))
            #expect(try await store.redirect(path: "/2019/05/bread")?.target == "/posts/sourdough", "setting it again points it elsewhere")
            #expect(try await store.redirects().map(\.path) == ["/2019/05/bread", "/?p=12"])
            #expect(try await store.removeRedirect(path: "/?p=12"))
            #expect(try await !store.removeRedirect(path: "/?p=12"), "gone already")
            #expect(try await store.redirects().map(\.path) == ["/2019/05/bread"])
        }
    }
}
