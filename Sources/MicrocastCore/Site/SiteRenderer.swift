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

        init(site: SiteInfo, title: String, entries: [EntryView], status: Int = 200, message: String = "") {
            self.site = site
            self.title = title
            self.entries = entries
            self.status = status
            self.message = message
            homeURL = site.urls.home
            micropubURL = site.urls.micropub
        }
    }
}

public struct RenderError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
