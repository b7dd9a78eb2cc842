import Foundation
import MicrocastCore

extension Following {
    /// What an OPML import did: the feeds followed, those already followed,
    /// and those that could not be, each with its reason.
    public struct OPMLImport: Sendable {
        public var followed: [Follow] = []
        public var alreadyFollowed: [URL] = []
        public var failed: [(feed: URL, reason: String)] = []
    }

    /// Follows every feed an OPML subscription list names that is not
    /// followed yet, one at a time (each is fetched and read, as `follow`
    /// does); one feed's failure is listed and the rest go on.
    public func importOPML(
        _ data: Data,
        report: @Sendable (_ done: Int, _ total: Int, _ feed: URL) -> Void = { _, _, _ in }
    ) async throws -> OPMLImport {
        let outlines = try OPML.outlines(from: data)
        let known = try await store.follows()
        var followedAddresses = Set(known.flatMap { [$0.address, $0.feed.url.absoluteString] })
        var result = OPMLImport()
        for (index, outline) in outlines.enumerated() {
            report(index, outlines.count, outline.feed)
            guard !followedAddresses.contains(outline.feed.absoluteString) else {
                result.alreadyFollowed.append(outline.feed)
                continue
            }
            do {
                // An OPML file lists feeds: no need to ask each whether it is a fediverse account.
                let (follow, _) = try await follow(outline.feed.absoluteString, mayBeAccount: false)
                followedAddresses.formUnion([follow.address, follow.feed.url.absoluteString])
                result.followed.append(follow)
            } catch {
                result.failed.append((outline.feed, (error as? CustomStringConvertible)?.description ?? "\(error)"))
            }
        }
        return result
    }

    /// Every followed source as an OPML 2.0 subscription list: its feed, its
    /// title, and its page when the owner followed a page rather than the feed.
    public static func exportOPML(from store: any FollowingRepository, title: String, now: Date = Date()) async throws -> String {
        // A fediverse account is not a feed: readers take OPML for feeds only.
        let outlines = try await store.follows().filter { $0.feed.format != .activityPub }.map { follow in
            let page = URL(string: follow.address).flatMap { $0 == follow.feed.url ? nil : $0 }
            return OPML.Outline(feed: follow.feed.url, title: follow.title, homePage: page)
        }
        return OPML.document(outlines, title: title, created: now)
    }
}
