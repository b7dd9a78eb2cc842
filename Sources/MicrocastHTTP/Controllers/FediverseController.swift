import Foundation
import Hummingbird
import MicrocastApp
import MicrocastCore
import NIOCore

/// The site as a fediverse account: WebFinger finds it (`@NAME@host`),
/// NodeInfo describes the server, `/actor` is the account itself, with its
/// outbox and followers paged (the followers listed for the owner only).
struct FediverseController: Sendable {
    let identity: FediverseIdentity
    let authenticator: Authenticator
    /// Checks signed GETs in secure mode.
    let inbox: FediverseInbox

    func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.get("/.well-known/webfinger") { request, _ in try await webfinger(request) }
        router.get("/.well-known/nodeinfo") { _, _ in
            Self.json(
                .object([
                    "links": .array([
                        .object(["rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": .string(identity.urls.base + "/nodeinfo/2.1")])
                    ])
                ]),
                type: "application/json"
            )
        }
        router.get("/nodeinfo/2.1") { _, _ in try await nodeInfo() }
        router.get("/actor") { _, _ in Self.json(try await identity.actor()) }
        // The actor and WebFinger stay open in secure mode: a server must read our key to verify anything we sign.
        router.get("/actor/outbox") { request, _ in
            if let refusal = try await InboxController.readRefusal(request, inbox: inbox) { return refusal }
            return Self.json(try await identity.outbox(page: ActorCollections.pageNumber(request.uri.queryParameters["page"].map(String.init))))
        }
        router.get("/actor/followers") { request, _ in
            if let refusal = try await InboxController.readRefusal(request, inbox: inbox) { return refusal }
            let page = ActorCollections.pageNumber(request.uri.queryParameters["page"].map(String.init))
            // A token that does not verify counts as none: the count, not the list.
            let token = Authenticator.bearer(request.headers[.authorization])
            var owner = false
            if token != nil { owner = (try? await authenticator.authorize(token: token, anyOf: [])) != nil }
            return Self.json(try await identity.followers(page: page, owner: owner), private: owner)
        }
        router.get("/actor/following") { request, _ in
            if let refusal = try await InboxController.readRefusal(request, inbox: inbox) { return refusal }
            return Self.json(identity.following())
        }
    }

    func webfinger(_ request: Request) async throws -> Response {
        guard let resource = request.uri.queryParameters["resource"].map(String.init), !resource.isEmpty else {
            throw MicropubError.invalidRequest("WebFinger needs ?resource=acct:NAME@HOST")
        }
        guard let answer = try await identity.webfinger(resource: resource) else {
            return Response(
                status: .notFound,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"error":"not_found","error_description":"no such account here"}"#))
            )
        }
        return Self.json(answer, type: "application/jrd+json")
    }

    func nodeInfo() async throws -> Response {
        Self.json(
            .object([
                "version": "2.1",
                "software": .object(["name": "microcast", "version": "1.0", "homepage": "https://github.com/microcast"]),
                "protocols": .array(["activitypub"]),
                "services": .object(["inbound": .array([]), "outbound": .array([])]),
                "openRegistrations": .bool(false),
                "usage": .object(["users": .object(["total": .integer(1), "activeMonth": .integer(1)])]),
                "metadata": .object([:]),
            ]),
            type: "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/2.1#\""
        )
    }

    /// An ActivityStreams document, readable from any origin (clients fetch from browsers).
    static func json(_ value: JSONValue, type: String = ActivityStreams.contentType, private: Bool = false) -> Response {
        let body = (try? JSONEncoder().encode(value)) ?? Data("{}".utf8)
        return Response(
            status: .ok,
            headers: [
                .contentType: type, .accessControlAllowOrigin: "*", .cacheControl: `private` ? "private, no-store" : "public, max-age=60",
                // Signature: a signed reader's answer (secure mode) is never a shared cache's answer to anyone else.
                .vary: "Accept, Authorization, Signature",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}
