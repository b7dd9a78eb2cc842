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
    @Option(
        help:
            "Write everything instead (posts in every state, media originals, settings, responses, redirects) as one file that `microcast import archive` reads back."
    )
    var archive: String?
    @Argument(help: "The folder to write; replaced as a whole when the export is complete.") var output: String?

    func validate() throws {
        guard (archive == nil) != (output == nil) else { throw ValidationError("name either the folder to write or --archive FILE") }
    }

    func run() async throws {
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
        if let archive {
            let file = URL(fileURLWithPath: archive).standardizedFileURL
            let progress = FileProgress(verb: "writing")
            let written: SiteArchive.Summary
            do {
                written = try await SiteArchive.write(
                    store: services.store,
                    library: services.library,
                    site: try await services.site.info(),
                    to: file
                ) { progress.show($0, $1) }
            } catch {
                progress.end()
                await services.shutdown()
                throw error
            }
            progress.end()
            await services.shutdown()
            print("archived \(written.posts) posts and \(written.files) files (\(written.bytes / 1_000_000) MB) in \(file.path)")
            return
        }
        let target = URL(fileURLWithPath: output ?? "", isDirectory: true).standardizedFileURL
        let summary = try await SiteExport.write(services, to: target)
        await services.shutdown()
        print("wrote \(summary.pages) pages and feeds and \(summary.mediaFiles) media files to \(target.path)")
        for path in summary.refusedPaths {
            FileHandle.standardError.write(Data("left out \(path): its name cannot be a file inside the export\n".utf8))
        }
    }
}
