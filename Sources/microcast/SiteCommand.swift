import ArgumentParser
import Foundation
import MicrocastApp
import MicrocastCore

struct SiteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "site",
        abstract: "The site's title and author, as pages, feeds and episode tags show them.",
        subcommands: [Print.self, Set.self],
        defaultSubcommand: Print.self
    )

    struct Print: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "print", abstract: "Print the site's title, author and URL.")

        @OptionGroup var data: DataOptions

        func run() async throws {
            let site = try await data.withStore { try await SiteDirectory.recorded(in: $0).info() }
            print("title: \(site.title)\nauthor: \(site.authorName)\nurl: \(site.urls.home)")
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change the site's title or author; an empty value returns it to the default.")

        @OptionGroup var data: DataOptions
        @Option var title: String?
        @Option(help: "The owner's name, shown as the author of posts and, unless the show names one, of the podcast.")
        var author: String?

        func run() async throws {
            guard title != nil || author != nil else { throw ValidationError("name --title or --author") }
            try await data.withStore { try await SiteDirectory.recorded(in: $0).set(title: title, author: author) }
        }
    }
}
