import Foundation
import MediaModel
import MicrocastCore
import Testing

@Suite("What a copy carries, chosen per network")
struct CopyPlanTests {
    let urls = SiteURLs(base: "https://example.com")
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// A photo whose id (20 letters, as media ids are) starts with `name`.
    func photo(_ name: String, sizes: [(Int, Int64)]) -> (MediaItem, RenditionSet) {
        let id = name.padding(toLength: 20, withPad: "a", startingAt: 0)
        let item = MediaItem(
            id: id,
            kind: .photo,
            mimeType: "image/jpeg",
            fileExtension: "jpg",
            byteCount: 1,
            sha256: id,
            probe: MediaProbe(kind: .photo, format: "jpeg", mimeType: "image/jpeg"),
            alt: "stored alt \(name)",
            state: .ready
        )
        let renditions = sizes.map { width, bytes in
            Rendition(
                mediaId: id,
                role: .image(.jpeg),
                mimeType: "image/jpeg",
                width: width,
                height: width / 2,
                byteCount: bytes,
                fileName: "\(id)-\(width).jpg"
            )
        }
        return (item, RenditionSet(renditions))
    }

    func plan(_ post: Post, _ photos: [(MediaItem, RenditionSet)], for service: SyndicationService, limits: NetworkLimits) -> CopyPlan {
        CopyPlan.make(
            post: post,
            media: Dictionary(uniqueKeysWithValues: photos.map { ($0.0.id, $0.0) }),
            renditions: Dictionary(uniqueKeysWithValues: photos.map { ($0.0.id, $0.1) }),
            urls: urls,
            service: service,
            limits: limits
        )
    }

    @Test("the widest JPEG within the limit; none fits: the narrowest, to be made smaller; alt text from the post, else the item")
    func choosing() {
        let big = photo("big", sizes: [(320, 40_000), (1280, 600_000), (2048, 1_400_000)])
        let huge = photo("huge", sizes: [(320, 1_200_000), (640, 2_000_000)])
        let post = Post(
            slug: "p",
            properties: [
                "photo": [
                    .object(["value": .string(urls.original(fileName: big.0.fileName)), "alt": "given alt"]),
                    .string(urls.original(fileName: huge.0.fileName)),
                ]
            ],
            published: now
        )
        let files = plan(post, [big, huge], for: .bluesky, limits: .bluesky).files
        #expect(files.map(\.fileName) == ["\(big.0.id)-1280.jpg", "\(huge.0.id)-320.jpg"])
        #expect(files.map(\.needsShrinking) == [false, true])
        #expect(files.map(\.alt) == ["given alt", "stored alt huge"])
    }

    @Test("more photos than the network takes: as many as fit, and a line saying so")
    func tooMany() {
        let photos = ["pa", "pb", "pc", "pd", "pe", "pf"].map { photo($0, sizes: [(320, 10_000)]) }
        let post = Post(slug: "p", properties: ["photo": photos.map { .string(urls.original(fileName: $0.0.fileName)) }], published: now)
        let plan = plan(post, photos, for: .mastodon, limits: .mastodonDefaults)
        #expect(plan.files.count == 4)
        #expect(plan.text.text.contains("4 of 6 photos; all at the link."))
    }

    @Test("a photo still being processed is not sent, and the digest changes with what is sent")
    func digest() {
        var pending = photo("late", sizes: [(320, 10_000)])
        pending.0.state = .processing
        let post = Post(
            slug: "p",
            properties: ["content": ["Hello"], "photo": [.string(urls.original(fileName: pending.0.fileName))]],
            published: now
        )
        let without = plan(post, [pending], for: .mastodon, limits: .mastodonDefaults)
        #expect(without.files.isEmpty)
        pending.0.state = .ready
        let with = plan(post, [pending], for: .mastodon, limits: .mastodonDefaults)
        #expect(with.files.count == 1 && with.digest != without.digest)
    }
}
