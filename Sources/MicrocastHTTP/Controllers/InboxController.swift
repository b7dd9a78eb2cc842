import Foundation
import HTTPTypes
import Hummingbird
import MicrocastApp
import MicrocastCore
import NIOCore

/// The actor's inbox and the shared inbox: what other fediverse servers
/// send the site. A request that does not prove its sender (unsigned, a
/// signature that does not verify, a stale date, a body that does not match
/// its digest) is a 401 and changes nothing; a proven one is handled and
/// answered 202.
struct InboxController: Sendable {
    let inbox: FediverseInbox
    static let maxBodyBytes = 256 * 1024

    func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.post("/actor/inbox") { request, _ in try await receive(request) }
        router.post("/inbox") { request, _ in try await receive(request) }
    }

    func receive(_ request: Request) async throws -> Response {
        // Nothing unsigned is read past its headers.
        guard request.headers.contains(where: { $0.name.canonicalName == "signature" }) else {
            return Self.refused(HTTPSignature.Refusal.missing.description)
        }
        let body = Data(buffer: try await request.body.collect(upTo: Self.maxBodyBytes))
        do {
            _ = try await inbox.receive(body: body, method: request.method.rawValue, path: request.uri.description, header: Self.header(request))
        } catch let refusal as HTTPSignature.Refusal {
            return Self.refused(refusal.description)
        } catch let error as FetchError {
            return Self.refused("the signer's key could not be fetched: \(error.description)")
        }
        return Response(status: .accepted)
    }

    /// A request's headers by lower-case name, as a signature names them;
    /// `host` is the request's authority (HTTP types keep the Host header there).
    static func header(_ request: Request) -> @Sendable (String) -> String? {
        let headers = request.headers
        let authority = request.head.authority
        return { name in
            if name == "host" { return authority }
            guard let field = HTTPField.Name(name) else { return nil }
            let values = headers[values: field]
            return values.isEmpty ? nil : values.joined(separator: ", ")
        }
    }

    /// nil when a GET of our objects or collections may be answered; else
    /// the refusal: 401 for a request that does not prove its sender (in
    /// secure mode), 403 for a blocked one.
    static func readRefusal(_ request: Request, inbox: FediverseInbox) async throws -> Response? {
        do {
            if try await inbox.mayRead(method: request.method.rawValue, path: request.uri.description, header: header(request)) { return nil }
            return error(.forbidden, "forbidden", "this server may not read the site")
        } catch let refusal as HTTPSignature.Refusal {
            return refused(refusal.description)
        } catch let error as FetchError {
            return refused("the signer's key could not be fetched: \(error.description)")
        }
    }

    static func error(_ status: HTTPResponse.Status, _ code: String, _ reason: String) -> Response {
        let body = (try? JSONEncoder.sorted.encode(JSONValue.object(["error": .string(code), "error_description": .string(reason)]))) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func refused(_ reason: String) -> Response { error(.unauthorized, "unauthorized", reason) }
}
