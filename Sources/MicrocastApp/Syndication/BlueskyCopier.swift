import Foundation
import HTMLKit
import MicrocastCore

/// Copies to a Bluesky (AT Protocol) account: an `app.bsky.feed.post`
/// record with facets at their UTF-8 byte offsets, and an embed: up to four
/// images (each within 1,000,000 bytes, with alt text and aspect ratio), a
/// video, or an episode's link card. The record is written with
/// `putRecord` under a key chosen before the first try, so a retry rewrites
/// the same post. The network has no edits: a change is a new post, then
/// the old one deleted.
package struct BlueskyCopier: Copier {
    var client: BlueskyClient
    let files: CopyFiles
    let limits: NetworkLimits

    package init(fetcher: SafeFetcher, account: BlueskyCredentials, files: CopyFiles, limits: NetworkLimits = .bluesky) {
        self.client = BlueskyClient(fetcher: fetcher, credentials: account)
        self.files = files
        self.limits = limits
    }

    package var editsInPlace: Bool { false }
    package var credentials: SyndicationCredentials { .bluesky(client.credentials) }
    package func newWriteKey() -> String { RecordKey.tid() }

    package mutating func post(_ plan: CopyPlan, key: String, permalink: String) async throws -> RemotePost {
        var record: [String: JSONValue] = [
            "$type": "app.bsky.feed.post",
            "text": .string(plan.text.text),
            "createdAt": .string(Self.timestamp(Date())),
        ]
        let facets = try await facets(plan.text.facets)
        if !facets.isEmpty { record["facets"] = .array(facets) }
        if let embed = try await embed(plan) { record["embed"] = embed }
        _ = try await client.put(record: .object(record), rkey: key)
        return RemotePost(id: key, url: client.page(rkey: key))
    }

    package mutating func edit(_ plan: CopyPlan, remote: RemotePost, sameFiles: Bool) async throws -> RemotePost {
        throw NetworkRefusal.rejected("Bluesky has no edits; the copy is replaced")
    }

    package mutating func delete(_ remote: RemotePost) async throws { try await client.delete(rkey: remote.id) }

    package mutating func responses(to remote: RemotePost) async throws -> [NetworkResponse] {
        let uri = client.atURI(rkey: remote.id)
        let own = client.credentials.did
        var found: [NetworkResponse] = []
        for reply in try await client.replies(to: uri) where reply.author.did != own {
            found.append(
                NetworkResponse(
                    kind: .reply,
                    url: reply.page,
                    authorName: reply.author.name,
                    authorURL: reply.author.url,
                    authorPhoto: reply.author.avatar ?? "",
                    contentHTML: EntryPresenter.paragraphs(reply.record.text),
                    published: reply.record.createdAt.flatMap(MastodonCopier.date)
                )
            )
        }
        for (kind, people) in [(MentionKind.like, try await client.likes(of: uri)), (.repost, try await client.reposts(of: uri))] {
            for person in people where person.did != own {
                found.append(
                    NetworkResponse(
                        kind: kind,
                        url: remote.url + "#\(kind.rawValue)-" + person.handle,
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

    /// The `app.bsky.richtext.facet`s; a mention of a handle that resolves to no one is left as text.
    mutating func facets(_ found: [TextFacet]) async throws -> [JSONValue] {
        var made: [JSONValue] = []
        for facet in found {
            let feature: JSONValue
            switch facet.feature {
            case .link(let uri): feature = .object(["$type": "app.bsky.richtext.facet#link", "uri": .string(uri)])
            case .tag(let tag): feature = .object(["$type": "app.bsky.richtext.facet#tag", "tag": .string(tag)])
            case .mention(let handle):
                guard let did = try await client.did(of: handle) else { continue }
                feature = .object(["$type": "app.bsky.richtext.facet#mention", "did": .string(did)])
            }
            made.append(
                .object([
                    "index": .object(["byteStart": .integer(Int64(facet.byteStart)), "byteEnd": .integer(Int64(facet.byteEnd))]),
                    "features": .array([feature]),
                ])
            )
        }
        return made
    }

    mutating func embed(_ plan: CopyPlan) async throws -> JSONValue? {
        if let card = plan.card {
            var external: [String: JSONValue] = ["uri": .string(card.url), "title": .string(card.title), "description": .string(card.description)]
            if let thumbnail = card.thumbnail { external["thumb"] = try await blob(thumbnail) }
            return .object(["$type": "app.bsky.embed.external", "external": .object(external)])
        }
        if let video = plan.files.first(where: { $0.role == .video }) {
            return .object([
                "$type": "app.bsky.embed.video",
                "video": try await blob(video),
                "alt": .string(String(video.alt.prefix(1000))),
                "aspectRatio": Self.aspectRatio(video),
            ])
        }
        let images = plan.files.filter { $0.role == .image }.prefix(limits.maxImages)
        guard !images.isEmpty else { return nil }
        var list: [JSONValue] = []
        for image in images {
            list.append(
                .object(["alt": .string(String(image.alt.prefix(2000))), "image": try await blob(image), "aspectRatio": Self.aspectRatio(image)])
            )
        }
        return .object(["$type": "app.bsky.embed.images", "images": .array(list)])
    }

    mutating func blob(_ file: CopyFile) async throws -> JSONValue {
        let (url, made) = try await files.path(for: file, maxBytes: file.role == .video ? limits.videoBytes : limits.imageBytes)
        defer { if made { try? FileManager.default.removeItem(at: url) } }
        return try await client.uploadBlob(file: url, mimeType: made ? "image/jpeg" : file.mimeType)
    }

    static func aspectRatio(_ file: CopyFile) -> JSONValue {
        .object(["width": .integer(Int64(max(1, file.width))), "height": .integer(Int64(max(1, file.height)))])
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
