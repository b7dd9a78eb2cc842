import Foundation
import Hummingbird
import MicrocastCore

/// The owner's list of grants (the apps signed in, and tokens made with the
/// CLI), each revocable.
struct OwnerTokensController: Sendable {
    let tokens: any TokenRepository
    let sessions: OwnerSessions
    let renderer: SiteRenderer
    let site: SiteDirectory
    /// Shows the sign-in page when the owner is not signed in.
    let signIn: @Sendable ([HiddenField]) async throws -> Response

    func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.get("/auth/tokens") { request, _ in try await list(request) }
        router.post("/auth/tokens/revoke") { request, _ in try await revoke(request) }
    }

    func list(_ request: Request) async throws -> Response {
        guard let signedIn = try await sessions.session(request) else {
            return try await signIn([HiddenField(name: "next", value: site.urls.ownerTokens)])
        }
        let formatter = ISO8601DateFormatter()
        let rows = TokenGrant.group(try await tokens.allTokens(), now: Date()).map { grant in
            TokenListView.Row(
                id: grant.id,
                client: grant.clientId ?? "command line",
                scope: grant.scope.description,
                created: formatter.string(from: grant.created),
                expires: grant.expires.map(formatter.string) ?? "never",
                status: grant.isRefreshOnly ? "active (refresh only)" : grant.status.rawValue,
                isLive: grant.status == .active
            )
        }
        return OwnerPage.html(
            .ok,
            renderer.tokens(
                site: try await site.info(),
                list: TokenListView(action: site.urls.base + "/auth/tokens/revoke", csrf: signedIn.csrf, rows: rows)
            )
        )
    }

    struct RevokeForm: Decodable {
        var csrf: String?
        var id: Int64?
    }

    func revoke(_ request: Request) async throws -> Response {
        let form = try await decodeForm(RevokeForm.self, from: request)
        guard try await sessions.session(request, csrf: form.csrf) != nil, let id = form.id else {
            return OwnerPage.html(
                .forbidden,
                renderer.error(site: try await site.info(), status: 403, message: "Your sign-in expired. Sign in again.")
            )
        }
        _ = try await tokens.revokeToken(id: id, now: Date())
        return OwnerPage.redirect(to: site.urls.ownerTokens)
    }
}
