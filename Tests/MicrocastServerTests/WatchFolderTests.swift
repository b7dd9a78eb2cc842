import Foundation
import Glibc
import MediaKit
import MediaModel
import MicrocastCore
import MicrocastStore
import TestSupport
import Testing

/// `microcast watch` and `microcast ingest`, run as the built binary against
/// a data folder a live server is publishing.
@Suite("Watch folder")
struct WatchFolderTests {
    /// Starts the CLI; standard error goes to a file so nothing blocks.
    func start(_ arguments: [String]) throws -> (process: Process, errors: URL) {
        let errors = try Fixtures.folder().appendingPathComponent("watch.log")
        FileManager.default.createFile(atPath: errors.path, contents: nil)
        let process = Process()
        process.executableURL = Microcast.binary
        process.arguments = arguments
        process.environment = Microcast.environment()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        return (process, errors)
    }

    /// Runs the CLI to its end, waiting off Swift's cooperative pool (the
    /// server under test, and the writer of a growing file, need that pool).
    func run(_ arguments: [String]) async throws -> (status: Int32, log: String) {
        let (process, errors) = try start(arguments)
        try await Fixtures.offPool { process.waitUntilExit() }
        return (process.terminationStatus, try String(contentsOf: errors, encoding: .utf8))
    }

    /// Files the watcher should treat as long finished.
    func age(_ urls: [URL]) throws {
        let past = Date().addingTimeInterval(-60)
        for url in urls { try FileManager.default.setAttributes([.modificationDate: past], ofItemAtPath: url.path) }
    }

    func names(in folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }

    @Test(
        "a mixed batch: sidecar titles in the feeds, corrupt files failed with reasons, a growing file taken once complete, nothing twice",
        arguments: TestSite.Database.allCases
    )
    func mixedBatch(database: TestSite.Database) async throws {
        try await TestSite.run(database: database) { site in
            let drop = try Fixtures.folder().appendingPathComponent("Drop")
            try FileManager.default.createDirectory(at: drop, withIntermediateDirectories: true)
            let scratch = try Fixtures.folder()

            var ready: [URL] = []
            ready.append(try await Fixtures.speech(in: drop, name: "monday.wav", seconds: 8))
            try Data(#"{"title": "Monday's episode", "episode": 1, "categories": ["talk"]}"#.utf8).write(
                to: drop.appendingPathComponent("monday.json")
            )
            ready.append(try await Fixtures.speech(in: drop, name: "tuesday.mp3", stereo: true, seconds: 8, title: "Tuesday from its tag"))
            ready.append(try await Fixtures.sidewaysJPEGWithGPS(in: drop, name: "card.jpg"))
            try Data(#"{"content": "Morning light", "alt": "A colourful test card"}"#.utf8).write(to: drop.appendingPathComponent("card.json"))
            ready.append(try await Fixtures.silentVideo(in: drop, name: "clip.mp4"))
            try Data(#"{"title": "A short clip"}"#.utf8).write(to: drop.appendingPathComponent("clip.json"))
            let trip = drop.appendingPathComponent("Skye")
            try FileManager.default.createDirectory(at: trip, withIntermediateDirectories: true)
            ready += [
                try await Fixtures.png(in: trip, name: "1-harbour.png", size: "400x300"),
                try await Fixtures.png(in: trip, name: "2-hill.png", size: "300x400"),
                try await Fixtures.sidewaysJPEGWithGPS(in: trip, name: "3-beach.jpg"),
            ]
            try Data(#"{"title": "Skye", "alt": ["Harbour", "Hill", "Beach"]}"#.utf8).write(to: drop.appendingPathComponent("Skye.json"))
            let whole = try Data(contentsOf: try await Fixtures.sidewaysJPEGWithGPS(in: scratch, name: "whole.jpg"))
            try whole.prefix(whole.count / 2).write(to: drop.appendingPathComponent("broken.jpg"))
            try Data("these are notes, not a recording\n".utf8).write(to: drop.appendingPathComponent("notes.wav"))
            try Data("half a download".utf8).write(to: drop.appendingPathComponent("film.mp4.part"))
            ready += ["monday.json", "card.json", "clip.json", "Skye.json", "broken.jpg", "notes.wav", "film.mp4.part"].map {
                drop.appendingPathComponent($0)
            }
            ready.append(trip)
            try age(ready)

            // A recording still being written when the run starts: half now, the rest in three seconds.
            let growingSource = try await Fixtures.speech(in: scratch, name: "growing.wav", seconds: 14)
            let fullLength = try #require(try await probed(growingSource.path).duration)
            let growingBytes = try Data(contentsOf: growingSource)
            let growing = drop.appendingPathComponent("wednesday.wav")
            FileManager.default.createFile(atPath: growing.path, contents: nil)
            let writer = try FileHandle(forWritingTo: growing)
            try writer.write(contentsOf: growingBytes.prefix(growingBytes.count / 2))
            let finishWriting = Task {
                try await Task.sleep(for: .seconds(3))
                try writer.write(contentsOf: growingBytes.dropFirst(growingBytes.count / 2))
                try writer.close()
            }

            let arguments =
                ["watch", "--data", site.data.path] + site.databaseArguments + ["--base-url", site.base, "--once", "--settle", "1", drop.path]
            let first = try await run(arguments)
            try await finishWriting.value
            #expect(first.status == 1, "failures make --once exit 1: \(first.log)")
            #expect(first.log.contains("posted 6, skipped 0 already posted, failed 2"), "\(first.log)")

            // The posts, with the sidecars' words, in the feed.
            let feed = try await site.get("/feed.json").json
            let items = try #require(feed["items"] as? [[String: Any]])
            let titles = Set(items.compactMap { $0["title"] as? String })
            for title in ["Monday's episode", "Tuesday from its tag", "A short clip", "Skye", "wednesday"] {
                #expect(titles.contains(title), "\(title) missing from \(titles)")
            }
            #expect(items.contains { ($0["content_html"] as? String)?.contains("Morning light") == true })
            let podcast = try await site.get("/podcast.xml").text
            #expect(podcast.contains("<title>Monday&apos;s episode</title>") || podcast.contains("<title>Monday's episode</title>"))
            #expect(podcast.contains("<itunes:episode>1</itunes:episode>"))

            // The album keeps its photos in name order with their alt text.
            let album = try #require(items.first { $0["title"] as? String == "Skye" }?["url"] as? String)
            let photos = try #require(try await site.pageEntry(album)["photo"] as? [[String: Any]])
            #expect(photos.compactMap { $0["alt"] as? String } == ["Harbour", "Hill", "Beach"])

            // The growing file was taken whole: its episode lasts the full recording.
            let wednesday = try #require(items.first { $0["title"] as? String == "wednesday" })
            let attachment = try #require((wednesday["attachments"] as? [[String: Any]])?.first)
            #expect(abs(Double(attachment["duration_in_seconds"] as? Int ?? 0) - fullLength) <= 1, "\(attachment) vs \(fullLength) s")

            // Outcomes on disk: done/, failed/ with notes, the temporary name untouched.
            #expect(names(in: drop) == ["done", "failed", "film.mp4.part"])
            #expect(
                names(in: drop.appendingPathComponent("done")) == [
                    "Skye", "Skye.json", "card.jpg", "card.json", "clip.json", "clip.mp4", "monday.json", "monday.wav", "tuesday.mp3",
                    "wednesday.wav",
                ]
            )
            let failed = drop.appendingPathComponent("failed")
            #expect(names(in: failed) == ["broken.jpg", "broken.jpg.error.txt", "notes.wav", "notes.wav.error.txt"])
            let brokenNote = try String(contentsOf: failed.appendingPathComponent("broken.jpg.error.txt"), encoding: .utf8)
            #expect(brokenNote.contains("truncated"), "\(brokenNote)")
            let notesNote = try String(contentsOf: failed.appendingPathComponent("notes.wav.error.txt"), encoding: .utf8)
            #expect(notesNote.contains("not an audio, video or photo format"), "\(notesNote)")

            // Dropping the same bytes again posts nothing new.
            let done = drop.appendingPathComponent("done")
            for name in ["card.jpg", "monday.wav", "Skye"] {
                try FileManager.default.copyItem(at: done.appendingPathComponent(name), to: drop.appendingPathComponent(name))
            }
            try age(["card.jpg", "monday.wav", "Skye"].map { drop.appendingPathComponent($0) })
            let second = try await run(arguments)
            #expect(second.status == 0, "\(second.log)")
            #expect(second.log.contains("posted 0, skipped 3 already posted, failed 0"), "\(second.log)")
            #expect(((try await site.get("/feed.json").json["items"]) as? [[String: Any]])?.count == items.count)
        }
    }

    @Test("killed with SIGKILL mid-batch, the next run finishes it: every file posted exactly once")
    func killAndResume() async throws {
        let data = try Fixtures.folder()
        let drop = try Fixtures.folder().appendingPathComponent("Drop")
        try FileManager.default.createDirectory(at: drop, withIntermediateDirectories: true)
        var files: [URL] = []
        for index in 1...8 {
            files.append(try await Fixtures.png(in: drop, name: "photo-\(index).png", size: "\(1600 + index * 16)x1200"))
        }
        files.append(try await Fixtures.speech(in: drop, name: "talk.wav", seconds: 14))
        try age(files)
        let store = try SQLiteStore(path: data.appendingPathComponent("microcast.sqlite").path)

        let (watcher, log) = try start(["watch", "--data", data.path, "--settle", "0", "--jobs", "1", drop.path])
        // Killed as soon as the first item has moved to done/, watched from a thread of its own.
        // The deadline only keeps a broken watcher from hanging the suite: a
        // loaded run once took over a minute to finish the first item.
        let done = drop.appendingPathComponent("done")
        let pid = watcher.processIdentifier
        try await Fixtures.offPool {
            let deadline = Date().addingTimeInterval(600)
            while ((try? FileManager.default.contentsOfDirectory(atPath: done.path)) ?? []).isEmpty && Date() < deadline {
                usleep(5_000)
            }
            kill(pid, SIGKILL)
            watcher.waitUntilExit()
        }
        let postedBeforeKill = try await store.allPosts(limit: 100, offset: 0).count
        #expect(postedBeforeKill >= 1 && postedBeforeKill < files.count, "killed mid-batch: \(postedBeforeKill) of \(files.count) posted")

        let resumed = try await run(["watch", "--data", data.path, "--once", "--settle", "0", drop.path])
        let killedLog = try String(contentsOf: log, encoding: .utf8)
        #expect(resumed.status == 0, "\(resumed.log)\n\(killedLog)")
        let posts = try await store.allPosts(limit: 100, offset: 0)
        #expect(posts.count == files.count, "every file posted exactly once")
        let used = posts.flatMap { post in ["photo", "audio"].flatMap { post.properties[$0] ?? [] }.compactMap(\.urlValue) }
        #expect(Set(used).count == files.count, "no two posts share a file")
        #expect(names(in: drop) == ["done", "failed"])
        #expect(names(in: drop.appendingPathComponent("failed")).isEmpty)
        #expect(names(in: drop.appendingPathComponent("done")).count == files.count)
    }

    @Test("an episode made by ingest carries the site's title and author, as `site set` stored them, in its ID3 tags")
    func ingestUsesSiteNames() async throws {
        let data = try Fixtures.folder()
        let folder = try Fixtures.folder()
        let set = try await run(["site", "set", "--data", data.path, "--title", "Kitchen Radio", "--author", "Ada Lovelace"])
        #expect(set.status == 0, "\(set.log)")
        let talk = try await Fixtures.speech(in: folder, name: "talk.wav", seconds: 8)
        let ingested = try await run(["ingest", "--data", data.path, talk.path])
        #expect(ingested.status == 0, "\(ingested.log)")

        let store = try SQLiteStore(path: data.appendingPathComponent("microcast.sqlite").path)
        let item = try #require(try await store.recentMedia(limit: 1, offset: 0).first)
        let mp3 = try #require(try await store.renditions(forMedia: [item.id])[item.id]?.podcastFile)
        let tags =
            try #require(
                try await Fixtures.ffprobe(data.appendingPathComponent("renditions/\(mp3.fileName)"))["format"] as? [String: Any]
            )["tags"] as? [String: String]
        #expect(tags?["artist"] == "Ada Lovelace")
        #expect(tags?["album"] == "Kitchen Radio")
    }

    @Test("ingest posts named files and returns once published; exit 1 if any fails")
    func ingestCommand() async throws {
        let data = try Fixtures.folder()
        let folder = try Fixtures.folder()
        let photo = try await Fixtures.png(in: folder, name: "sunset.png")
        let tone = try await Fixtures.tone(in: folder, name: "jingle.mp3", seconds: 2, title: "The jingle")
        let good = try await run(["ingest", "--data", data.path, photo.path, tone.path])
        #expect(good.status == 0, "\(good.log)")
        #expect(good.log.contains("posted 2"))
        let store = try SQLiteStore(path: data.appendingPathComponent("microcast.sqlite").path)
        let posts = try await store.allPosts(limit: 10, offset: 0)
        #expect(posts.count == 2)
        // Returned once published: every file is already processed.
        let media = try await store.recentMedia(limit: 10, offset: 0)
        #expect(media.allSatisfy { $0.state == .ready })
        #expect(posts.contains { $0.strings("name") == ["The jingle"] })
        #expect(FileManager.default.fileExists(atPath: photo.path), "ingest leaves files where they are")

        let fake = folder.appendingPathComponent("fake.jpg")
        try Data("nope".utf8).write(to: fake)
        let bad = try await run(["ingest", "--data", data.path, fake.path, photo.path])
        #expect(bad.status == 1)
        #expect(bad.log.contains("posted 0, skipped 1 already posted, failed 1"), "\(bad.log)")
    }
    @Test("watch on a data folder serve has never run on, then serve on another port: the feed's picture is a rendition at the new base")
    func watchBeforeServe() async throws {
        let data = try Fixtures.folder()
        let drop = try Fixtures.folder().appendingPathComponent("Drop")
        try FileManager.default.createDirectory(at: drop, withIntermediateDirectories: true)
        try age([try await Fixtures.sidewaysJPEGWithGPS(in: drop, name: "card.jpg")])
        let watched = try await run(["watch", "--data", data.path, "--once", "--settle", "0", drop.path])
        #expect(watched.status == 0, "\(watched.log)")

        try await TestSite.run(data: data) { site in
            let feed = try await site.get("/feed.json").json
            let item = try #require((feed["items"] as? [[String: Any]])?.first)
            let image = try #require(item["image"] as? String)
            #expect(image.hasPrefix(site.base + "/media/r/") && image.hasSuffix(".jpg"), "\(image)")
            #expect(try await site.get(image).status == .ok)
            let page = try await site.get(try #require(item["url"] as? String))
            #expect(page.status == .ok && !page.text.contains("photo-pending"))
        }
    }
    @Test("symbolic links in the drop folder, to files and folders elsewhere, are not followed")
    func symlinksNotFollowed() async throws {
        let data = try Fixtures.folder()
        let elsewhere = try Fixtures.folder()
        let secretPhoto = try await Fixtures.png(in: elsewhere, name: "private.png")
        let secretFolder = elsewhere.appendingPathComponent("Private")
        try FileManager.default.createDirectory(at: secretFolder, withIntermediateDirectories: true)
        _ = try await Fixtures.png(in: secretFolder, name: "inside.png")

        let drop = try Fixtures.folder().appendingPathComponent("Drop")
        let album = drop.appendingPathComponent("Album")
        try FileManager.default.createDirectory(at: album, withIntermediateDirectories: true)
        // Different pictures: the same bytes twice would be one post (ingest skips duplicates).
        var ready = [try await Fixtures.png(in: drop, name: "card.png"), try await Fixtures.png(in: album, name: "one.png", size: "240x160")]
        let manager = FileManager.default
        try manager.createSymbolicLink(at: drop.appendingPathComponent("linked.png"), withDestinationURL: secretPhoto)
        try manager.createSymbolicLink(at: drop.appendingPathComponent("Trip"), withDestinationURL: secretFolder)
        try manager.createSymbolicLink(at: album.appendingPathComponent("two.png"), withDestinationURL: secretPhoto)
        ready.append(album)
        try age(ready)

        let watched = try await run(["watch", "--data", data.path, "--once", "--settle", "0", drop.path])
        #expect(watched.status == 0, "\(watched.log)")
        let store = try SQLiteStore(path: data.appendingPathComponent("microcast.sqlite").path)
        let posts = try await store.publishedPosts(limit: 100, offset: 0)
        #expect(posts.count == 2, "the card and the album, nothing through a link: \(watched.log)")
        #expect(posts.map { $0.properties["photo"]?.count ?? 0 }.sorted() == [1, 1])
        #expect(manager.fileExists(atPath: secretPhoto.path) && manager.fileExists(atPath: secretFolder.appendingPathComponent("inside.png").path))
        #expect(names(in: drop).contains("linked.png") && names(in: drop).contains("Trip"))
    }
}
