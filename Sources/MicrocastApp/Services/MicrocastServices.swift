import Foundation
import Logging
import MediaEngine
import MediaKit
import MediaModel
import MediaSandbox
import MicrocastCore
import MicrocastPostgres
import MicrocastStore
import NIOPosix
import ServiceLifecycle

/// Every service a Microcast process runs on, built once from a
/// `ServiceConfiguration`: the store, the media library, the two thread pools
/// (request path and media jobs), the site, the intake, the media worker and
/// the publisher. The one composition root: `serve`, `worker`, `ingest`,
/// `watch`, `export` and the tests all start here, and only here is the
/// store's implementation chosen.
public struct MicrocastServices: Sendable {
    public let configuration: ServiceConfiguration
    public let store: any DataStore
    public let library: MediaLibrary
    public let site: SiteDirectory
    /// Request-path work: upload inspection, sign-in hashing, artwork.
    package let requestPool: NIOThreadPool
    /// Media jobs, at a lower priority; never Swift's cooperative pool.
    package let mediaPool: NIOThreadPool
    package let budget: DecodeBudget
    /// How far this process's running jobs are, for the studio.
    public let progress: ProgressBoard
    package let intake: MediaIntake
    /// The one way a post comes in, whoever brings it.
    package let publishing: Publishing
    package let artwork: ShowArtworkStore
    /// Runs every kind of job (`jobs`, registered in `registry`) on its pool's loops.
    public let jobs: JobRunner
    /// Every outbound request: Webmention sources and endpoints, authors' photos, citations.
    public let fetcher: SafeFetcher
    /// Name lookups for outbound fetches, which block, apart from the request path's pool.
    package let outboundPool: NIOThreadPool
    package let publisher: SitePublisher
    /// Episode downloads, counted in memory and written once a minute.
    package let listeners: ListenerCounter
    /// Fediverse actors whose keys this process has fetched.
    package let remoteActors: RemoteActors
    /// The studio's import, run beside this process's requests.
    public let imports: ImportRuns
    public let logger: Logger
    /// The follow poller's, woken by the studio's "refresh all".
    package let followWakeUps = JobWakeUps()
    /// The owner's Microsub channels, changed one at a time.
    public let channelBook: ChannelBook

