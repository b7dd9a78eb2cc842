import Foundation
import MicrocastCore
import NIOHTTP1

/// Requests to other fediverse servers, signed with the site's key (HTTP
/// Signatures over `(request-target)`, `host`, `date` and `digest`), through
/// the safe fetcher.
package struct ActivitySender: Sendable {
    let fetcher: SafeFetcher
    let identity: FediverseIdentity

    package init(fetcher: SafeFetcher, identity: FediverseIdentity) {
        self.fetcher = fetcher
        self.identity = identity
    }

    /// POSTs an activity to an inbox; the answer whatever its status.
    package func post(_ activity: JSONValue, to inbox: URL) async throws -> FetchedResource {
        let body = try JSONEncoder().encode(activity)
        var headers = try await signed("POST", inbox, body: body)
        headers["Content-Type"] = ActivityStreams.contentType
        return try await fetcher.send(OutboundRequest(.POST, inbox, headers: headers, body: .bytes(body), timeout: .seconds(30)))
    }

    /// A signed GET of an ActivityStreams document (servers in secure mode want one).
    package func get(_ url: URL) async throws -> FetchedResource {
        var headers = try await signed("GET", url, body: nil)
        headers["Accept"] = #"application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams""#
        return try await fetcher.send(OutboundRequest(.GET, url, headers: headers, maxAnswerBytes: 1 << 20))
    }

    func signed(_ method: String, _ url: URL, body: Data?) async throws -> [String: String] {
        let settings = try await identity.settings()
        guard let key = settings.privateKey else { throw FetchError.failed("the site has no key pair") }
        var headers = ["Host": (url.host ?? "") + (url.port.map { ":\($0)" } ?? ""), "Date": HTTPDate.format(Date())]
        if let body { headers["Digest"] = HTTPSignature.digest(body) }
        let path = url.path.isEmpty ? "/" : url.path + (url.query.map { "?" + $0 } ?? "")
        headers["Signature"] = try HTTPSignature.sign(method: method, path: path, headers: headers, keyId: identity.urls.actorKey, privateKeyPEM: key)
        return headers
    }
}
