import Foundation
import MediaModel
import MicrocastCore
import Testing

/// Search over posts and transcripts, and transcripts' edits, on both stores.
@Suite("Search and transcripts in the store")
struct SearchStoreTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func recording() -> MediaItem {
        MediaItem(
            id: MediaIdentifier.make(),
            kind: .audio,
            mimeType: "audio/mpeg",
            fileExtension: "mp3",
            byteCount: 10,
            sha256: Secrets.make(),
            probe: MediaProbe(kind: .audio, format: "mp3", mimeType: "audio/mpeg")
        )
    }

    static func transcript(_ item: MediaItem, _ said: [(Double, String)], edited: Bool = false) -> StoredTranscript {
        StoredTranscript(
            mediaId: item.id,
            language: "en",
            isEdited: edited,
            cues: said.map { CaptionCue(start: $0.0, end: $0.0 + 3, lines: [$0.1]) }
        )
    }

    func post(_ slug: String, _ properties: MF2Properties, status: Post.Status = .published) -> Post {
        var post = Post(slug: slug, properties: properties, published: now)
        post.status = status
        return post
    }

    @Test(
        "a word said only in the audio finds its episode at that moment; titles, text and categories are found, titles first; drafts only for the owner; a deleted post never",
        arguments: StoreKind.allCases
    )
    func findsWordsAndMoments(kind: StoreKind) async throws {
        try await kind.with { store in
            let item = Self.recording()
            try await store.add(item, jobs: [])
            let episode = try await store.create(
                post("garden-show", ["name": [.string("The garden show")], "audio": [.string("https://example.com/media/\(item.id).mp3")]]),
                mediaIds: [item.id],
                jobs: { _ in [] }
            )
            try await store.complete(
                jobId: 0,
                result: .transcribed(
                    Self.transcript(item, [(0, "Welcome to the show."), (12.5, "Our guest grows tomatoes behind the library."), (20, "Thanks.")]),
                    renditions: []
                ),
                now: now
            )
            _ = try await store.create(
                post("tomato-notes", ["content": [.object(["html": .string("<p>Notes on <b>tomatoes</b> &amp; beans</p>")])]]),
                mediaIds: [],
                jobs: { _ in [] }
            )
            _ = try await store.create(
                post("tomatoes", ["name": [.string("Tomatoes")], "content": [.string("A list.")]]),
                mediaIds: [],
                jobs: { _ in [] }
            )
            _ = try await store.create(
                post("tagged", ["content": [.string("Seeds.")], "category": [.string("allotment")]]),
                mediaIds: [],
                jobs: { _ in [] }
            )
            _ = try await store.create(post("draft", ["content": [.string("Tomatoes later.")]], status: .draft), mediaIds: [], jobs: { _ in [] })
            _ = try await store.create(post("gone", ["content": [.string("Tomatoes gone.")]]), mediaIds: [], jobs: { _ in [] })
            try await store.setDeleted(slug: "gone", at: now, jobs: { _ in [] })
            // A site has more than tomatoes on it (ranking weighs how rare a word is).
            for day in 1...20 {
                _ = try await store.create(
                    post("day-\(day)", ["content": [.string("Day \(day) in the shed, mending a fence.")]]),
                    mediaIds: [],
                    jobs: { _ in [] }
                )
            }

            let tomatoes = try await store.search(try #require(SearchQuery("tomato")))
            #expect(Set(tomatoes.map(\.post.slug)) == ["garden-show", "tomato-notes", "tomatoes"])
            #expect(tomatoes.first?.post.slug == "tomatoes", "a title match ranks first: \(tomatoes.map(\.post.slug))")
            let moment = try #require(tomatoes.first { $0.post.slug == episode.slug })
            #expect(moment.moment == 12.5)
            #expect(moment.snippetHTML.contains("<mark>tomatoes</mark>"), "\(moment.snippetHTML)")
            let notes = try #require(tomatoes.first { $0.post.slug == "tomato-notes" })
            #expect(notes.moment == nil && notes.snippetHTML.contains("<mark>tomatoes</mark> &amp; beans"), "\(notes.snippetHTML)")

            // Every word must be there, in the same place; the last may be a word's start.
            #expect(try await store.search(try #require(SearchQuery("guest libr"))).map(\.post.slug) == ["garden-show"])
            #expect(try await store.search(try #require(SearchQuery("guest beans"))).isEmpty)
            // Words said in different captions find the recording, at the first caption with any of them.
            let apart = try await store.search(try #require(SearchQuery("welcome library")))
            #expect(apart.map(\.post.slug) == ["garden-show"] && apart.first?.moment == 0)
            #expect(try await store.search(try #require(SearchQuery("guest libr"))).first?.moment == 12.5)
            #expect(try await store.search(try #require(SearchQuery("allotment"))).map(\.post.slug) == ["tagged"])
            // Query syntax is only ever words: quotes, operators and brackets find what the words find.
            let hostile = try await store.search(try #require(SearchQuery("tomatoes\" OR \"x* NEAR( -beans")))
            let plain = try await store.search(try #require(SearchQuery("tomatoes or x near beans")))
            #expect(hostile.map(\.post.slug) == plain.map(\.post.slug))
            #expect(SearchQuery("\" * ( ) :") == nil)

            let owner = try await store.search(try #require(SearchQuery("tomatoes", includesUnpublished: true)))
            #expect(owner.map(\.post.slug).contains("draft") && !owner.map(\.post.slug).contains("gone"))
        }
    }

    @Test(
        "an edited transcript is kept when the recording is transcribed again, replaced only when the owner asks, and copied with the store",
        arguments: StoreKind.allCases
    )
    func editsKept(kind: StoreKind) async throws {
        try await kind.with { store in
            let item = Self.recording()
            try await store.add(item, jobs: [])
            let made = Self.transcript(item, [(0, "Hello from Jon.")])
            try await store.complete(jobId: 0, result: .transcribed(made, renditions: []), now: now)
            #expect(try await store.transcripts(forMedia: [item.id])[item.id] == made)

            let fixed = Self.transcript(item, [(0, "Hello from Joan.")])
            try await store.saveEdited(fixed, renditions: [])
            try await store.complete(jobId: 0, result: .transcribed(made, renditions: []), now: now)
            let kept = try #require(try await store.transcripts(forMedia: [item.id])[item.id])
            #expect(kept.isEdited && kept.cues.map(\.text) == ["Hello from Joan."])

            try await store.reprocess(mediaId: item.id, kind: .audioEpisode, now: now)
            let queued = try await store.jobs(subject: .media(item.id)).filter { $0.state == .queued }.map(\.kind)
            #expect(Set(queued) == [.audioEpisode, .transcribe])
            #expect(try await store.transcripts(forMedia: [item.id])[item.id]?.isEdited == true)

            try await store.requestTranscript(mediaId: item.id, discardingEdits: true, now: now)
            try await store.complete(jobId: 0, result: .transcribed(made, renditions: []), now: now)
            #expect(try await store.transcripts(forMedia: [item.id])[item.id] == made)
        }
    }
}
