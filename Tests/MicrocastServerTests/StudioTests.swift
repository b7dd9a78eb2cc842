import Crypto
import Foundation
import MediaModel
import MicrocastCore
import TestSupport
import Testing

@testable import MicrocastHTTP

/// The studio's server side, over HTTP: its session and CSRF rules, posting
/// through Micropub with the session, resumable uploads (tus), live states,
/// editing, retrying and scheduling. The browser flows are in `StudioBrowserTests`.
@Suite("Studio")
struct StudioTests {

    /// A signed-in owner: the session cookie and its CSRF token.
    @Test("every studio page needs the owner's session; every form and studio request its own CSRF token, never another session's")
    func sessionsAndCSRF() async throws {
        try await TestSite.run(workerThreads: 0) { site in
            for page in ["/studio/new", "/studio/posts", "/studio/media", "/studio/show", "/studio/apps"] {
                let reply = try await site.get(page)
                #expect(reply.text.contains("name=\"passphrase\""), "\(page) shows the sign-in form")
                #expect(reply.text.contains(site.base + page))
            }
            let owner = try await OwnerSession.signIn(site)
            let other = try await OwnerSession.signIn(site, settingPassphrase: false)
            for page in ["/studio/new", "/studio/posts", "/studio/media", "/studio/show", "/studio/apps"] {
                let reply = try await site.get(page, headers: [owner.cookie])
                #expect(reply.status == .ok, "\(page)")
                #expect(reply.headers.first(name: "Content-Security-Policy")?.contains("script-src 'self'") == true)
            }
            // A form without its token, or with another session's, changes nothing.
            #expect(try await OwnerSession.form(site, "/studio/show", [("title", "Stolen")], owner: owner).status == .forbidden)
            #expect(
                try await OwnerSession.form(site, "/studio/show", [("csrf", other.csrf), ("title", "Stolen")], owner: owner).status == .forbidden
            )
            #expect(try await OwnerSession.form(site, "/studio/show", [("csrf", owner.csrf), ("title", "Kept")], owner: owner).status == .seeOther)
            #expect(try await site.store.settings()[.show(.title)] == "Kept")
            // Micropub and the media endpoint take the session only with its token in X-CSRF-Token.
            let json = Data(#"{"type":["h-entry"],"properties":{"content":["From the studio"]}}"#.utf8)
            let noToken = try await site.request(
                "/micropub",
                method: .POST,
                headers: [("Content-Type", "application/json"), owner.cookie],
                body: json
            )
            #expect(noToken.status == .unauthorized)
            let wrong = try await site.request(
                "/micropub",
                method: .POST,
                headers: [("Content-Type", "application/json"), owner.cookie, ("X-CSRF-Token", other.csrf)],
                body: json
            )
            #expect(wrong.status == .forbidden && wrong.json["error"] as? String == "forbidden")
            let posted = try await site.request(
                "/micropub",
                method: .POST,
                headers: [("Content-Type", "application/json")] + owner.headers,
                body: json
            )
            #expect(posted.status == .created)
            // Signing out ends the session.
            #expect(try await OwnerSession.form(site, "/studio/sign-out", [("csrf", owner.csrf)], owner: owner).status == .seeOther)
            #expect(try await site.get("/studio/posts", headers: [owner.cookie]).text.contains("name=\"passphrase\""))
        }
    }

    @Test("Markdown is previewed as the post will show it: rendered and sanitised")
    func preview() async throws {
        try await TestSite.run(workerThreads: 0) { site in
            let owner = try await OwnerSession.signIn(site)
            let reply = try await site.request(
                "/studio/preview",
                method: .POST,
                headers: [("Content-Type", "text/markdown")] + owner.headers,
                body: Data("# Notes\n\nSee *this* <script>alert(1)</script>".utf8)
            )
            #expect(reply.text.contains("<h1>Notes</h1>") && reply.text.contains("<em>this</em>") && !reply.text.contains("script"))
            let stranger = try await site.request(
                "/studio/preview",
                method: .POST,
                headers: [("Content-Type", "text/markdown"), owner.cookie],
                body: Data("x".utf8)
            )
            #expect(stranger.status == .forbidden)
        }
    }

