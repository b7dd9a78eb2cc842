import Foundation
import MediaModel
import MicrocastPostgres
import MicrocastStore
import TestSupport
import Testing

@testable import MicrocastCore

/// The repositories and the job queue, one suite run against both stores.
@Suite("Store and job queue")
struct StoreTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func photo() -> MediaItem {
        MediaItem(
            id: MediaIdentifier.make(),
            kind: .photo,
            mimeType: "image/jpeg",
            fileExtension: "jpg",
            byteCount: 10,
            sha256: Secrets.make(),
            probe: MediaProbe(kind: .photo, format: "jpeg", mimeType: "image/jpeg")
        )
    }

    @discardableResult
    func addPhoto(_ store: any DataStore, maxAttempts: Int = 3) async throws -> MediaItem {
        let item = Self.photo()
        try await store.add(item, processing: JobRequest(kind: .photoRenditions, subject: .media(item.id), maxAttempts: maxAttempts))
        return item
    }

    @Test("a claimed job is not claimed twice while its lease lasts, and is once it runs out", arguments: StoreKind.allCases)
    func leaseExpiry(kind: StoreKind) async throws {
        try await kind.with { store in
            let item = try await addPhoto(store)
            let first = try #require(try await store.claim(worker: "a", lease: 60, now: now, kinds: JobKind.working(on: .media)))
            #expect(first.subject == .media(item.id) && first.attempts == 1 && first.worker == "a")
            #expect(try await store.claim(worker: "b", lease: 60, now: now.addingTimeInterval(30), kinds: JobKind.working(on: .media)) == nil)
            // Worker "a" died: after the lease the job is taken again.
            let again = try #require(
                try await store.claim(worker: "b", lease: 60, now: now.addingTimeInterval(61), kinds: JobKind.working(on: .media))
            )
            #expect(again.id == first.id && again.attempts == 2 && again.worker == "b")
        }
    }

    @Test("the census counts jobs by kind and state, with when the oldest queued one was queued", arguments: StoreKind.allCases)
    func census(kind: StoreKind) async throws {
        try await kind.with { store in
            let start = Date().addingTimeInterval(-1)
            for _ in 0..<3 { try await addPhoto(store) }
            _ = try #require(try await store.claim(worker: "a", lease: 60, now: Date(), kinds: JobKind.working(on: .media)))
            let census = try await store.census()
            let queued = try #require(census.first { $0.kind == .photoRenditions && $0.state == .queued })
            #expect(queued.count == 2)
            #expect(try #require(queued.oldest) >= start && queued.oldest! <= Date())
            #expect(census.first { $0.kind == .photoRenditions && $0.state == .running }?.count == 1)
            #expect(census.allSatisfy { $0.kind == .photoRenditions })
        }
    }

    @Test("the content stamp moves at once for a change made through the same store, and soon for one made by another process")
    func contentStampSeesChanges() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("microcast-stamp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("site.sqlite").path
        let serving = try SQLiteStore(path: path)
        let other = try SQLiteStore(path: path)
        func note(_ slug: String) -> Post { Post(slug: slug, properties: ["content": [.string(slug)]], published: now) }

        let first = try await serving.contentStamp()
        #expect(try await serving.contentStamp() == first)
        _ = try await serving.create(note("here"), mediaIds: [], jobs: { _ in [] })
        let second = try await serving.contentStamp()
        #expect(second != first, "a change through the same store is seen by the next read")

        _ = try await other.create(note("elsewhere"), mediaIds: [], jobs: { _ in [] })
        let deadline = ContinuousClock.now + .seconds(30)
        var third = try await serving.contentStamp()
        while third == second && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
            third = try await serving.contentStamp()
        }
        #expect(third != second, "a change by another connection is seen once the reading is old")
    }

    @Test("a renewed lease keeps the job with its worker", arguments: StoreKind.allCases)
    func renew(kind: StoreKind) async throws {
        try await kind.with { store in
            try await addPhoto(store)
            let job = try #require(try await store.claim(worker: "a", lease: 60, now: now, kinds: JobKind.working(on: .media)))
            try await store.renewLease(jobId: job.id, worker: "a", until: now.addingTimeInterval(200))
            #expect(try await store.claim(worker: "b", lease: 60, now: now.addingTimeInterval(100), kinds: JobKind.working(on: .media)) == nil)
            // Another worker cannot renew a lease it does not hold.
            try await store.renewLease(jobId: job.id, worker: "b", until: now.addingTimeInterval(900))
            #expect(try await store.claim(worker: "b", lease: 60, now: now.addingTimeInterval(201), kinds: JobKind.working(on: .media)) != nil)
        }
    }

    @Test("a failure is retried after its back-off, then ends failed with its reason", arguments: StoreKind.allCases)
    func retryThenFail(kind: StoreKind) async throws {
        try await kind.with { store in
            try await addPhoto(store, maxAttempts: 2)
            let job = try #require(try await store.claim(worker: "a", lease: 60, now: now, kinds: JobKind.working(on: .media)))
            try await store.fail(jobId: job.id, reason: "disk full", retryAt: now.addingTimeInterval(10), now: now)
            #expect(try await store.claim(worker: "a", lease: 60, now: now.addingTimeInterval(5), kinds: JobKind.working(on: .media)) == nil)
            let retry = try #require(
                try await store.claim(worker: "a", lease: 60, now: now.addingTimeInterval(11), kinds: JobKind.working(on: .media))
            )
            try await store.fail(jobId: retry.id, reason: "disk still full", retryAt: now.addingTimeInterval(30), now: now)
            let ended = try #require(try await store.job(id: job.id))
            #expect(ended.state == .failed)
            #expect(ended.lastError == "disk still full")
            #expect(try await store.claim(worker: "a", lease: 60, now: now.addingTimeInterval(100), kinds: JobKind.working(on: .media)) == nil)
        }
    }

    @Test("a job whose worker crashed on every attempt ends failed instead of looping", arguments: StoreKind.allCases)
    func poisonJob(kind: StoreKind) async throws {
        try await kind.with { store in
            try await addPhoto(store, maxAttempts: 1)
            let job = try #require(try await store.claim(worker: "a", lease: 60, now: now, kinds: JobKind.working(on: .media)))
            #expect(try await store.claim(worker: "b", lease: 60, now: now.addingTimeInterval(61), kinds: JobKind.working(on: .media)) == nil)
            #expect(try await store.job(id: job.id)?.state == .failed)
        }
    }

    @Test("a job released by a dead process at its attempts cap is failed with its media, never claimed again", arguments: StoreKind.allCases)
    func releasedAtCap(kind: StoreKind) async throws {
        try await kind.with { store in
            let item = try await addPhoto(store, maxAttempts: 2)
            var jobId: Int64 = 0
            for attempt in 1...2 {
                let job = try #require(try await store.claim(worker: "crashed-\(attempt)", lease: 600, now: now, kinds: JobKind.working(on: .media)))
                #expect(job.attempts == attempt)
                jobId = job.id
                // The process died; the next one to start releases its jobs at once.
                try await store.releaseLeases(ownedBy: "crashed-\(attempt)", now: now)
            }
            #expect(try await store.claim(worker: "next", lease: 600, now: now, kinds: JobKind.working(on: .media)) == nil)
            let job = try #require(try await store.job(id: jobId))
            #expect(job.state == .failed && job.lastError == "the worker stopped while processing this file 2 times")
            let media = try #require(try await store.media(id: item.id))
            #expect(media.state == .failed && media.failure == "the worker stopped while processing this file 2 times")
        }
    }

    @Test("workers claiming at once each get different jobs, and every job is claimed once", arguments: StoreKind.allCases)
    func concurrentClaims(kind: StoreKind) async throws {
        try await kind.with { store in
            for _ in 0..<40 { try await addPhoto(store) }
            let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        var mine: [Int64] = []
                        while let job = try await store.claim(worker: "w\(worker)", lease: 600, now: now, kinds: JobKind.working(on: .media)) {
                            mine.append(job.id)
                            try await store.complete(jobId: job.id, now: now)
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(claimed.count == 40)
            #expect(Set(claimed).count == 40)
        }
    }

    @Test("a worker waiting for work wakes when a job is queued, well before its timeout", arguments: StoreKind.allCases)
    func wakeUp(kind: StoreKind) async throws {
        try await kind.with { store in
            let waiter = Task {
                let start = ContinuousClock.now
                await store.waitForWork(upTo: .seconds(600))
                return ContinuousClock.now - start
            }
            try await Task.sleep(for: .milliseconds(300))
            try await addPhoto(store)
            let waited = await waiter.value
            #expect(waited < .seconds(300), "woken by the job, not the timeout: \(waited)")
        }
    }

    @Test("only a token's hash is stored, and it is found by that hash", arguments: StoreKind.allCases)
    func tokens(kind: StoreKind) async throws {
        try await kind.with { store in
            let token = Secrets.make()
            #expect(token.count >= 43)
            try await store.addToken(AccessToken(hash: Secrets.hash(token), scope: ScopeSet("create media")))
            let found = try #require(try await store.token(hash: Secrets.hash(token), now: now))
            #expect(found.scope.contains(.media) && !found.scope.contains(.delete))
            #expect(try await store.token(hash: Secrets.hash(token + "x"), now: now) == nil)
            #expect(Secrets.hash(token) != token)
            #expect(try await store.snapshot().tokens.allSatisfy { $0.hash != token })
        }
    }

    @Test("a refresh token is spent once; presenting it again revokes its whole grant", arguments: StoreKind.allCases)
    func refreshRotation(kind: StoreKind) async throws {
        try await kind.with { store in
            let grant = "grant-1"
            try await store.addToken(AccessToken(hash: "access", kind: .access, scope: ScopeSet("create"), grant: grant, createdAt: now))
            try await store.addToken(AccessToken(hash: "refresh", kind: .refresh, scope: ScopeSet("create"), grant: grant, createdAt: now))
            guard case .valid(let spent) = try await store.redeemRefreshToken(hash: "refresh", now: now) else {
                Issue.record("a live refresh token was not accepted")
                return
            }
            #expect(spent.grant == grant)
            #expect(try await store.redeemRefreshToken(hash: "refresh", now: now) == .reused)
            #expect(try await store.token(hash: "access", now: now) == nil)
        }
    }

    @Test("two posts with the same slug get distinct permalinks", arguments: StoreKind.allCases)
    func slugs(kind: StoreKind) async throws {
        try await kind.with { store in
            let post = Post(slug: "hello", properties: ["content": [.string("hi")]], published: now)
            let first = try await store.create(post, mediaIds: [], jobs: { _ in [] })
            let second = try await store.create(post, mediaIds: [], jobs: { _ in [] })
            #expect(first.slug == "hello" && second.slug == "hello-2")
            #expect(try await store.publishedPosts(limit: 10, offset: 0).count == 2)
        }
    }

    @Test("posts are found by category, kind and status, and a deleted one leaves the lists", arguments: StoreKind.allCases)
    func postQueries(kind: StoreKind) async throws {
        try await kind.with { store in
            let item = try await addPhoto(store)
            _ = try await store.create(
                Post(slug: "tagged", properties: ["photo": [.string("x")], "category": [.string("Birds"), .string("a/b")]], published: now),
                mediaIds: [item.id],
                jobs: { _ in [] }
            )
            _ = try await store.create(
                Post(slug: "plain", properties: ["content": [.string("hi")]], published: now.addingTimeInterval(1)),
                mediaIds: [],
                jobs: { _ in [] }
            )
            var draft = Post(slug: "draft", properties: ["content": [.string("later")]], published: now)
            draft.status = .draft
            _ = try await store.create(draft, mediaIds: [], jobs: { _ in [] })
            #expect(try await store.publishedPosts(tagged: "Birds", limit: 10, offset: 0).map(\.slug) == ["tagged"])
            #expect(try await store.publishedPosts(tagged: "a/b", limit: 10, offset: 0).map(\.slug) == ["tagged"])
            #expect(try await store.publishedCount(tagged: nil) == 2)
            #expect(try await store.categories().sorted() == ["Birds", "a/b"])
            #expect(try await store.posts(usingMedia: item.id) == ["tagged"])
            #expect(try await store.ownerPosts(kind: nil, status: .draft, deleted: false, limit: 10, offset: 0).map(\.slug) == ["draft"])
            let before = try await store.contentStamp()
            try await store.setDeleted(slug: "plain", at: now, jobs: { _ in [] })
            #expect(try await store.contentStamp() != before)
            #expect(try await store.publishedPosts(limit: 10, offset: 0).map(\.slug) == ["tagged"])
        }
    }

    @Test(
        "a store's every row copies into an empty store of either kind, ids kept",
        arguments: [
            (StoreKind.sqlite, StoreKind.postgres), (.postgres, .sqlite),
        ]
    )
    func copy(from source: StoreKind, to target: StoreKind) async throws {
        try await source.with { from in
            try await populate(from)
            let snapshot = try await from.snapshot()
            #expect(snapshot.counts.allSatisfy { $0.value > 0 }, "\(snapshot.counts)")
            try await target.with { to in
                try await to.restore(snapshot)
                #expect(try await to.snapshot().atMilliseconds() == snapshot.atMilliseconds())
                // The copy carries on where the original left off.
                let next = try await to.create(Post(slug: "after", properties: [:], published: now), mediaIds: [], jobs: { _ in [] })
                #expect(next.id.map { id in snapshot.posts.allSatisfy { $0.post.id! < id } } == true)
                #expect(try await to.integrityCheck() == "ok")
            }
        }
    }

    @Test("a copy is refused into a store that holds anything", arguments: StoreKind.allCases)
    func copyRefusesNonEmpty(kind: StoreKind) async throws {
        try await kind.with { store in
            try await store.setSettings([.siteTitle: "Mine"])
            await #expect(throws: StoreCopyError.self) { try await store.restore(StoreSnapshot()) }
            #expect(try await store.settings()[.siteTitle] == "Mine")
        }
    }

    /// One of every kind of row.
    func populate(_ store: any DataStore) async throws {
        let item = try await addPhoto(store)
        let job = try #require(try await store.claim(worker: "w", lease: 60, now: now, kinds: JobKind.working(on: .media)))
        try await store.finishProcessing(
            mediaId: item.id,
            renditions: [
                Rendition(
                    mediaId: item.id,
                    role: .image(.jpeg),
                    mimeType: "image/jpeg",
                    width: 640,
                    height: 480,
                    byteCount: 9,
                    fileName: "\(item.id)-640.jpg"
                )
            ],
            placeholder: "data:image/png;base64,AA=="
        )
        try await store.complete(jobId: job.id, now: now)
        try await store.saveEdited(
            StoredTranscript(mediaId: item.id, language: "en", isEdited: true, cues: [CaptionCue(start: 0.5, end: 2, lines: ["A caption"])]),
            renditions: []
        )
        try await addPhoto(store)
        _ = try await store.createPost(
            Post(slug: "first", properties: ["photo": [.string("https://example.com/media/\(item.id).jpg")]], published: now),
            mediaIds: [item.id],
            ingestHash: "abc",
            source: "watch",
            jobs: { _ in [] }
        )
        try await store.addToken(AccessToken(hash: "t", scope: ScopeSet("create"), clientId: "https://app.example/", createdAt: now))
        try await store.setPassphraseHash("scrypt$…", now: now)
        try await store.addSession(hash: "s", csrf: "c", signedInAt: now, expiresAt: now.addingTimeInterval(3600))
        try await store.addCode(
            AuthorizationCode(
                hash: "code",
                clientId: "https://app.example/",
                redirectURI: "https://app.example/cb",
                codeChallenge: "x",
                scope: ScopeSet("create"),
                expiresAt: now
            )
        )
        try await store.setSettings([.siteTitle: "Copied", .show(.guid): "1234"])
        var mention = try await store.receiveMention(
            source: "https://friend.example/reply",
            target: "https://example.com/posts/first",
            postSlug: "first",
            newId: "m1",
            now: now
        )
        mention.state = .shown
        mention.kind = .reply
        mention.author = MentionAuthor(
            name: "Friend",
            url: "https://friend.example/",
            remotePhoto: "https://friend.example/me.jpg",
            photoFile: "avatar-1.jpg"
        )
        mention.contentHTML = "<p>Nice</p>"
        try await store.saveMention(mention)
        try await store.recordSent(
            SentMention(
                postSlug: "first",
                target: "https://friend.example/post",
                outcome: .sent,
                endpoint: "https://friend.example/wm",
                detail: "202",
                updatedAt: now
            )
        )
        try await store.saveCitation(Citation(url: "https://friend.example/post", name: "A post", authorName: "Friend", fetchedAt: now))
        try await store.addDownloads([DownloadCount(episode: "first", day: "2026-12-04", app: .overcast, count: 7)])
        let account = SyndicationAccount(
            uid: "https://social.example/@me",
            service: .mastodon,
            name: "@me@social.example on Mastodon",
            user: SyndicationUser(name: "Me", url: "https://social.example/@me"),
            credentials: .mastodon(MastodonCredentials(instance: "https://social.example", accessToken: "secret", accountId: "1")),
            defaults: [.photo, .audio],
            limits: .mastodonDefaults,
            connectedAt: now
        )
        try await store.saveSyndicationAccount(account)
        try await store.saveCopy(
            SyndicationCopy(
                postSlug: "first",
                accountUid: account.uid,
                state: .live,
                remoteId: "99",
                remoteURL: "https://social.example/@me/99",
                sentDigest: "abc def",
                replacedURLs: ["https://social.example/@me/98"],
                postedAt: now,
                updatedAt: now
            )
        )
        try await store.saveFollower(
            Follower(
                actorId: "https://remote.example/users/ann",
                inbox: "https://remote.example/inbox",
                followId: "https://remote.example/f/1",
                followedAt: now
            ),
            jobs: []
        )
        try await store.setRedirect(Redirect(path: "/2019/05/bread", target: "/posts/bread", createdAt: now))
    }

    @Test(
        "responses from another network: one per source and target, an update keeps the owner's decision, only their author forgets them, Webmentions stay",
        arguments: StoreKind.allCases
    )
    func responses(kind: StoreKind) async throws {
        try await kind.with { store in
            let ann = "https://social.example/users/ann"
            func response(_ id: String, source: String, author: String = ann, text: String = "Hi") -> Mention {
                Mention(
                    id: id,
                    source: source,
                    target: "https://example.com/posts/p",
                    postSlug: "p",
                    state: .held,
                    kind: .reply,
                    author: MentionAuthor(name: "Ann", url: author),
                    contentHTML: text,
                    receivedAt: now,
                    via: Mention.fediverse
                )
            }
            try await store.recordResponses([
                response("r1", source: ann + "/1"), response("r2", source: "https://other.example/bo/1", author: "https://other.example/bo"),
            ])
            var approved = try #require(try await store.mention(id: "r1"))
            approved.state = .shown
            try await store.saveMention(approved)
            let webmention = try await store.receiveMention(
                source: "https://site.example/a",
                target: "https://example.com/posts/p",
                postSlug: "p",
                newId: "w1",
                now: now
            )
            let before = try await store.contentStamp()
            try await store.recordResponses([response("r3", source: ann + "/1", text: "Hi, edited")])
            let edited = try #require(try await store.mention(id: "r1"))
            #expect(edited.contentHTML == "Hi, edited" && edited.state == .shown, "the same response, still shown")
            #expect(try await store.mention(id: "r3") == nil)
            #expect(try await store.contentStamp() != before, "pages showing it are rendered again")

            #expect(try await store.forgetResponses(authorURL: ann, source: "https://other.example/bo/1") == 0, "not Ann's to take back")
            #expect(try await store.forgetResponses(authorURL: ann, source: ann + "/1") == 1)
            #expect(try await store.forgetResponses(authorURL: "https://other.example/bo", source: nil) == 1)
            #expect(try await store.forgetResponses(authorURL: "https://site.example/a", source: nil) == 0)
            #expect(try await store.mentions(state: nil, limit: 10).map(\.id) == [webmention.id])
        }
    }

    @Test(
        "a response whose author's photo is not ours comes with a job to fetch it, queued on the stored response; its result shows the photo on every response that has it",
        arguments: StoreKind.allCases
    )
    func authorPhotos(kind: StoreKind) async throws {
        try await kind.with { store in
            let ann = "https://social.example/users/ann"
            func response(_ id: String, source: String, photo: String, text: String = "Hi") -> Mention {
                Mention(
                    id: id,
                    source: source,
                    target: "https://example.com/posts/p",
                    postSlug: "p",
                    state: .held,
                    kind: .reply,
                    author: MentionAuthor(name: "Ann", url: ann, remotePhoto: photo),
                    contentHTML: text,
                    receivedAt: now,
                    via: Mention.fediverse
                )
            }
            let photo = "https://social.example/ann.png"
            try await store.recordResponses([response("r1", source: ann + "/1", photo: photo), response("r2", source: ann + "/2", photo: photo)])
            try await store.recordResponses([response("r3", source: ann + "/1", photo: photo, text: "Hi, edited")])
            #expect(try await store.jobs(subject: .mention("r1")).map(\.kind) == [.authorPhoto], "once while it waits, on the stored id")
            #expect(try await store.jobs(subject: .mention("r3")).isEmpty)
            let job = try #require(try await store.jobs(subject: .mention("r1")).first)
            try await store.complete(jobId: job.id, result: .authorPhoto(remote: photo, file: "avatar.0123456789.jpg"), now: now)
            for id in ["r1", "r2"] { #expect(try await store.mention(id: id)?.author.photoFile == "avatar.0123456789.jpg") }

            try await store.recordResponses([response("r4", source: ann + "/3", photo: "")])
            #expect(try await store.jobs(subject: .mention("r4")).isEmpty, "no photo, nothing to fetch")
        }
    }

    @Test("a re-sent Webmention updates the one mention; counts are of shown mentions by kind", arguments: StoreKind.allCases)
    func mentions(kind: StoreKind) async throws {
        try await kind.with { store in
            let first = try await store.receiveMention(
                source: "https://a.example/1",
                target: "https://example.com/posts/p",
                postSlug: "p",
                newId: "m1",
                now: now
            )
            #expect(first.state == .pending && first.id == "m1")
            var shown = first
            shown.state = .shown
            shown.kind = .like
            try await store.saveMention(shown)
            let before = try await store.contentStamp()
            let again = try await store.receiveMention(
                source: "https://a.example/1",
                target: "https://example.com/posts/p",
                postSlug: "p",
                newId: "m2",
                now: now
            )
            #expect(again.id == "m1" && again.state == .shown, "a re-send keeps what is shown until verified again")
            #expect(try await store.contentStamp() != before)
            var rejected = try await store.receiveMention(
                source: "https://b.example/1",
                target: "https://example.com/posts/p",
                postSlug: "p",
                newId: "m3",
                now: now
            )
            rejected.state = .rejected
            try await store.saveMention(rejected)
            #expect(
                try await store.receiveMention(
                    source: "https://b.example/1",
                    target: "https://example.com/posts/p",
                    postSlug: "p",
                    newId: "m4",
                    now: now
                ).state == .pending
            )
            #expect(try await store.mentionCounts(postSlugs: ["p", "q"]) == ["p": [.like: 1]])
            #expect(try await store.mentions(postSlug: "p", states: [.shown]).map(\.id) == ["m1"])
            #expect(Set(try await store.mentions(state: nil, limit: 10).map(\.id)) == ["m1", "m3"])
            try await store.recordSent(
                SentMention(postSlug: "p", target: "https://a.example/", outcome: .failed, endpoint: nil, detail: "x", updatedAt: now)
            )
            try await store.recordSent(
                SentMention(
                    postSlug: "p",
                    target: "https://a.example/",
                    outcome: .sent,
                    endpoint: "https://a.example/wm",
                    detail: "202",
                    updatedAt: now
                )
            )
            #expect(try await store.sentMentions(postSlug: "p").map(\.outcome) == [.sent])
        }
    }

    @Test("conversation jobs are queued once while waiting, and claimed only by workers that ask for their kind", arguments: StoreKind.allCases)
    func conversationJobs(kind: StoreKind) async throws {
        try await kind.with { store in
            try await store.enqueue(JobRequest(kind: .sendMentions, subject: .post("p")), now: now)
            try await store.enqueue(JobRequest(kind: .sendMentions, subject: .post("p")), now: now)
            try await store.enqueue(JobRequest(kind: .verifyMention, subject: .mention("m1")), now: now)
            #expect(try await store.jobs(subject: .post("p")).count == 1, "a second send for the same post waits in the first")
            #expect(try await store.claim(worker: "media", lease: 60, now: now, kinds: JobKind.working(on: .media)) == nil)
            let first = try #require(try await store.claim(worker: "talk", lease: 60, now: now, kinds: [JobKind.verifyMention, .sendMentions]))
            #expect(first.kind == .sendMentions && first.subject == .post("p"))
            // Once it runs, a new change queues a new send, so the latest version is sent.
            try await store.enqueue(JobRequest(kind: .sendMentions, subject: .post("p")), now: now)
            #expect(try await store.jobs(subject: .post("p")).count == 2)
            #expect(try await store.integrityCheck() == "ok")
        }
    }

    @Test(
        "a change to a post and the jobs it causes are saved together: created, updated, deleted, published when due, and made from dropped files",
        arguments: StoreKind.allCases
    )
    func outbox(kind: StoreKind) async throws {
        try await kind.with { store in
            let send: PostJobs = { [JobRequest(kind: .sendMentions, subject: .post($0.slug))] }
            func sends(_ slug: String) async throws -> Int { try await store.jobs(subject: .post(slug)).count }
            let first = try await store.create(Post(slug: "hello", properties: [:], published: now), mediaIds: [], jobs: send)
            #expect(try await sends(first.slug) == 1)
            // A second change while the first send still waits is one send: it will read the latest post.
            try await store.update(first, mediaIds: [], jobs: send)
            #expect(try await sends(first.slug) == 1)
            let job = try #require(try await store.claim(worker: "w", lease: 60, now: now, kinds: [.sendMentions]))
            try await store.complete(jobId: job.id, now: now)
            let deleted = try await store.setDeleted(slug: first.slug, at: now, jobs: send)
            let afterDelete = try await sends(first.slug)
            #expect(deleted.deletedAt != nil && afterDelete == 2)

            var later = Post(slug: "later", properties: [:], published: now.addingTimeInterval(60))
            later.status = .scheduled
            _ = try await store.create(later, mediaIds: [], jobs: { $0.status == .published ? send($0) : [] })
            #expect(try await sends("later") == 0, "a scheduled post sets nothing going until it is published")
            #expect(try await store.publishDue(now: now.addingTimeInterval(61), jobs: send) == ["later"])
            #expect(try await sends("later") == 1)

            let made = try await store.createPost(
                Post(slug: "dropped", properties: [:], published: now),
                mediaIds: [],
                ingestHash: "hash",
                source: "watch",
                jobs: send
            )
            let afterMade = try await sends(made.record.postSlug)
            #expect(made.created && afterMade == 1)
            let again = try await store.createPost(
                Post(slug: "dropped", properties: [:], published: now),
                mediaIds: [],
                ingestHash: "hash",
                source: "watch",
                jobs: send
            )
            let afterAgain = try await sends(made.record.postSlug)
            #expect(!again.created && afterAgain == 1, "the same bytes make no second post, nor a second send")
        }
    }

    @Test("download counts add up across flushes, keyed by episode, day and app, and travel with a store copy", arguments: StoreKind.allCases)
    func downloads(kind: StoreKind) async throws {
        try await kind.with { store in
            try await store.addDownloads([
                DownloadCount(episode: "e1", day: "2026-12-04", app: .applePodcasts, count: 2),
                DownloadCount(episode: "e1", day: "2026-12-04", app: .overcast, count: 1),
            ])
            try await store.addDownloads([DownloadCount(episode: "e1", day: "2026-12-04", app: .applePodcasts, count: 3)])
            try await store.addDownloads([])
            #expect(
                try await store.downloads() == [
                    DownloadCount(episode: "e1", day: "2026-12-04", app: .applePodcasts, count: 5),
                    DownloadCount(episode: "e1", day: "2026-12-04", app: .overcast, count: 1),
                ]
            )
            #expect(try await store.snapshot().downloads.map(\.count) == [5, 1])
        }
    }
}

