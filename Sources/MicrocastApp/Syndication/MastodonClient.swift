import Crypto
import Foundation
import MicrocastCore
import NIOHTTP1

/// Mastodon's REST API (and every server that speaks it: GoToSocial,
/// Pleroma, Akkoma), as far as copying posts and reading their responses
/// needs: <https://docs.joinmastodon.org/methods/>. Every call goes through
/// the safe fetcher.
package struct MastodonClient: Sendable {
    /// What posting, uploading media and reading replies need, and no more.
    package static let scopes = "read:accounts read:statuses write:media write:statuses"

    let fetcher: SafeFetcher
    /// The server's origin.
    package let instance: URL
    var accessToken: String?

    package init(fetcher: SafeFetcher, instance: URL, accessToken: String? = nil) {
        self.fetcher = fetcher
        self.instance = instance
        self.accessToken = accessToken
    }

    /// A server's origin from what the owner typed ("social.example", a profile URL).
    package static func origin(_ typed: String) throws -> URL {
        let trimmed = typed.trimmingCharacters(in: .whitespacesAndNewlines)
        let withScheme = trimmed.contains("://") ? trimmed : "https://" + trimmed
        guard let parts = URLComponents(string: withScheme), let scheme = parts.scheme?.lowercased(), scheme == "https" || scheme == "http",
            let host = parts.host, !host.isEmpty
        else { throw NetworkRefusal.rejected("\(typed) is not a server's address") }
        var origin = URLComponents()
        origin.scheme = scheme
        origin.host = host
        origin.port = parts.port
        guard let url = origin.url else { throw NetworkRefusal.rejected("\(typed) is not a server's address") }
        return url
    }

    func url(_ path: String, query: [URLQueryItem] = []) -> URL { instance.appendingPathComponent(path).adding(query) }

    var authorization: [String: String] { accessToken.map { ["Authorization": "Bearer \($0)"] } ?? [:] }

    func call(_ request: OutboundRequest, _ what: String) async throws -> FetchedResource {
        var request = request
        for (name, value) in authorization where request.headers[name] == nil { request.headers[name] = value }
        let answer: FetchedResource
        do {
            answer = try await fetcher.send(request)
        } catch let error as FetchError {
            throw NetworkRefusal.unavailable("\(what): \(error)")
        }
        return try NetworkRefusal.check(answer, what)
    }

    // MARK: Connecting

    /// A registered app: what the OAuth flow needs.
    package struct App: Decodable, Sendable {
        package var clientId: String
        package var clientSecret: String

        enum CodingKeys: String, CodingKey {
            case clientId = "client_id"
            case clientSecret = "client_secret"
        }
    }

    /// `POST /api/v1/apps`: Microcast, named with the site, registered on the server.
    package func registerApp(name: String, website: String, redirectURI: String) async throws -> App {
        struct Body: Encodable {
            var client_name: String
            var redirect_uris: String
            var scopes: String
            var website: String
        }
        let body = Body(client_name: name, redirect_uris: redirectURI, scopes: Self.scopes, website: website)
        return try await call(try .json(.POST, url("api/v1/apps"), body), "registering the app").decode(App.self, "registering the app")
    }

    /// Where to send the owner to authorise the app: PKCE's S256 challenge of `verifier`.
    package func authorizationURL(app: App, redirectURI: String, state: String, verifier: String) -> URL {
        url(
            "oauth/authorize",
            query: [
                URLQueryItem(name: "response_type", value: "code"),
                URLQueryItem(name: "client_id", value: app.clientId),
                URLQueryItem(name: "redirect_uri", value: redirectURI),
                URLQueryItem(name: "scope", value: Self.scopes),
                URLQueryItem(name: "state", value: state),
                URLQueryItem(name: "code_challenge", value: Self.challenge(verifier)),
                URLQueryItem(name: "code_challenge_method", value: "S256"),
            ]
        )
    }

    /// PKCE's S256: the verifier's SHA-256, base64url without padding.
    package static func challenge(_ verifier: String) -> String {
        Data(SHA256.hash(data: Data(verifier.utf8))).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// `POST /oauth/token`: the code the owner came back with, for an access token.
    package func token(app: App, code: String, redirectURI: String, verifier: String) async throws -> String {
        struct Body: Encodable {
            var grant_type = "authorization_code"
            var code: String
            var client_id: String
            var client_secret: String
            var redirect_uri: String
            var code_verifier: String
            var scope = MastodonClient.scopes
        }
        struct Token: Decodable { var access_token: String }
        let body = Body(code: code, client_id: app.clientId, client_secret: app.clientSecret, redirect_uri: redirectURI, code_verifier: verifier)
        return try await call(try .json(.POST, url("oauth/token"), body), "exchanging the code").decode(Token.self, "exchanging the code")
            .access_token
    }

    /// An account, as statuses and lists of people carry it.
    package struct Account: Decodable, Sendable {
        package var id: String
        package var username: String
        package var acct: String
        package var displayName: String?
        package var url: String
        package var avatar: String?

        enum CodingKeys: String, CodingKey {
            case id, username, acct, url, avatar
            case displayName = "display_name"
        }

        /// The name to show: the display name, else the handle.
        package var name: String { (displayName?.isEmpty == false ? displayName : nil) ?? username }
    }

    /// `GET /api/v1/accounts/verify_credentials`: whose token this is.
    package func verifyCredentials() async throws -> Account {
        try await call(OutboundRequest(.GET, url("api/v1/accounts/verify_credentials")), "checking the token")
            .decode(Account.self, "checking the token")
    }

    /// The server's own limits (`GET /api/v2/instance`; `/api/v1/instance`
    /// on older servers and Pleroma; Mastodon's defaults if neither says).
    package func limits(now: Date = Date()) async throws -> NetworkLimits {
        var limits = NetworkLimits.mastodonDefaults
        limits.fetchedAt = now
        if let answer = try? await call(OutboundRequest(.GET, url("api/v2/instance"), maxAnswerBytes: 4 << 20), "reading the server's limits"),
            let info = try? JSONDecoder().decode(InstanceInformation.self, from: Data(answer.text.utf8)),
            let configuration = info.configuration
        {
            configuration.apply(to: &limits)
            return limits
        }
        if let answer = try? await call(OutboundRequest(.GET, url("api/v1/instance"), maxAnswerBytes: 4 << 20), "reading the server's limits"),
            let info = try? JSONDecoder().decode(InstanceInformation.self, from: Data(answer.text.utf8))
        {
            info.configuration?.apply(to: &limits)
            if let pleroma = info.maxTootChars { limits.maxCharacters = pleroma }
        }
        return limits
    }

    struct InstanceInformation: Decodable {
        var configuration: Configuration?
        var maxTootChars: Int?

        enum CodingKeys: String, CodingKey {
            case configuration
            case maxTootChars = "max_toot_chars"
        }

        struct Configuration: Decodable {
            var statuses: Statuses?
            var mediaAttachments: Media?

            enum CodingKeys: String, CodingKey {
                case statuses
                case mediaAttachments = "media_attachments"
            }

            struct Statuses: Decodable {
                var maxCharacters: Int?
                var maxMediaAttachments: Int?
                var charactersReservedPerURL: Int?

                enum CodingKeys: String, CodingKey {
                    case maxCharacters = "max_characters"
                    case maxMediaAttachments = "max_media_attachments"
                    case charactersReservedPerURL = "characters_reserved_per_url"
                }
            }

            struct Media: Decodable {
                var supportedMimeTypes: [String]?
                var imageSizeLimit: Int?
                var imageMatrixLimit: Int?
                var videoSizeLimit: Int?

                enum CodingKeys: String, CodingKey {
                    case supportedMimeTypes = "supported_mime_types"
                    case imageSizeLimit = "image_size_limit"
                    case imageMatrixLimit = "image_matrix_limit"
                    case videoSizeLimit = "video_size_limit"
                }
            }

            func apply(to limits: inout NetworkLimits) {
                if let value = statuses?.maxCharacters { limits.maxCharacters = value }
                if let value = statuses?.maxMediaAttachments { limits.maxImages = value }
                if let value = statuses?.charactersReservedPerURL { limits.charactersPerURL = value }
                if let value = mediaAttachments?.imageSizeLimit { limits.imageBytes = value }
                if let value = mediaAttachments?.imageMatrixLimit { limits.imagePixels = value }
                if let value = mediaAttachments?.videoSizeLimit { limits.videoBytes = value }
                if let value = mediaAttachments?.supportedMimeTypes { limits.mimeTypes = value }
            }
        }
    }

    // MARK: Posting

    /// An uploaded attachment.
    package struct Attachment: Decodable, Sendable {
        package var id: String
        package var url: String?
    }

    /// `POST /api/v2/media`, streamed from disk, then polled until processed
    /// (a 202 means the server is still transcoding).
    package func upload(file: URL, mimeType: String, description: String?, fileName: String) async throws -> Attachment {
        let form = MultipartUploadBody(
            fields: description.map { [("description", $0)] } ?? [],
            fileField: "file",
            fileName: fileName,
            mimeType: mimeType
        )
        let request = OutboundRequest(
            .POST,
            url("api/v2/media"),
            headers: ["Content-Type": form.contentType],
            body: form.body(file: file),
            timeout: .seconds(600)
        )
        var attachment = try await call(request, "uploading \(fileName)").decode(Attachment.self, "uploading \(fileName)")
        var wait = Duration.milliseconds(250)
        for _ in 0..<120 where attachment.url == nil {
            try await Task.sleep(for: wait)
            wait = min(wait * 2, .seconds(5))
            let answer = try await call(OutboundRequest(.GET, url("api/v1/media/\(attachment.id)")), "waiting for \(fileName)")
            if answer.status == 200 { attachment = try answer.decode(Attachment.self, "waiting for \(fileName)") }
        }
        guard attachment.url != nil else { throw NetworkRefusal.unavailable("\(fileName) was still being processed after ten minutes") }
        return attachment
    }

    /// A status, as far as Microcast reads one.
    package struct Status: Decodable, Sendable {
        package var id: String
        package var url: String?
        package var uri: String
        package var content: String
        package var account: Account
        package var inReplyToId: String?
        package var createdAt: String?
        package var editedAt: String?

        enum CodingKeys: String, CodingKey {
            case id, url, uri, content, account
            case inReplyToId = "in_reply_to_id"
            case createdAt = "created_at"
            case editedAt = "edited_at"
        }

        /// Where people see it.
        package var page: String { url ?? uri }
    }

    struct StatusBody: Encodable {
        var status: String
        var media_ids: [String]
        var visibility: String?
        var language: String?
    }

    /// `POST /api/v1/statuses` with an `Idempotency-Key`: the same key within
    /// an hour answers the status already made, never a second one.
    package func post(text: String, mediaIds: [String], language: String?, idempotencyKey: String) async throws -> Status {
        let body = StatusBody(status: text, media_ids: mediaIds, visibility: "public", language: language)
        let request = try OutboundRequest.json(.POST, url("api/v1/statuses"), body, headers: ["Idempotency-Key": idempotencyKey])
        return try await call(request, "posting the status").decode(Status.self, "posting the status")
    }

    /// `PUT /api/v1/statuses/:id`: an edit (Mastodon 3.5 and later).
    package func edit(id: String, text: String, mediaIds: [String], language: String?) async throws -> Status {
        let body = StatusBody(status: text, media_ids: mediaIds, visibility: nil, language: language)
        return try await call(try .json(.PUT, url("api/v1/statuses/\(id)"), body), "editing the status")
            .decode(Status.self, "editing the status")
    }

    /// `DELETE /api/v1/statuses/:id`; one already gone counts as deleted.
    package func delete(id: String) async throws {
        do {
            _ = try await call(OutboundRequest(.DELETE, url("api/v1/statuses/\(id)")), "deleting the status")
        } catch NetworkRefusal.rejected(let why) where why.contains(": 404") {
            return
        }
    }

    // MARK: Responses

    /// The replies below a status (`GET /api/v1/statuses/:id/context`).
    package func replies(to id: String) async throws -> [Status] {
        struct Context: Decodable { var descendants: [Status] }
        let request = OutboundRequest(.GET, url("api/v1/statuses/\(id)/context"), maxAnswerBytes: 8 << 20)
        return try await call(request, "reading replies").decode(Context.self, "reading replies").descendants
    }

    /// Who favourited or boosted a status (`favourited_by`, `reblogged_by`), up to 80 of each.
    package func people(who action: String, _ id: String) async throws -> [Account] {
        let request = OutboundRequest(
            .GET,
            url("api/v1/statuses/\(id)/\(action)", query: [URLQueryItem(name: "limit", value: "80")]),
            maxAnswerBytes: 4 << 20
        )
        return try await call(request, "reading \(action)").decode([Account].self, "reading \(action)")
    }
}
