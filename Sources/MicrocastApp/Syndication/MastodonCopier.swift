import Foundation
import HTMLKit
import MicrocastCore

/// Copies to a Mastodon account: the fitted text as a status, photos,
/// video or an episode's MP3 as attachments with their descriptions.
/// Edits are edits. A post is written with an `Idempotency-Key`, which the
/// server honours for an hour; a try after that first looks among the
/// account's latest statuses for one that already links the post.
package struct MastodonCopier: Copier {
    var client: MastodonClient
    var account: MastodonCredentials
    let files: CopyFiles
    let limits: NetworkLimits
    /// When this copy's write key was chosen (a try long after may need to look first).
    let keyChosen: Date?

    package init(fetcher: SafeFetcher, account: MastodonCredentials, files: CopyFiles, limits: NetworkLimits, keyChosen: Date?) throws {
        self.client = MastodonClient(fetcher: fetcher, instance: try MastodonClient.origin(account.instance), accessToken: account.accessToken)
        self.account = account
        self.files = files
        self.limits = limits
        self.keyChosen = keyChosen
    }

    package var editsInPlace: Bool { true }
    package var credentials: SyndicationCredentials { .mastodon(account) }
    package func newWriteKey() -> String { UUID().uuidString.lowercased() }

    package mutating func post(_ plan: CopyPlan, key: String, permalink: String) async throws -> RemotePost {
        if let chosen = keyChosen, Date().timeIntervalSince(chosen) > 50 * 60, let earlier = try await alreadyPosted(permalink) {
            return earlier
        }
        let status = try await client.post(text: plan.text.text, mediaIds: try await upload(plan), language: nil, idempotencyKey: key)
        return RemotePost(id: status.id, url: status.page)
    }

    package mutating func edit(_ plan: CopyPlan, remote: RemotePost, sameFiles: Bool) async throws -> RemotePost {
        let mediaIds = sameFiles ? try await currentMedia(remote.id) : try await upload(plan)
        let status = try await client.edit(id: remote.id, text: plan.text.text, mediaIds: mediaIds, language: nil)
        return RemotePost(id: status.id, url: status.page)
    }

    package mutating func delete(_ remote: RemotePost) async throws { try await client.delete(id: remote.id) }

    package mutating func responses(to remote: RemotePost) async throws -> [NetworkResponse] {
        var found: [NetworkResponse] = []
        for reply in try await client.replies(to: remote.id) where reply.account.id != account.accountId {
            found.append(
                NetworkResponse(
                    kind: .reply,
                    url: reply.page,
                    authorName: reply.account.name,
                    authorURL: reply.account.url,
                    authorPhoto: reply.account.avatar ?? "",
                    contentHTML: HTMLSanitizer.content.sanitize(reply.content),
                    published: reply.createdAt.flatMap(Self.date)
                )
            )
        }
        for (action, kind) in [("favourited_by", MentionKind.like), ("reblogged_by", MentionKind.repost)] {
            for person in try await client.people(who: action, remote.id) where person.id != account.accountId {
                found.append(
                    NetworkResponse(
                        kind: kind,
                        url: remote.url + "#\(kind.rawValue)-" + person.acct,
                        authorName: person.name,
                        authorURL: person.url,
                        authorPhoto: person.avatar ?? "",
                        contentHTML: "",
                        published: nil
                    )
                )
            }
        }
        return found
    }

    /// The plan's files uploaded, in order, with their descriptions.
    func upload(_ plan: CopyPlan) async throws -> [String] {
        var ids: [String] = []
        for file in plan.files {
            let (url, made) = try await files.path(for: file, maxBytes: limits.imageBytes)
            defer { if made { try? FileManager.default.removeItem(at: url) } }
            let attachment = try await client.upload(
                file: url,
                mimeType: file.needsShrinking ? "image/jpeg" : file.mimeType,
                description: file.alt.isEmpty ? nil : String(file.alt.prefix(1500)),
                fileName: file.fileName
            )
            ids.append(attachment.id)
        }
        return ids
    }

    /// The attachments the status has now, to keep them through an edit of its words.
    func currentMedia(_ id: String) async throws -> [String] {
        struct Attached: Decodable {
            struct Media: Decodable { var id: String }
            var media_attachments: [Media]
        }
        let answer = try await client.call(OutboundRequest(.GET, client.url("api/v1/statuses/\(id)")), "reading the status")
        return try answer.decode(Attached.self, "reading the status").media_attachments.map(\.id)
    }

    /// A status of the account's that links `permalink`: the answer to a post that was lost.
    func alreadyPosted(_ permalink: String) async throws -> RemotePost? {
        let request = OutboundRequest(
            .GET,
            client.url("api/v1/accounts/\(account.accountId)/statuses", query: [URLQueryItem(name: "limit", value: "40")]),
            maxAnswerBytes: 8 << 20
        )
        let statuses = try await client.call(request, "reading the account's statuses").decode([MastodonClient.Status].self, "reading statuses")
        let escaped = HTML.escape(permalink)
        return statuses.first { $0.content.contains(escaped) || $0.content.contains(permalink) }.map { RemotePost(id: $0.id, url: $0.page) }
    }

    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text)
    }
}
