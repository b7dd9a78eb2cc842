import ArgumentParser
import Foundation
import MicrocastApp

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the published site (pages, feeds, media) as plain files for any static web server or CDN."
    )

    @OptionGroup var data: DataOptions
    @OptionGroup var presets: PresetOptions
    @Option(name: .customLong("base-url"), help: "Public URL the files will be served from (default: the one `serve` last ran with).")
    var baseURL: String?
    @Option(help: "The site's title (stored, as `serve --title` does).") var title: String?
    @Argument(help: "The folder to write; replaced as a whole when the export is complete.") var output: String

    func run() async throws {
        let target = URL(fileURLWithPath: output, isDirectory: true).standardizedFileURL
        let services = try await MicrocastServices.start(
            ServiceConfiguration(
                dataDirectory: data.url,
                database: try data.location(),
                baseURL: baseURL,
                presets: try presets.load(),
                workerThreads: 1,
                siteTitle: title
            )
        )
        let summary = try await SiteExport.write(services, to: target)
        await services.shutdown()
        print("wrote \(summary.pages) pages and feeds and \(summary.mediaFiles) media files to \(target.path)")
        for path in summary.refusedPaths {
            FileHandle.standardError.write(Data("left out \(path): its name cannot be a file inside the export\n".utf8))
        }
    }
}
