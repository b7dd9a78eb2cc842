import Foundation
import Logging
import MicrocastCore
import ServiceLifecycle

/// Polls followed sources when their turn comes, and keeps their WebSub
/// subscriptions asked for and renewed, while the server runs.
/// Looks every `interval`; polls are leased (`claimDueFollow`), so any number
/// of processes may run it on one store without asking a source twice.
public struct FollowPoller: Service {
    let following: Following
    let interval: Duration
    /// The site's address, where hubs push (`/websub/TOKEN`).
    let callbackBase: String
    /// Woken when the owner asks for every source now.
    let wakeUps: JobWakeUps
    let logger: Logger

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await following.pollDue()
                    try await following.forgetOld()
                    try await following.subscribeDue(callbackBase: callbackBase)
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("followed sources could not be polled", metadata: ["error": "\(error)"])
                }
                await wakeUps.wait(upTo: interval)
            }
        }
    }
}
