import Foundation
import HTMLKit
import Hummingbird
import MediaModel
import MicrocastApp
import MicrocastCore
import NIOCore

/// The studio's pages about others: mentions waiting for the owner (and the
/// latest decided), downloads per episode and app, and the apps signed in.
struct StudioAudienceController: Sendable {
    let pages: StudioPages
    let store: any MentionRepository & DownloadRepository & PostRepository & TokenRepository & SettingsRepository & DataStore
    let countsListeners: Bool
    /// The day downloads are counted for (the clock, but in tests).
    let today: @Sendable () -> Date
    var urls: SiteURLs { pages.urls }
    var base: String { pages.base }

    func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.get("/studio/mentions") { request, _ in try await pages.page(request) { try await mentions($0) } }
        router.post("/studio/mentions") { request, _ in try await moderate(request) }
        router.get("/studio/listeners") { request, _ in try await pages.page(request) { try await listeners($0) } }
        router.get("/studio/apps") { request, _ in try await pages.page(request) { try await apps($0) } }
        router.post("/studio/apps/revoke") { request, _ in try await revoke(request) }
    }

    // MARK: Apps

    func apps(_ signedIn: OwnerSessions.SignedIn) async throws -> Response {
        let formatter = ISO8601DateFormatter()
        let rows = TokenGrant.group(try await store.allTokens(), now: Date()).map { grant in
            TokenListView.Row(
                id: grant.id,
                client: grant.clientId ?? "command line",
                scope: grant.scope.description,
                created: DateText.long(grant.created),
                expires: grant.expires.map(formatter.string) ?? "never",
                status: grant.isRefreshOnly ? "active (refresh only)" : grant.status.rawValue,
                isLive: grant.status == .active,
                lastUsed: grant.lastUsed.map(DateText.long) ?? "not yet"
            )
        }
        return pages.render(
            "apps",
            try await pages.frame("Apps", section: .apps, csrf: signedIn.csrf),
            TokenListView(action: base + "/apps/revoke", csrf: signedIn.csrf, rows: rows)
        )
    }

    func revoke(_ request: Request) async throws -> Response {
        let form = try await pages.ownerForm(request)
        guard let id = form.first(where: { $0.name == "id" }).flatMap({ Int64($0.value) }) else {
            throw StudioError.badRequest("name the app to revoke")
        }
        _ = try await store.revokeToken(id: id, now: Date())
        return OwnerPage.redirect(to: base + "/apps")
    }

    // MARK: Listeners

    func listeners(_ signedIn: OwnerSessions.SignedIn) async throws -> Response {
        let stats = try await ListenerReport.stats(store: store, today: today())
        let view = ListenersPageView(stats, postURL: urls.post(slug:), isCounting: countsListeners)
        return pages.render("listeners", try await pages.frame("Listeners", section: .listeners, csrf: signedIn.csrf), view)
    }

    // MARK: Mentions

    func mentions(_ signedIn: OwnerSessions.SignedIn) async throws -> Response {
        let held = try await store.mentions(state: .held, limit: 200)
        let recent = try await store.mentions(state: nil, limit: 100).filter { $0.state == .shown || $0.state == .rejected }
        func row(_ mention: Mention) -> MentionsPageView.Row { .init(mention, postURL: urls.post(slug: mention.postSlug)) }
        let view = MentionsPageView(
            action: base + "/mentions",
            csrf: signedIn.csrf,
            held: held.map(row),
            recent: recent.map(row),
            moderation: MentionPolicy(settings: try await store.settings()).moderation.rawValue
        )
        return pages.render("mentions", try await pages.frame("Mentions", section: .mentions, csrf: signedIn.csrf), view)
    }

    func moderate(_ request: Request) async throws -> Response {
        let form = Dictionary(try await pages.ownerForm(request).map { ($0.name, $0.value) }) { first, _ in first }
        guard let id = form["id"], let mention = try await store.mention(id: id) else { throw StudioError.badRequest("name the mention") }
        let moderation = MentionModeration(store: store)
        switch form["do"] {
        case "approve": try await moderation.approve(id: id)
        case "reject": try await moderation.reject(id: id)
        case "block": try await moderation.block(domain: mention.domain)
        default: throw StudioError.badRequest("approve, reject or block")
        }
        return OwnerPage.redirect(to: base + "/mentions")
    }
}
