import Foundation
import Hummingbird
import Logging
import MicrocastApp
import MicrocastCore
import NIOPosix
import ServiceLifecycle

/// Builds the whole server from a configuration: the services (through
/// `MicrocastServices`, the one composition root) and the HTTP routes.
/// `microcast serve` and every server test call this same function.
public func buildApplication(_ configuration: ServerConfiguration) async throws -> some ApplicationProtocol {
    let services = try await MicrocastServices.start(configuration.services)
    return try await buildApplication(configuration, services: services)
}

/// The HTTP application over services already started: the router, the
/// server's own handlers (connection limit, `Expect: 100-continue`), and the
/// services that start and stop with it.
public func buildApplication(
    _ configuration: ServerConfiguration,
    services: MicrocastServices
) async throws
    -> some ApplicationProtocol
{
    let router = try await buildRouter(configuration, services: services)
    let connections = ConnectionLimitHandler.Counter(limit: configuration.maxConnections)
    return Application(
        router: router,
        server: .http1(
            configuration: .init(
                additionalChannelHandlers: [ConnectionLimitHandler(counter: connections), ExpectContinueHandler()],
                idleTimeout: .nanoseconds(Int64(configuration.idleTimeout.milliseconds * 1_000_000))
            )
        ),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Microcast"),
        // Shut down in reverse: the server stops taking requests, then the
        // scheduler and the jobs finish, the last download counts are
        // written, and only then are the pools and the store closed under them.
        services: [services.poolsService, services.listeners, services.jobs, services.scheduler, services.followPoller],
        logger: services.logger
    )
}

/// Every route, and the middleware in front of them: the one place the
/// HTTP layer is put together. Each controller takes the few services it uses.
func buildRouter(_ configuration: ServerConfiguration, services: MicrocastServices) async throws -> Router<AppRequestContext> {
    let store = services.store
    let site = services.site
    let renderer = services.publisher.renderer
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: RequestLogMiddleware(metrics: services.metrics))
    router.add(middleware: SecurityHeadersMiddleware(scriptHashes: renderer.scriptHashes))
    router.add(middleware: OldAddressesMiddleware(redirects: store, urls: site.urls))
    let sessions = OwnerSessions(
        owner: store,
        urls: site.urls,
        throttle: SignInThrottle(firstDelay: configuration.signInDelays.first, ceiling: configuration.signInDelays.ceiling),
        threadPool: services.requestPool,
        trustedProxies: Set(configuration.trustedProxies),
        reauthenticateAfter: configuration.consentReauthentication
    )
    let authenticator = Authenticator(tokens: store, sessions: sessions)
    router.add(
        middleware: BodyAdmission(
            slots: .init(limit: configuration.maxUnauthenticatedBodies),
            authenticator: authenticator,
            minimumRate: configuration.minimumBodyRate
        )
    )
    let api = router.group().add(middleware: APIErrorMiddleware(diskSpace: DiskSpace(store: store)))

    // Posting: Micropub, the media endpoint, resumable uploads.
    let publishing = services.publishing
    MicropubController(
        publishing: publishing,
        authenticator: authenticator,
        site: site,
        maxUploadBytes: services.configuration.limits.maxUploadBytes,
        metrics: services.metrics
    ).addRoutes(to: api)
    MediaEndpointController(intake: services.intake, authenticator: authenticator, urls: site.urls, metrics: services.metrics)
        .addRoutes(to: api)
    MicrosubController(store: store, following: services.following, channels: services.channelBook, authenticator: authenticator, urls: site.urls)
        .addRoutes(to: api)
    let uploads = try ResumableUploads(
        folder: services.library.root.appendingPathComponent("resumable", isDirectory: true),
        uploadsFolder: services.library.uploads,
        shared: services.library.store as? BucketMediaStore
    )
    ResumableUploadController(
        uploads: uploads,
        intake: services.intake,
        authenticator: authenticator,
        urls: site.urls,
        maxBytes: services.configuration.limits.maxUploadBytes,
        metrics: services.metrics
    ).addRoutes(to: api)

    // Signing in: IndieAuth, and the owner's own pages.
    let authorization = AuthorizationController(owner: store, sessions: sessions, renderer: renderer, site: site)
    authorization.addRoutes(to: api)
    TokenController(owner: store, tokens: store, authenticator: authenticator, urls: site.urls).addRoutes(to: api)
    // The owner's token list moved into the studio.
    router.get("/auth/tokens") { _, _ in OwnerPage.redirect(to: site.urls.ownerTokens) }
    let pages = StudioPages(sessions: sessions, renderer: renderer, site: site, assets: try StaticAssets.bundled()) { next in
        try await authorization.signInPage(hidden: [HiddenField(name: "next", value: next)])
    }
    StudioController(
        pages: pages,
        posts: StudioPostsController(pages: pages, store: store, publishing: publishing),
        media: StudioMediaController(
            pages: pages,
            store: store,
            intake: services.intake,
            editor: TranscriptEditor(library: services.library, store: store)
        ),
        show: StudioShowController(
            pages: pages,
            settings: store,
            artwork: services.artwork,
            maxUploadBytes: services.configuration.limits.maxUploadBytes
        ),
        audience: StudioAudienceController(
            pages: pages,
            store: store,
            countsListeners: services.configuration.countListeners,
            today: services.configuration.listenerClock
        ),
        syndication: StudioSyndicationController(pages: pages, store: store, connections: services.accountConnections),
        fediverse: StudioFediverseController(pages: pages, store: store, identity: services.fediverse),
        imports: StudioImportController(pages: pages, redirects: store, imports: services.imports),
        following: StudioFollowingController(
            pages: pages,
            store: store,
            following: services.following,
            answers: services.timelineAnswers,
            pictures: services.timelinePictures,
            wakePoller: { [wakeUps = services.followWakeUps] in wakeUps.wakeAll() }
        ),
        events: StudioEvents(store: store, progress: services.progress)
    ).addRoutes(to: api)

    // Conversations: Webmentions received.
    WebmentionController(store: store, urls: site.urls, limiter: SenderRateLimit()).addRoutes(to: api)

    // Publishing: media files and the site.
    if configuration.mediaBaseURL != nil, !services.library.keepsFilesElsewhere {
        services.logger.warning("--media-base-url is ignored: this site keeps its media in its data folder, not a bucket")
    }
    MediaFileController(
        intake: services.intake,
        media: store,
        listeners: services.listeners,
        trustedProxies: Set(configuration.trustedProxies),
        settings: store,
        urls: site.urls,
        mediaBase: configuration.mediaBaseURL,
        metrics: services.metrics
    ).addRoutes(to: router)
    SiteController(
        publisher: services.publisher,
        cache: PageCache(metrics: services.metrics),
        pool: services.requestPool,
        fediverse: services.fediverse,
        inbox: services.inbox
    ).addRoutes(to: router)

    // The site as a fediverse account; its key pair made once, before the first request.
    _ = try await services.fediverse.settings()
    FediverseController(identity: services.fediverse, authenticator: authenticator, inbox: services.inbox).addRoutes(to: api)
    WebSubController(following: services.following).addRoutes(to: api)
    InboxController(inbox: services.inbox).addRoutes(to: api)

    // The operator's: metrics and readiness.
    OperatorController(
        metrics: services.metrics,
        queue: store,
        settings: store,
        authenticator: authenticator,
        trustedProxies: Set(configuration.trustedProxies),
        mediaIsUp: { await services.mediaIsUp() }
    ).addRoutes(to: api)

    return router
}
