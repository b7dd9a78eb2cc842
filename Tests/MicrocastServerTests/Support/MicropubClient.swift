import Foundation
import TestSupport
import Testing

/// What a Micropub client checks by machine instead of "look at your post".
extension TestSite {
    func source(_ url: String, token: String, properties: [String] = []) async throws -> [String: Any] {
        let filter = properties.map { "&properties%5B%5D=\($0)" }.joined()
        let encoded = url.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? url
        let reply = try await get("/micropub?q=source\(filter)&url=\(encoded)", headers: [("Authorization", "Bearer \(token)")])
        #expect(reply.status == .ok, "q=source for \(url): \(reply.text)")
        return reply.json
    }

    /// The first h-entry on the page at `url`, as mf2py parses it.
    func pageEntry(_ url: String) async throws -> [String: Any] {
        let page = try await get(url)
        #expect(page.status == .ok)
        let parsed = try await Fixtures.microformats(html: page.text, url: url)
        let items = parsed["items"] as? [[String: Any]] ?? []
        let entry = items.first { ($0["type"] as? [String]) == ["h-entry"] }
        return entry?["properties"] as? [String: Any] ?? [:]
    }

    /// The page and `q=source` tell the same story for the properties a page shows.
    func expectPageAgreesWithSource(_ url: String, token: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let source = try await self.source(url, token: token)["properties"] as? [String: [Any]] ?? [:]
        let page = try await pageEntry(url)
        for name in ["name", "summary", "category"] {
            let stored = source[name] as? [String]
            let shown = page[name] as? [String]
            #expect(
                stored == shown,
                "\(name): source \(String(describing: stored)), page \(String(describing: shown))",
                sourceLocation: sourceLocation
            )
        }
        for name in ["photo", "audio", "video"] {
            let stored = (source[name] ?? []).compactMap { ($0 as? String) ?? ($0 as? [String: Any])?["value"] as? String }
            let shown = (page[name] as? [Any] ?? []).compactMap { ($0 as? String) ?? ($0 as? [String: Any])?["value"] as? String }
            // Our own photos are shown through their renditions once processed.
            #expect(stored.count == shown.count, "\(name): source \(stored), page \(shown)", sourceLocation: sourceLocation)
        }
        if let content = source["content"]?.first {
            let shown = (page["content"] as? [[String: Any]])?.first
            if let text = content as? String {
                #expect((shown?["value"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines) == text, sourceLocation: sourceLocation)
            } else if let html = (content as? [String: Any])?["html"] as? String {
                #expect((shown?["html"] as? String)?.contains(html) == true, sourceLocation: sourceLocation)
            }
        } else {
            #expect(page["content"] == nil, sourceLocation: sourceLocation)
        }
    }

    /// Sends a raw form body exactly as micropub.rocks displays it.
    func postRawForm(_ body: String, token: String?) async throws -> Reply {
        var headers = [("Content-Type", "application/x-www-form-urlencoded")]
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        return try await request("/micropub", method: .POST, headers: headers, body: Data(body.utf8))
    }

    /// Multipart to the Micropub endpoint: text parts first, then file parts.
    func postMultipart(fields: [(String, String)], files: [(String, URL)], token: String) async throws -> Reply {
        var body = MultipartBody()
        for (name, value) in fields { body.add(field: name, value: value) }
        for (name, file) in files { try body.add(file: file, field: name, contentType: "image/jpeg") }
        return try await request(
            "/micropub",
            method: .POST,
            headers: [("Content-Type", body.contentType), ("Authorization", "Bearer \(token)")],
            body: body.data
        )
    }

    func created(_ reply: Reply, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        #expect(reply.status == .created, "\(reply.text)", sourceLocation: sourceLocation)
        return try #require(reply.headers.first(name: "Location"), sourceLocation: sourceLocation)
    }
}
