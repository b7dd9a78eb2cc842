import ArgumentParser
import Foundation
import Hummingbird
import Logging
import MediaModel
import MediaSandbox
import MicrocastApp
import MicrocastCore
import MicrocastHTTP

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the web server and the media workers.")

    @OptionGroup var data: DataOptions
    @OptionGroup var presets: PresetOptions
    @OptionGroup var syndication: SyndicationOptions
    @OptionGroup var transcription: TranscriptionOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Option(name: .customLong("base-url"), help: "Public URL of the site (default http://HOST:PORT).") var baseURL: String?
    @Option(help: "The site's title (stored: later runs and other commands keep it).") var title: String?
    @Option(help: "The author's name shown on pages and in feeds (stored).") var author: String?
    @Option(help: "Largest upload accepted, in megabytes.") var maxUploadMB = 1024
    @Option(help: "Threads for media jobs (default: one per core; 0 answers requests only).") var workers: Int?
    @Flag(help: "Serve uploaded photos with the location they were taken at (removed by default).") var keepLocation = false
    @Option(
        name: .customLong("trusted-proxy"),
        help: "Address of a reverse proxy whose Forwarded or X-Forwarded-For header names the visitor (repeatable)."
    )
    var trustedProxies: [String] = []
    @Flag(
        name: .customLong("allow-private-fetch"),
        help:
            "Let outbound fetches (Webmentions, authors' photos) reach loopback and private addresses. For tests of several instances on one machine; never on a public server."
    )
    var allowPrivateFetch = false
    @Flag(
        name: .customLong("no-listener-counts"),
        help: "Do not count episode downloads (docs/listeners.md); for measuring what counting costs."
    )
    var noListenerCounts = false
    @Option(
        name: .customLong("media-store"),
        help: """
            Where media files are kept: local (the data folder) or s3://BUCKET[/PREFIX]?endpoint=URL&region=REGION&path-style=true, \
            with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or ~/.aws/credentials). Stored: every process of the site uses it. \
            A site with media moves with `microcast media move`.
            """
    )
    var mediaStore: String?
    @Option(
        name: .customLong("media-base-url"),
        help: """
            With media in a bucket: the address where a CDN (or the bucket's public address) serves its public/ and \
            renditions/ objects; media URLs then redirect there (counted as downloads). Never make originals/ public.
            """
    )
    var mediaBaseURL: String?
    @Option(
        help: """
            Child processes that inspect uploads, each in a sandbox (no network, memory and CPU limits), so a \
            decoder that a file crashes costs a child, not the server; media jobs get one more child per worker \
            thread. 0 decodes everything in this process (not for production).
            """
    )
    var mediaChildren = 2

    func run() async throws {
        var limits = MediaLimits()
        limits.maxUploadBytes = Int64(maxUploadMB) * 1_048_576
        var services = ServiceConfiguration(
            dataDirectory: data.url,
            database: try data.location(),
            baseURL: baseURL ?? "http://\(host):\(port)",
            presets: try presets.load(),
            limits: limits,
            keepLocation: keepLocation,
            siteTitle: title,
            authorName: author
        )
        if let workers { services.workerThreads = max(0, workers) }
        if mediaChildren > 0 { services.mediaChildren = .thisExecutable(size: mediaChildren) }
        do {
            services.mediaStore = try mediaStore.map { try MediaStoreLocation(parsing: $0) }
        } catch {
            throw ValidationError("\(error)")
        }
        services.allowPrivateFetch = allowPrivateFetch
        services.bots = try presets.bots()
        services.countListeners = !noListenerCounts
        services.transcriber = transcription.transcriber
        syndication.apply(to: &services)
        var configuration = ServerConfiguration(services: services, host: host, port: port)
        configuration.trustedProxies = trustedProxies
        if let mediaBaseURL {
            guard let url = URL(string: mediaBaseURL), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ValidationError("--media-base-url must be an http(s) address, not \(mediaBaseURL)")
            }
            configuration.mediaBaseURL = mediaBaseURL
        }
        if try await data.withStore({ try await $0.passphraseHash() }) == nil {
            FileHandle.standardError.write(
                Data(
                    "microcast: no owner passphrase is set, so clients cannot sign in; run: microcast owner password --data \(data.data)\n".utf8
                )
            )
        }
        configuration.bootstrapProcessMetrics()
        let app = try await buildApplication(configuration)
        try await app.runService()
    }
}
