import Foundation

/// Accounts on other networks, the copies of posts made there, and OAuth
/// sign-ins under way.
public protocol SyndicationRepository: Sendable {
    /// Every account, in the order they were connected.
    func syndicationAccounts() async throws -> [SyndicationAccount]
    /// The account with this uid, if it is connected.
    func syndicationAccount(uid: String) async throws -> SyndicationAccount?
    /// Saves an account (new, or replacing the one with its uid). An account
    /// that was waiting to be reconnected and is now connected has its
    /// waiting jobs woken, in the same transaction.
    func saveSyndicationAccount(_ account: SyndicationAccount) async throws
    /// Forgets an account and its credentials; its copies stay as they are.
    func removeSyndicationAccount(uid: String) async throws

    /// The copies of one post, on every account.
    func copies(postSlug: String) async throws -> [SyndicationCopy]
    /// One post's copy on one account, if one was ever made or begun.
    func copy(postSlug: String, accountUid: String) async throws -> SyndicationCopy?
    /// Saves what a job chose or learned before its job ends (the key of its
    /// next write); the job's end writes the rest (`JobResult.copied`).
    func saveCopy(_ copy: SyndicationCopy) async throws
    /// The copy at `url`, whether current or replaced since.
    func copy(remoteURL url: String) async throws -> SyndicationCopy?

    /// Keeps a sign-in under way; ones older than an hour are dropped.
    func savePendingConnection(_ pending: PendingConnection) async throws
    /// Takes (and removes) the sign-in with this state: a state works once.
    func takePendingConnection(state: String, now: Date) async throws -> PendingConnection?
}
