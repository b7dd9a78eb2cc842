import Foundation
import Logging
import MediaKit
import MicrocastCore

/// Everything `buildApplication` needs; the CLI and the tests both fill one in.
public struct ServerConfiguration: Sendable {
    public var dataDirectory: URL
    public var host: String
    public var port: Int
    /// The public URL of the site; absolute URLs (Location, feeds) start with it.
    public var baseURL: String
    public var presets: Presets
    public var limits: MediaLimits
    /// Threads for FFmpeg and libvips work; never Swift's cooperative pool.
    public var workerThreads: Int
    /// Threads for request-path work (upload inspection, sign-in hashing), apart from the media jobs'.
    public var requestThreads: Int = 2
    /// Serve uploaded photos with their location (the owner's choice); off by default.
    public var keepLocation = false
    /// Addresses of reverse proxies whose `Forwarded` or `X-Forwarded-For` is believed (for the sign-in throttle).
    public var trustedProxies: [String] = []
    /// The sign-in throttle's first wait and its ceiling, in seconds (see `SignInThrottle`).
    public var signInDelays: (first: TimeInterval, ceiling: TimeInterval) = (SignInThrottle.firstDelay, SignInThrottle.ceiling)
    /// Seconds after giving the passphrase during which the owner may approve a
    /// client without giving it again.
    public var consentReauthentication: TimeInterval = 300
    /// A connection that sends nothing for this long (mid-request or between
    /// requests) is closed; one being answered never is.
    public var idleTimeout: Duration = .seconds(30)
    /// Request bodies from senders without an `Authorization` header received at
    /// once; more are answered 503 before their body is read.
    public var maxUnauthenticatedBodies = 64
    /// Connections open at once; more are closed as they arrive.
    public var maxConnections = 1000
    public var siteTitle: String
    public var authorName: String
    public var logLevel: Logger.Level
    /// How often an idle worker looks for new jobs.
    public var jobPollInterval: Duration

    public init(
        dataDirectory: URL, host: String = "127.0.0.1", port: Int = 8080, baseURL: String? = nil,
        presets: Presets, limits: MediaLimits = MediaLimits(),
        workerThreads: Int = max(1, ProcessInfo.processInfo.activeProcessorCount),
        siteTitle: String = "Microcast", authorName: String = "Site owner", logLevel: Logger.Level = .info,
        jobPollInterval: Duration = .milliseconds(250)
    ) {
        self.dataDirectory = dataDirectory
        self.host = host
        self.port = port
        self.baseURL = baseURL ?? "http://\(host):\(port)"
        self.presets = presets
        self.limits = limits
        self.workerThreads = workerThreads
        self.siteTitle = siteTitle
        self.authorName = authorName
        self.logLevel = logLevel
        self.jobPollInterval = jobPollInterval
    }
}
