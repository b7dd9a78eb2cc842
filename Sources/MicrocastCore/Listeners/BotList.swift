import Foundation

/// User agents whose requests are not listeners (crawlers, monitors,
/// feed validators, link previewers), read from `Presets/bots.json`: each
/// entry a case-insensitive substring and the reason it is there, so the
/// list can be kept up by reading it.
public struct BotList: Sendable, Equatable {
    /// A substring of bots' user agents, and why it is on the list.
    public struct Entry: Sendable, Equatable, Codable {
        public var match: String
        public var reason: String

        public init(match: String, reason: String) {
            self.match = match
            self.reason = reason
        }
    }

    public var entries: [Entry]
    private let lowered: [String]

    public init(entries: [Entry] = []) {
        self.entries = entries
        lowered = entries.map { $0.match.lowercased() }
    }

    /// The entry the user agent matches, or nil for a listener's app.
    public func entry(matching userAgent: String) -> Entry? {
        let agent = userAgent.lowercased()
        return lowered.firstIndex { agent.contains($0) }.map { entries[$0] }
    }

    public func isBot(_ userAgent: String) -> Bool { entry(matching: userAgent) != nil }

    /// Reads `bots.json` from a presets folder.
    public static func load(from directory: URL) throws -> BotList {
        let file = directory.appendingPathComponent("bots.json")
        struct File: Decodable { var bots: [Entry] }
        do {
            return BotList(entries: try JSONDecoder().decode(File.self, from: Data(contentsOf: file)).bots)
        } catch {
            throw BotListError(message: "cannot load \(file.path): \(error)")
        }
    }

    public static func == (lhs: BotList, rhs: BotList) -> Bool { lhs.entries == rhs.entries }
}

/// `bots.json` missing or malformed, naming the file.
public struct BotListError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
