import Foundation
import MicrocastCore
import NIOHTTP1

/// The AT Protocol's XRPC calls Microcast makes on the owner's PDS
/// (<https://docs.bsky.app/docs/api/>): sessions, blobs, records, and the
/// reads of a post's thread, likes and reposts. A session's tokens are
/// refreshed when the access token expires, and a new session is made from
/// the app password when the refresh token has run out too; the caller
/// saves `credentials` after each use.
package struct BlueskyClient: Sendable {
    let fetcher: SafeFetcher
    package var credentials: BlueskyCredentials
    package static let postCollection = "app.bsky.feed.post"

    package init(fetcher: SafeFetcher, credentials: BlueskyCredentials) {
        self.fetcher = fetcher
        self.credentials = credentials
    }

    static func xrpc(_ origin: URL, _ method: String, query: [URLQueryItem] = []) -> URL {
        origin.appendingPathComponent("xrpc/\(method)").adding(query)
    }

    static func call(_ fetcher: SafeFetcher, _ request: OutboundRequest, _ what: String) async throws -> FetchedResource {
        let answer: FetchedResource
        do {
            answer = try await fetcher.send(request)
        } catch let error as FetchError {
            throw NetworkRefusal.unavailable("\(what): \(error)")
        }
        return try NetworkRefusal.check(answer, what)
    }

    // MARK: Finding the account

    /// The handle's DID and its PDS: the handle resolved, its DID document read.
    package static func locate(handle: String, directory: ATProtoDirectory, fetcher: SafeFetcher) async throws -> (did: String, pds: URL) {
        struct Resolved: Decodable { var did: String }
        let resolved = try await call(
            fetcher,
            OutboundRequest(
                .GET,
                xrpc(directory.resolver, "com.atproto.identity.resolveHandle", query: [URLQueryItem(name: "handle", value: handle)])
            ),
            "resolving \(handle)"
        ).decode(Resolved.self, "resolving \(handle)")
        let documentURL: URL
        if resolved.did.hasPrefix("did:plc:") {
            documentURL = directory.plc.appendingPathComponent(resolved.did)
        } else if resolved.did.hasPrefix("did:web:"), let url = URL(string: "https://\(resolved.did.dropFirst(8))/.well-known/did.json") {
            documentURL = url
        } else {
            throw NetworkRefusal.rejected("\(handle) resolves to \(resolved.did), a kind of DID Microcast cannot read")
        }
        struct Document: Decodable {
            struct Service: Decodable {
                var id: String
                var serviceEndpoint: String
            }
            var service: [Service]?
        }
        let document = try await call(fetcher, OutboundRequest(.GET, documentURL), "reading \(resolved.did)").decode(
            Document.self,
            "reading \(resolved.did)"
        )
        guard let endpoint = document.service?.first(where: { $0.id == "#atproto_pds" || $0.id.hasSuffix("#atproto_pds") })?.serviceEndpoint,
            let pds = URL(string: endpoint)
        else { throw NetworkRefusal.rejected("\(resolved.did)'s document names no PDS") }
        return (resolved.did, pds)
    }

    struct Session: Decodable {
        var accessJwt: String
        var refreshJwt: String
        var handle: String
        var did: String
    }

    /// `com.atproto.server.createSession` with the app password.
    package static func signIn(handle: String, appPassword: String, pds: URL, fetcher: SafeFetcher) async throws -> BlueskyCredentials {
        struct Body: Encodable {
            var identifier: String
            var password: String
        }
        let session = try await call(
            fetcher,
            try .json(.POST, xrpc(pds, "com.atproto.server.createSession"), Body(identifier: handle, password: appPassword)),
            "signing in as \(handle)"
        ).decode(Session.self, "signing in")
        return BlueskyCredentials(
            handle: session.handle,
            did: session.did,
            pds: pds.absoluteString,
            appPassword: appPassword,
            accessJwt: session.accessJwt,
            refreshJwt: session.refreshJwt
        )
    }

    /// An unreadable address stays one: the fetcher refuses it with a reason.
    var pds: URL { URL(string: credentials.pds) ?? URL(fileURLWithPath: credentials.pds) }

    /// Runs `call` with the access token; on an expired one, refreshes the
    /// session (or signs in again) once and runs it again.
    mutating func authorized(
        _ request: @Sendable (_ token: String, _ pds: URL) throws -> OutboundRequest,
        _ what: String
    ) async throws -> FetchedResource {
        do {
            return try await Self.call(fetcher, try request(credentials.accessJwt, pds), what)
        } catch NetworkRefusal.credentials {
            try await renewSession()
            return try await Self.call(fetcher, try request(credentials.accessJwt, pds), what)
        }
    }

    /// `com.atproto.server.refreshSession`, else a new session from the app password.
    mutating func renewSession() async throws {
        let refresh = OutboundRequest(
            .POST,
            Self.xrpc(pds, "com.atproto.server.refreshSession"),
            headers: ["Authorization": "Bearer \(credentials.refreshJwt)"]
        )
        if let session = try? await Self.call(fetcher, refresh, "refreshing the session").decode(Session.self, "refreshing the session") {
            credentials.accessJwt = session.accessJwt
            credentials.refreshJwt = session.refreshJwt
            return
        }
        credentials = try await Self.signIn(handle: credentials.did, appPassword: credentials.appPassword, pds: pds, fetcher: fetcher)
    }

    /// A profile: the name and photo to list the account with.
    package struct Profile: Decodable, Sendable {
        package var did: String
        package var handle: String
        package var displayName: String?
        package var avatar: String?

        package var name: String { (displayName?.isEmpty == false ? displayName : nil) ?? handle }
        package var url: String { "https://bsky.app/profile/\(handle)" }
    }

    package mutating func profile(_ actor: String) async throws -> Profile {
        try await authorized(
            {
                OutboundRequest(
                    .GET,
                    Self.xrpc($1, "app.bsky.actor.getProfile", query: [URLQueryItem(name: "actor", value: actor)]),
                    headers: ["Authorization": "Bearer \($0)"]
                )
            },
            "reading the profile"
        ).decode(Profile.self, "reading the profile")
    }

    /// A handle's DID, for a mention's facet; nil if it names no one.
    package mutating func did(of handle: String) async throws -> String? {
        struct Resolved: Decodable { var did: String }
        let request = OutboundRequest(
            .GET,
            Self.xrpc(pds, "com.atproto.identity.resolveHandle", query: [URLQueryItem(name: "handle", value: handle)])
        )
        return try? await Self.call(fetcher, request, "resolving \(handle)").decode(Resolved.self, "resolving \(handle)").did
    }

    // MARK: Writing

    /// `com.atproto.repo.uploadBlob`: the blob's reference, as a record embeds it.
    package mutating func uploadBlob(file: URL, mimeType: String) async throws -> JSONValue {
        struct Uploaded: Decodable { var blob: JSONValue }
        return try await authorized(
            {
                OutboundRequest(
                    .POST,
                    Self.xrpc($1, "com.atproto.repo.uploadBlob"),
                    headers: ["Authorization": "Bearer \($0)", "Content-Type": mimeType],
                    body: .file(file),
                    timeout: .seconds(600)
                )
            },
            "uploading \(file.lastPathComponent)"
        ).decode(Uploaded.self, "uploading a blob").blob
    }

    /// A written record's address.
    package struct Written: Decodable, Sendable {
        package var uri: String
        package var cid: String
    }

    /// `com.atproto.repo.putRecord` under a key chosen before the first try:
    /// a retry writes the same record again, never a second post.
    package mutating func put(record: JSONValue, rkey: String) async throws -> Written {
        let body: JSONValue = .object([
            "repo": .string(credentials.did), "collection": .string(Self.postCollection), "rkey": .string(rkey), "record": record,
        ])
        return try await authorized(
            { try .json(.POST, Self.xrpc($1, "com.atproto.repo.putRecord"), body, headers: ["Authorization": "Bearer \($0)"]) },
            "writing the post"
        )
        .decode(Written.self, "writing the post")
    }

    /// `com.atproto.repo.deleteRecord`; one already gone counts as deleted.
    package mutating func delete(rkey: String) async throws {
        let body: JSONValue = .object(["repo": .string(credentials.did), "collection": .string(Self.postCollection), "rkey": .string(rkey)])
        _ = try await authorized(
            { try .json(.POST, Self.xrpc($1, "com.atproto.repo.deleteRecord"), body, headers: ["Authorization": "Bearer \($0)"]) },
            "deleting the post"
        )
    }

    /// Where people see a post: its page on bsky.app.
    package func page(rkey: String) -> String { "https://bsky.app/profile/\(credentials.handle)/post/\(rkey)" }
    /// The post's AT URI.
    package func atURI(rkey: String) -> String { "at://\(credentials.did)/\(Self.postCollection)/\(rkey)" }

    // MARK: Reading responses

    /// Someone, as threads, likes and reposts name them.
    package struct Actor: Decodable, Sendable {
        package var did: String
        package var handle: String
        package var displayName: String?
        package var avatar: String?

        package var name: String { (displayName?.isEmpty == false ? displayName : nil) ?? handle }
        package var url: String { "https://bsky.app/profile/\(handle)" }
    }

    /// A reply in a thread.
    package struct ThreadPost: Decodable, Sendable {
        package var uri: String
        package var author: Actor
        package var record: Record
        package var indexedAt: String?

        package struct Record: Decodable, Sendable {
            package var text: String
            package var createdAt: String?
        }

        /// Its page on bsky.app.
        package var page: String { "https://bsky.app/profile/\(author.handle)/post/\(uri.split(separator: "/").last.map(String.init) ?? "")" }
    }

    /// Every reply below the post, however deep (`app.bsky.feed.getPostThread`).
    package mutating func replies(to uri: String) async throws -> [ThreadPost] {
        struct Node: Decodable {
            var post: ThreadPost?
            var replies: [Node]?
        }
        struct Thread: Decodable { var thread: Node }
        let thread = try await read("app.bsky.feed.getPostThread", ["uri": uri, "depth": "20"], "reading replies")
            .decode(Thread.self, "reading replies").thread
        var found: [ThreadPost] = []
        var stack = thread.replies ?? []
        while let node = stack.popLast() {
            if let post = node.post { found.append(post) }
            stack.append(contentsOf: node.replies ?? [])
        }
        return found
    }

    /// Who liked the post (`app.bsky.feed.getLikes`), up to 100.
    package mutating func likes(of uri: String) async throws -> [Actor] {
        struct Like: Decodable { var actor: Actor }
        struct Likes: Decodable { var likes: [Like] }
        return try await read("app.bsky.feed.getLikes", ["uri": uri, "limit": "100"], "reading likes").decode(Likes.self, "reading likes")
            .likes.map(\.actor)
    }

    /// Who reposted it (`app.bsky.feed.getRepostedBy`), up to 100.
    package mutating func reposts(of uri: String) async throws -> [Actor] {
        struct Reposts: Decodable { var repostedBy: [Actor] }
        return try await read("app.bsky.feed.getRepostedBy", ["uri": uri, "limit": "100"], "reading reposts")
            .decode(Reposts.self, "reading reposts").repostedBy
    }

    /// An authorised XRPC query (a GET) on the PDS, which answers it or proxies it to the AppView.
    mutating func read(_ method: String, _ parameters: KeyValuePairs<String, String>, _ what: String) async throws -> FetchedResource {
        let query = parameters.map { URLQueryItem(name: $0.key, value: $0.value) }
        return try await authorized(
            { OutboundRequest(.GET, Self.xrpc($1, method, query: query), headers: ["Authorization": "Bearer \($0)"], maxAnswerBytes: 8 << 20) },
            what
        )
    }
}