    /// Opens the store (migrating it), records the base URL, and starts the pools.
    public static func start(_ configuration: ServiceConfiguration, logger: Logger? = nil) async throws -> MicrocastServices {
        ProcessMemory.configure()
        FFmpeg.configure(verbose: configuration.verboseFFmpeg)
        try Vips.start()
        var logger = logger ?? Logger(label: "microcast")
        logger.logLevel = configuration.logLevel

        var library = try MediaLibrary(root: configuration.dataDirectory)
        if let tightened = library.tightened { logger.notice("data folder made owner-only", metadata: ["change": "\(tightened)"]) }
        let store = try await openStore(configuration.database, connections: configuration.databaseConnections, logger: logger)
        do {
            let location = try await MediaStoreChoice.resolve(configuration.mediaStore, settings: store, media: store)
            library.store = try MediaStoreChoice.open(location, root: configuration.dataDirectory)
        } catch {
            await store.close()
            throw error
        }
        let interrupted = await MediaIntake.finishInterruptedAdoptions(library: library, media: store)
        if interrupted != (0, 0) {
            logger.notice(
                "uploads interrupted by a stopped process",
                metadata: ["finished": "\(interrupted.finished)", "removed": "\(interrupted.removed)"]
            )
        }
        library.sweepAbandonedTemporaries()
        library.clearScratch()
        // Posts are written with absolute URLs: every base a data folder was
        // written under is remembered, so their media stay ours after a move.
        let urls =
            if configuration.servesSite, let base = configuration.baseURL {
                try await BaseURLs.record(base, in: store)
            } else {
                try await BaseURLs.urls(configuration.baseURL, from: store, writingPosts: configuration.writesPosts)
            }
        let site = SiteDirectory(urls: urls, settings: store)
        if configuration.siteTitle != nil || configuration.authorName != nil {
            try await site.set(title: configuration.siteTitle, author: configuration.authorName)
        }
        // podcast:guid must never change, even if the site later moves to another URL.
        if try await store.settings()[.show(.guid)] == nil {
            try await store.setSettings([.show(.guid): ShowSettings.podcastGUID(feedURL: urls.podcastFeed)])
        }

        // Process-wide and never shut down: see `ImageThreads`.
        let requestPool = ImageThreads.requests
        let mediaPool = ImageThreads.jobs
        let budget = DecodeBudget()
        let progress = ProgressBoard()
        var intake = MediaIntake(library: library, media: store, limits: configuration.limits, threadPool: requestPool, budget: budget)
        intake.transcripts = store
        intake.keepLocation = configuration.keepLocation
        // Two pools of media children: the request path's (inspections and
        // public copies, never behind a transcode) and the media jobs'.
        var jobChildren: MediaChildPool?
        if var children = configuration.mediaChildren {
            // What the children may open: the media folders, never the
            // database or anything else in the data folder. Their temporary
            // files (libvips's, for images too large for memory) go where
            // uploads arrive, which the sweep of abandoned temporaries empties.
            children.files = Sandbox.Files(
                readable: [library.originals.path],
                writable: [library.uploads.path, library.renditions.path, library.publicCopies.path]
            )
            children.environment["TMPDIR"] = library.uploads.path
            var events = MediaChildPool.Events()
            let metrics = configuration.metrics
            events.started = { metrics.mediaChildStarted() }
            events.ended = { metrics.mediaChildEnded() }
            events.crashed = { [logger] reason in
                metrics.mediaChildRestarted()
                logger.warning("a media child died; it is replaced", metadata: ["reason": "\(reason)"])
            }
            intake.children = MediaChildPool(children, events: events)
            if configuration.workerThreads > 0 {
                // A child per job, reading only that job's original (and
                // the show's artwork): no other original, with its location.
                var jobs = children
                jobs.size = configuration.workerThreads
                jobs.niceness = BackgroundPriority.niceness
                jobs.childPerRequest = true
                jobs.files = Sandbox.Files(readable: [], writable: [library.uploads.path, library.renditions.path])
                jobChildren = MediaChildPool(jobs, events: events)
            }
        }
        intake.transcribes = configuration.transcriber.model != .off
        let artwork = ShowArtworkStore(library: library, threadPool: requestPool, settings: store)
        let publishing = Publishing(posts: store, ingests: store, accounts: store, intake: intake, urls: urls)
        let outboundPool = NIOThreadPool(numberOfThreads: 4)
        outboundPool.start()
        let fetcher = SafeFetcher(
            policy: FetchPolicy(userAgent: FetchPolicy.userAgent(site: urls.base), allowPrivateAddresses: configuration.allowPrivateFetch),
            resolver: NameResolver(threads: outboundPool),
            metrics: configuration.metrics
        )
        // Every kind of job, declared once, registered here.
        var media = MediaJobContext(library: library, media: store, threadPool: mediaPool, progress: progress, timeLimit: configuration.jobTimeLimit)
        media.children = jobChildren
        let presets = configuration.presets
        var avatars = AvatarStore(fetcher: fetcher, library: library, limits: configuration.limits, budget: budget, threadPool: mediaPool)
        avatars.children = intake.children
        let identity = FediverseIdentity(store: store, site: site, artwork: artwork)
        let sender = ActivitySender(fetcher: fetcher, identity: identity)
        let remoteActors = RemoteActors(sender: sender)
        let networks = SyndicationNetworks(store: store, fetcher: fetcher, library: library, threadPool: mediaPool, site: site, artwork: artwork)
        let registry = JobRegistry([
            PhotoJob(context: media, preset: presets.photo, budget: budget),
            AudioJob(context: media, preset: presets.audio, limits: configuration.limits, settings: store, site: site, artwork: artwork),
            VideoJob(context: media, preset: presets.video, posterEncodings: presets.photo.encodings, limits: configuration.limits),
            PublicCopyJob(context: media, intake: intake),
            TranscribeJob(context: media, transcriber: configuration.transcriber, settings: store, transcripts: store),
            VerifyMentionJob(store: store, fetcher: fetcher, avatars: avatars, turns: SenderTurns()),
            AuthorPhotoJob(store: store, avatars: avatars),
            SendMentionsJob(store: store, fetcher: fetcher, site: site),
            SyndicateJob(store: store, networks: networks, urls: urls, backfeed: configuration.backfeed),
            BackfeedJob(store: store, networks: networks, avatars: avatars, urls: urls, schedule: configuration.backfeed),
            FanoutJob(store: store, actors: remoteActors),
            DeliverJob(store: store, identity: identity, sender: sender),
        ])
        let runsJobs = configuration.workerThreads > 0
        let jobs = JobRunner(
            queue: store,
            registry: registry,
            loops: [
                .media: configuration.workerThreads,
                .verification: runsJobs ? configuration.verificationLoops : 0,
                .delivery: runsJobs ? configuration.sendingLoops : 0,
                .network: runsJobs ? configuration.networkLoops : 0,
            ],
            pollInterval: configuration.jobPollInterval,
            lease: configuration.jobLease,
            diskSpace: DiskSpace(store: store),
            metrics: configuration.metrics,
            logger: logger
        )
        if configuration.servesSite {
            let queued = try await intake.queueMissingPublicCopies(store)
            if queued > 0 { logger.notice("public copies queued for uploads from before them", metadata: ["count": "\(queued)"]) }
            if let bucket = library.store as? BucketMediaStore {
                // Beside the start, not before it: a large bucket takes a while to list.
                Task { [logger] in
                    do {
                        let swept = try await BucketSweep(bucket: bucket, media: store).run()
                        if swept != BucketSweep.Swept() {
                            logger.notice(
                                "bucket swept of what killed uploads left",
                                metadata: [
                                    "aborted": "\(swept.abortedUploads)", "removed": "\(swept.removedOriginals)",
                                    "resumable": "\(swept.removedResumable)",
                                ]
                            )
                        }
                    } catch {
                        logger.warning("the bucket could not be swept", metadata: ["error": "\(error)"])
                    }
                }
            }
        }
        let publisher = SitePublisher(
            posts: store,
            media: store,
            settings: store,
            conversations: store,
            site: site,
            renderer: try await SiteRenderer.bundled(),
            artwork: artwork,
            library: library,
            search: store
        )
        let listeners = ListenerCounter(
            store: store,
            tally: DownloadTally(bots: configuration.bots, maxListeners: configuration.listenerTableSize),
            isCounting: configuration.countListeners,
            interval: configuration.listenerFlushInterval,
            clock: configuration.listenerClock,
            logger: logger
        )
        let importer = PodcastImporter(
            items: ItemImporter(
                fetcher: fetcher,
                files: FileAdoption(intake: intake, media: store, threadPool: requestPool),
                publishing: publishing,
                ingests: store,
                redirects: store,
                mentions: store,
                urls: urls
            ),
            settings: store,
            artwork: artwork
        )
        return MicrocastServices(
            configuration: configuration,
            store: store,
            library: library,
            site: site,
            requestPool: requestPool,
            mediaPool: mediaPool,
            budget: budget,
            progress: progress,
            intake: intake,
            publishing: publishing,
            artwork: artwork,
            jobs: jobs,
            fetcher: fetcher,
            outboundPool: outboundPool,
            publisher: publisher,
            listeners: listeners,
            remoteActors: remoteActors,
            imports: ImportRuns(importer: importer),
            logger: logger,
            channelBook: ChannelBook(store: store)
        )
    }

