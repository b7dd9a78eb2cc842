import ArgumentParser
import Foundation
import MediaKit
import MediaModel
import MicrocastApp
import MicrocastCore

struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "The podcast show: title, description, artwork and the rest of the feed's channel.",
        subcommands: [Print.self, Set.self, Move.self],
        defaultSubcommand: Print.self
    )

    struct Print: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "print", abstract: "Print the show's settings, defaults included.")

        @OptionGroup var data: DataOptions
        @Option(name: .customLong("base-url"), help: "The site's public URL (default: the one serve last ran with).") var baseURL: String?

        func run() async throws {
            let show = try await data.withStore { store in
                let site = try await SiteDirectory.recorded(in: store, baseURL: baseURL).info()
                return ShowSettings(stored: try await store.settings(), site: site)
            }
            let rows: [(String, String)] = [
                ("title", show.title), ("description", show.description), ("author", show.author), ("email", show.email),
                ("language", show.language), ("category", show.category), ("subcategory", show.subcategory),
                ("explicit", String(show.explicit)), ("type", show.type), ("artwork", show.artwork ?? "(generated title card)"),
                ("website", show.website), ("funding-url", show.fundingURL), ("funding-text", show.fundingText),
                ("guid", show.guid), ("locked", show.locked ? "yes" : "no"),
                ("moved-to", show.movedTo.map { $0 + (show.redirectsFeed ? " (the feed redirects there)" : "") } ?? "(not moved)"),
            ]
            for (name, value) in rows { print("\(name): \(value)") }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change show settings; an empty value returns a setting to its default."
        )

        @OptionGroup var data: DataOptions
        @Option var title: String?
        @Option var description: String?
        @Option(help: "The host's name, shown as the podcast's author and owner.") var author: String?
        @Option(help: "The owner's e-mail, for podcast directories (itunes:owner).") var email: String?
        @Option(help: "An ISO 639 language code, for example en or de.") var language: String?
        @Option(help: "An Apple Podcasts category, for example Technology.") var category: String?
        @Option(help: "An Apple Podcasts subcategory of that category.") var subcategory: String?
        @Option(help: "true or false.") var explicit: String?
        @Option(help: "episodic or serial.") var type: String?
        @Option(help: "An image file: made into a square sRGB JPEG of 1400 to 3000 pixels.") var artwork: String?
        @Option(help: "The show's website (default: the site's home page).") var website: String?
        @Option(name: .customLong("funding-url"), help: "A page where listeners can support the show.") var fundingURL: String?
        @Option(name: .customLong("funding-text")) var fundingText: String?
        @Option(help: "yes or no: whether other platforms may import the feed.") var locked: String?

        func validate() throws {
            if let explicit, !["true", "false", ""].contains(explicit) { throw ValidationError("--explicit is true or false") }
            if let type, !["episodic", "serial", ""].contains(type) { throw ValidationError("--type is episodic or serial") }
            if let locked, !["yes", "no", ""].contains(locked) { throw ValidationError("--locked is yes or no") }
        }

        func run() async throws {
            var values: [SettingKey: String?] = [:]
            let given: [(ShowSettings.Key, String?)] = [
                (.title, title), (.description, description), (.author, author), (.email, email), (.language, language),
                (.category, category), (.subcategory, subcategory), (.explicit, explicit), (.type, type), (.website, website),
                (.fundingURL, fundingURL), (.fundingText, fundingText), (.locked, locked),
            ]
            for case let (key, value?) in given { values[.show(key)] = value.isEmpty ? String?.none : value }
            if let artwork {
                let jpeg: Data
                do {
                    jpeg = try ShowArtwork.make(from: artwork)
                } catch {
                    throw ValidationError("\(artwork): \(error.description)")
                }
                values[.show(.artwork)] = try await data.withStore { store in
                    let library = try await MediaLibrary.opened(root: data.url, settings: store)
                    let name = try library.writeRendition(jpeg, stem: "show-artwork", fileExtension: "jpg")
                    try await library.keep(.rendition(name), contentType: "image/jpeg")
                    return name
                }
            }
            guard !values.isEmpty else { throw ValidationError("name at least one setting to change") }
            try await data.withStore { try await $0.setSettings(values) }
        }
    }

    struct Move: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "move",
            abstract: "Move the show to another host, in two steps, the way Apple Podcasts and the podcast namespace describe.",
            discussion: """
                Step one (--to URL): the feed says where the show is going (<itunes:new-feed-url>) and unlocks itself \
                (<podcast:locked>no</podcast:locked>), so the new host may import it while it is still served here. \
                Step two (--to URL --redirect), once the new host has every episode: the feed answers 301 to the new \
                address, which apps and directories follow and keep. --cancel undoes both; the lock is then the owner's \
                again (microcast show set --locked yes).
                """
        )

        @OptionGroup var data: DataOptions
        @Option(help: "The show's feed URL at its new host.") var to: String?
        @Flag(help: "Step two: the feed answers 301 to the new address.") var redirect = false
        @Flag(help: "Stay: no new-feed-url, no redirect.") var cancel = false

        func validate() throws {
            if cancel {
                guard to == nil, !redirect else { throw ValidationError("--cancel takes nothing else") }
                return
            }
            guard let to, let url = URL(string: to), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw ValidationError("--to takes the new feed's http or https URL")
            }
        }

        func run() async throws {
            if cancel {
                try await data.withStore { try await $0.setSettings([.showMovedTo: nil, .showMoveRedirects: nil]) }
                print("The show stays: the feed no longer names a new address or redirects.")
                return
            }
            let target = to ?? ""
            try await data.withStore { store in
                try await store.setSettings([.showMovedTo: target, .showMoveRedirects: redirect ? "yes" : nil, .show(.locked): "no"])
            }
            if redirect {
                print("The podcast feed now answers 301 to \(target). Keep this site answering for a few weeks, until apps have followed.")
            } else {
                print(
                    "The feed now names \(target) as its new address and is unlocked for the new host to import. Once the new host has every episode (same guids), run this again with --redirect."
                )
            }
        }
    }
}
