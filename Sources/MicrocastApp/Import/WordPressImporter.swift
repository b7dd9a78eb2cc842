import Foundation
import MicrocastCore

/// How to import a WordPress export.
public struct WordPressImportOptions: Sendable {
    /// The WXR file (Tools → Export in WordPress).
    public var export: URL
    /// A copy of the site's `wp-content/uploads`: images are taken from it before their URLs are tried.
    public var uploads: URL?
    public var announce = false
    public var concurrency = 2

    public init(export: URL) { self.export = export }
}

/// Imports a WordPress site's posts and pages, their images and comments,
/// through `ItemImporter`; each remembered by its WordPress id, so a second
/// run takes only what is new, and every old permalink (and `?p=` shortlink)
/// redirects to its post.
public struct WordPressImporter: Sendable {
    let items: ItemImporter

    /// A large site's export; read whole.
    static let maxExportBytes = 256 << 20

    public func run(_ options: WordPressImportOptions, report: @escaping @Sendable (ImportEvent) -> Void) async throws -> ImportSummary {
        let file = options.export.standardizedFileURL
        let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.intValue
        guard let size else { throw ImportRefusal.feed("\(options.export.path): no such file") }
        guard size <= Self.maxExportBytes else { throw ImportRefusal.feed("\(options.export.path) is larger than \(Self.maxExportBytes >> 20) MB") }
        if let uploads = options.uploads {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: uploads.path, isDirectory: &isFolder), isFolder.boolValue else {
                throw ImportRefusal.feed("\(uploads.path) is not a folder")
            }
        }
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw ImportRefusal.feed("\(options.export.path) cannot be read: \(error.localizedDescription)")
        }
        let read: (title: String, items: [ImportItem], skipped: [String])
        do {
            read = try WordPressReader(uploads: options.uploads?.standardizedFileURL).read(data)
        } catch {
            throw ImportRefusal.feed(error.description)
        }
        for reason in read.skipped { report(.note(reason)) }
        var itemOptions = ItemImporter.Options(source: file.lastPathComponent)
        itemOptions.announce = options.announce
        return try await items.importAll(
            read.items,
            from: ImportItem.Batch(title: read.title, total: read.items.count, noun: "post"),
            options: itemOptions,
            concurrency: options.concurrency,
            report: report
        )
    }
}
