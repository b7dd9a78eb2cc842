import Foundation
import Hummingbird
import MicrocastApp
import MicrocastCore

/// The studio's fediverse page: how follows are taken and secure mode,
/// follow requests to approve or refuse, followers to remove, servers to
/// block and unblock. The same decisions as `microcast fediverse`.
struct StudioFediverseController: Sendable {
    let pages: StudioPages
    let store: any DataStore
    let identity: FediverseIdentity
    var base: String { pages.base }

    func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.get("/studio/fediverse") { request, _ in try await pages.page(request) { try await page($0) } }
        router.post("/studio/fediverse") { request, _ in try await decide(request) }
    }

    func page(_ signedIn: OwnerSessions.SignedIn) async throws -> Response {
        let settings = try await store.settings()
        let host = URL(string: identity.urls.base).map { ($0.host ?? "") + ($0.port.map { ":\($0)" } ?? "") } ?? ""
        let view = FediversePageView(
            action: base + "/fediverse",
            csrf: signedIn.csrf,
            address: "@\(try await identity.settings().name)@\(host)",
            settings: settings,
            followers: try await store.followers(),
            blocked: settings.mentionDomains.filter { $0.value == MentionPolicy.DomainDecision.blocked.rawValue }.keys.sorted()
        )
        return pages.render("fediverse", try await pages.frame("Fediverse", section: .fediverse, csrf: signedIn.csrf), view)
    }

    func decide(_ request: Request) async throws -> Response {
        let form = try await pages.ownerForm(request)
        let fields = Dictionary(form.map { ($0.name, $0.value) }) { first, _ in first }
        let moderation = FollowerModeration(store: store)
        do {
            switch fields["do"] {
            case "settings":
                try await moderation.holdFollows(fields["follows"] == "approval")
                try await store.setSettings([.fediverse(.secureMode): fields["secure"] == "on" ? "on" : nil])
            case "approve": try await moderation.approve(actorId: fields["actor"] ?? "")
            case "reject": try await moderation.reject(actorId: fields["actor"] ?? "")
            case "block": try await moderation.block(domain: fields["domain"] ?? "")
            case "unblock": try await moderation.unblock(domain: fields["domain"] ?? "")
            default: throw StudioError.badRequest("save, approve, reject, block or unblock")
            }
        } catch let failure as FollowerModeration.Failure {
            throw StudioError.badRequest(failure.description)
        } catch let failure as MentionModeration.Failure {
            throw StudioError.badRequest(failure.description)
        }
        return OwnerPage.redirect(to: base + "/fediverse")
    }
}
