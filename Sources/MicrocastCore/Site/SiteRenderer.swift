import Crypto
import Foundation
import Mustache

/// Renders pages from the Mustache templates in `Templates/`, and serves the
/// stylesheet in `Assets/`. Pure: values in, HTML out.
public struct SiteRenderer: Sendable {
    let library: MustacheLibrary
    /// The stylesheet's bytes and the short hash of them that names its URL.
    public let stylesheet: Data
    public let stylesheetFingerprint: String
    /// CSP sources (`'sha256-…'`) of the templates' inline scripts: pages allow these and no other script.
    public let scriptHashes: [String]

    public init(library: MustacheLibrary, stylesheet: Data, scriptHashes: [String] = []) {
        self.library = library
        self.stylesheet = stylesheet
        self.scriptHashes = scriptHashes
        stylesheetFingerprint = SHA256.hash(data: stylesheet).prefix(5).hexString
    }

    /// The CSP hash source of every `<script>…</script>` in `template`, as browsers hash it.
    static func inlineScriptHashes(in template: String) -> [String] {
        template.components(separatedBy: "<script>").dropFirst().compactMap { part in
            guard let end = part.range(of: "</script>") else { return nil }
            let script = Data(part[..<end.lowerBound].utf8)
            return "'sha256-\(Data(SHA256.hash(data: script)).base64EncodedString())'"
        }
    }

    /// The templates and stylesheet that ship with Microcast.
    public static func bundled() async throws -> SiteRenderer {
        guard let resources = Bundle.module.resourceURL else {
            throw RenderError(message: "the Templates folder is missing from the build")
        }
        let templates = resources.appendingPathComponent("Templates")
        let names = try FileManager.default.contentsOfDirectory(atPath: templates.path).filter { $0.hasSuffix(".mustache") }
        let hashes = try names.flatMap { name in
            inlineScriptHashes(in: try String(contentsOf: templates.appendingPathComponent(name), encoding: .utf8))
        }
        return SiteRenderer(
            library: try await MustacheLibrary(directory: templates.path),
            stylesheet: try Data(contentsOf: resources.appendingPathComponent("Assets/site.css")),
            scriptHashes: hashes
        )
    }

    /// A timeline: the home page, or a tag's page.
    public func timeline(
        site: SiteInfo,
        heading: String,
        title: String,
        canonical: String,
        entries: [EntryView],
        paging: PagingView
    )
        -> String
    {
        var page = Page(site: site, renderer: self, title: title, entries: entries, canonical: canonical)
        page.heading = heading
        page.paging = paging
        return render("home", page)
    }

    public func post(site: SiteInfo, entry: EntryView, openGraph: OpenGraphView) -> String {
        let title = entry.hasName ? entry.name : site.title
        var page = Page(site: site, renderer: self, title: title, entries: [entry], canonical: entry.url)
        page.openGraph = openGraph
        return render("post", page)
    }

    public func podcast(site: SiteInfo, show: ShowPageView, episodes: [EntryView]) -> String {
        var page = Page(site: site, renderer: self, title: "\(show.title) · podcast", entries: episodes, canonical: site.urls.podcastPage)
        page.show = show
        page.openGraph = OpenGraphView(
            type: "website",
            title: show.title,
            description: show.description,
            url: site.urls.podcastPage,
            image: show.artworkURL,
            imageAlt: "\(show.title) artwork",
            audio: "",
            audioType: "",
            video: "",
            videoType: "",
            twitterCard: "summary"
        )
        return render("podcast", page)
    }

    public func photos(site: SiteInfo, grid: [GridItemView]) -> String {
        var page = Page(site: site, renderer: self, title: "Photos · \(site.title)", entries: [], canonical: site.urls.photosPage)
        page.grid = grid
        return render("photos", page)
    }

