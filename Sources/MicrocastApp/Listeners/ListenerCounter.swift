import Foundation
import Logging
import MicrocastCore
import ServiceLifecycle
import Synchronization

/// Counts episode downloads as their bytes are served (`DownloadTally`'s
/// rules, in memory) and writes the counts once a minute, and at shutdown,
/// each flush one transaction. Serving never waits on the disk for it: a
/// request adds to memory under a lock and reads the episode it belongs to
/// from a cache. A crash loses at most the counts since the last flush;
/// a flush that fails is put back and written with the next, never twice.
package final class ListenerCounter: Service, Sendable {
    private let store: any DownloadRepository & MediaRepository & PostRepository
    private let tally: Mutex<DownloadTally>
    private let episodes = Mutex<[String: (episode: EpisodeFile?, until: ContinuousClock.Instant)]>([:])
    private let clock: @Sendable () -> Date
    private let interval: Duration
    private let logger: Logger
    package let isCounting: Bool

    /// What a served audio file belongs to.
    package struct EpisodeFile: Sendable {
        package var slug: String
        package var duration: Double?
        /// When its post was published: whether its enclosure goes through the stats prefix.
        package var published: Date
    }

    package init(
        store: any DownloadRepository & MediaRepository & PostRepository,
        tally: DownloadTally,
        isCounting: Bool,
        interval: Duration = .seconds(60),
        clock: @escaping @Sendable () -> Date,
        logger: Logger
    ) {
        self.store = store
        self.tally = Mutex(tally)
        self.isCounting = isCounting
        self.interval = interval
        self.clock = clock
        self.logger = logger
    }

    /// Takes a served range of an episode's audio file into account.
    package func served(mediaId: String, file: String, fileSize: Int64, bytes: ClosedRange<Int64>, address: String, userAgent: String) async {
        guard isCounting, let episode = await episode(of: mediaId) else { return }
        let request = EpisodeRequest(
            episode: episode.slug,
            file: file,
            fileSize: fileSize,
            duration: episode.duration,
            bytes: bytes,
            address: address,
            userAgent: userAgent
        )
        let now = clock()
        tally.withLock { _ = $0.record(request, at: now) }
    }

    /// A redirect to an episode's file elsewhere (the stats prefix): the bytes
    /// are a CDN's to send, so the request stands for the whole file.
    package func redirected(mediaId: String, file: String, address: String, userAgent: String) async {
        guard isCounting, let episode = await episode(of: mediaId) else { return }
        let request = EpisodeRequest(
            episode: episode.slug,
            file: file,
            fileSize: 1,
            duration: nil,
            bytes: 0...0,
            address: address,
            userAgent: userAgent
        )
        let now = clock()
        tally.withLock { _ = $0.record(request, at: now) }
    }

    /// The episode a media item is the sound of, from a cache kept a minute
    /// (a post's audio rarely changes; a count a minute late is harmless).
    package func episode(of mediaId: String) async -> EpisodeFile? {
        let now = ContinuousClock.now
        if let cached = episodes.withLock({ $0[mediaId] }), cached.until > now { return cached.episode }
        var found: EpisodeFile?
        if let item = try? await store.media(id: mediaId), item.kind == .audio,
            let slug = try? await store.posts(usingMedia: mediaId).first, let post = try? await store.post(slug: slug)
        {
            found = EpisodeFile(slug: slug, duration: item.duration, published: post.published)
        }
        episodes.withLock { cache in
            if cache.count > 10_000 { cache.removeAll() }
            cache[mediaId] = (found, now + .seconds(60))
        }
        return found
    }

    /// Writes what was counted since the last flush, in one transaction.
    package func flush() async {
        let counts = tally.withLock { $0.takePending() }
        guard !counts.isEmpty else { return }
        do {
            try await store.addDownloads(counts)
            logger.info("downloads counted", metadata: ["rows": "\(counts.count)", "downloads": "\(counts.reduce(0) { $0 + $1.count })"])
        } catch {
            tally.withLock { $0.restore(counts) }
            logger.error("download counts not written; kept for the next flush", metadata: ["error": "\(error)"])
        }
    }

    package func run() async throws {
        // Until shutdown, a flush a minute; then the last one. A cancelled
        // task (not a graceful shutdown) ends the loop too: its sleep would
        // return at once, every time.
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            await flush()
        }
        await flush()
    }
}
