import AsyncHTTPClient
import Foundation
import Glibc
import MicrocastApp
import MicrocastCore
import MicrocastHTTP
import TestSupport
import Testing

/// Media kept in an S3-compatible bucket (a real SeaweedFS on loopback), by
/// processes that share nothing but it and PostgreSQL, run as the built binary.
extension SeveralProcesses {
    @Suite("Media in object storage")
    struct ObjectStorageTests {
        /// A new bucket on the test's SeaweedFS: a client for checking it, its
        /// `--media-store` address, and the environment that carries its key.
        static func bucket() async throws -> (s3: S3Client, address: String, environment: [String: String]) {
            let server = try await SeaweedServer.shared.endpoint()
            let location = BucketLocation(
                endpoint: server.url,
                bucket: "site-\(UUID().uuidString.prefix(8).lowercased())",
                region: "us-east-1",
                pathStyle: true,
                prefix: "media"
            )
            let s3 = S3Client(
                location: location,
                credentials: AWSCredentials(accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey),
                http: HTTPClient.shared
            )
            try await s3.createBucket()
            return (s3, location.description, ["AWS_ACCESS_KEY_ID": server.accessKeyId, "AWS_SECRET_ACCESS_KEY": server.secretAccessKey])
        }

        /// Names of the files in a data folder's `folder` (hidden temporaries aside).
        static func files(in data: URL, _ folder: String) -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: data.appendingPathComponent(folder).path)) ?? []).filter { !$0.hasPrefix(".") }
        }

        @Test(
            "share nothing: serve --workers 0 and two workers, each with its own empty data folder, sharing only PostgreSQL and a bucket; a worker killed mid-put leaves no parts"
        )
        func shareNothing() async throws {
            let url = try await PostgresCluster.shared.newDatabase()
            let (s3, address, credentials) = try await Self.bucket()
            let logs = try Fixtures.folder()
            let serverData = try Fixtures.folder()
            let token = try await Microcast.run(["token", "create", "--data", serverData.path, "--database", url]).output
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let (port, reservation) = try reservePort()
            close(reservation)
            let server = try Microcast.Running(
                ["serve", "--data", serverData.path, "--database", url, "--port", "\(port)", "--workers", "0", "--media-store", address],
                log: logs.appendingPathComponent("serve.log"),
                // S3's smallest parts: the episode reaches the bucket in several, sent as it arrives.
                environment: credentials.merging(["MICROCAST_OBJECT_PART_BYTES": "\(5 << 20)"]) { $1 }
            )
            let store = try await MicrocastServices.openStore(.postgres(url: url), connections: 2)
            let web = TestSite(base: "http://127.0.0.1:\(port)", data: serverData, store: store, databaseArguments: ["--database", url])
            var workers: [Microcast.Running] = []
            defer {
                for process in [server.process] + workers.map(\.process) where process.isRunning { kill(process.processIdentifier, SIGKILL) }
                Task { await store.close() }
            }
            func report() -> String { "serve:\n\(server.text)\n" + workers.map(\.text).joined(separator: "\n---\n") }
            try await web.waitUntilUp()
            func worker(_ data: URL, _ name: String, environment: [String: String] = [:]) throws -> Microcast.Running {
                try Microcast.Running(
                    ["worker", "--data", data.path, "--database", url, "--threads", "1", "--lease", "6"],
                    log: logs.appendingPathComponent("\(name).log"),
                    environment: credentials.merging(environment) { $1 }
                )
            }
            func mediaJobs() async throws -> [Job] {
                try await store.snapshot().jobs.map(\.job).filter { JobKind.working(on: .media).contains($0.kind) }
            }
            func waitFor(_ what: String, timeout: Duration = .seconds(300), _ condition: () async throws -> Bool) async throws {
                let deadline = ContinuousClock.now + timeout
                while true {
                    if try await condition() { return }
                    guard ContinuousClock.now < deadline else { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                throw Fixtures.CommandFailed(description: "timed out waiting for \(what)\n\(report())")
            }

            // The first worker is made to die right after the first part of its
            // first multipart put (small parts, so an episode's files take several).
            let firstData = try Fixtures.folder()
            let doomed = try worker(
                firstData,
                "doomed",
                environment: ["MICROCAST_FAULT_AT": "object-part-sent", "MICROCAST_OBJECT_PART_BYTES": "65536"]
            )
            workers.append(doomed)
            let fixtures = try Fixtures.folder()
            let audio = try web.created(
                try await web.upload(try await Fixtures.speech(in: fixtures, name: "episode.wav", stereo: true, seconds: 60), token: token)
            )
            let episode = try web.created(
                try await web.postForm([("h", "entry"), ("name", "Episode one"), ("audio", audio), ("episode", "1")], token: token)
            )
            try await waitFor("the first worker to die mid-put") { !doomed.process.isRunning }
            #expect(doomed.process.terminationStatus == 137, "\(report())")
            #expect(try await !s3.unfinishedUploads(prefix: "renditions/").isEmpty, "the killed put left its parts")

            // Two workers, each on an empty folder of its own (the first one's, emptied at its start, and a new one).
            workers = [try worker(firstData, "worker-0"), try worker(try Fixtures.folder(), "worker-1")]
            let photo = try Data(contentsOf: try await Fixtures.sidewaysJPEGWithGPS(in: fixtures))
            var posts = [episode]
            for index in 0..<6 {
                let copy = fixtures.appendingPathComponent("photo-\(index).jpg")
                try (photo + Data("\(index)".utf8)).write(to: copy)
                let media = try web.created(try await web.upload(copy, token: token))
                posts.append(
                    try web.created(try await web.postForm([("h", "entry"), ("photo", media), ("content", "Photo \(index)")], token: token))
                )
            }
            // A fake file, sent to the bucket as it arrived, is refused and leaves nothing there.
            let fake = fixtures.appendingPathComponent("fake.mp3")
            try Data((0..<600_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(to: fake)
            let refused = try await web.upload(fake, token: token)
            #expect(refused.status.code >= 400 && refused.status.code < 500, "\(refused.text)")
            let video = try web.created(try await web.upload(try await Fixtures.phoneVideo(in: fixtures, size: "640x360"), token: token))
            posts.append(try web.created(try await web.postForm([("h", "entry"), ("video", video), ("content", "A clip")], token: token)))

            try await waitFor("every media job to end") {
                let jobs = try await mediaJobs()
                return jobs.count == 8 && jobs.allSatisfy { $0.state == .done || $0.state == .failed }
            }
            let jobs = try await mediaJobs()
            #expect(jobs.allSatisfy { $0.state == .done }, "\(jobs.filter { $0.state != .done })\n\(report())")
            let pids = Set(workers.map { "\($0.process.processIdentifier)" })
            let doers = Set(jobs.compactMap { $0.worker?.split(separator: "-").dropLast().last.map(String.init) })
            #expect(doers == pids, "both workers processed uploads: \(doers) of \(pids)")
            #expect(jobs.first { $0.kind == .audioEpisode }?.attempts == 2, "the killed worker's episode was taken again")

            // The bucket holds exactly what the rows name: no parts, no unrecorded files.
            let parts = try await s3.unfinishedUploads()
            #expect(parts.isEmpty, "parts left: \(parts)")
            let snapshot = try await store.snapshot()
            let mediaIds = Set(snapshot.media.map(\.id))
            #expect(snapshot.media.count == 8 && snapshot.media.allSatisfy { $0.state == .ready })
            let objects = try await s3.list(prefix: "")
            func keys(_ folder: String) -> Set<String> {
                Set(objects.map(\.key).filter { $0.hasPrefix(folder + "/") }.map { String($0.dropFirst(folder.count + 1)) })
            }
            #expect(keys("originals") == Set(snapshot.media.map(\.fileName)))
            // The episode went up in parts as it arrived: a multipart object's ETag ends in -PARTS.
            let episodeFile = try #require(snapshot.media.first { $0.kind == .audio }).fileName
            let episodeObject = try #require(try await s3.head("originals/" + episodeFile))
            #expect(episodeObject.etag.hasSuffix("-3\""), "\(episodeObject.etag)")
            #expect(try await s3.get("originals/" + episodeFile) == Data(contentsOf: fixtures.appendingPathComponent("episode.wav")))
            // Public copies made without a location (photos, videos); an episode's original serves as it is.
            #expect(keys("public") == Set(snapshot.media.filter { $0.kind != .audio }.map(\.fileName)))
            let rows = Set(snapshot.renditions.map(\.fileName))
            #expect(keys("renditions").filter { mediaIds.contains(String($0.prefix(20))) } == rows, "renditions in the bucket and in rows")

            // No process kept an upload or its files: every folder is scratch, emptied after use.
            #expect(Self.files(in: serverData, "originals").isEmpty && Self.files(in: serverData, "public").isEmpty)
            for data in [firstData] {
                #expect(Self.files(in: data, "originals").isEmpty)
                #expect(Self.files(in: data, "renditions").allSatisfy { !mediaIds.contains(String($0.prefix(20))) })
            }

            // Served from the bucket: whole, by range, and 304 for a client that has it.
            let checked = snapshot.renditions.filter { ["image/jpeg", "video/mp4", "audio/mpeg"].contains($0.mimeType) }
            #expect(Set(checked.map(\.mimeType)).count == 3)
            for rendition in checked {
                let stored = try await s3.get("renditions/" + rendition.fileName)
                let whole = try await web.get("/media/r/" + rendition.fileName)
                #expect(whole.status == .ok && whole.body == stored && whole.headers.first(name: "content-type") == rendition.mimeType)
                let etag = try #require(whole.headers.first(name: "etag"))
                let part = try await web.get("/media/r/" + rendition.fileName, headers: [("Range", "bytes=100-199")])
                #expect(part.status == .partialContent && part.body == stored[100...199])
                #expect(part.headers.first(name: "content-range") == "bytes 100-199/\(stored.count)")
                #expect(try await web.get("/media/r/" + rendition.fileName, headers: [("If-None-Match", etag)]).status == .notModified)
            }
            let photoItem = try #require(snapshot.media.first { $0.kind == .photo })
            let served = try await web.get("/media/" + photoItem.fileName)
            let publicCopy = try await s3.get("public/" + photoItem.fileName)
            #expect(served.status == .ok && served.body == publicCopy)
            let check = fixtures.appendingPathComponent("served.jpg")
            try served.body.write(to: check)
            #expect(try await Fixtures.locationTags(of: check).isEmpty, "the public copy has no location")

            // The feed's enclosure is served, its length the file's.
            let feed = try await web.get("/podcast.xml").text
            let enclosure = try #require(feed.firstMatch(of: /<enclosure url="([^"]+)" length="(\d+)"/))
            let file = try await web.get(String(enclosure.1))
            #expect(file.status == .ok && file.body.count == Int(enclosure.2), "\(feed)")
            for post in posts { #expect(try await web.get(post).status == .ok) }

            for worker in workers where worker.process.isRunning { try await worker.stop() }
            try await server.stop()
        }

        @Test(
            "media move to a bucket and back: every file copied and verified, a resumed move skips what is there and replaces what is wrong, the site serves and exports from each, a mismatched --media-store is refused"
        )
        func moveBothWays() async throws {
            let (s3, address, credentials) = try await Self.bucket()
            let data = try Fixtures.folder()
            let logs = try Fixtures.folder()
            let site = ["--data", data.path]
            let token = try await Microcast.run(["token", "create"] + site).output.trimmingCharacters(in: .whitespacesAndNewlines)
            let store = try await MicrocastServices.openStore(.embedded(in: data))
            defer { Task { await store.close() } }
            let fixtures = try Fixtures.folder()

            func serving(_ arguments: [String] = [], _ body: (TestSite) async throws -> Void) async throws {
                let (port, reservation) = try reservePort()
                close(reservation)
                let server = try Microcast.Running(
                    ["serve"] + site + ["--port", "\(port)"] + arguments,
                    log: logs.appendingPathComponent("serve-\(UUID().uuidString.prefix(6)).log"),
                    environment: credentials
                )
                defer { if server.process.isRunning { kill(server.process.processIdentifier, SIGKILL) } }
                let web = TestSite(base: "http://127.0.0.1:\(port)", data: data, store: store, databaseArguments: [])
                do {
                    try await web.waitUntilUp()
                    try await body(web)
                } catch {
                    throw Fixtures.CommandFailed(description: "\(error)\n\(server.text)")
                }
                try await server.stop()
            }
            /// Every file of the data folder's media, by `FOLDER/NAME`, with its bytes.
            func folderFiles() throws -> [String: Data] {
                var files: [String: Data] = [:]
                for folder in ["originals", "public", "renditions"] {
                    for name in Self.files(in: data, folder) {
                        files["\(folder)/\(name)"] = try Data(contentsOf: data.appendingPathComponent("\(folder)/\(name)"))
                    }
                }
                return files
            }

            // A site on its folder: a photo and an episode, processed.
            var posts: [String] = []
            try await serving { web in
                let photo = try web.created(try await web.upload(try await Fixtures.sidewaysJPEGWithGPS(in: fixtures), token: token))
                posts.append(try web.created(try await web.postForm([("h", "entry"), ("photo", photo), ("content", "A photo")], token: token)))
                let audio = try web.created(try await web.upload(try await Fixtures.speech(in: fixtures, name: "talk.wav"), token: token))
                posts.append(
                    try web.created(try await web.postForm([("h", "entry"), ("name", "Talk"), ("audio", audio), ("episode", "1")], token: token))
                )
                let deadline = ContinuousClock.now + .seconds(240)
                while try await store.snapshot().media.contains(where: { $0.state != .ready }), ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            let local = try folderFiles()
            #expect(try await store.snapshot().media.allSatisfy { $0.state == .ready } && local.count > 8)

            // As if a move had stopped part-way: one file is in the bucket already, another is there wrong.
            let (kept, spoiled) = try #require(local.keys.sorted().dropFirst().first.map { ($0, local.keys.sorted()[0]) })
            try await s3.putFile(
                kept,
                file: data.appendingPathComponent(kept),
                contentType: "application/octet-stream",
                sha256: try FileDigest.sha256(data.appendingPathComponent(kept)).hexString
            )
            try await s3.put(spoiled, data: Data("not the file".utf8), contentType: "text/plain")

            let moved = try await Microcast.run(["media", "move", "--to", address] + site, environment: credentials)
            #expect(moved.status == 0, "\(moved.errors)")
            #expect(moved.output.contains("\(local.count - 1) files copied") && moved.output.contains("1 already there"), "\(moved.output)")
            #expect(moved.errors.contains("moving files: \(local.count)/\(local.count)"), "progress: \(moved.errors)")
            for (key, bytes) in local { #expect(try await s3.get(key) == bytes, "\(key) in the bucket") }
            #expect(try await Microcast.run(["media", "where"] + site).output.contains(address))

            // The folder's files are gone; the site serves, and exports, from the bucket.
            for key in local.keys { try FileManager.default.removeItem(at: data.appendingPathComponent(key)) }
            let renditions = try await store.snapshot().renditions
            try await serving { web in
                for rendition in renditions {
                    let answer = try await web.get("/media/r/" + rendition.fileName)
                    #expect(answer.status == .ok && answer.body == local["renditions/" + rendition.fileName], "\(rendition.fileName)")
                }
                // Posts were answered with the first server's address.
                for post in posts { #expect(try await web.get(URL(string: post)?.path ?? post).status == .ok) }
            }
            // With a CDN in front of the bucket: renditions and location-free copies redirect
            // there; an original is never public, so an episode's WAV is still served here.
            let items = try await store.snapshot().media
            try await serving(["--media-base-url", "https://cdn.example/site/"]) { web in
                let mp3 = try #require(renditions.first { $0.mimeType == "audio/mpeg" })
                let sent = try await web.get("/media/r/" + mp3.fileName)
                #expect(sent.status == .found && sent.headers.first(name: "location") == "https://cdn.example/site/renditions/" + mp3.fileName)
                let photo = try #require(items.first { $0.kind == .photo })
                #expect(
                    try await web.get("/media/" + photo.fileName).headers.first(name: "location") == "https://cdn.example/site/public/"
                        + photo.fileName
                )
                let talk = try #require(items.first { $0.kind == .audio })
                let original = try await web.get("/media/" + talk.fileName)
                #expect(original.status == .ok && original.body == local["originals/" + talk.fileName])
            }
            let export = fixtures.appendingPathComponent("export")
            let exported = try await Microcast.run(["export", export.path] + site, environment: credentials)
            #expect(exported.status == 0, "\(exported.errors)")
            for rendition in renditions where rendition.mimeType == "audio/mpeg" {
                #expect(
                    try Data(contentsOf: export.appendingPathComponent("media/r/" + rendition.fileName)) == local["renditions/" + rendition.fileName]
                )
            }
            // The archive carries every file, read from the bucket.
            let archive = fixtures.appendingPathComponent("site.zip")
            let archived = try await Microcast.run(["export", "--archive", archive.path] + site, environment: credentials)
            #expect(archived.status == 0, "\(archived.errors)")
            let listing = String(decoding: try await Fixtures.runOffPool("unzip", ["-Z1", archive.path]), as: UTF8.self)
            let entries = Set(listing.split(separator: "\n").map(String.init))
            let missing = Set(local.keys).subtracting(entries)
            #expect(missing.isEmpty, "not in the archive: \(missing)")
            let refused = try await Microcast.run(["serve", "--media-store", "local", "--port", "1"] + site, environment: credentials)
            #expect(refused.status != 0 && refused.errors.contains("microcast media move --to 'local'"), "\(refused.errors)")

            // And back: every file in the folder again, byte for byte, and served from there.
            let back = try await Microcast.run(["media", "move", "--to", "local"] + site, environment: credentials)
            #expect(back.status == 0 && back.output.contains("media now in local"), "\(back.errors)")
            let returned = try folderFiles()
            #expect(returned == local)
            try await serving { web in
                for rendition in renditions {
                    let answer = try await web.get("/media/r/" + rendition.fileName)
                    #expect(answer.body == local["renditions/" + rendition.fileName])
                }
            }
        }

        @Test(
            "a resumable (tus) upload begun through one server process is continued and finished through another (its pieces live in the bucket); deleted, nothing of it stays there"
        )
        func tusAcrossServers() async throws {
            let url = try await PostgresCluster.shared.newDatabase()
            let (s3, address, credentials) = try await Self.bucket()
            let logs = try Fixtures.folder()
            let (dataA, dataB) = (try Fixtures.folder(), try Fixtures.folder())
            let token = try await Microcast.run(["token", "create", "--data", dataA.path, "--database", url]).output
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let (portA, reservationA) = try reservePort()
            let (portB, reservationB) = try reservePort()
            close(reservationA)
            close(reservationB)
            let base = "http://127.0.0.1:\(portA)"
            let first = try Microcast.Running(
                ["serve", "--data", dataA.path, "--database", url, "--port", "\(portA)", "--media-store", address],
                log: logs.appendingPathComponent("a.log"),
                environment: credentials
            )
            let store = try await MicrocastServices.openStore(.postgres(url: url), connections: 2)
            let siteA = TestSite(base: base, data: dataA, store: store, databaseArguments: ["--database", url])
            try await siteA.waitUntilUp()
            // The second process answers the same site (one name, as behind a load balancer), with a folder of its own.
            let second = try Microcast.Running(
                ["serve", "--data", dataB.path, "--database", url, "--port", "\(portB)", "--base-url", base, "--workers", "0"],
                log: logs.appendingPathComponent("b.log"),
                environment: credentials
            )
            defer {
                for process in [first.process, second.process] where process.isRunning { kill(process.processIdentifier, SIGKILL) }
                Task { await store.close() }
            }
            let siteB = TestSite(base: "http://127.0.0.1:\(portB)", data: dataB, store: store, databaseArguments: ["--database", url])
            try await siteB.waitUntilUp()

            let bytes = try Data(contentsOf: try await Fixtures.speech(in: try Fixtures.folder(), name: "talk.wav"))
            let half = bytes.count / 2
            let auth = ("Authorization", "Bearer \(token)")
            let tus = ("Tus-Resumable", "1.0.0")
            let created = try await siteA.request(
                "/uploads",
                method: .POST,
                headers: [
                    auth, tus, ("Upload-Length", "\(bytes.count)"), ("Upload-Metadata", "filename " + Data("talk.wav".utf8).base64EncodedString()),
                ]
            )
            #expect(created.status == .created, "\(created.text)")
            let path = try #require(created.headers.first(name: "Location").flatMap { URL(string: $0)?.path })
            func patch(_ site: TestSite, from offset: Int, _ slice: Data) async throws -> TestSite.Reply {
                try await site.request(
                    path,
                    method: .PATCH,
                    headers: [auth, tus, ("Upload-Offset", "\(offset)"), ("Content-Type", "application/offset+octet-stream")],
                    body: slice
                )
            }
            #expect(try await patch(siteA, from: 0, bytes[..<half]).headers.first(name: "Upload-Offset") == "\(half)")
            let where_ = try await siteB.request(path, method: .HEAD, headers: [auth, tus])
            #expect(where_.status == .ok && where_.headers.first(name: "Upload-Offset") == "\(half)", "the second process knows where it is")
            #expect(try await patch(siteB, from: 0, bytes[..<half]).status == .conflict)
            let finished = try await patch(siteB, from: half, bytes[half...])
            #expect(finished.status == .noContent && finished.headers.first(name: "Upload-Offset") == "\(bytes.count)", "\(finished.text)")
            let media = try #require(finished.headers.first(name: "Upload-Media-URL"), "\(second.text)")
            let told = try await siteA.request(path, method: .HEAD, headers: [auth, tus])
            #expect(told.headers.first(name: "Upload-Media-URL") == media)

            // The file is whole, served by either process; its pieces are gone from the bucket.
            let mediaPath = try #require(URL(string: media)?.path)
            #expect(try await siteA.get(mediaPath).body == bytes)
            #expect(try await siteB.get(mediaPath).body == bytes)
            let left = try await s3.list(prefix: "resumable/").map(\.key)
            #expect(left.allSatisfy { $0.hasSuffix(".json") }, "pieces left: \(left)")

            // Processed (by the first process's media threads), then deleted through the second: nothing of it stays in the bucket.
            let deadline = ContinuousClock.now + .seconds(240)
            while try await store.snapshot().media.contains(where: { $0.state == .processing }), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
            let item = try #require(try await store.snapshot().media.first)
            #expect(item.state == .ready)
            let id = item.id
            #expect(try await s3.list(prefix: "renditions/\(id)-").count >= 3, "its episode files are in the bucket")
            let form = "action=delete&url=" + (media.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? media)
            let deleted = try await siteB.request(
                "/micropub/media",
                method: .POST,
                headers: [auth, ("Content-Type", "application/x-www-form-urlencoded")],
                body: Data(form.utf8)
            )
            #expect(deleted.status == .noContent, "\(deleted.text)")
            let remaining = try await s3.list(prefix: "").map(\.key).filter { $0.contains(id) }
            #expect(remaining.isEmpty, "left in the bucket: \(remaining)")
            #expect(try await siteA.get(mediaPath).status == .notFound)
            try await second.stop()
            try await first.stop()
        }
    }
}
