import Foundation
import HTMLKit
import MediaKit
import MediaModel
import MicrocastCore
import MultipartForm
import NIOCore

/// Every parser of ours that reads bytes a stranger chose, as a function of
/// those bytes. libFuzzer drives them (`scripts/fuzz`); the test suite
/// replays the committed seeds and every input that once crashed one
/// (`Fuzz/Corpus/NAME/`, `Fuzz/Regressions/NAME/`). A harness throws nothing
/// and returns nothing: refusing bad input is the parser's job, crashing or
/// hanging is the bug.
public enum Harnesses {
    /// One parser under test, by the name `scripts/fuzz` and the corpus folders use.
    public struct Harness: Sendable {
        public let name: String
        public let run: @Sendable (Data) -> Void
    }

    public static let all: [Harness] = [
        Harness(name: "sniff") { _ = FormatSniffer.sniff($0.prefix(FormatSniffer.headerLength)) },
        Harness(name: "jpeg-header") { data in _ = JPEGHeader([UInt8](data)) },
        Harness(name: "webp-chunks") { data in
            _ = try? StripWebPChunks.run(data)
            _ = try? StripWebPChunks.run(data, keepingEXIF: true, keepingICC: true)
        },
        Harness(name: "http-range") { data in
            // Header values as a client sends them, split on the first newlines.
            let lines = text(data).split(separator: "\n", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
            _ = ByteRange.answer(rangeHeader: lines.first, size: Int64(data.count) * 1_000)
            let validators = FileValidators(etag: "\"abc\"", lastModified: Date(timeIntervalSince1970: 1_700_000_000))
            _ = validators.isNotModified(ifNoneMatch: lines.dropFirst().first, ifModifiedSince: lines.dropFirst(2).first)
            _ = validators.rangeApplies(ifRange: lines.last)
            _ = HTTPDate.parse(lines.last ?? "")
        },
        Harness(name: "cookies") { data in
            // Each line is one Cookie header.
            let headers = text(data).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            _ = CookieHeader.value("mc_session", in: headers)
            _ = CookieHeader.value("mc_csrf", in: headers)
        },
        Harness(name: "micropub-form") { data in
            guard case .create(let create)? = try? MicropubParser.parseForm(FormEncoding.decode(text(data))) else { return }
            _ = PostBuilder.post(from: create)
        },
        Harness(name: "micropub-json") { data in
            switch try? MicropubParser.parseJSON(data) {
            case .create(let create)?: _ = PostBuilder.post(from: create)
            case .update(let update)?:
                _ = update.apply(to: Post(slug: "s", properties: ["content": [.string("x")], "category": [.string("a")]], published: Date()))
            default: break
            }
        },
        Harness(name: "sidecar") { _ = try? Sidecar(json: $0) },
        Harness(name: "http-signatures") { data in
            // Line 1: a draft-cavage Signature; lines 2 and 3: RFC 9421's
            // Signature-Input and Signature; the rest: an activity for the inbox.
            let lines = text(data).split(separator: "\n", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
            func line(_ index: Int) -> String { index < lines.count ? lines[index] : "" }
            _ = try? HTTPSignature.parse(line(0))
            if let parameters = try? MessageSignature.parse(signatureInput: line(1), signature: line(2)) {
                _ = try? MessageSignature.base(parameters, target: .init(method: "POST", uri: "https://site.example/inbox?a=1")) { $0 }
            }
            if let activity = (try? JSONDecoder().decode(JSONValue.self, from: Data(line(3).utf8)))?.objectValue {
                _ = InboxRequest.read(activity, signer: "https://remote.example/users/ann", urls: SiteURLs(base: "https://site.example"))
            }
        },
        Harness(name: "chapters") { data in
            _ = try? TextProbe.probe(data: data, format: .chapters, maxBytes: 1 << 20)
            _ = try? JSONDecoder().decode(PodcastChapters.self, from: data)
        },
        Harness(name: "transcript") { data in
            _ = try? TextProbe.probe(data: data, format: .vtt, maxBytes: 1 << 20)
            _ = try? TextProbe.probe(data: data, format: .srt, maxBytes: 1 << 20)
        },
        Harness(name: "indieauth-request") { data in
            var query: [String: String] = [:]
            for (name, value) in FormEncoding.decode(text(data)) where query[name] == nil { query[name] = value }
            _ = try? AuthorizationRequest.parse(query)
        },
        Harness(name: "html-sanitizer") { data in
            _ = HTMLSanitizer.content.sanitize(text(data))
            _ = HTMLSanitizer.remote.sanitize(text(data))
        },
        Harness(name: "mf2") { data in
            let document = MF2Parser.parse(html: text(data), url: page)
            _ = document.allItems.count
            _ = MentionReader.read(html: text(data), source: page, target: target)
        },
        Harness(name: "webmention-discovery") { data in
            // The first line is the Link header; the rest the page.
            let parts = text(data).split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            _ = WebmentionDiscovery.endpoint(pageURL: page, linkHeaders: [parts[0]], html: parts.last)
        },
        Harness(name: "multipart") { readMultipart($0) },
        // The importers read other hosts' feeds and exports (docs/moving.md).
        Harness(name: "podcast-feed") { data in
            guard let podcast = try? PodcastFeedReader(feedURL: importBase).read(data) else { return }
            for episode in podcast.episodes { _ = EpisodePost.item(episode) }
        },
        Harness(name: "wordpress-export") { _ = try? WordPressReader(uploads: nil).read($0) },
        Harness(name: "json-feed") { _ = try? JSONFeedReader(location: importBase).read($0) },
        // A followed site's response: the first byte picks the content type it
        // claims; discovery reads it, then the reader reads it as every format,
        // and the OPML reader as a subscription list.
        Harness(name: "followed-feed") { data in
            guard let first = data.first, let page = URL(string: "https://followed.example/blog/") else { return }
            let types = ["text/html", "application/rss+xml", "application/atom+xml", "application/feed+json", "", "text/plain"]
            let body = data.dropFirst()
            _ = FeedDiscovery.discover(url: page, contentType: types[Int(first) % types.count], linkHeaders: [], body: body)
            for format in FeedFormat.allCases { _ = try? FeedEntriesReader(feedURL: page, limit: 50).read(body, format: format) }
            // The same bytes as an OPML list (an import's file comes from elsewhere too).
            if let outlines = try? OPML.outlines(from: body) {
                precondition(outlines.allSatisfy { ["http", "https"].contains($0.feed.scheme) }, "OPML kept a feed that is not http(s)")
            }
        },
    ]

    /// Where the imported documents say they came from.
    static let importBase = URL(fileURLWithPath: "/nonexistent/import/feed.xml")

    /// A body under boundary `b`, fed in chunks whose size the first byte
    /// chooses (the network splits bodies anywhere), read with small limits
    /// so each is reached; the events must keep the limits and their order.
    static func readMultipart(_ data: Data) {
        let chunkSize = Int(data.first ?? 7) + 1
        let limits = FormLimits(maxFileBytes: 4096)
        var reader = MultipartReader(boundary: "b", fileFields: ["file", "photo"], limits: limits)
        var fileBytes = 0
        var files = 0
        var insideFile = false
        var body = data.dropFirst()
        while !body.isEmpty {
            let chunk = ByteBuffer(bytes: body.prefix(chunkSize))
            body = body.dropFirst(chunkSize)
            guard let events = try? reader.read(chunk) else { return }
            for event in events {
                switch event {
                case .fileBegin:
                    precondition(!insideFile, "a file began inside another")
                    insideFile = true
                    files += 1
                    precondition(files <= limits.maxFiles, "more files than the limit")
                case .fileBytes(let buffer):
                    precondition(insideFile, "file bytes outside a file")
                    fileBytes += buffer.readableBytes
                    precondition(fileBytes <= limits.maxFileBytes, "more file bytes than the limit")
                case .fileEnd:
                    precondition(insideFile, "a file ended that never began")
                    insideFile = false
                case .field(_, let value):
                    precondition(!insideFile, "a field inside a file")
                    precondition(value.utf8.count <= limits.maxFieldBytes * 3, "a field longer than the limit")
                }
            }
        }
        _ = try? reader.finish()
    }

    static let page = URL(fileURLWithPath: "/a/b")
    static let target = URL(fileURLWithPath: "/posts/x")

    public static func named(_ name: String) -> Harness? { all.first { $0.name == name } }

    /// Inputs as text the way a server decodes them: invalid UTF-8 repaired, never refused.
    static func text(_ data: Data) -> String { String(decoding: data, as: UTF8.self) }
}
