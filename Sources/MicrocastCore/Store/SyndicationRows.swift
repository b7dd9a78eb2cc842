import Foundation

/// An account as both stores keep it: plain columns, the structured parts as JSON text.
public struct SyndicationAccountColumns: Sendable, Equatable {
    public var uid: String
    public var service: String
    public var name: String
    public var user: String
    public var credentials: String
    public var reconnectReason: String?
    /// Post kinds, comma-separated.
    public var defaults: String
    public var limits: String?
    public var connectedAt: Date

    public init(
        uid: String,
        service: String,
        name: String,
        user: String,
        credentials: String,
        reconnectReason: String?,
        defaults: String,
        limits: String?,
        connectedAt: Date
    ) {
        self.uid = uid
        self.service = service
        self.name = name
        self.user = user
        self.credentials = credentials
        self.reconnectReason = reconnectReason
        self.defaults = defaults
        self.limits = limits
        self.connectedAt = connectedAt
    }

    public init(_ account: SyndicationAccount) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        uid = account.uid
        service = account.service.rawValue
        name = account.name
        user = String(decoding: try encoder.encode(account.user), as: UTF8.self)
        credentials = String(decoding: try encoder.encode(account.credentials), as: UTF8.self)
        if case .reconnect(let reason) = account.status { reconnectReason = reason } else { reconnectReason = nil }
        defaults = PostKind.allCases.filter { account.defaults.contains($0) }.map(\.rawValue).joined(separator: ",")
        limits = try account.limits.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        connectedAt = account.connectedAt
    }

    public func account() throws -> SyndicationAccount {
        let decoder = JSONDecoder()
        guard let service = SyndicationService(rawValue: service) else { throw StoreError("unknown network \(service) for \(uid)") }
        return SyndicationAccount(
            uid: uid,
            service: service,
            name: name,
            user: try decoder.decode(SyndicationUser.self, from: Data(user.utf8)),
            credentials: try decoder.decode(SyndicationCredentials.self, from: Data(credentials.utf8)),
            status: reconnectReason.map { .reconnect(reason: $0) } ?? .connected,
            defaults: Set(defaults.split(separator: ",").compactMap { PostKind(rawValue: String($0)) }),
            limits: try limits.map { try decoder.decode(NetworkLimits.self, from: Data($0.utf8)) },
            connectedAt: connectedAt
        )
    }
}

extension SyndicationCopy {
    /// `replacedURLs` as both stores keep it.
    public var replacedURLsText: String {
        String(decoding: (try? JSONEncoder().encode(replacedURLs)) ?? Data("[]".utf8), as: UTF8.self)
    }

    public static func replacedURLs(fromText text: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }
}
