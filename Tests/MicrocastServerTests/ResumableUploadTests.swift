import Foundation
import Glibc
import MediaModel
import MicrocastApp
import MicrocastCore
import MicrocastHTTP
import TestSupport
import Testing

/// The tus endpoint under attack (issue 25): uploads belong to whoever made
/// them, one offset has one winner, and what uploads may promise is bounded.
@Suite("Resumable uploads")
struct ResumableUploadTests {
    static let tus = ("Tus-Resumable", "1.0.0")

    func create(_ site: TestSite, length: Int64, headers: [(String, String)]) async throws -> TestSite.Reply {
        try await site.request("/uploads", method: .POST, headers: headers + [Self.tus, ("Upload-Length", "\(length)")])
    }

    func bearer(_ token: String) -> [(String, String)] { [("Authorization", "Bearer \(token)")] }

    @Test("another grant's token, or the studio, gets 404 for HEAD, PATCH and DELETE of an upload it did not make; its maker carries on")
    func uploadsBelongToTheirMaker() async throws {
        try await TestSite.run(workerThreads: 0) { site in
            let mine = try await site.token("media")
            let theirs = try await site.token("media")
            let owner = try await OwnerSession.signIn(site)
            let created = try await create(site, length: 4, headers: bearer(mine))
            #expect(created.status == .created)
            let url = try #require(created.headers.first(name: "Location"))

            for stranger in [bearer(theirs), owner.headers] {
                let head = try await site.request(url, method: .HEAD, headers: stranger + [Self.tus])
                #expect(head.status == .notFound)
                let patch = try await site.request(
                    url,
                    method: .PATCH,
                    headers: stranger + [Self.tus, ("Upload-Offset", "0"), ("Content-Type", "application/offset+octet-stream")],
                    body: Data("evil".utf8)
                )
                #expect(patch.status == .notFound)
                let delete = try await site.request(url, method: .DELETE, headers: stranger + [Self.tus])
                #expect(delete.status == .notFound)
            }
            // Nothing the strangers sent landed; the maker's upload is as it was.
            let head = try await site.request(url, method: .HEAD, headers: bearer(mine) + [Self.tus])
            #expect(head.status == .ok && head.headers.first(name: "Upload-Offset") == "0")

            // The studio's own upload is the session's: a token cannot touch it either.
            let studio = try await create(site, length: 4, headers: owner.headers)
            let studioURL = try #require(studio.headers.first(name: "Location"))
            #expect(try await site.request(studioURL, method: .HEAD, headers: bearer(mine) + [Self.tus]).status == .notFound)
            #expect(try await site.request(studioURL, method: .HEAD, headers: owner.headers + [Self.tus]).status == .ok)
        }
    }

    @Test("16 PATCHes sent at once at the same offset, 30 times: exactly one writes, the rest get 409, and the file is the one sent")
    func oneOffsetOneWinner() async throws {
        try await TestSite.run(workerThreads: 0) { site in
            let token = try await site.token("media")
            for round in 0..<30 {
                let length = 256 * 1024
                let created = try await create(site, length: Int64(length) + 1, headers: bearer(token))
                let url = try #require(created.headers.first(name: "Location"))
                // Each sender's bytes differ, so a second writer would show in the file.
                let statuses = try await withThrowingTaskGroup(of: (Int, UInt).self) { group in
                    for sender in 0..<16 {
                        group.addTask {
                            let reply = try await site.request(
                                url,
                                method: .PATCH,
                                headers: bearer(token) + [Self.tus, ("Upload-Offset", "0"), ("Content-Type", "application/offset+octet-stream")],
                                body: Data(repeating: UInt8(sender), count: length)
                            )
                            return (sender, reply.status.code)
                        }
                    }
                    var all: [(Int, UInt)] = []
                    for try await status in group { all.append(status) }
                    return all
                }
                let winners = statuses.filter { $0.1 == 204 }
                #expect(winners.count == 1, "round \(round): \(statuses.map(\.1))")
                #expect(statuses.allSatisfy { $0.1 == 204 || $0.1 == 409 }, "round \(round): \(statuses.map(\.1))")
                let head = try await site.request(url, method: .HEAD, headers: bearer(token) + [Self.tus])
                #expect(head.headers.first(name: "Upload-Offset") == "\(length)")
                let id = String(url.split(separator: "/").last ?? "")
                let part = try Data(contentsOf: site.data.appendingPathComponent("resumable/\(id).part"))
                #expect(part == Data(repeating: UInt8(winners.first?.0 ?? -1), count: length), "round \(round): one sender's bytes only")
                _ = try await site.request(url, method: .DELETE, headers: bearer(token) + [Self.tus])
            }
        }
    }

    @Test("an app may hold ten uploads open; an eleventh is refused until one ends, and none may promise more than the disk has free (507)")
    func creationsAreBounded() async throws {
        let unlimited: (inout ServerConfiguration) -> Void = { $0.limits.maxUploadBytes = Int64.max / 4 }
        try await TestSite.run(workerThreads: 0, configure: unlimited) { site in
            let token = try await site.token("media")
            let other = try await site.token("create")
            var made: [String] = []
            for _ in 0..<10 {
                let reply = try await create(site, length: 1024, headers: bearer(token))
                #expect(reply.status == .created)
                made.append(try #require(reply.headers.first(name: "Location")))
            }
            let eleventh = try await create(site, length: 1024, headers: bearer(token))
            #expect(eleventh.status == .tooManyRequests)
            #expect((eleventh.json["error_description"] as? String)?.contains("10 uploads are already in progress") == true)
            // Another app is not held back by the first one's uploads.
            #expect(try await create(site, length: 1024, headers: bearer(other)).status == .created)
            #expect(try await site.request(made[0], method: .DELETE, headers: bearer(token) + [Self.tus]).status == .noContent)
            #expect(try await create(site, length: 1024, headers: bearer(token)).status == .created)

            // Promises past the free space: refused with the figures, and nothing is created.
            var info = statvfs()
            #expect(statvfs(site.data.path, &info) == 0)
            let free = Int64(info.f_bavail) * Int64(info.f_frsize)
            let before = site.files(in: "resumable").count
            let huge = try await create(site, length: free + (1 << 30), headers: bearer(other))
            #expect(huge.status == .insufficientStorage, "\(huge.status) \(huge.text)")
            #expect((huge.json["error_description"] as? String)?.contains("MB free") == true)
            // Two promises that each fit but together do not: the second is refused.
            let half = try await create(site, length: free / 2 + (64 << 20), headers: bearer(other))
            #expect(half.status == .created)
            let secondHalf = try await create(site, length: free / 2 + (64 << 20), headers: bearer(other))
            #expect(secondHalf.status == .insufficientStorage)
            #expect(site.files(in: "resumable").count == before + 2, "one upload's part and record, no more")
        }
    }
}
