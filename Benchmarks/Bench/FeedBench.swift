// Rendering a large podcast feed, and answering a conditional GET for it.
import Foundation
import MediaModel
import MicrocastCore
import MicrocastStore

func feedBenchmark(episodes: Int) async throws {
    let site = SiteInfo(title: "Bench Show", authorName: "Host", urls: SiteURLs(base: "https://example.com"))
    let show = ShowSettings(stored: Settings(), site: site)
    var posts: [Post] = []
    var media: [String: MediaItem] = [:]
    var renditions: [String: RenditionSet] = [:]
    for index in 0..<episodes {
        let id = MediaIdentifier.make()
        media[id] = MediaItem(
            id: id,
            kind: .audio,
            mimeType: "audio/wav",
            fileExtension: "wav",
            byteCount: 50_000_000,
            sha256: "00",
            probe: MediaProbe(kind: .audio, format: "wav", mimeType: "audio/wav"),
            duration: 1800,
            state: .ready
        )
        renditions[id] = RenditionSet([
            Rendition(
                mediaId: id,
                role: .audio("mp3"),
                mimeType: "audio/mpeg",
                byteCount: 14_400_000,
                fileName: "\(id)-mp3.abcdef.mp3",
                duration: 1800,
                bitRate: 64000
            ),
            Rendition(
                mediaId: id,
                role: .audio("m4a"),
                mimeType: "audio/mp4",
                byteCount: 14_000_000,
                fileName: "\(id)-m4a.abcdef.m4a",
                duration: 1800,
                bitRate: 64000
            ),
        ])
        posts.append(
            Post(
                slug: "episode-\(index)",
                properties: [
                    "name": [.string("Episode \(index): a title of ordinary length")],
                    "content": [.string("Show notes for episode \(index), with a paragraph or two of text about the guests & topics.")],
                    "audio": [.string(site.urls.original(fileName: "\(id).wav"))],
                ],
                published: Date(timeIntervalSince1970: 1_600_000_000 + Double(index) * 86_400)
            )
        )
    }
    let builder = FeedItemBuilder(site: site)
    var bytes = 0
    var times: [Double] = []
    for _ in 0..<9 {
        times.append(
            seconds {
                let items = builder.items(posts, media: media, renditions: renditions)
                bytes = FeedRenderer.podcastRSS(show: show, site: site, artworkURL: "https://example.com/a.jpg", items: items).utf8.count
            }
        )
    }
    print(String(format: "feed: %d episodes → %.1f MB of RSS in %.0f ms (median of 9)", episodes, Double(bytes) / 1e6, median(times) * 1000))
    var items: [FeedItem] = []
    let building = seconds { items = builder.items(posts, media: media, renditions: renditions) }
    let writing = seconds { _ = FeedRenderer.podcastRSS(show: show, site: site, artworkURL: "https://example.com/a.jpg", items: items) }
    print(String(format: "  of which: building items %.0f ms, writing XML %.0f ms", building * 1000, writing * 1000))

    // A 304 costs one content-stamp query and a comparison; measured on a real store of that size.
    let folder = scratchFolder("feed")
    defer { try? FileManager.default.removeItem(at: folder) }
    let store = try SQLiteStore(path: folder.appendingPathComponent("bench.sqlite").path)
    for post in posts.prefix(episodes) { _ = try await store.create(post, mediaIds: [], jobs: { _ in [] }) }
    let validators = FileValidators(etag: "\"abc\"", lastModified: Date())
    var stampTimes: [Double] = []
    for _ in 0..<50 {
        let start = ContinuousClock.now
        _ = try await store.contentStamp()
        _ = validators.isNotModified(ifNoneMatch: "\"abc\"", ifModifiedSince: nil)
        let elapsed = ContinuousClock.now - start
        stampTimes.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
    }
    print(String(format: "304 answer: %.2f ms (content stamp over %d posts + ETag comparison, median of 50)", median(stampTimes), episodes))
}
