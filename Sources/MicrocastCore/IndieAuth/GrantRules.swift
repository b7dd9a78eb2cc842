import Foundation

/// The IndieAuth and OAuth rules for codes and grants, as plain functions the
/// token endpoint applies: how long things live, what a code is bound to,
/// which scopes an approval or a refresh may carry.
public enum GrantRules {
    public static let accessLifetime: TimeInterval = 14 * 86_400
    public static let refreshLifetime: TimeInterval = 365 * 86_400
    public static let codeLifetime: TimeInterval = 600

    /// Why a redeemed code cannot be used by this request, or nil when it can:
    /// a code is good only for the client, the redirect URI and the PKCE
    /// verifier it was issued for.
    public static func problem(redeeming code: AuthorizationCode, clientId: String, redirectURI: String, verifier: String) -> String? {
        if code.clientId != clientId { return "the code was issued to another client" }
        if code.redirectURI != redirectURI { return "redirect_uri does not match the request" }
        if !PKCE.verify(verifier: verifier, challenge: code.codeChallenge) { return "code_verifier does not match the code_challenge" }
        return nil
    }

    /// The scopes an approval grants: those asked for that the owner left ticked.
    public static func approved(requested: ScopeSet, ticked: [String]) -> ScopeSet {
        requested.intersection(ScopeSet(ticked.joined(separator: " ")))
    }

    /// The scopes a refresh may carry: a narrower set may be asked for, never a wider one.
    public static func refreshed(granted: ScopeSet, asked: String?) -> ScopeSet {
        guard let asked else { return granted }
        return granted.intersection(ScopeSet(asked))
    }
}
