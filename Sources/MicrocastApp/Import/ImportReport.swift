import Foundation

/// What an import tells whoever watches it (a terminal's progress bar, the studio).
public enum ImportEvent: Sendable {
    /// The feed was read: `pending` of its `total` episodes are new here.
    case feedRead(show: String, total: Int, pending: Int)
    case episodeStarted(title: String)
    /// Bytes of recordings downloaded so far, across the whole import.
    case downloaded(bytes: Int64)
    case episodeFinished(title: String, outcome: ImportOutcome)
    /// Something left out that does not fail the episode (artwork that would not load, a transcript type we do not serve).
    case note(String)
}

/// An import's result, for its summary line and exit status.
public struct ImportSummary: Sendable, Equatable {
    /// An item that did not come in, and why.
    public struct Failure: Sendable, Equatable {
        public var title: String
        public var reason: String
    }

    /// What was imported, for the summary line: `episode`, `item`, `post`.
    public var noun = "item"
    public var imported = 0
    public var alreadyImported = 0
    public var failures: [Failure] = []
    public var notes: [String] = []

    public init() {}

    public var succeeded: Bool { failures.isEmpty }

    mutating func merge(_ other: ImportSummary) {
        imported += other.imported
        alreadyImported += other.alreadyImported
        failures += other.failures
        notes += other.notes
    }

    mutating func add(_ outcome: ImportOutcome, title: String) {
        switch outcome {
        case .imported: imported += 1
        case .alreadyImported: alreadyImported += 1
        case .failed(let reason): failures.append(Failure(title: title, reason: reason))
        }
    }

    /// `12 episodes imported, 30 already here, 1 failed:` then one line per failure.
    public var text: String {
        var line = "\(imported) \(noun)\(imported == 1 ? "" : "s") imported, \(alreadyImported) already here"
        if !failures.isEmpty { line += ", \(failures.count) failed:" }
        return ([line] + failures.map { "  \($0.title): \($0.reason)" }).joined(separator: "\n")
    }
}

/// Why an import did not start.
public enum ImportRefusal: Error, Equatable, CustomStringConvertible {
    case feed(String)
    /// `<podcast:locked>yes</podcast:locked>`, and no matching `--owner-email`
    /// (`namesOwner`: the lock names an owner's address to match).
    case locked(namesOwner: Bool, given: String?)

    public var description: String {
        switch self {
        case .feed(let reason): reason
        case .locked(let namesOwner, let given):
            """
            the feed is locked (<podcast:locked>yes</podcast:locked>): its owner asked that no other platform import it, \
            and the podcast namespace asks new hosts to refuse such a feed. Unlock it at the current host (a setting often \
            called "locked" or "allow import"), then import again\(namesOwner ? "; or, as its owner, confirm with --owner-email and the address the lock names" : "")\
            \(given.map { ". The e-mail given (\($0)) is not the feed's owner" } ?? "")
            """
        }
    }
}