    /// Whether uploads can be inspected: a media child starts and answers
    /// (always, when this process inspects them itself).
    public func mediaIsUp() async -> Bool {
        guard let children = intake.children else { return true }
        return (try? await requestPool.runIfActive { children.isUp() }) ?? false
    }

    /// Where this process counts requests, jobs and fetches.
    public var metrics: ServiceMetrics { configuration.metrics }

    /// The one place a store implementation is picked.
    public static func openStore(
        _ location: DatabaseLocation,
        connections: Int = 8,
        logger: Logger = Logger(label: "microcast")
    ) async throws -> any DataStore {
        switch location {
        case .sqlite(let path):
            return try SQLiteStore(path: path)
        case .postgres(let url):
            return try await PostgresStore.open(url: url, connections: connections, logger: logger)
        }
    }

    /// A consistent copy of the SQLite store at `path`, taken while other
    /// processes serve from it (`microcast store backup`).
    public static func backUp(sqlite path: String, to destination: URL) async throws -> BackupSummary {
        try await SQLiteStore(path: path).backup(to: destination)
    }

    /// The owner's reading list: followed sites and feeds, and their timeline.
    public var following: Following { Following(store: store, follower: FeedFollower(fetcher: fetcher), logger: logger) }

    /// Answers the owner makes from the timeline, published as their posts.
    public var timelineAnswers: TimelineAnswers { TimelineAnswers(store: store, publishing: publishing, logger: logger) }

