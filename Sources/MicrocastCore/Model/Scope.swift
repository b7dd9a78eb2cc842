/// The permissions a token carries, as space-separated OAuth scope words.
public struct ScopeSet: Sendable, Equatable, CustomStringConvertible {
    public static let known: Set<String> = ["create", "update", "delete", "undelete", "media", "draft", "profile"]

    public private(set) var words: Set<String>

    public init(_ text: String) {
        words = Set(text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init))
    }

    public func contains(_ scope: String) -> Bool { words.contains(scope) }

    /// True when any one of `scopes` is held.
    public func containsAny(_ scopes: [String]) -> Bool { scopes.contains(where: words.contains) }

    public var unknownWords: [String] { words.subtracting(Self.known).sorted() }

    public var description: String { words.sorted().joined(separator: " ") }
}
