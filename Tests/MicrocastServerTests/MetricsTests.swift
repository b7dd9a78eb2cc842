import Foundation
import MicrocastCore
import TestSupport
import Testing

/// `/metrics` read as Prometheus reads it (the Python client's strict
/// text-format parser), moving as the site answers requests and runs jobs;
/// who may read it; `/ready`.
@Suite("Metrics and readiness")
struct MetricsTests {
    struct Scrape {
        var families: [String: String]
        var samples: [(name: String, labels: [String: String], value: Double)]

        /// The sum of a sample's values over every label set that includes `labels`.
        func value(_ name: String, _ labels: [String: String] = [:]) -> Double {
            samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }.map(\.value).reduce(0, +)
        }
    }

    static func scrape(_ site: TestSite, token: String? = nil) async throws -> Scrape {
        let script = Repository.root.appendingPathComponent("Tests/Operator/scrape_metrics.py")
        let output = try await Fixtures.runOffPool("python3", [script.path, site.base + "/metrics"] + (token.map { [$0] } ?? []))
        let json = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
        #expect((json["contentType"] as? String ?? "").hasPrefix("text/plain; version=0.0.4"))
        let samples = (json["samples"] as? [[Any]] ?? []).map { sample in
            (name: sample[0] as? String ?? "", labels: sample[1] as? [String: String] ?? [:], value: (sample[2] as? NSNumber)?.doubleValue ?? .nan)
        }
        return Scrape(families: json["families"] as? [String: String] ?? [:], samples: samples)
    }

    @Test("every family is there and moves with requests, uploads, jobs, served bytes and outbound fetches")
    func familiesMove() async throws {
        try await TestSite.run { site in
            let token = try await site.token("create media")
            let before = try await Self.scrape(site)
            for family in [
                "microcast_jobs", "microcast_job_queue_depth", "microcast_job_oldest_queued_seconds", "microcast_uploads_in_progress",
                "microcast_media_children_up",
            ] {
                #expect(before.families[family] == "gauge", "\(family): \(before.families[family] ?? "missing")")
            }
            #expect(before.families["microcast_media_child_restarts"] == "counter")

            // Pages, an upload, a post whose link is fetched (and refused: a private address), the upload's bytes.
            for _ in 0..<3 { #expect(try await site.get("/").status == .ok) }
            #expect(try await site.get("/no-such-page").status == .notFound)
            let folder = try Fixtures.folder()
            let photo = try site.created(try await site.upload(try await Fixtures.sidewaysJPEGWithGPS(in: folder), token: token))
            _ = try site.created(
                try await site.postForm(
                    [("h", "entry"), ("photo", photo), ("content", "A reply"), ("in-reply-to", "http://10.255.255.1/elsewhere")],
                    token: token
                )
            )
            #expect(try await site.waitForJobs().allSatisfy { $0 == .done })
            let served = try await site.get(photo.replacingOccurrences(of: site.base, with: ""))
            #expect(served.status == .ok)

            let after = try await Self.scrape(site)
            #expect(after.families["microcast_http_requests"] == "counter")
            #expect(after.families["microcast_http_request_duration_seconds"] == "histogram")
            #expect(after.families["microcast_job_duration_seconds"] == "histogram")
            #expect(after.families["microcast_outbound_fetches"] == "counter")
            #expect(after.families["microcast_media_bytes_served"] == "counter")

            let home = ["route": "/", "method": "GET", "status": "200"]
            #expect(after.value("microcast_http_requests_total", home) >= before.value("microcast_http_requests_total", home) + 3)
            #expect(after.value("microcast_http_requests_total", ["status": "404"]) >= 1)
            #expect(after.value("microcast_http_requests_total", ["route": "/micropub/media", "method": "POST", "status": "201"]) == 1)
            // No label carries a path a client chose.
            #expect(!after.samples.contains { $0.labels["route"] == "/no-such-page" })
            #expect(after.value("microcast_http_request_duration_seconds_count", ["route": "/"]) >= 3)
            #expect(after.value("microcast_jobs_ended_total", ["kind": JobKind.photoRenditions.rawValue, "outcome": "done"]) == 1)
            #expect(after.value("microcast_job_duration_seconds_count", ["kind": JobKind.photoRenditions.rawValue]) == 1)
            #expect(after.value("microcast_jobs", ["kind": JobKind.photoRenditions.rawValue, "state": "done"]) == 1)
            #expect(after.value("microcast_job_queue_depth") == 0)
            #expect(after.value("microcast_uploads_in_progress") == 0)
            #expect(after.value("microcast_outbound_fetches_total", ["outcome": "refused"]) >= 1)
            #expect(after.value("microcast_media_bytes_served_total", ["source": "folder"]) >= Double(served.body.count))
        }
    }

    @Test("queued jobs show as depth and age; readers other than this machine need a token with the metrics scope")
    func accessAndQueue() async throws {
        try await TestSite.run(workerThreads: 0) { site in
            let token = try await site.token("media")
            let folder = try Fixtures.folder()
            _ = try site.created(try await site.upload(try await Fixtures.sidewaysJPEGWithGPS(in: folder), token: token))
            let queued = try await Self.scrape(site)
            #expect(queued.value("microcast_job_queue_depth", ["kind": JobKind.photoRenditions.rawValue]) == 1)
            #expect(queued.value("microcast_job_oldest_queued_seconds", ["kind": JobKind.photoRenditions.rawValue]) >= 0)
            #expect(queued.value("microcast_jobs", ["kind": JobKind.photoRenditions.rawValue, "state": "queued"]) == 1)

            // A request relayed by a proxy nobody named is not taken for a local one.
            let relayed = try await site.get("/metrics", headers: [("X-Forwarded-For", "203.0.113.9")])
            #expect(relayed.status == .unauthorized, "\(relayed.status) \(relayed.text)")
            #expect(relayed.json["error"] as? String == "unauthorized")
            let wrongScope = try await site.get("/metrics", headers: [("X-Forwarded-For", "203.0.113.9"), ("Authorization", "Bearer \(token)")])
            #expect(wrongScope.status == .forbidden && wrongScope.json["error"] as? String == "insufficient_scope")
            let reader = try await site.token("metrics")
            let allowed = try await site.get("/metrics", headers: [("X-Forwarded-For", "203.0.113.9"), ("Authorization", "Bearer \(reader)")])
            #expect(allowed.status == .ok && allowed.text.contains("microcast_jobs"))

            let ready = try await site.get("/ready")
            #expect(ready.status == .ok && ready.json["store"] as? String == "up")
        }
    }
}
