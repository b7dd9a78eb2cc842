import Foundation
import Hummingbird
import Logging
import MediaKit
import MicrocastCore
import MicrocastStore
import NIOPosix
import ServiceLifecycle

/// Builds the whole service from a configuration: the store, the media
/// library, the worker pool and the HTTP routes. `microcast serve` and every
/// server test call this same function.
public func buildApplication(_ configuration: ServerConfiguration) async throws -> some ApplicationProtocol {
    ProcessMemory.configure()
    var logger = Logger(label: "microcast")
    logger.logLevel = configuration.logLevel

    let library = try MediaLibrary(root: configuration.dataDirectory)
    library.sweepAbandonedTemporaries()
    let store = try SQLiteStore(path: library.database.path)
    // `ingest`, `watch` and `export` write the same absolute URLs as the server;
    // media URLs written under an earlier base stay ours.
    let urls = try await BaseURLs.record(configuration.baseURL, in: store)
    let site = SiteInfo(title: configuration.siteTitle, authorName: configuration.authorName, urls: urls)
    try Vips.start()
    // podcast:guid must never change, even if the site later moves to another URL.
    let guidKey = "show.\(ShowSettings.Key.guid.rawValue)"
    if try await store.settings()[guidKey] == nil {
        try await store.setSettings([guidKey: ShowSettings.podcastGUID(feedURL: urls.podcastFeed)])
    }

    // Two pools, so request-path work (upload inspection, sign-in hashing,
    // artwork) never waits behind a media job that holds a thread for minutes.
    // With no media workers (a server that only answers requests) the pool is idle.
    let mediaPool = NIOThreadPool(numberOfThreads: max(1, configuration.workerThreads))
    mediaPool.start()
    let requestPool = NIOThreadPool(numberOfThreads: configuration.requestThreads)
    requestPool.start()

    let router = Router(context: AppRequestContext.self)
    router.add(middleware: RequestLogMiddleware())
    let renderer = try await SiteRenderer.bundled()
    router.add(middleware: SecurityHeadersMiddleware(scriptHashes: renderer.scriptHashes))
    let authenticator = Authenticator(tokens: store)
    router.add(middleware: UnauthenticatedBodyLimit(slots: .init(limit: configuration.maxUnauthenticatedBodies)))
    let api = router.group().add(middleware: APIErrorMiddleware())
    var intake = MediaIntake(library: library, media: store, limits: configuration.limits, threadPool: requestPool)
    intake.keepLocation = configuration.keepLocation
    MicropubController(
        posts: store, intake: intake, authenticator: authenticator, site: site,
        maxUploadBytes: configuration.limits.maxUploadBytes
    ).addRoutes(to: api)
    MediaEndpointController(intake: intake, authenticator: authenticator, urls: urls).addRoutes(to: api)
    IndieAuthController(
        owner: store, tokens: store, authenticator: authenticator, renderer: renderer, site: site,
        throttle: SignInThrottle(firstDelay: configuration.signInDelays.first, ceiling: configuration.signInDelays.ceiling), threadPool: requestPool, trustedProxies: Set(configuration.trustedProxies),
        reauthenticateAfter: configuration.consentReauthentication
    ).addRoutes(to: api)
    MediaFileController(intake: intake, media: store).addRoutes(to: router)
    let artwork = ShowArtworkStore(library: library, threadPool: requestPool)
    let publisher = SitePublisher(
        posts: store, media: store, settings: store, site: site, renderer: renderer, artwork: artwork, library: library)
    SiteController(publisher: publisher, cache: PageCache()).addRoutes(to: router)

    let worker = MediaWorker(
        queue: store, media: store, settings: store, site: site, limits: configuration.limits, artwork: artwork, library: library, presets: configuration.presets, threadPool: mediaPool,
        loops: configuration.workerThreads, pollInterval: configuration.jobPollInterval, logger: logger)

    let connections = ConnectionLimitHandler.Counter(limit: configuration.maxConnections)
    return Application(
        router: router,
        server: .http1(
            configuration: .init(
                additionalChannelHandlers: [ConnectionLimitHandler(counter: connections), ExpectContinueHandler()],
                idleTimeout: .nanoseconds(Int64(configuration.idleTimeout.milliseconds * 1_000_000)))),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Microcast"),
        services: [worker, ThreadPoolService(pools: [mediaPool, requestPool])],
        logger: logger
    )
}

/// Shuts the thread pools down with the application.
struct ThreadPoolService: Service {
    let pools: [NIOThreadPool]

    func run() async throws {
        try? await gracefulShutdown()
        for pool in pools { try await pool.shutdownGracefully() }
    }
}

