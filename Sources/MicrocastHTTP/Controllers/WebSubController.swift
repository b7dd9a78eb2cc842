import Foundation
import Hummingbird
import MicrocastApp
import MicrocastCore

/// The callback WebSub hubs talk to (W3C WebSub §5.3 and §7): a hub's
/// verification of a subscription this site asked for, and the feeds it
/// pushes. The token in the path is unguessable, so a stranger's push is
/// refused before its body is read.
struct WebSubController: Sendable {
    let following: Following

    func addRoutes(to router: RouterGroup<AppRequestContext>) {
        router.get("/websub/{token}") { request, context in
            try await verify(request, token: context.parameters.require("token"))
        }
        router.post("/websub/{token}") { request, context in
            try await push(request, token: context.parameters.require("token"))
        }
    }

    func verify(_ request: Request, token: String) async throws -> Response {
        let query = Dictionary(FormEncoding.decode(request.uri.query ?? "").map { ($0.name, $0.value) }) { first, _ in first }
        guard let verification = WebSub.verification(query), let answer = try await following.verify(token: token, verification) else {
            return Response(status: .notFound)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: answer))
        )
    }

    func push(_ request: Request, token: String) async throws -> Response {
        // Gone: the hub may drop a subscription to a source no longer followed.
        guard try await following.expectsPush(token: token) else { return Response(status: .gone) }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: WebSub.maxPushBytes)
        } catch {
            return Response(status: .contentTooLarge)
        }
        let signature = request.headers[.hubSignature]
        switch try await following.receivePush(token: token, body: Data(buffer: body), signature: signature) {
        case .unknown: return Response(status: .gone)
        // A push not signed by the hub is acknowledged and ignored (WebSub §8).
        case .ignored, .taken: return Response(status: .accepted)
        }
    }
}
