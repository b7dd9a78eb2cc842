import Foundation
import Logging
import MicrocastCore

/// Answers made from the timeline: each a post on the owner's site, made
/// through the one publishing path, so it is delivered as any post is (a
/// Webmention to the page it answers, when that page takes them).
public struct TimelineAnswers: Sendable {
    let store: any DataStore
    let publishing: Publishing
    let logger: Logger

    package init(store: any DataStore, publishing: Publishing, logger: Logger) {
        self.store = store
        self.publishing = publishing
        self.logger = logger
    }

    /// Why an answer was not made.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Publishes the owner's `response` to the timeline item `itemId`; returns the new post.
    public func answer(_ response: TimelineResponse, itemId: Int64, text: String, now: Date = Date()) async throws -> Post {
        guard let item = try await store.timelineItem(id: itemId) else { throw Failure(description: "that item is no longer in the timeline") }
        let create: MicropubCreate
        do {
            create = try response.post(answering: item.entry, text: text)
        } catch {
            throw Failure(description: error.description)
        }
        // The page shows what it answers at once; the Webmention's fetch of that page refines it later.
        if let citation = TimelineResponse.citation(of: item.entry, now: now) { try await store.saveCitation(citation) }
        let post = try await publishing.create(create)
        logger.info("answered", metadata: ["response": "\(response.rawValue)", "item": "\(itemId)", "post": "\(post.slug)"])
        return post
    }
}
