import Foundation
import Hummingbird
import MicrocastApp
import MicrocastCore
import NIOCore

/// Each file's processing, pushed to the studio as Server-Sent Events
/// (`text/event-stream`): an `event: media` with `{id, state, progress,
/// error}` whenever a file's state or progress changes, then `event: end`
/// once every file has ended. The server looks at the store twice a second
/// for the files asked about; the browser only listens.
struct StudioEvents: Sendable {
    let store: any DataStore
    let progress: ProgressBoard
    static let interval: Duration = .milliseconds(500)
    /// The longest a stream stays open; EventSource reconnects if it must.
    static let lifetime: Duration = .seconds(30 * 60)

    func stream(_ request: Request, sessions: OwnerSessions) async throws -> Response {
        guard try await sessions.session(request) != nil else { throw StudioError.forbidden }
        let ids = Array(
            (request.uri.queryParameters["media"].map(String.init) ?? "").split(separator: ",").map(String.init)
                .filter(MediaIdentifier.isValid).prefix(100)
        )
        let store = self.store
        let progress = self.progress
        let body = ResponseBody { writer in
            var sent: [String: String] = [:]
            let end = ContinuousClock.now + Self.lifetime
            var lastWrite = ContinuousClock.now
            while ContinuousClock.now < end, !Task.isCancelled {
                let items = try await store.media(ids: ids)
                var finished = 0
                for id in ids {
                    guard let item = items[id] else {
                        finished += 1
                        continue
                    }
                    let job = try await store.jobs(subject: .media(id)).first
                    let state = Self.state(of: item, job: job)
                    var update: [String: JSONValue] = ["id": .string(id), "state": .string(state)]
                    if state == "processing", let fraction = progress.progress(of: id) {
                        update["progress"] = .integer(Int64((fraction * 100).rounded(.down)))
                    }
                    if let failure = item.failure, state == "failed" { update["error"] = .string(failure) }
                    let data = String(decoding: try JSONEncoder.sorted.encode(JSONValue.object(update)), as: UTF8.self)
                    if sent[id] != data {
                        sent[id] = data
                        try await writer.write(ByteBuffer(string: "event: media\ndata: \(data)\n\n"))
                        lastWrite = .now
                    }
                    if state == "done" || state == "failed" { finished += 1 }
                }
                if finished == ids.count {
                    try await writer.write(ByteBuffer(string: "event: end\ndata: {}\n\n"))
                    break
                }
                if ContinuousClock.now - lastWrite > .seconds(15) {
                    // A comment keeps proxies from closing a quiet stream.
                    try await writer.write(ByteBuffer(string: ": still here\n\n"))
                    lastWrite = .now
                }
                try await Task.sleep(for: Self.interval)
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
            body: body
        )
    }

    /// A file's state as the studio shows it: `queued` (waiting for a worker),
    /// `processing`, `done`, or `failed`.
    static func state(of item: MediaItem, job: Job?) -> String {
        switch item.state {
        case .ready: return "done"
        case .failed: return "failed"
        case .processing: return job?.state == .running ? "processing" : "queued"
        }
    }
}
