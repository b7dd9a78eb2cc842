import ArgumentParser
import Foundation
import MicrocastServer

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the published site (pages, feeds, media) as plain files for any static web server or CDN.")

    @OptionGroup var data: DataOptions
    @Option(name: .customLong("base-url"), help: "Public URL the files will be served from (default: the one `serve` last ran with).")
    var baseURL: String?
    @Option(help: "Site title.") var title = "Microcast"
    @Argument(help: "The folder to write; replaced as a whole when the export is complete.") var output: String

    func run() async throws {
        let target = URL(fileURLWithPath: output, isDirectory: true).standardizedFileURL
        let summary = try await SiteExport.write(dataDirectory: data.url, to: target, baseURL: baseURL, siteTitle: title)
        print("wrote \(summary.pages) pages and feeds and \(summary.mediaFiles) media files to \(target.path)")
        for path in summary.refusedPaths {
            FileHandle.standardError.write(Data("left out \(path): its name cannot be a file inside the export\n".utf8))
        }
    }
}
