import Foundation
import MicrocastCore

/// Finds the fediverse account an address names: `@name@host` through
/// WebFinger (RFC 7033), or a profile or actor URL that answers as an
/// ActivityPub actor when asked for `application/activity+json`.
struct FediverseAccounts: Sendable {
    let fetcher: SafeFetcher

    /// An account as following it needs: its id, inbox and name.
    struct Account: Sendable, Equatable {
        var id: String
        var inbox: String
        var name: String?
    }

    static let accept = #"application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams""#

    /// `name@host` (with or without the leading `@`), when `text` is a handle and not a URL.
    static func handle(_ text: String) -> (name: String, host: String)? {
        var trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.contains("/"), !trimmed.contains(":/") else { return nil }
        if trimmed.hasPrefix("@") { trimmed.removeFirst() }
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains(".") || parts[1].contains(":") else { return nil }
        return (String(parts[0]), String(parts[1]))
    }

    /// The account a handle names; throws when WebFinger does not name one.
    func account(handle: (name: String, host: String)) async throws -> Account {
        let resource = "acct:\(handle.name)@\(handle.host)"
        guard let query = resource.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))),
            let url = URL(string: "https://\(handle.host)/.well-known/webfinger?resource=\(query)")
        else { throw Following.Failure(description: "@\(handle.name)@\(handle.host) is not an address") }
        let answer = try await fetcher.get(url, accept: "application/jrd+json, application/json")
        guard (200..<300).contains(answer.status),
            let document = try? JSONDecoder().decode(JSONValue.self, from: Data(answer.body.readableBytesView)).objectValue,
            let link = document["links"]?.arrayValue?.compactMap(\.objectValue).first(where: { link in
                let type = link["type"]?.stringValue ?? ""
                return link["rel"]?.stringValue == "self" && (type.contains("activity+json") || type.contains("ld+json"))
            }),
            let href = link["href"]?.stringValue, let actor = URL(string: href)
        else {
            throw Following.Failure(description: "\(handle.host) does not know @\(handle.name) (WebFinger answered \(answer.status))")
        }
        guard let account = try await account(at: actor) else { throw Following.Failure(description: "\(href) is not a fediverse account") }
        return account
    }

    /// The actor at `url`, or nil when it answers with anything but an actor (a web page, a feed).
    func account(at url: URL) async throws -> Account? {
        let answer = try await fetcher.get(url, accept: Self.accept)
        guard (200..<300).contains(answer.status), answer.contentType.contains("json"),
            let actor = try? JSONDecoder().decode(JSONValue.self, from: Data(answer.body.readableBytesView)).objectValue,
            let id = actor["id"]?.stringValue, LinkPolicy.isRenderable(id),
            let inbox = (actor["endpoints"]?.objectValue?["sharedInbox"] ?? actor["inbox"])?.stringValue, LinkPolicy.isRenderable(inbox),
            ["Person", "Service", "Application", "Group", "Organization"].contains(actor["type"]?.stringValue ?? "")
        else { return nil }
        return Account(id: id, inbox: inbox, name: actor["name"]?.stringValue ?? actor["preferredUsername"]?.stringValue)
    }
}
