import Foundation
import Hummingbird
import MicrocastApp
import MicrocastCore
import NIOCore

/// What the operator's tools read: `/metrics` in Prometheus's text format,
/// and `/ready`, whether this process can serve (its store and media children answer).
struct OperatorController: Sendable {
    let metrics: ServiceMetrics
    let queue: any JobQueue
    let settings: any SettingsRepository
    let authenticator: Authenticator
    let trustedProxies: Set<String>
    /// Whether uploads can be inspected (the media children answer).
    let mediaIsUp: @Sendable () async -> Bool

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("/metrics") { request, context in try await metricsPage(request, context) }
        router.get("/ready") { _, _ in try await ready() }
    }

    /// From this machine, or with a token that has the `metrics` scope. A
    /// request that came through a proxy the operator did not name (it
    /// carries `Forwarded` or `X-Forwarded-For`) is not taken for a local one
    /// even though its connection is.
    func metricsPage(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        if !isLocal(request, context) {
            _ = try await authenticator.authorize(request, bodyToken: nil, anyOf: [.metrics])
        }
        // The queue is counted as the store holds it now, across every process.
        if let census = try? await queue.census() { metrics.recordQueue(census, now: Date()) }
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition()))
        )
    }

    func isLocal(_ request: Request, _ context: AppRequestContext) -> Bool {
        let remote = context.remoteAddress?.ipAddress ?? ""
        let proxied = request.headers[.forwarded] != nil || request.headers[.xForwardedFor] != nil
        if proxied && !trustedProxies.contains(remote) { return false }
        let client = ClientAddress.resolve(
            remote: remote,
            forwardedFor: request.headers[.xForwardedFor],
            forwarded: request.headers[.forwarded],
            trustedProxies: trustedProxies
        )
        return AddressPolicy.Address(client).map(AddressPolicy.isLoopback) == true
    }

    /// 200 when the store and the media children answer, 503 with what is down when not.
    func ready() async throws -> Response {
        let storeUp = (try? await settings.settings()) != nil
        let mediaUp = await mediaIsUp()
        let body = try JSONSerialization.data(
            withJSONObject: ["store": storeUp ? "up" : "down", "media": mediaUp ? "up" : "down"],
            options: [.sortedKeys]
        )
        return Response(
            status: storeUp && mediaUp ? .ok : .serviceUnavailable,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}
