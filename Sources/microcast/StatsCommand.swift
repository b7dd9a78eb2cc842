import ArgumentParser
import Foundation
import MicrocastApp
import MicrocastCore

/// `microcast stats`: the studio's Listeners page as tables on the terminal,
/// and the stats prefix for a site a CDN serves.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Episode downloads, and the stats prefix for a site served from a CDN.",
        discussion: "Counted by the IAB Podcast Measurement rules while `serve` runs; see docs/listeners.md.",
        subcommands: [Show.self, Prefix.self],
        defaultSubcommand: Show.self
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Downloads per episode (first 7 days, first 30 days, all time), per day, and per app."
        )
        @OptionGroup var data: DataOptions
        @Option(help: "Days the daily table covers, ending today.") var days = 30

        func run() async throws {
            let stats = try await data.withStore { try await ListenerReport.stats(store: $0, today: Date(), days: days) }
            print(StatsTable.render(stats))
        }
    }

    struct Prefix: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Switch the stats prefix: enclosures of episodes published while it is on go through COUNTER/dl/, which counts and redirects.",
            subcommands: [On.self, Off.self]
        )

        struct On: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "From now on, new episodes' enclosures go through the prefix.")
            @OptionGroup var data: DataOptions
            @Option(help: "The counting server's public base URL (the one running `serve`).") var counter: String
            @Option(help: "Where /dl/ sends listeners: the files' base URL (the CDN's); default: the counting server itself.")
            var files: String?

            func run() async throws {
                try await data.withStore { store in
                    let current = StatsPrefix(settings: try await store.settings())
                    try await store.setSettings(StatsPrefix.switchedOn(current, counter: counter, files: files, at: Date()))
                }
                print("stats prefix on: episodes published from now on are enclosed as \(counter)/dl/…; earlier ones keep their URLs")
            }
        }

        struct Off: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "New episodes' enclosures are plain again; those published while it was on keep the prefix."
            )
            @OptionGroup var data: DataOptions

            func run() async throws {
                let done = try await data.withStore { store -> Bool in
                    guard let current = StatsPrefix(settings: try await store.settings()), current.isOn else { return false }
                    try await store.setSettings(StatsPrefix.switchedOff(current, at: Date()))
                    return true
                }
                print(done ? "stats prefix off: episodes published while it was on keep their /dl/ URLs" : "the stats prefix was not on")
            }
        }
    }
}

/// Plain aligned tables, for reading on a terminal or pasting into a note.
enum StatsTable {
    static func render(_ stats: ListenerStats) -> String {
        var out: [String] = []
        out.append("EPISODES")
        out += table(
            ["episode", "published", "first 7 days", "first 30 days", "all time"],
            stats.episodes.map {
                [$0.title, DownloadTally.day(of: $0.published), String($0.firstWeek), String($0.firstMonth), String($0.allTime)]
            }
        )
        out.append("")
        out.append("PER DAY")
        out += table(["day", "downloads"], stats.days.map { [$0.day, String($0.downloads)] })
        out.append("")
        out.append("BY APP")
        out += table(["app", "downloads"], stats.apps.map { [$0.app.displayName, String($0.downloads)] })
        out.append("")
        out.append("total: \(stats.total)")
        return out.joined(separator: "\n")
    }

    /// Columns padded to their widest cell; numbers right-aligned.
    static func table(_ header: [String], _ rows: [[String]]) -> [String] {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return column > 0 && Int(cell) != nil ? pad + cell : cell + pad
            }.joined(separator: "  ")
        }
    }
}
