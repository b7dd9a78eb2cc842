import Foundation
import Mustache

/// Renders pages from the Mustache templates in `Templates/`. Pure: values in, HTML out.
public struct SiteRenderer: Sendable {
    let library: MustacheLibrary

    public init(library: MustacheLibrary) { self.library = library }

    /// The templates that ship with Microcast.
    public static func bundled() async throws -> SiteRenderer {
        guard let directory = Bundle.module.resourceURL?.appendingPathComponent("Templates") else {
            throw RenderError(message: "the Templates folder is missing from the build")
        }
        return SiteRenderer(library: try await MustacheLibrary(directory: directory.path))
    }

    public func home(site: SiteInfo, entries: [EntryView]) -> String {
        render("home", Page(site: site, title: site.title, entries: entries))
    }

    public func post(site: SiteInfo, entry: EntryView) -> String {
        let title = entry.hasName ? entry.name : site.title
        return render("post", Page(site: site, title: title, entries: [entry]))
    }

    public func error(site: SiteInfo, status: Int, message: String) -> String {
        render("error", Page(site: site, title: "\(status) · \(site.title)", entries: [], status: status, message: message))
    }

    public func signIn(site: SiteInfo, form: SignInView) -> String {
        render("signin", Page(site: site, title: "Sign in · \(site.title)", entries: [], form: form))
    }

    public func consent(site: SiteInfo, form: ConsentView) -> String {
        render("consent", Page(site: site, title: "Allow \(form.clientId)? · \(site.title)", entries: [], form: form))
    }

    public func tokens(site: SiteInfo, list: TokenListView) -> String {
        render("tokens", Page(site: site, title: "Tokens · \(site.title)", entries: [], form: list))
    }

    func render(_ template: String, _ page: Page) -> String {
        library.render(page, withTemplate: template) ?? ""
    }

    /// What a template sees. Mustache reads stored properties only, so the
    /// site's links are copied out of `SiteURLs` here.
    struct Page {
        var site: SiteInfo
        var title: String
        var entries: [EntryView]
        var status: Int = 200
        var message: String = ""
        var homeURL: String
        var micropubURL: String
        var metadataURL: String
        var authorizationURL: String
        var tokenURL: String
        var podcastFeedURL: String
        var podcastJSONFeedURL: String
        var postsFeedURL: String
        var postsJSONFeedURL: String
        /// The sign-in, consent or token-list form, for those pages.
        var form: (any Sendable)?

        init(
            site: SiteInfo, title: String, entries: [EntryView], status: Int = 200, message: String = "",
            form: (any Sendable)? = nil
        ) {
            self.site = site
            self.title = title
            self.entries = entries
            self.status = status
            self.message = message
            self.form = form
            homeURL = site.urls.home
            micropubURL = site.urls.micropub
            metadataURL = site.urls.indieAuthMetadata
            authorizationURL = site.urls.authorization
            tokenURL = site.urls.token
            podcastFeedURL = site.urls.podcastFeed
            podcastJSONFeedURL = site.urls.podcastJSONFeed
            postsFeedURL = site.urls.postsFeed
            postsJSONFeedURL = site.urls.postsJSONFeed
        }
    }
}

public struct RenderError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
