import Foundation
import Hummingbird
import Logging
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

/// The HTTP application over services already started.
public func buildApplication(
    _ configuration: ServerConfiguration,
    services: MicrocastServices
) async throws
    -> some ApplicationProtocol
{
    let store = services.store
    let site = services.site
    let renderer = services.publisher.renderer
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: SecurityHeadersMiddleware(scriptHashes: renderer.scriptHashes))
    router.add(middleware: UnauthenticatedBodyLimit(slots: .init(limit: configuration.maxUnauthenticatedBodies)))
    let authenticator = Authenticator(tokens: store)
    let api = router.group().add(middleware: APIErrorMiddleware())
    MicropubController(
        posts: store,
        intake: services.intake,
        authenticator: authenticator,
        site: site,
        maxUploadBytes: services.configuration.limits.maxUploadBytes
    ).addRoutes(to: api)
    MediaEndpointController(intake: services.intake, authenticator: authenticator, urls: site.urls).addRoutes(to: api)

    let sessions = OwnerSessions(
        owner: store,
        urls: site.urls,
        throttle: SignInThrottle(firstDelay: configuration.signInDelays.first, ceiling: configuration.signInDelays.ceiling),
        threadPool: services.requestPool,
        trustedProxies: Set(configuration.trustedProxies),
        reauthenticateAfter: configuration.consentReauthentication
    )
    let authorization = AuthorizationController(owner: store, sessions: sessions, renderer: renderer, site: site)
    authorization.addRoutes(to: api)
    TokenController(owner: store, tokens: store, authenticator: authenticator, urls: site.urls).addRoutes(to: api)
    OwnerTokensController(tokens: store, sessions: sessions, renderer: renderer, site: site) { hidden in
        try await authorization.signInPage(hidden: hidden)
    }.addRoutes(to: api)

    MediaFileController(intake: services.intake, media: store).addRoutes(to: router)
    SiteController(publisher: services.publisher, cache: PageCache()).addRoutes(to: router)

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
        services: [services.worker, services.poolsService],
        logger: services.logger
    )
}
