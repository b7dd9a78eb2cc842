import Foundation
import Logging
import MicrocastCore
import ServiceLifecycle

/// Publishes scheduled posts when their time comes, so they appear in the
/// site and feeds without anyone acting. Looks once a second; any number of
/// processes may run it on one store (publishing is one idempotent update).
public struct Scheduler: Service {
    /// Publishing a post queues what it sets going (its Webmentions), in the same transaction.
    let publishing: Publishing
    let interval: Duration
    let clock: @Sendable () -> Date
    let logger: Logger

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    for slug in try await publishing.publishDue(now: clock()) {
                        logger.info("scheduled post published", metadata: ["post": "\(slug)"])
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