@Suite("PostgreSQL across processes")
struct PostgresAcrossProcessesTests {
    @Test("an idle worker is woken by NOTIFY when another process queues a job")
    func notifyWakesOtherStores() async throws {
        let url = try await PostgresCluster.shared.newDatabase()
        let worker = try await PostgresStore.open(url: url, connections: 2)
        let web = try await PostgresStore.open(url: url, connections: 2)
        let waiter = Task {
            let start = ContinuousClock.now
            await worker.waitForWork(upTo: .seconds(600))
            return ContinuousClock.now - start
        }
        try await Task.sleep(for: .milliseconds(500))
        let item = StoreTests.photo()
        try await web.add(item, processing: JobRequest(kind: .photoRenditions, subject: .media(item.id), maxAttempts: 3))
        let waited = await waiter.value
        #expect(waited < .seconds(300), "woken by the job, not the timeout: \(waited)")
        await worker.close()
        await web.close()
    }

    @Test(
        "sslmode as libpq reads it: verify-full with the CA file connects, with another CA or the wrong host it refuses; require encrypts unchecked"
    )
    func tlsModes() async throws {
        let plain = try await PostgresCluster.shared.newDatabase()
        let (signer, stranger) = try await PostgresCluster.shared.certificateAuthorities()
        func url(_ query: String, host: String = "127.0.0.1") -> String {
            plain.replacingOccurrences(of: "sslmode=disable", with: query).replacingOccurrences(of: "@127.0.0.1:", with: "@\(host):")
        }
        func connects(_ url: String) async -> String? {
            do {
                let store = try await PostgresStore.open(url: url, connections: 1)
                let answer = try await store.integrityCheck()
                await store.close()
                return answer == "ok" ? nil : answer
            } catch {
                return "\(error)"
            }
        }
        #expect(await connects(url("sslmode=verify-full&sslrootcert=\(signer.path)")) == nil)
        #expect(await connects(url("sslmode=verify-full&sslrootcert=\(signer.path)", host: "localhost")) == nil)
        #expect(await connects(url("sslmode=verify-ca&sslrootcert=\(signer.path)")) == nil)
        // 127.0.0.2 reaches the same server, but its certificate does not name that address.
        #expect(await connects(url("sslmode=verify-ca&sslrootcert=\(signer.path)", host: "127.0.0.2")) == nil)
        #expect(await connects(url("sslmode=verify-full&sslrootcert=\(signer.path)", host: "127.0.0.2")) != nil)
        #expect(await connects(url("sslmode=require")) == nil, "require encrypts without checking, as libpq does")
        let strangerCA = await connects(url("sslmode=verify-full&sslrootcert=\(stranger.path)"))
        #expect(strangerCA != nil, "a certificate from another CA is refused")
        #expect(await connects(url("sslmode=verify-full")) != nil, "a private CA is not in the system's trust store")
        #expect(await connects(url("sslmode=require&sslrootcert=\(stranger.path)")) != nil, "require with a CA file checks like verify-ca")
        let missing = await connects(url("sslmode=verify-full&sslrootcert=/no/such/ca.pem"))
        #expect(missing?.contains("sslrootcert") == true, "\(missing ?? "")")
        let unknown = await connects(url("sslmode=sometimes"))
        #expect(unknown?.contains("verify-full") == true, "\(unknown ?? "")")
    }

    @Test("migrations started by several processes at once run once")
    func concurrentMigrations() async throws {
        let url = try await PostgresCluster.shared.newDatabase()
        let stores = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
            for _ in 0..<4 { group.addTask { try await PostgresStore.open(url: url, connections: 1) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(try await stores[0].integrityCheck() == "ok")
        for store in stores { await store.close() }
    }
}
