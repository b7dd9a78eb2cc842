import CoreMetrics
import Foundation
import MicrocastCore

/// What an operator watches, recorded through swift-metrics: requests,
/// jobs, the queue, bytes served, uploads in flight, outbound fetches, media
/// children. The application names the metrics and never knows where they go;
/// the HTTP layer gives it a Prometheus registry and serves it at `/metrics`
/// (`exposition`). A process without one (`worker`, the CLI) records into
/// `ServiceMetrics.none`.
///
/// Labels are drawn from small fixed sets (route patterns, status codes, job
/// kinds, outcomes), never from what a client sends, so no request can grow
/// the registry.
public final class ServiceMetrics: Sendable {
    let factory: any MetricsFactory
    /// The metrics in Prometheus's text format, for `/metrics`.
    public let exposition: @Sendable () -> [UInt8]
    private let uploads: Meter
    private let childRestarts: Counter
    private let childrenUp: Meter
    private let renderings: Counter

    public init(factory: any MetricsFactory, exposition: @escaping @Sendable () -> [UInt8]) {
        self.factory = factory
        self.exposition = exposition
        uploads = Meter(label: "microcast_uploads_in_progress", factory: factory)
        childRestarts = Counter(label: "microcast_media_child_restarts_total", factory: factory)
        childrenUp = Meter(label: "microcast_media_children_up", factory: factory)
        renderings = Counter(label: "microcast_page_renderings_total", factory: factory)
    }

    /// Records nothing: processes that serve no `/metrics`.
    public static let none = ServiceMetrics(factory: NOOPMetricsHandler.instance, exposition: { [] })

    // MARK: Requests

    /// The methods a route can have; anything else is counted as `other`.
    static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    /// One answered request: `route` is the pattern it matched (`/posts/{slug}`), not its path.
    public func requestAnswered(route: String, method: String, status: Int, duration: Duration, bodyBytes: Int?) {
        let method = Self.methods.contains(method) ? method : "other"
        let dimensions = [("route", route), ("method", method), ("status", "\(status)")]
        Counter(label: "microcast_http_requests_total", dimensions: dimensions, factory: factory).increment()
        CoreMetrics.Timer(label: "microcast_http_request_duration_seconds", dimensions: [("route", route), ("method", method)], factory: factory)
            .recordNanoseconds(duration.nanoseconds)
        if let bodyBytes, bodyBytes > 0 {
            Counter(label: "microcast_http_response_bytes_total", dimensions: [("route", route)], factory: factory).increment(by: bodyBytes)
        }
    }

    /// Bytes of media files sent (`/media/`, renditions, downloads), from the folder or the bucket.
    public func mediaBytesServed(_ bytes: Int, from source: String) {
        guard bytes > 0 else { return }
        Counter(label: "microcast_media_bytes_served_total", dimensions: [("source", source)], factory: factory).increment(by: bytes)
    }

    /// An upload began receiving its body; `uploadEnded` when it is stored or given up.
    public func uploadStarted() { uploads.increment() }
    public func uploadEnded() { uploads.decrement() }

    /// Runs `body` counted as an upload in progress.
    public func countingUpload<T>(_ body: () async throws -> T) async rethrows -> T {
        uploadStarted()
        defer { uploadEnded() }
        return try await body()
    }

    /// A page or feed rendered (not found in the cache, nor being rendered for another request).
    public func pageRendered() { renderings.increment() }

    // MARK: Jobs

    /// A job's attempt ended (`done`, `retry`, `failed`, `postponed`, `disk full`, `no handler`) after `duration`.
    public func jobEnded(kind: JobKind, outcome: String, duration: Duration) {
        Counter(label: "microcast_jobs_ended_total", dimensions: [("kind", kind.rawValue), ("outcome", outcome)], factory: factory).increment()
        CoreMetrics.Timer(label: "microcast_job_duration_seconds", dimensions: [("kind", kind.rawValue)], factory: factory)
            .recordNanoseconds(duration.nanoseconds)
    }

    /// The queue as the store counts it now: jobs by kind and state, the
    /// queued ones' depth, and how long the oldest has waited. Every kind and
    /// state this version knows is written, so a count that fell to zero reads zero.
    public func recordQueue(_ census: [JobCensus], now: Date) {
        var counts: [JobKind: [Job.State: JobCensus]] = [:]
        for entry in census { counts[entry.kind, default: [:]][entry.state] = entry }
        for kind in JobKind.allCases {
            for state in Job.State.allCases {
                Gauge(label: "microcast_jobs", dimensions: [("kind", kind.rawValue), ("state", state.rawValue)], factory: factory)
                    .record(counts[kind]?[state]?.count ?? 0)
            }
            let queued = counts[kind]?[.queued]
            Gauge(label: "microcast_job_queue_depth", dimensions: [("kind", kind.rawValue)], factory: factory).record(queued?.count ?? 0)
            let age = queued?.oldest.map { max(0, now.timeIntervalSince($0)) } ?? 0
            Gauge(label: "microcast_job_oldest_queued_seconds", dimensions: [("kind", kind.rawValue)], factory: factory).record(age)
        }
    }

    // MARK: Outbound

    /// One outbound request's outcome (`2xx` … `5xx`, `refused`, `unresolvable`, `timed out`, `too large`, `failed`).
    public func fetched(outcome: String) {
        Counter(label: "microcast_outbound_fetches_total", dimensions: [("outcome", outcome)], factory: factory).increment()
    }

    // MARK: Media children

    /// A media child process died or was replaced.
    public func mediaChildRestarted() { childRestarts.increment() }
    /// Media child processes alive now: up by one when one starts, down when it ends.
    public func mediaChildStarted() { childrenUp.increment() }
    public func mediaChildEnded() { childrenUp.decrement() }
}

extension Duration {
    /// Whole nanoseconds, as swift-metrics' `Timer` takes them.
    var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}
