import ArgumentParser
import Foundation
import Hummingbird
import Logging
import MediaKit
import MicrocastServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the web server and the media workers.")

    @OptionGroup var data: DataOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Option(name: .customLong("base-url"), help: "Public URL of the site (default http://HOST:PORT).") var baseURL: String?
    @Option(help: "Folder of encoding presets (default: the Presets/ folder found from here).") var presets: String?
    @Option(help: "Site title.") var title = "Microcast"
    @Option(help: "Largest upload accepted, in megabytes.") var maxUploadMB = 1024
    @Option(help: "Threads for media work (default: one per core).") var workers: Int?
    @Flag(help: "Serve uploaded photos with the location they were taken at (removed by default).") var keepLocation = false
    @Option(name: .customLong("trusted-proxy"), help: "Address of a reverse proxy whose Forwarded or X-Forwarded-For header names the visitor (repeatable).")
    var trustedProxies: [String] = []

    func run() async throws {
        let presetFolder = try Presets.locate(explicit: presets)
        var limits = MediaLimits()
        limits.maxUploadBytes = Int64(maxUploadMB) * 1_048_576
        var configuration = ServerConfiguration(
            dataDirectory: data.url, host: host, port: port, baseURL: baseURL,
            presets: try Presets.load(from: presetFolder), limits: limits, siteTitle: title)
        if let workers { configuration.workerThreads = max(1, workers) }
        configuration.keepLocation = keepLocation
        configuration.trustedProxies = trustedProxies
        if try await data.store().passphraseHash() == nil {
            FileHandle.standardError.write(Data(
                "microcast: no owner passphrase is set, so clients cannot sign in; run: microcast owner password --data \(data.data)\n".utf8))
        }
        let app = try await buildApplication(configuration)
        try await app.runService()
    }
}
