import Foundation
import Hummingbird
import MicrocastApp
import MicrocastCore

/// The Micropub endpoint: create (form-encoded, JSON or multipart), update,
/// delete and undelete posts, and answer queries.
struct MicropubController: Sendable {
    let publishing: Publishing
    let authenticator: Authenticator
    let site: SiteDirectory
    let maxUploadBytes: Int64
    let metrics: ServiceMetrics
    static let maxBodyBytes = 1 << 20
    /// Every property a file may be attached to when sent to this endpoint.
    static let fileProperties: Set<String> = ["photo", "audio", "video"]

    var urls: SiteURLs { site.urls }
    var posts: any PostRepository { publishing.posts }
    var intake: MediaIntake { publishing.intake }

    func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.get("/micropub") { request, _ in try await query(request) }
        router.post("/micropub") { request, _ in try await post(request) }
    }

    // MARK: Queries

    func query(_ request: Request) async throws -> Response {
        let parameters = request.uri.queryParameters
        let token = try await authenticator.authorizeQuery(request)
        switch parameters["q"].map(String.init) {
        case "config":
            return JSONResponse.ok(try await config())
        case "syndicate-to":
            return JSONResponse.ok(.object(["syndicate-to": try await syndicationTargets()]))
        case "category":
            let filter = parameters["filter"].map { String($0).lowercased() } ?? ""
            let categories = try await posts.categories().filter { filter.isEmpty || $0.lowercased().hasPrefix(filter) }
            return JSONResponse.ok(.object(["categories": .array(categories.map(JSONValue.string))]))
        case "source":
            // Sources include drafts and deleted posts: only a client that may write posts reads them.
            guard token.scope.containsAny([.create, .update]) else {
                throw MicropubError(.insufficientScope, "q=source needs the create or update scope; the token has \"\(token.scope)\"")
            }
            let names = Self.values(named: ["properties[]", "properties"], in: parameters)
            if let url = parameters["url"].map(String.init) {
                // A copy's URL on another network finds its post too (a client holding a reply to it).
                if urls.slug(fromURL: url) == nil, let copy = try await publishing.accounts.copy(remoteURL: url),
                    let post = try await posts.post(slug: copy.postSlug), post.deletedAt == nil
                {
                    return JSONResponse.ok(post.source(only: names, urls: urls))
                }
                return JSONResponse.ok(try await publishing.post(at: url).source(only: names, urls: urls))
            }
            let page = Paging(limit: parameters["limit"], offset: parameters["offset"])
            let list = try await posts.allPosts(limit: page.limit, offset: page.offset)
            return JSONResponse.ok(.object(["items": .array(list.map { $0.source(only: names, urls: urls) })]))
        case nil:
            throw MicropubError.invalidRequest("a query needs q=config, q=source, q=syndicate-to or q=category")
        case let other?:
            throw MicropubError.invalidRequest("unsupported query q=\(other)")
        }
    }

    /// Repeated query parameters, matched on the decoded name (clients send
    /// `properties[]` both as is and as `properties%5B%5D`).
    static func values(named names: Set<String>, in parameters: some Sequence<(key: Substring, value: Substring)>) -> [String] {
        parameters.compactMap { pair in
            let key = String(pair.key).removingPercentEncoding ?? String(pair.key)
            guard names.contains(key) else { return nil }
            return String(pair.value).removingPercentEncoding ?? String(pair.value)
        }
    }

    func config() async throws -> JSONValue {
        let title = try await site.info().title
        return .object([
            "media-endpoint": .string(urls.mediaEndpoint),
            "syndicate-to": try await syndicationTargets(),
            "destination": .array([.object(["uid": .string(urls.home), "name": .string(title)])]),
            "post-types": .array(
                [("note", "Note"), ("article", "Article"), ("photo", "Photo"), ("audio", "Podcast episode"), ("video", "Video")]
                    .map { .object(["type": .string($0.0), "name": .string($0.1)]) }
            ),
            "q": .array(["config", "source", "syndicate-to", "category"].map(JSONValue.string)),
        ])
    }

    /// The accounts posts can be copied to, as Micropub lists them: `uid`,
    /// `name`, and the `service` and `user` each is on.
    func syndicationTargets() async throws -> JSONValue {
        .array(
            try await publishing.accounts.syndicationAccounts().map { account in
                .object([
                    "uid": .string(account.uid),
                    "name": .string(account.name),
                    "service": .object([
                        "name": .string(account.service.displayName),
                        "url": .string(account.service.homePage(account: account)),
                    ]),
                    "user": .object([
                        "name": .string(account.user.name),
                        "url": .string(account.user.url),
                        "photo": .string(account.user.photo),
                    ]),
                ])
            }
        )
    }

    // MARK: Actions

    func post(_ request: Request) async throws -> Response {
        // A credential in the headers is checked before any of the body is read:
        // a wrong one is refused at once, not after a megabyte has been taken in.
        let hasHeaderToken = authenticator.hasHeaderCredential(request)
        if hasHeaderToken { _ = try await authenticator.authorize(request, bodyToken: nil, anyOf: []) }
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        var bodyToken: String?
        var received = ReceivedForm()
        let action: MicropubAction
        if contentType.hasPrefix("application/json") {
            action = try MicropubParser.parseJSON(Data(buffer: try await request.body.collect(upTo: Self.maxBodyBytes)))
        } else if contentType.hasPrefix("application/x-www-form-urlencoded") {
            let pairs = FormEncoding.decode(String(buffer: try await request.body.collect(upTo: Self.maxBodyBytes)))
            bodyToken = pairs.first { $0.name == "access_token" }?.value
            action = try MicropubParser.parseForm(pairs)
        } else if let boundary = MultipartUpload.boundary(contentType: request.headers[.contentType]) {
            let authenticator = self.authenticator
            // Without a header token, the body's access_token must come before any file.
            let gate: MultipartUpload.FileGate = { form in
                _ = try await authenticator.authorize(token: form.field("access_token"), anyOf: Scope.micropub)
            }
            received = try await metrics.countingUpload {
                try await MultipartUpload.receive(
                    body: request.body,
                    boundary: boundary,
                    fileFields: Self.fileProperties,
                    library: intake.library,
                    maxBytes: maxUploadBytes,
                    beforeFiles: hasHeaderToken ? nil : gate,
                    streamsOriginals: true
                )
            }
            bodyToken = received.field("access_token")
            do {
                action = try MicropubParser.parseForm(received.fields)
            } catch {
                received.discard()
                throw error
            }
        } else {
            throw MicropubError.unsupportedMediaType(
                "send application/x-www-form-urlencoded, application/json or multipart/form-data"
            )
        }

        do {
            switch action {
            case .create(let create):
                _ = try await authenticator.authorize(request, bodyToken: bodyToken, anyOf: [.create])
                let saved = try await publishing.create(create, files: received.files)
                return Response(status: .created, headers: [.location: urls.post(slug: saved.slug)])
            case .update(let update):
                received.discard()
                _ = try await authenticator.authorize(request, bodyToken: bodyToken, anyOf: [.update])
                try await publishing.update(update)
                return Response(status: .noContent)
            case .delete(let url):
                received.discard()
                _ = try await authenticator.authorize(request, bodyToken: bodyToken, anyOf: [.delete])
                try await publishing.delete(url: url)
                return Response(status: .noContent)
            case .undelete(let url):
                received.discard()
                _ = try await authenticator.authorize(request, bodyToken: bodyToken, anyOf: [.undelete, .delete])
                try await publishing.undelete(url: url)
                return Response(status: .noContent)
            }
        } catch {
            received.discard()
            throw error
        }
    }
}
