import ArgumentParser
import Foundation
import MicrocastCore
import MicrocastServer

/// `microcast stats`: the studio's Listeners page as tables on the terminal.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Episode downloads: per episode, per day for the last DAYS days, and per app.",
        discussion: "Counted by the IAB Podcast Measurement rules while `serve` runs; see README \"Listeners\"."
    )

    @OptionGroup var data: DataOptions
    @Option(help: "Days the daily table covers, ending today.") var days = 30

    func run() async throws {
        let stats = try await data.withStore { try await ListenerReport.stats(store: $0, today: Date(), days: days) }
        print(StatsTable.render(stats))
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
