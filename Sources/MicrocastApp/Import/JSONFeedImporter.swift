import Foundation
import MicrocastCore

/// How to import a JSON Feed.
public struct JSONFeedImportOptions: Sendable {
    /// The feed's URL, or a path to it on disk (its attachments' relative addresses name files beside it).
    public var location: String
    public var keepAudio = false
    public var announce = false
    public var concurrency = 2

    public init(location: String) { self.location = location }
}

/// Imports every item of a JSON Feed (micro.blog's export is one) through
/// `ItemImporter`, remembered by its id: a second run takes only new items.
public struct JSONFeedImporter: Sendable {
    let items: ItemImporter

    static let maxFeedBytes = 64 << 20

    public func run(_ options: JSONFeedImportOptions, report: @escaping @Sendable (ImportEvent) -> Void) async throws -> ImportSummary {
        let (location, data) = try await read(options.location)
        let read: (items: [ImportItem], skipped: [String])
        do {
            read = try JSONFeedReader(location: location).read(data)
        } catch {
            throw ImportRefusal.feed(error.description)
        }
        for reason in read.skipped { report(.note(reason)) }
        let title = (try? JSONDecoder().decode(JSONValue.self, from: data))?.objectValue?["title"]?.stringValue ?? location.lastPathComponent
        var itemOptions = ItemImporter.Options(source: location.absoluteString)
        itemOptions.keepAudio = options.keepAudio
        itemOptions.announce = options.announce
        return try await items.importAll(
            read.items,
            from: ImportItem.Batch(title: title, total: read.items.count, noun: "item"),
            options: itemOptions,
            concurrency: options.concurrency,
            report: report
        )
    }

    /// The feed's bytes and where they came from.
    func read(_ location: String) async throws -> (URL, Data) {
        if let url = URL(string: location), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" {
            let answer: FetchedResource
            do {
                answer = try await items.fetcher.allowing(bodyBytes: Self.maxFeedBytes, time: .seconds(120))
                    .get(url, accept: "application/feed+json, application/json;q=0.9, */*;q=0.1")
            } catch let error as FetchError {
                throw ImportRefusal.feed("the feed could not be fetched: \(error)")
            }
            guard (200..<300).contains(answer.status) else { throw ImportRefusal.feed("the feed answered \(answer.status)") }
            return (answer.url, Data(buffer: answer.body))
        }
        let file = URL(fileURLWithPath: location).standardizedFileURL
        let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.intValue
        guard let size else { throw ImportRefusal.feed("\(location): no such file") }
        guard size <= Self.maxFeedBytes else { throw ImportRefusal.feed("\(location) is larger than \(Self.maxFeedBytes >> 20) MB") }
        do {
            return (file, try Data(contentsOf: file))
        } catch {
            throw ImportRefusal.feed("\(location) cannot be read: \(error.localizedDescription)")
        }
    }
}
