import Foundation
import Hummingbird
import MicrocastApp
import MicrocastCore

/// The studio's import page: start importing a show from its feed (run
/// beside the server's requests, never in one: the form answers at once and
/// the page follows the import), and the table of old addresses that
/// redirect here, which the owner can add to and remove from.
struct StudioImportController: Sendable {
    let pages: StudioPages
    let redirects: any RedirectRepository
    let imports: ImportRuns
    var base: String { pages.base }

    func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.get("/studio/import") { request, _ in try await pages.page(request) { try await page($0) } }
        router.post("/studio/import") { request, _ in try await decide(request) }
    }

    func page(_ signedIn: OwnerSessions.SignedIn) async throws -> Response {
        let run = imports.status.map { status in
            ImportPageView.Run(
                feedURL: status.feedURL,
                show: status.show,
                done: status.done,
                total: status.total,
                bytes: status.bytes,
                current: status.current,
                outcome: status.finished,
                failures: status.failures.map { ImportPageView.Failure(title: $0.title, reason: $0.reason) },
                notes: status.notes
            )
        }
        let view = ImportPageView(
            action: base + "/import",
            csrf: signedIn.csrf,
            run: run,
            redirects: try await redirects.redirects(),
            base: pages.urls.base
        )
        return pages.render("import", try await pages.frame("Import", section: .imports, csrf: signedIn.csrf), view)
    }

    func decide(_ request: Request) async throws -> Response {
        let form = try await pages.ownerForm(request)
        let fields = Dictionary(form.map { ($0.name, $0.value) }) { first, _ in first }
        switch fields["do"] {
        case "import":
            let text = (fields["feed"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard let url = URL(string: text), LinkPolicy.isRenderable(text) else {
                throw StudioError.badRequest("the feed's address is an http or https URL")
            }
            var options = PodcastImportOptions(feedURL: url)
            options.keepAudio = fields["keep-audio"] == "on"
            options.announce = fields["announce"] == "on"
            options.ownerEmail = fields["owner-email"].flatMap { $0.isEmpty ? nil : $0 }
            guard imports.start(options) else { throw StudioError.badRequest("an import is running: wait for it to end") }
        case "add":
            guard let path = RedirectPath.key(fields["path"] ?? "") else {
                throw StudioError.badRequest("the old address is a path other than the home page, as /2019/05/bread or the old URL")
            }
            guard let target = RedirectPath.target(fields["target"] ?? "", base: pages.urls.base) else {
                throw StudioError.badRequest("a redirect leads to a path on this site, as /posts/bread, or one of its URLs")
            }
            try await redirects.setRedirect(Redirect(path: path, target: target))
        case "remove":
            _ = try await redirects.removeRedirect(path: fields["path"] ?? "")
        default:
            throw StudioError.badRequest("import, add or remove")
        }
        return OwnerPage.redirect(to: base + "/import")
    }
}