    /// The site's search page: the results for `view.query`, or an empty box.
    public func search(site: SiteInfo, view: SearchPageView) -> String {
        let title = view.query.isEmpty ? "Search · \(site.title)" : "“\(view.query)” · Search · \(site.title)"
        var page = Page(site: site, renderer: self, title: title, entries: [], canonical: "")
        page.query = view.query
        page.search = view
        return render("search", page)
    }

    public func error(site: SiteInfo, status: Int, message: String) -> String {
        var page = Page(site: site, renderer: self, title: "\(status) · \(site.title)", entries: [], canonical: "")
        page.status = status
        page.message = message
        return render("error", page)
    }

    public func signIn(site: SiteInfo, form: SignInView) -> String {
        var page = Page(site: site, renderer: self, title: "Sign in · \(site.title)", entries: [], canonical: "")
        page.form = form
        return render("signin", page)
    }

    public func consent(site: SiteInfo, form: ConsentView) -> String {
        var page = Page(site: site, renderer: self, title: "Allow \(form.clientId)? · \(site.title)", entries: [], canonical: "")
        page.form = form
        return render("consent", page)
    }

    /// A studio page: `studio-NAME.mustache` inside the studio's frame.
    public func studio(_ name: String, frame: StudioFrame, view: any Sendable) -> String {
        library.render(StudioPage(frame: frame, view: view), withTemplate: "studio-" + name) ?? ""
    }

    /// What a studio template sees.
    struct StudioPage {
        var frame: StudioFrame
        var view: any Sendable
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
        var canonical: String
        var status: Int = 200
        var message: String = ""
        var heading: String = ""
        var paging: PagingView?
        var openGraph: OpenGraphView?
        var show: ShowPageView?
        var grid: [GridItemView] = []
        var homeURL: String
        var podcastPageURL: String
        var photosPageURL: String
        var stylesheetURL: String
        var micropubURL: String
        var microsubURL: String
        var metadataURL: String
        var authorizationURL: String
        var tokenURL: String
        var webmentionURL: String
        var podcastFeedURL: String
        var podcastJSONFeedURL: String
        var postsFeedURL: String
        var postsJSONFeedURL: String
        var studioURL: String
        var searchURL: String
        var openSearchURL: String
        /// What the search box holds: the query on the search page.
        var query: String = ""
        /// The search page's results.
        var search: SearchPageView?
        /// Also in the page itself, for wherever it is served from (a static export).
        var contentSecurityPolicy: String
        /// The sign-in, consent or token-list form, for those pages.
        var form: (any Sendable)?

        init(site: SiteInfo, renderer: SiteRenderer, title: String, entries: [EntryView], canonical: String) {
            self.site = site
            self.title = title
            self.entries = entries
            self.canonical = canonical
            homeURL = site.urls.home
            podcastPageURL = site.urls.podcastPage
            photosPageURL = site.urls.photosPage
            stylesheetURL = site.urls.stylesheet(fingerprint: renderer.stylesheetFingerprint)
            micropubURL = site.urls.micropub
            microsubURL = site.urls.microsub
            metadataURL = site.urls.indieAuthMetadata
            authorizationURL = site.urls.authorization
            tokenURL = site.urls.token
            webmentionURL = site.urls.webmention
            podcastFeedURL = site.urls.podcastFeed
            podcastJSONFeedURL = site.urls.podcastJSONFeed
            postsFeedURL = site.urls.postsFeed
            postsJSONFeedURL = site.urls.postsJSONFeed
            studioURL = site.urls.studio
            searchURL = site.urls.search
            openSearchURL = site.urls.openSearch
            contentSecurityPolicy = PagePolicy.meta(scriptHashes: renderer.scriptHashes)
        }
    }
}

/// A template or asset missing from the build.
public struct RenderError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Empty text counts as no value in a template section, as in most Mustache
/// implementations: `{{#srcset}} srcset="{{srcset}}"{{/srcset}}` leaves the
/// attribute out rather than writing `srcset=""`. (swift-mustache treats
/// every string as a value.)
extension String: @retroactive MustacheCustomRenderable {
    public var renderText: String { self }
    public var isNull: Bool { isEmpty }
}