    /// The timeline's pictures, fetched for the owner's browser.
    public var timelinePictures: TimelinePictures { TimelinePictures(fetcher: fetcher) }

    /// Polls what the site follows while it serves.
    public var followPoller: FollowPoller {
        FollowPoller(following: following, interval: .seconds(30), callbackBase: site.urls.base, wakeUps: followWakeUps, logger: logger)
    }

    /// The site as a fediverse account.
    public var fediverse: FediverseIdentity { FediverseIdentity(store: store, site: site, artwork: artwork) }

    /// The site's inbox, with the actors it has verified cached for this process.
    package var inbox: FediverseInbox {
        FediverseInbox(store: store, actors: remoteActors, urls: site.urls)
    }

    /// Connecting accounts on other networks (the studio, `syndicate add`).
    public var accountConnections: AccountConnections {
        AccountConnections(store: store, fetcher: fetcher, directory: configuration.atprotoDirectory)
    }

    /// Takes files through the same path as uploads (`ingest`, `watch`).
    public var ingester: Ingester {
        Ingester(files: fileAdoption, publishing: publishing, ingests: store, urls: site.urls, threadPool: requestPool)
    }

    /// Imports a show from its feed at another host (`import podcast`, the studio).
    public var podcastImporter: PodcastImporter { imports.importer }

    /// Imports a JSON Feed's items (`import jsonfeed`).
    public var jsonFeedImporter: JSONFeedImporter { JSONFeedImporter(items: imports.importer.items) }

    /// Imports a WordPress export (`import wordpress`).
    public var wordPressImporter: WordPressImporter { WordPressImporter(items: imports.importer.items) }

    /// Files from outside a request taken in as uploads are (`ingest`, `watch`, imports).
    package var fileAdoption: FileAdoption {
        FileAdoption(intake: intake, media: store, threadPool: requestPool)
    }

    /// Stops the thread pools and closes the store; call once, after the services' last use.
    public func shutdown() async {
        try? await outboundPool.shutdownGracefully()
        await store.close()
    }

    /// Publishes scheduled posts when their time comes.
    public var scheduler: Scheduler { Scheduler(publishing: publishing, interval: .seconds(1), clock: configuration.schedulerClock, logger: logger) }

    /// What a `worker` process runs: every kind of job, no HTTP.
    public var workerServices: [any Service] { [poolsService, jobs] }

    /// A service that shuts the pools down and closes the store with an application.
    package var poolsService: ThreadPoolService { ThreadPoolService(pools: [outboundPool], store: store) }
}

/// Shuts the thread pools down and closes the store with the application.
package struct ThreadPoolService: Service {
    let pools: [NIOThreadPool]
    let store: any DataStore

    package func run() async throws {
        try? await gracefulShutdown()
        for pool in pools { try await pool.shutdownGracefully() }
        await store.close()
    }
}

extension MicrocastServices {
    /// Runs `body` with the jobs running beside it (`ingest`, `watch`), lets
    /// what its posts send elsewhere have a first try (a minute at most), then
    /// stops the jobs and the thread pools.
    public func withWorker<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        let jobs = self.jobs
        let running = Task { try await jobs.run() }
        defer { running.cancel() }
        let result = try await body()
        await waitForDeliveries(upTo: .seconds(60))
        running.cancel()
        _ = await running.result
        await shutdown()
        return result
    }

    /// Waits until every job sending our posts elsewhere has had its first try, or `limit` passes.
    func waitForDeliveries(upTo limit: Duration) async {
        let kinds = jobs.registry.kinds(in: .delivery)
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline, (try? await store.untried(kinds: kinds)) ?? 0 > 0 {
            try? await Task.sleep(for: .milliseconds(100))
        }
    }
}
