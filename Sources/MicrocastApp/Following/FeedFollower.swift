import Foundation
import HTMLKit
import MicrocastCore
import NIOCore

/// Finds the feed behind an address the owner wants to follow, and reads it
/// politely afterwards: every request through the safe fetcher, conditional
/// (the feed's `ETag` and `Last-Modified` sent back), so an unchanged feed
/// costs one small answer and no parsing.
public struct FeedFollower: Sendable {
    let fetcher: SafeFetcher

    /// A feed may be large (a podcast's years of episodes); a page is not.
    static let feedBytes = 8 << 20
    static let accept =
        "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/html;q=0.8, application/json;q=0.7, */*;q=0.1"

    public init(fetcher: SafeFetcher) {
        self.fetcher = fetcher.allowing(bodyBytes: Self.feedBytes, time: .seconds(30))
    }

    /// What a conditional request sends back: the validators of the last answer.
    public struct Validators: Sendable, Equatable, Codable {
        public var etag: String?
        public var lastModified: String?

        public init(etag: String? = nil, lastModified: String? = nil) {
            self.etag = etag
            self.lastModified = lastModified
        }

        var headers: [String: String] {
            var headers: [String: String] = [:]
            if let etag { headers["If-None-Match"] = etag }
            if let lastModified { headers["If-Modified-Since"] = lastModified }
            return headers
        }

        init(_ resource: FetchedResource) {
            etag = resource.headers.first(name: "etag")
            lastModified = resource.headers.first(name: "last-modified")
        }
    }

    /// Why an address cannot be followed, in words for the owner.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The feed behind `address` (a page's h-feed, or the feed its page
    /// names, or the feed itself), read once.
    public func discover(_ address: URL) async throws -> (feed: DiscoveredFeed, read: FollowedFeed, validators: Validators) {
        let page = try await fetch(address, validators: Validators())
        var outcome = discovery(of: page)
        var answer = page
        if case .alternate(let feedURL, _) = outcome {
            answer = try await fetch(feedURL, validators: Validators())
            // What a page names as its feed must be one: a page naming another page is not followed further.
            let named = discovery(of: answer)
            if case .feed = named { outcome = named } else { outcome = .nothing("\(feedURL.absoluteString), named as its feed, is not a feed") }
        }
        switch outcome {
        case .feed(let feed):
            return (feed, try read(answer, as: feed), Validators(answer))
        case .nothing(let reason):
            throw Failure(description: "\(address.absoluteString): \(reason)")
        case .alternate:
            throw Failure(description: "\(address.absoluteString): no feed found")
        }
    }

    /// What a poll found.
    public enum Poll: Sendable, Equatable {
        /// 304: nothing read.
        case unchanged
        case read(FollowedFeed, Validators)
    }

    /// Asks the feed again with the last answer's validators.
    public func poll(_ feed: DiscoveredFeed, validators: Validators) async throws -> Poll {
        let answer = try await fetch(feed.url, validators: validators)
        if answer.status == 304 { return .unchanged }
        return .read(try read(answer, as: feed), Validators(answer))
    }

    func fetch(_ url: URL, validators: Validators) async throws -> FetchedResource {
        let answer = try await fetcher.get(url, accept: Self.accept, headers: validators.headers)
        guard answer.status == 200 || answer.status == 304 else {
            throw Failure(description: "\(url.absoluteString) answered \(answer.status)")
        }
        return answer
    }

    func discovery(of answer: FetchedResource) -> FeedDiscovery.Outcome {
        FeedDiscovery.discover(
            url: answer.url,
            contentType: answer.contentType.isEmpty ? nil : answer.contentType,
            linkHeaders: answer.headers["link"],
            body: Data(answer.body.readableBytesView)
        )
    }

    func read(_ answer: FetchedResource, as feed: DiscoveredFeed) throws -> FollowedFeed {
        do {
            return try FeedEntriesReader(feedURL: answer.url).read(Data(answer.body.readableBytesView), format: feed.format)
        } catch {
            throw Failure(description: "\(answer.url.absoluteString): \(error.description)")
        }
    }
}
