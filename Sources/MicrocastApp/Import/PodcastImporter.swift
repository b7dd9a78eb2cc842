import Crypto
import Foundation
import MediaModel
import MicrocastCore

/// How to import a show.
public struct PodcastImportOptions: Sendable {
    public var feedURL: URL
    /// Keep each recording as it came, as the enclosure, instead of processing it.
    public var keepAudio = false
    /// Confirms ownership of a locked feed: must be the address its lock names.
    public var ownerEmail: String?
    /// Send Webmentions, copies and fediverse posts for the imported episodes (off: an import is quiet).
    public var announce = false
    /// Episodes worked on at once.
    public var concurrency = 2

    public init(feedURL: URL) { self.feedURL = feedURL }
}

/// Imports a show from its feed at another host: the show's settings (only
/// those not set here yet), then every episode not imported before, each
/// through `ItemImporter` (downloaded through the safe fetcher, processed
/// exactly like an upload, posted with its guid, quietly unless asked). An
/// episode is remembered by its guid in the same transaction as its post,
/// so a run that stops anywhere is resumed by the next, and a second run
/// changes nothing.
public struct PodcastImporter: Sendable {
    let items: ItemImporter
    let settings: any SettingsRepository
    let artwork: ShowArtworkStore

    /// A feed of many years of episodes is megabytes.
    static let maxFeedBytes = 64 << 20

    var fetcher: SafeFetcher { items.fetcher }

    public func run(_ options: PodcastImportOptions, report: @escaping @Sendable (ImportEvent) -> Void) async throws -> ImportSummary {
        let podcast = try await read(options.feedURL)
        try checkLock(podcast.show, ownerEmail: options.ownerEmail)
        for reason in podcast.skipped { report(.note(reason)) }
        try await adoptShow(podcast.show, report: report)

        var episodes: [ImportItem] = []
        for episode in podcast.episodes {
            for transcript in episode.transcripts where !EpisodePost.transcriptTypes.contains(transcript.mimeType) {
                report(.note("\(episode.title): a transcript of type \(transcript.mimeType) was left out (WebVTT and SubRip are served)"))
            }
            if let item = EpisodePost.item(episode) { episodes.append(item) }
        }
        var itemOptions = ItemImporter.Options(source: options.feedURL.absoluteString)
        itemOptions.keepAudio = options.keepAudio
        itemOptions.announce = options.announce
        return try await items.importAll(
            episodes,
            from: ImportItem.Batch(title: podcast.show.title, total: podcast.episodes.count, noun: "episode"),
            options: itemOptions,
            concurrency: options.concurrency,
            report: report
        )
    }

    func read(_ url: URL) async throws -> ImportedPodcast {
        let answer: FetchedResource
        do {
            answer = try await fetcher.allowing(bodyBytes: Self.maxFeedBytes, time: .seconds(120))
                .get(url, accept: "application/rss+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1")
        } catch let error as FetchError {
            throw ImportRefusal.feed("the feed could not be fetched: \(error)")
        }
        guard (200..<300).contains(answer.status) else { throw ImportRefusal.feed("the feed answered \(answer.status)") }
        do {
            return try PodcastFeedReader(feedURL: answer.url).read(Data(buffer: answer.body))
        } catch {
            throw ImportRefusal.feed(error.description)
        }
    }

    /// The namespace asks a new host to refuse a locked feed unless its owner
    /// confirms; the confirmation here is the address the lock names.
    func checkLock(_ show: ImportedShow, ownerEmail: String?) throws {
        guard show.locked else { return }
        let owner = show.lockOwner ?? show.ownerEmail
        if let owner, let ownerEmail, owner.caseInsensitiveCompare(ownerEmail.trimmingCharacters(in: .whitespaces)) == .orderedSame { return }
        throw ImportRefusal.locked(namesOwner: owner != nil, given: ownerEmail)
    }

    /// Fills in the show's settings from the feed where the owner has set
    /// nothing, so a second run, or one after the owner's edits, changes nothing.
    func adoptShow(_ show: ImportedShow, report: @Sendable (ImportEvent) -> Void) async throws {
        let stored = try await settings.settings()
        var values: [SettingKey: String?] = [:]
        let category = show.categories.first
        let given: [(ShowSettings.Key, String?)] = [
            (.title, show.title), (.description, show.description), (.author, show.author ?? show.ownerName),
            (.email, show.ownerEmail), (.language, show.language), (.category, category?.name),
            (.subcategory, category?.subcategory), (.explicit, show.explicit.map { $0 ? "true" : "false" }), (.type, show.type),
            (.fundingURL, show.fundingURL?.absoluteString), (.fundingText, show.fundingText),
        ]
        for case let (key, value?) in given where !value.isEmpty && stored[.show(key)] == nil {
            values[.show(key)] = value
        }
        // A new show's podcast:guid (made from our feed's URL) gives way to the
        // imported show's own: it is the same show, and the index knows it by that.
        if let guid = show.guid, stored[.show(.guid)] != guid, stored[.show(.title)] == nil { values[.show(.guid)] = guid }
        if !values.isEmpty { try await settings.setSettings(values) }
        guard stored[.show(.artwork)] == nil, let image = show.artwork else { return }
        do {
            let file = try await fetcher.download(
                image,
                to: items.library.newUploadPath(),
                maxBytes: items.limits.maxUploadBytes,
                timeout: .seconds(120)
            )
            defer { try? FileManager.default.removeItem(at: file.file) }
            _ = try await artwork.replace(from: file.file)
        } catch {
            report(.note("the show's artwork was not imported: \(error)"))
        }
    }
}
