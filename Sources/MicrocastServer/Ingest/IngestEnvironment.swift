import Foundation
import Logging
import MediaKit
import MicrocastCore
import MicrocastStore
import NIOPosix

/// What `microcast ingest` and `microcast watch` run on: the same store,
/// library, intake and media worker as the server, in this process. A
/// server running on the same data folder at the same time is fine: jobs are
/// claimed with leases and posts are saved in transactions.
public struct IngestEnvironment: Sendable {
    public let ingester: Ingester
    let worker: MediaWorker
    let threadPool: NIOThreadPool

    public static func open(
        dataDirectory: URL, presets: Presets, limits: MediaLimits = MediaLimits(), baseURL: String? = nil,
        workerThreads: Int = max(1, ProcessInfo.processInfo.activeProcessorCount), keepLocation: Bool = false, logger: Logger
    ) async throws -> IngestEnvironment {
        ProcessMemory.configure()
        let library = try MediaLibrary(root: dataDirectory)
        let store = try SQLiteStore(path: library.database.path)
        try Vips.start()
        // Posts written here must carry the URLs the server serves: the one it
        // recorded, unless told otherwise; the server's own default before it ever ran.
        let site = SiteInfo(title: "Microcast", authorName: "Site owner", urls: try await BaseURLs.urls(baseURL, from: store))
        let threadPool = NIOThreadPool(numberOfThreads: workerThreads)
        threadPool.start()
        var intake = MediaIntake(library: library, media: store, limits: limits, threadPool: threadPool)
        intake.keepLocation = keepLocation
        let worker = MediaWorker(
            queue: store, media: store, settings: store, site: site, limits: limits,
            artwork: ShowArtworkStore(library: library, threadPool: threadPool), library: library, presets: presets,
            threadPool: threadPool, loops: workerThreads, pollInterval: .milliseconds(100), logger: logger)
        let ingester = Ingester(
            library: library, intake: intake, media: store, ingests: store, site: site, threadPool: threadPool)
        return IngestEnvironment(ingester: ingester, worker: worker, threadPool: threadPool)
    }

    /// Runs `body` with the media worker processing queued jobs beside it,
    /// then stops the worker and the threads.
    public func withWorker<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        let running = Task { try await worker.run() }
        defer {
            running.cancel()
        }
        let result = try await body()
        running.cancel()
        _ = await running.result
        try await threadPool.shutdownGracefully()
        return result
    }
}
