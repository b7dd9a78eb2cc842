import Foundation
import MicrocastCore

/// The loops a kind of job runs on, each with its own count: media work
/// never waits behind the network, a slow stranger's page never delays our
/// own sending, and none of them delays a transcode.
package enum JobPool: String, Sendable, CaseIterable {
    /// Decoding and encoding media, on the media threads, at a lower priority.
    case media
    /// Fetching what strangers send us to check (Webmention sources).
    case verification
    /// Sending what we publish to other sites.
    case delivery
    /// Copies on other networks and the responses read from them: each
    /// network's slowness or rate limit stays with its own jobs.
    case network
}

/// A job's attempt that did not succeed, when "failed, try again later" is not the whole story.
package enum JobSetback: Error, CustomStringConvertible {
    /// Nothing is wrong with the subject (shutdown, its time limit, a full
    /// disk, another job's turn): tried again after `after` seconds, without spending an attempt.
    case postpone(String, after: TimeInterval)
    /// The subject itself is at fault: trying again cannot help.
    case giveUp(String)

    package var description: String {
        switch self {
        case .postpone(let why, _), .giveUp(let why): why
        }
    }
}

/// What a job did: what it changes on its subject (written with the job's
/// end, in one transaction) and a line for the log.
package struct JobDone: Sendable {
    package var result: JobResult
    package var summary: String

    package init(_ result: JobResult = .nothing, summary: String = "") {
        self.result = result
        self.summary = summary
    }
}

/// One kind of job, declared once: its kind (what it works on, how many
/// tries), the loops it runs on, how long it waits between tries, and what
/// it does. Registered in one place, the composition root (`JobRegistry`);
/// adding a kind is a case of `JobKind`, a handler file, and one line there.
package protocol JobHandler: Sendable {
    var kind: JobKind { get }
    var pool: JobPool { get }
    /// Claimed only when its pool has nothing else to do (a transcript waits for every encoding).
    var isBackground: Bool { get }
    /// Seconds before the next try after try `attempt` failed.
    func backoff(attempt: Int) -> TimeInterval
    /// Does the job. Throws `JobSetback` to postpone or give up; any other error is tried again after `backoff`.
    func run(_ job: Job) async throws -> JobDone
}

extension JobHandler {
    package var isBackground: Bool { false }

    /// 10 s, 20 s, 40 s, … up to 10 minutes.
    package func backoff(attempt: Int) -> TimeInterval { JobBackoff.doubling(attempt: attempt) }
}

/// Back-off shapes handlers choose from.
package enum JobBackoff {
    /// 10 s, 20 s, 40 s, … capped at 10 minutes.
    package static func doubling(attempt: Int) -> TimeInterval {
        min(600, 10 * pow(2, Double(max(0, attempt - 1))))
    }
}

/// Every kind of job this process can run, by kind; built once, by the composition root.
package struct JobRegistry: Sendable {
    private let handlers: [JobKind: any JobHandler]

    package init(_ handlers: [any JobHandler]) {
        var byKind: [JobKind: any JobHandler] = [:]
        for handler in handlers {
            precondition(byKind[handler.kind] == nil, "\(handler.kind.rawValue) is registered twice")
            byKind[handler.kind] = handler
        }
        self.handlers = byKind
    }

    package func handler(for kind: JobKind) -> (any JobHandler)? { handlers[kind] }

    /// The kinds that run on `pool`, in a stable order.
    package func kinds(in pool: JobPool) -> [JobKind] {
        handlers.values.filter { $0.pool == pool }.map(\.kind).sorted { $0.rawValue < $1.rawValue }
    }

    /// `pool`'s kinds in the order a loop asks for them: the foreground
    /// kinds first, then (only when none of those is waiting) the background ones.
    package func tiers(in pool: JobPool) -> [[JobKind]] {
        let all = handlers.values.filter { $0.pool == pool }
        return [false, true].map { background in
            all.filter { $0.isBackground == background }.map(\.kind).sorted { $0.rawValue < $1.rawValue }
        }
        .filter { !$0.isEmpty }
    }
}
