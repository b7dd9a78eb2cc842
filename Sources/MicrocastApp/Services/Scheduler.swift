import Foundation
import Logging
import MicrocastCore
import ServiceLifecycle

/// Publishes scheduled posts when their time comes, so they appear in the
/// site and feeds without anyone acting. Looks once a second; any number of
/// processes may run it on one store (publishing is one idempotent update).
public struct Scheduler: Service {
    let posts: any PostRepository
    /// Published posts send their Webmentions.
    let queue: any JobQueue
    let interval: Duration
    let logger: Logger

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    for slug in try await posts.publishDue(now: Date()) {
                        logger.info("scheduled post published", metadata: ["post": "\(slug)"])
                        try await queue.enqueue(JobRequest(kind: .sendMentions, subject: slug), now: Date())
                    }
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("scheduled posts could not be published", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
