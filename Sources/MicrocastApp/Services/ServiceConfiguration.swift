import Foundation
import Logging
import MediaModel
import MediaSandbox
import MicrocastCore

/// What every Microcast process is built from: where its data lives, how it
/// processes media and under which URL it publishes. `serve`, `worker`,
/// `ingest`, `watch`, `export` and the tests all fill one in and hand it to
/// `MicrocastServices.start`.
public struct ServiceConfiguration: Sendable {
    /// Originals, renditions and uploads in progress.
    public var dataDirectory: URL
    /// The store; by default the data folder's SQLite file.
    public var database: DatabaseLocation
    /// Where media files are kept (`--media-store`); nil: where the site's setting says (the folder if unset).
    public var mediaStore: MediaStoreLocation?
    /// The most connections this process opens to PostgreSQL (one of them listens for queued jobs).
    public var databaseConnections: Int
    /// The public URL posts are written under; nil: the one `serve` last ran with, else `http://127.0.0.1:8080`.
    public var baseURL: String?
    /// This process is the site, answering at `baseURL` (`serve`): the URL is
    /// recorded as current, for every other command to take.
    public var servesSite = false
    /// This process writes posts (`ingest`, `watch`), whose media URLs are
    /// absolute: the base it writes under joins the site's history even when
    /// it is only the default, so a later `serve` still knows those URLs as ours.
    public var writesPosts = false
    public var presets: Presets
    public var limits: MediaLimits
    /// Media jobs run at once (0: this process runs none); they run on `ImageThreads.jobs`.
    public var workerThreads: Int
    /// Serve uploaded photos with their location (the owner's choice); off by default.
    public var keepLocation: Bool
    /// Given on the command line, these replace the stored site title and author name.
    public var siteTitle: String?
    public var authorName: String?
    /// How often an idle worker looks for new jobs.
    public var jobPollInterval: Duration
    /// How long a job stays with a worker that stopped renewing its lease
    /// (a process on another machine that died) before another worker takes it.
    public var jobLease: TimeInterval
    /// The longest one media job may run before it is stopped and tried again later.
    public var jobTimeLimit: Duration
    public var logLevel: Logger.Level
    /// FFmpeg's own messages on standard error, for diagnosis.
    public var verboseFFmpeg: Bool
    /// Lets outbound fetches reach loopback and private addresses: for tests of
    /// several instances on one machine only, never on a public server.
    public var allowPrivateFetch = false
    /// Received Webmentions verified at once (none with no media threads: this
    /// process does no background work). Each waits on a different sender.
    public var verificationLoops = 8
    /// Posts whose Webmentions are sent at once, apart from verification.
    public var sendingLoops = 2
    /// Copies on other networks, and reads of their responses, at once.
    public var networkLoops = 4
    /// When a copy's responses are read: the first look, the longest wait, the period.
    public var backfeed = BackfeedSchedule()
    /// Where AT Protocol handles and DIDs are resolved.
    public var atprotoDirectory = ATProtoDirectory()
    /// Episode downloads are counted (docs/listeners.md); off only to measure what counting costs.
    public var countListeners = true
    /// User agents that are not listeners (`Presets/bots.json`).
    public var bots = BotList()
    /// Listeners on their way to a download held in memory at once (`DownloadTally.maxListeners`).
    public var listenerTableSize = 200_000
    /// How often counted downloads are written.
    public var listenerFlushInterval: Duration = .seconds(60)
    /// The time downloads are counted at: the clock, except in tests of "the next day".
    public var listenerClock: @Sendable () -> Date = { Date() }
    /// How episodes and videos are transcribed (`--transcribe-model`, `--transcriber-python`);
    /// `TranscriptionModel.off` queues no transcripts.
    public var transcriber = Transcriber(model: .bundled)
    /// Sandboxed child processes that inspect uploads (`serve`); nil inspects in this process.
    public var mediaChildren: MediaChildPool.Configuration?
    /// Where requests, jobs and fetches are counted; `serve` gives a Prometheus registry.
    public var metrics: ServiceMetrics = .none
    /// The time scheduled posts are published by: the clock, except in tests that move it on.
    public var schedulerClock: @Sendable () -> Date = { Date() }

    public init(
        dataDirectory: URL,
        database: DatabaseLocation? = nil,
        databaseConnections: Int = 8,
        baseURL: String? = nil,
        presets: Presets,
        limits: MediaLimits = MediaLimits(),
        workerThreads: Int = max(1, ProcessInfo.processInfo.activeProcessorCount),
        keepLocation: Bool = false,
        siteTitle: String? = nil,
        authorName: String? = nil,
        jobPollInterval: Duration = .milliseconds(250),
        jobLease: TimeInterval = 120,
        jobTimeLimit: Duration = .seconds(4 * 3600),
        logLevel: Logger.Level = .info,
        verboseFFmpeg: Bool = ProcessInfo.processInfo.environment["MICROCAST_FFMPEG_LOG"] != nil
    ) {
        self.dataDirectory = dataDirectory
        self.database = database ?? .embedded(in: dataDirectory)
        self.databaseConnections = databaseConnections
        self.baseURL = baseURL
        self.presets = presets
        self.limits = limits
        self.workerThreads = workerThreads
        self.keepLocation = keepLocation
        self.siteTitle = siteTitle
        self.authorName = authorName
        self.jobPollInterval = jobPollInterval
        self.jobLease = jobLease
        self.jobTimeLimit = jobTimeLimit
        self.logLevel = logLevel
        self.verboseFFmpeg = verboseFFmpeg
    }
}
