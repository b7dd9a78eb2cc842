/// A permission a token carries: the Micropub scopes and IndieAuth's own.
public enum Scope: String, Sendable, CaseIterable, Comparable, Codable {
    case create, update, delete, undelete, media, draft
    /// IndieAuth: the owner's profile (name, photo, URL) and e-mail address.
    case profile, email
    /// Microsub: reading the timeline (and marking it read), following and
    /// unfollowing, managing channels, muting and blocking.
    case read, follow, channels, mute, block
    /// Reading the server's metrics (`/metrics`) from elsewhere than its own machine.
    case metrics

    /// What Micropub and the media endpoint take: a reader's token is not one.
    public static let micropub: [Scope] = [.create, .update, .delete, .undelete, .media, .draft]

    public static func < (lhs: Scope, rhs: Scope) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The scopes of a token, a grant or a request, written as space-separated words.
public struct ScopeSet: Sendable, Equatable, CustomStringConvertible {
    public private(set) var scopes: Set<Scope>
    /// Words that name no scope we know (kept to say so; never granted).
    public private(set) var unknownWords: [String]

    /// Parses `create update media` (commas are taken as spaces too).
    public init(_ text: String) {
        var scopes = Set<Scope>()
        var unknown: [String] = []
        for word in text.split(whereSeparator: { $0 == " " || $0 == "," }) {
            if let scope = Scope(rawValue: String(word)) { scopes.insert(scope) } else { unknown.append(String(word)) }
        }
        self.scopes = scopes
        unknownWords = Array(Set(unknown)).sorted()
    }

    public init(_ scopes: some Sequence<Scope>) {
        self.scopes = Set(scopes)
        unknownWords = []
    }

    public var isEmpty: Bool { scopes.isEmpty }
    public var sorted: [Scope] { scopes.sorted() }

    public func contains(_ scope: Scope) -> Bool { scopes.contains(scope) }

    /// True when any one of `scopes` is held.
    public func containsAny(_ scopes: [Scope]) -> Bool { scopes.contains(where: self.scopes.contains) }

    /// The scopes held by both.
    public func intersection(_ other: ScopeSet) -> ScopeSet { ScopeSet(scopes.intersection(other.scopes)) }

    public var description: String { sorted.map(\.rawValue).joined(separator: " ") }
}

extension ScopeSet: Codable {
    /// As OAuth writes it: one string of space-separated words.
    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
