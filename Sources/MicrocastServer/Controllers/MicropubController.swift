import Foundation
import Hummingbird
import MicrocastCore

/// The Micropub endpoint: create posts (form-encoded or JSON) and answer queries.
struct MicropubController: Sendable {
    let posts: any PostRepository
    let authenticator: Authenticator
    let urls: SiteURLs
    static let maxBodyBytes = 1 << 20

    func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.get("/micropub") { request, _ in try await query(request) }
        router.post("/micropub") { request, _ in try await post(request) }
    }

    func query(_ request: Request) async throws -> Response {
        _ = try await authenticator.authorize(request, bodyToken: request.uri.queryParameters["access_token"].map(String.init), anyOf: Array(ScopeSet.known))
        switch request.uri.queryParameters["q"].map(String.init) {
        case "config":
            return json(.object([
                "media-endpoint": .string(urls.mediaEndpoint),
                "syndicate-to": .array([]),
                "post-types": .array(
                    [("note", "Note"), ("article", "Article"), ("photo", "Photo")].map {
                        .object(["type": .string($0.0), "name": .string($0.1)])
                    }),
            ]))
        case "syndicate-to":
            return json(.object(["syndicate-to": .array([])]))
        case let other:
            throw MicropubError.invalidRequest("unsupported query \"\(other ?? "")\"; try q=config")
        }
    }

    func post(_ request: Request) async throws -> Response {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        let body = try await request.body.collect(upTo: Self.maxBodyBytes)
        let action: MicropubAction
        var bodyToken: String?
        if contentType.hasPrefix("application/json") {
            action = try MicropubParser.parseJSON(Data(buffer: body))
        } else if contentType.hasPrefix("application/x-www-form-urlencoded") {
            let pairs = FormEncoding.decode(String(buffer: body))
            bodyToken = pairs.first { $0.name == "access_token" }?.value
            action = try MicropubParser.parseForm(pairs)
        } else {
            throw MicropubError.unsupportedMediaType("send application/x-www-form-urlencoded or application/json")
        }

        switch action {
        case .create(let create):
            _ = try await authenticator.authorize(request, bodyToken: bodyToken, anyOf: ["create"])
            let draft = PostBuilder.post(from: create)
            let presenter = EntryPresenter(site: SiteInfo(title: "", authorName: "", urls: urls))
            let saved = try await posts.create(draft, mediaIds: presenter.mediaIds(in: draft))
            return Response(status: .created, headers: [.location: urls.post(slug: saved.slug)])
        case .update, .delete, .undelete:
            throw MicropubError.invalidRequest("updates and deletes are not supported yet")
        }
    }

    func json(_ value: JSONValue) -> Response {
        let data = (try? JSONEncoder.sorted.encode(value)) ?? Data()
        return Response(
            status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
