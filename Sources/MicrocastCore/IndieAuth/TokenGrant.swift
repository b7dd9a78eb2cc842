import Foundation

/// One approval as the owner sees it: its access and refresh tokens, and every
/// pair refreshed from them. Revoking any of its tokens revokes all of them.
public struct TokenGrant: Sendable, Equatable {
    /// Whether any token of the grant still works, and why not.
    public enum Status: String, Sendable { case active, expired, revoked }

    /// A token of the grant (its newest), by which it is revoked.
    public var id: Int64
    public var clientId: String?
    public var scope: ScopeSet
    public var created: Date
    /// When its last live token runs out; nil if one never does.
    public var expires: Date?
    public var status: Status
    /// Only a refresh token is live (the access token ran out): the client can still get a new one.
    public var isRefreshOnly: Bool
    /// When any of its tokens was last used.
    public var lastUsed: Date?

    /// `tokens` (any order) as grants, newest first.
    public static func group(_ tokens: [AccessToken], now: Date) -> [TokenGrant] {
        let byGrant = Dictionary(grouping: tokens) { $0.grant ?? "token-\($0.id ?? 0)" }
        return byGrant.values.compactMap { members -> TokenGrant? in
            let newest = members.max { ($0.id ?? 0) < ($1.id ?? 0) }
            guard let newest, let id = newest.id else { return nil }
            let live = members.filter { $0.isLive(at: now) }
            let status: Status = !live.isEmpty ? .active : members.contains { $0.revokedAt != nil } ? .revoked : .expired
            let expires =
                live.isEmpty
                ? members.compactMap(\.expiresAt).max()
                : live.contains { $0.expiresAt == nil } ? nil : live.compactMap(\.expiresAt).max()
            return TokenGrant(
                id: id,
                clientId: newest.clientId,
                scope: newest.scope,
                created: members.map(\.createdAt).min() ?? newest.createdAt,
                expires: expires,
                status: status,
                isRefreshOnly: !live.isEmpty && live.allSatisfy { $0.kind == .refresh },
                lastUsed: members.compactMap(\.lastUsedAt).max()
            )
        }
        .sorted { $0.id > $1.id }
    }
}
