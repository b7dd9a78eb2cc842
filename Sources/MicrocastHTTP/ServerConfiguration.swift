import CoreMetrics
import Foundation
import Logging
import MediaModel
import MicrocastApp
import MicrocastCore
import Prometheus

/// Everything `buildApplication` needs: the services' configuration and the
/// HTTP server's own settings. The CLI and the tests both fill one in.
public struct ServerConfiguration: Sendable {
    /// What the services are built from (data folder, store, presets, limits, workers).
    public var services: ServiceConfiguration
    public var host: String
    public var port: Int
    /// Addresses of reverse proxies whose `Forwarded` or `X-Forwarded-For` is believed (for the sign-in throttle).
    public var trustedProxies: [String] = []
    /// Where a CDN (or the bucket's public address) serves the bucket's
    /// `public/` and `renditions/` objects: media URLs are then answered with
    /// a redirect there (`--media-base-url`); nil, Microcast serves them.
    public var mediaBaseURL: String?
    /// The sign-in throttle's first wait and its ceiling, in seconds (see `SignInThrottle`).
    public var signInDelays: (first: TimeInterval, ceiling: TimeInterval) = (SignInThrottle.firstDelay, SignInThrottle.ceiling)
    /// Seconds after giving the passphrase during which the owner may approve a
    /// client without giving it again.
    public var consentReauthentication: TimeInterval = 300
    /// A connection that sends nothing for this long (mid-request or between
    /// requests) is closed; one being answered never is.
    public var idleTimeout: Duration = .seconds(30)
    /// Request bodies from senders without a verified credential received at
    /// once; more are answered 503 before their body is read.
    public var maxUnauthenticatedBodies = 64
    /// The slowest any request body may arrive (`MinimumBodyRate`); slower is cut off with 408.
    public var minimumBodyRate = MinimumBodyRate()
    /// Connections open at once; more are closed as they arrive.
    public var maxConnections = 1000
    /// The registry behind `services.metrics`, which `/metrics` writes out.
    let metricsFactory: PrometheusMetricsFactory

    public init(services: ServiceConfiguration, host: String = "127.0.0.1", port: Int = 8080) {
        var services = services
        services.baseURL = services.baseURL ?? "http://\(host):\(port)"
        services.servesSite = true
        let (metrics, factory) = ServiceMetrics.prometheus()
        services.metrics = metrics
        metricsFactory = factory
        self.services = services
        self.host = host
        self.port = port
    }

    /// The common case: an embedded site in `dataDirectory`, served at `http://HOST:PORT` unless `baseURL` says otherwise.
    public init(
        dataDirectory: URL,
        host: String = "127.0.0.1",
        port: Int = 8080,
        baseURL: String? = nil,
        presets: Presets,
        limits: MediaLimits = MediaLimits(),
        workerThreads: Int = max(1, ProcessInfo.processInfo.activeProcessorCount),
        siteTitle: String? = nil,
        logLevel: Logger.Level = .info,
        jobPollInterval: Duration = .milliseconds(250)
    ) {
        self.init(
            services: ServiceConfiguration(
                dataDirectory: dataDirectory,
                baseURL: baseURL ?? "http://\(host):\(port)",
                presets: presets,
                limits: limits,
                workerThreads: workerThreads,
                siteTitle: siteTitle,
                jobPollInterval: jobPollInterval,
                logLevel: logLevel
            ),
            host: host,
            port: port
        )
    }

    /// Makes this server's registry the process's swift-metrics backend, once
    /// per process (`serve`), so what libraries record is served too.
    public func bootstrapProcessMetrics() {
        MetricsSystem.bootstrap(metricsFactory)
    }

    /// The public URL of the site; absolute URLs (Location, feeds) start with it.
    public var baseURL: String { services.baseURL ?? "http://\(host):\(port)" }
    public var dataDirectory: URL { services.dataDirectory }

    // The services' settings most tests change, reachable directly.
    public var workerThreads: Int {
        get { services.workerThreads }
        set { services.workerThreads = newValue }
    }
    public var keepLocation: Bool {
        get { services.keepLocation }
        set { services.keepLocation = newValue }
    }
    public var limits: MediaLimits {
        get { services.limits }
        set { services.limits = newValue }
    }
}
