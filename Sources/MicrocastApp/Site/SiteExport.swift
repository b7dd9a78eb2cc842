import Foundation
import MicrocastCore

/// Writes the whole published site as plain files any static web server or
/// CDN can serve: every page as `PATH/index.html`, the feeds, the sitemap,
/// the stylesheet, a `404.html`, and the media the published posts use under
/// `media/` and `media/r/`. Drafts, deleted posts and their media stay out.
///
/// The site is written to a temporary folder beside `output` and renamed
/// into place at the end, so a half-written export is never served.
public enum SiteExport {
    /// What an export wrote.
    public struct Summary: Sendable {
        public var pages: Int
        public var mediaFiles: Int
        /// Pages whose path cannot be a file name inside the export (a tag such as `..`); left out.
        public var refusedPaths: [String] = []
    }

    /// Writes the site of `services` (under their base URL) to the folder `output`.
    public static func write(_ services: MicrocastServices, to output: URL) async throws -> Summary {
        let store = services.store
        let library = services.library
        let publisher = services.publisher
        let site = try await services.site.info()

        let manager = FileManager.default
        let parent = output.deletingLastPathComponent()
        try manager.createDirectory(at: parent, withIntermediateDirectories: true)
        let staging = parent.appendingPathComponent(".\(output.lastPathComponent).partial-\(UUID().uuidString)")
        try manager.createDirectory(at: staging, withIntermediateDirectories: true)
        do {
            var pages = 0
            var refused: [String] = []
            for path in try await publisher.allPaths() {
                guard let page = try await publisher.page(path), page.status == 200 else { continue }
                guard let name = path.exportFile, let file = inside(staging, name) else {
                    refused.append(path.path)
                    continue
                }
                try write(page.body, to: file)
                pages += 1
            }
            try write(try await publisher.notFound().body, to: staging.appendingPathComponent("404.html"))
            // Static hosts that read `_headers` (Netlify, Cloudflare Pages) send the live site's headers too.
            try write(
                Data(PagePolicy.staticHostHeaders(scriptHashes: publisher.renderer.scriptHashes).utf8),
                to: staging.appendingPathComponent("_headers")
            )
            // And their `_redirects`: an imported site's old addresses keep
            // working on the static copy too, and a show that moved away sends its apps on.
            var redirects = RedirectPath.staticHostFile(try await store.redirects())
            let moving = ShowSettings(stored: try await store.settings(), site: site)
            if moving.redirectsFeed, let target = moving.movedTo { redirects += "\(SitePath.feed(.podcastRSS).path) \(target) 301\n" }
            if !redirects.isEmpty { try write(Data(redirects.utf8), to: staging.appendingPathComponent("_redirects")) }

            var mediaFiles = 0
            let published = try await store.publishedPosts(limit: Int.max, offset: 0)
            let ids = Array(Set(published.flatMap(EntryPresenter(site: site).mediaIds)))
            let items = try await store.media(ids: ids)
            let renditions = try await store.renditions(forMedia: ids)
            let mediaFolder = staging.appendingPathComponent("media/r", isDirectory: true)
            try manager.createDirectory(at: mediaFolder, withIntermediateDirectories: true)
            // A processed still photo is only ever shown through its stripped
            // renditions, so its original (which may hold GPS) stays home.
            for item in items.values where item.kind != .photo || item.isAnimated || (renditions[item.id]?.isEmpty ?? true) {
                let target = staging.appendingPathComponent("media/\(item.fileName)")
                if library.keepsFilesElsewhere {
                    try await library.store.fetch(services.intake.servedKey(for: item), to: target)
                } else {
                    try copy(try await services.intake.makePublicFile(for: item, on: services.mediaPool), to: target)
                }
                mediaFiles += 1
            }
            var renditionNames = renditions.values.flatMap { $0.all.map(\.fileName) }
            let show = ShowSettings(stored: try await store.settings(), site: site)
            renditionNames.append(try await publisher.artwork.fileName(for: show))
            // The photos of people whose responses the pages show: served by us, never hotlinked.
            let slugs = Set(published.map(\.slug))
            renditionNames += try await store.mentions(state: .shown, limit: Int.max)
                .filter { slugs.contains($0.postSlug) && !$0.author.photoFile.isEmpty }.map(\.author.photoFile)
            for name in Set(renditionNames) {
                if library.keepsFilesElsewhere {
                    try await library.store.fetch(.rendition(name), to: mediaFolder.appendingPathComponent(name))
                } else {
                    try copy(library.rendition(name), to: mediaFolder.appendingPathComponent(name))
                }
                mediaFiles += 1
            }

            if manager.fileExists(atPath: output.path) {
                let old = parent.appendingPathComponent(".\(output.lastPathComponent).old-\(UUID().uuidString)")
                try manager.moveItem(at: output, to: old)
                try manager.moveItem(at: staging, to: output)
                try? manager.removeItem(at: old)
            } else {
                try manager.moveItem(at: staging, to: output)
            }
            return Summary(pages: pages, mediaFiles: mediaFiles, refusedPaths: refused)
        } catch {
            try? manager.removeItem(at: staging)
            throw error
        }
    }

    /// `name` under `folder`, or nil if, once standardised, it would lie anywhere else.
    static func inside(_ folder: URL, _ name: String) -> URL? {
        let root = folder.standardizedFileURL.path
        let file = folder.appendingPathComponent(name).standardizedFileURL
        return file.path.hasPrefix(root + "/") ? file : nil
    }

    private static func write(_ data: Data, to file: URL) throws {
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: file)
    }

    /// A hard link when the export is on the same disk (instant, no space), else a copy.
    private static func copy(_ source: URL, to target: URL) throws {
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        if link(source.path, target.path) != 0 { try FileManager.default.copyItem(at: source, to: target) }
    }
}
