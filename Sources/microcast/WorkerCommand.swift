import ArgumentParser
import Foundation
import Logging
import MediaSandbox
import MicrocastApp
import ServiceLifecycle

/// `microcast worker`: media jobs only, no HTTP. Several run beside one
/// `serve --workers 0`, on this machine or others, sharing the store
/// (PostgreSQL) and the data folder (a shared disk, at the same path).
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run media jobs only (no HTTP), beside `serve --workers 0` and other workers.",
        discussion: """
            Every process must see the same data folder at the same path (a shared disk or NFS). A worker that cannot find an original says so in the job's reason and leaves it to be retried, nothing is lost. Stopped with SIGTERM or Ctrl-C, a worker hands its running jobs back to the queue; killed outright, its jobs are taken by another worker when their lease runs out.
            """
    )

    @OptionGroup var data: DataOptions
    @OptionGroup var presets: PresetOptions
    @OptionGroup var syndication: SyndicationOptions
    @OptionGroup var transcription: TranscriptionOptions
    @Option(help: "Jobs run at once (default: one per core).") var threads: Int?
    @Option(help: "Seconds a job stays with a worker that stops answering before another worker takes it.") var lease: Double = 120
    @Flag(name: .customLong("allow-private-fetch"), help: "Let Webmention fetches reach loopback and private addresses (tests only).")
    var allowPrivateFetch = false
    @Flag(help: "Decode media in this process instead of sandboxed child processes (not for production).")
    var noMediaChildren = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        guard lease >= 3 else { throw ValidationError("--lease must be at least 3 seconds") }
    }

    func run() async throws {
        let logger = Logger(label: "microcast.worker")
        var configuration = ServiceConfiguration(
            dataDirectory: data.url,
            database: try data.location(),
            presets: try presets.load(),
            workerThreads: threads ?? max(1, ProcessInfo.processInfo.activeProcessorCount),
            jobLease: lease
        )
        configuration.allowPrivateFetch = allowPrivateFetch
        // The children that strangers' author photos are decoded in; the
        // media jobs get their own pool, one child per job thread.
        if !noMediaChildren { configuration.mediaChildren = .thisExecutable(size: 1) }
        configuration.transcriber = transcription.transcriber
        syndication.apply(to: &configuration)
        let services = try await MicrocastServices.start(configuration, logger: logger)
        logger.info("worker started", metadata: ["database": "\(services.configuration.database)", "data": "\(data.url.path)"])
        let group = ServiceGroup(services: services.workerServices, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}