    @Test("a 300 MB resumable upload cut off at half resumes from the server's offset, sends nothing twice, and keeps its SHA-256")
    func resumableUpload() async throws {
        try await TestSite.run(workerThreads: 0) { site in
            let owner = try await OwnerSession.signIn(site)
            let folder = try Fixtures.folder()
            let file = folder.appendingPathComponent("long.wav")
            // 300 MB of real sound: 28 minutes of 48 kHz stereo 24-bit PCM.
            try await Fixtures.runOffPool(
                "ffmpeg",
                [
                    "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "1092", "-ac", "2", "-c:a", "pcm_s24le", "-y",
                    file.path,
                ]
            )
            let length = try #require((try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.int64Value)
            #expect(length > 300_000_000)

            let options = try await site.request("/uploads", method: .OPTIONS)
            #expect(options.headers.first(name: "Tus-Version") == "1.0.0")
            #expect(options.headers.first(name: "Tus-Extension")?.contains("creation") == true)
            let created = try await site.request(
                "/uploads",
                method: .POST,
                headers: owner.headers + [
                    ("Tus-Resumable", "1.0.0"), ("Upload-Length", "\(length)"),
                    ("Upload-Metadata", "filename \(Data("long.wav".utf8).base64EncodedString())"),
                ]
            )
            #expect(created.status == .created)
            let url = try #require(created.headers.first(name: "Location"))

            // The client sends about half, then its connection drops.
            let script = """
                import socket, sys
                host, port, path, session, csrf, file, length = sys.argv[1:8]
                length = int(length)
                s = socket.create_connection((host, int(port)))
                s.sendall((f"PATCH {path} HTTP/1.1\\r\\nHost: {host}\\r\\nTus-Resumable: 1.0.0\\r\\nUpload-Offset: 0\\r\\n"
                           f"Content-Type: application/offset+octet-stream\\r\\nContent-Length: {length}\\r\\n"
                           f"Cookie: mc_session={session}\\r\\nX-CSRF-Token: {csrf}\\r\\n\\r\\n").encode())
                sent = 0
                with open(file, "rb") as f:
                    while sent < length // 2:
                        chunk = f.read(1 << 20)
                        s.sendall(chunk)
                        sent += len(chunk)
                s.close()
                print(sent)
                """
            let components = try #require(URLComponents(string: url))
            let firstSent =
                Int64(
                    String(
                        decoding: try await Fixtures.runOffPool(
                            "python3",
                            [
                                "-c", script, "127.0.0.1", "\(components.port ?? 0)", components.path, owner.session, owner.csrf, file.path,
                                "\(length)",
                            ]
                        ),
                        as: UTF8.self
                    ).trimmingCharacters(in: .whitespacesAndNewlines)
                ) ?? 0
            // The server keeps what arrived: once it has stored all of it, HEAD
            // says where to go on. (On a busy machine that takes a while; a
            // resume from an offset read before is refused with 409, rightly.)
            var offset: Int64 = -1
            try await Webmentions.eventually("the server has stored the \(firstSent) bytes sent before the drop") {
                let head = try await site.request(url, method: .HEAD, headers: owner.headers + [("Tus-Resumable", "1.0.0")])
                offset = Int64(head.headers.first(name: "Upload-Offset") ?? "") ?? -1
                return offset == firstSent
            }
            #expect(offset > length / 3, "offset \(offset) after \(firstSent) sent")

            // A resume from the wrong offset is refused with tus's 409, and changes nothing.
            let wrong = try await site.request(
                url,
                method: .PATCH,
                headers: owner.headers + [("Tus-Resumable", "1.0.0"), ("Upload-Offset", "0"), ("Content-Type", "application/offset+octet-stream")],
                body: Data("xx".utf8)
            )
            #expect(wrong.status == .conflict)

            // The rest, from the server's offset, with curl reading the file from
            // there. Until the dropped request has let go of the upload the
            // server answers 409 and writes nothing; a tus client then asks
            // again, and so does this one.
            let rest = folder.appendingPathComponent("rest.bin")
            try await Fixtures.runOffPool("dd", ["if=\(file.path)", "of=\(rest.path)", "bs=1M", "iflag=skip_bytes", "skip=\(offset)", "status=none"])
            var headers = ""
            try await Webmentions.eventually("the resume is taken") {
                let finished = try await Fixtures.runOffPool(
                    "curl",
                    [
                        "-s", "-o", "/dev/null", "-D", "-", "-X", "PATCH", "--data-binary", "@\(rest.path)", "-H", "Tus-Resumable: 1.0.0",
                        "-H", "Upload-Offset: \(offset)", "-H", "Content-Type: application/offset+octet-stream", "-H",
                        "Cookie: mc_session=\(owner.session)",
                        "-H", "X-CSRF-Token: \(owner.csrf)", url,
                    ]
                )
                headers = String(decoding: finished, as: UTF8.self)
                return !headers.contains("HTTP/1.1 409")
            }
            #expect(headers.contains("HTTP/1.1 204"), "\(headers)")
            let mediaURL = try #require(
                headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix("upload-media-url:") }.map {
                    String($0.dropFirst("upload-media-url:".count)).trimmingCharacters(in: .whitespaces)
                }
            )
            // Nothing was sent twice: what was sent after the drop is exactly what was missing.
            let restSize = (try FileManager.default.attributesOfItem(atPath: rest.path)[.size] as? NSNumber)?.int64Value ?? 0
            #expect(offset + restSize == length)
            let id = try #require(site.urlsFor().mediaId(fromURL: mediaURL))
            let item = try #require(try await site.store.media(id: id))
            let expected = try FileDigestForTests.sha256(file)
            #expect(item.sha256 == expected)
            #expect(item.byteCount == length && item.kind == .audio)
        }
    }

    @Test("a post dated a few seconds ahead stays out of the site and feeds until its time, then appears by itself")
    func scheduled() async throws {
        // The scheduler's clock is the test's: the post's time comes when the test says, not when a busy machine gets there.
        let clock = TestClock()
        let moved: (inout ServerConfiguration) -> Void = { $0.services.schedulerClock = { clock.now() } }
        try await TestSite.run(workerThreads: 0, configure: moved) { site in
            let token = try await site.token("create")
            let when = ISO8601DateFormatter().string(from: Date().addingTimeInterval(3600))
            let reply = try await site.postForm([("h", "entry"), ("content", "Later today"), ("published", when)], token: token)
            let url = try site.created(reply)
            #expect(try await site.get(url).status == .notFound)
            #expect(!(try await site.get("/feed.xml").text.contains("Later today")))
            let sources = try await site.get("/micropub?q=source", headers: [("Authorization", "Bearer \(token)")]).text
            #expect(sources.contains("Later today"))
            clock.advance(by: 3601)
            var appeared = false
            // A bound on a broken scheduler, not a timing: generous for a busy machine.
            let deadline = ContinuousClock.now + .seconds(300)
            while !appeared, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                appeared = try await site.get("/feed.xml").text.contains("Later today")
            }
            #expect(appeared)
            #expect(try await site.get(url).status == .ok)
        }
    }

    @Test("the owner edits, deletes and restores a post, retries a failed file, and changes the show, all from studio forms")
    func ownerForms() async throws {
        try await TestSite.run { site in
            let owner = try await OwnerSession.signIn(site)
            let token = try await site.token("create media")
            let url = try site.created(try await site.postForm([("h", "entry"), ("name", "First"), ("content", "Old words")], token: token))
            let slug = try #require(url.split(separator: "/").last.map(String.init))
            let edit = try await site.get("/studio/posts/\(slug)", headers: [owner.cookie])
            #expect(edit.text.contains("Old words"))
            let saved = try await OwnerSession.form(
                site,
                "/studio/posts/\(slug)",
                [("csrf", owner.csrf), ("name", "First"), ("content", "New *words*"), ("category", "a, b")],
                owner: owner
            )
            #expect(saved.status == .seeOther)
            let page = try await site.get(url).text
            #expect(page.contains("New <em>words</em>") && !page.contains("Old words"))
            // The studio keeps the Markdown to edit again.
            #expect(try await site.get("/studio/posts/\(slug)", headers: [owner.cookie]).text.contains("New *words*"))

            #expect(try await OwnerSession.form(site, "/studio/posts/\(slug)/delete", [("csrf", owner.csrf)], owner: owner).status == .seeOther)
            #expect(try await site.get(url).status == .gone)
            let deleted = try await site.get("/studio/posts?state=deleted", headers: [owner.cookie]).text
            #expect(deleted.contains("data-post=\"\(slug)\""))
            #expect(try await OwnerSession.form(site, "/studio/posts/\(slug)/undelete", [("csrf", owner.csrf)], owner: owner).status == .seeOther)
            #expect(try await site.get(url).status == .ok)

            // A recording that is silent fails with a reason; Retry queues it again.
            let silent = try Fixtures.folder().appendingPathComponent("silence.wav")
            _ = try await Fixtures.runOffPool(
                "ffmpeg",
                ["-v", "error", "-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono", "-t", "3", "-y", silent.path]
            )
            let upload = try await site.upload(silent, token: token)
            let location = try #require(upload.headers.first(name: "Location"))
            let id = try #require(site.urlsFor().mediaId(fromURL: location))
            _ = try await site.waitForJobs()
            let media = try await site.get("/studio/media", headers: [owner.cookie]).text
            #expect(media.contains("data-media=\"\(id)\" data-state=\"failed\""))
            #expect(media.contains("silent"))
            #expect(try await OwnerSession.form(site, "/studio/media/\(id)/retry", [("csrf", owner.csrf)], owner: owner).status == .seeOther)
            #expect(try await site.store.jobs(subject: .media(id)).count == 2)
            _ = try await site.waitForJobs()

            let show = try await OwnerSession.form(
                site,
                "/studio/show",
                [("csrf", owner.csrf), ("title", "Kitchen Radio"), ("site-title", "Ada's")],
                owner: owner
            )
            #expect(show.status == .seeOther)
            #expect(try await site.get("/podcast.xml").text.contains("<title>Kitchen Radio</title>"))
            let home = try await site.get("/").text
            #expect(home.contains("Ada&#39;s") || home.contains("Ada's"))
        }
    }

    @Test("each file's processing is pushed as Server-Sent Events: queued or processing, then done, then the stream ends")
    func liveStates() async throws {
        try await TestSite.run { site in
            let owner = try await OwnerSession.signIn(site)
            let token = try await site.token("media")
            let upload = try await site.upload(try await Fixtures.speech(in: try Fixtures.folder(), seconds: 8), token: token)
            let location = try #require(upload.headers.first(name: "Location"))
            let id = try #require(site.urlsFor().mediaId(fromURL: location))
            let events = try await Fixtures.runOffPool(
                "curl",
                ["-s", "-N", "--max-time", "60", "-H", "Cookie: mc_session=\(owner.session)", site.base + "/studio/events?media=\(id)"]
            )
            let text = String(decoding: events, as: UTF8.self)
            let states = text.components(separatedBy: "\n").filter { $0.hasPrefix("data: {\"id\"") }.compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8))) as? [String: Any]
            }.compactMap { $0["state"] as? String }
            #expect(states.last == "done", "\(text)")
            #expect(states.first.map { ["queued", "processing", "done"].contains($0) } == true)
            #expect(text.contains("event: end"))
            #expect(try await site.get("/studio/events?media=\(id)").status == .forbidden)
        }
    }
}

extension TestSite {
    /// The site's URLs, to read ids back from the URLs it answers with.
    func urlsFor() -> SiteURLs { SiteURLs(base: base) }
}

enum FileDigestForTests {
    static func sha256(_ file: URL) throws -> String {
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
