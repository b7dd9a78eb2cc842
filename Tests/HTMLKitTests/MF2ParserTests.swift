import Foundation
import HTMLKit
import Testing

/// Cases written from the microformats2 parsing specification, each checking
/// the JSON the specification gives for the markup.
@Suite("microformats2 parsing")
struct MF2ParserTests {
    let page = URL(string: "https://example.com/notes/1")!

    func items(_ html: String) -> [MF2Item] { MF2Parser.parse(html: html, url: page).items }

    @Test("explicit p-, u-, dt- and e- properties, with relative URLs resolved against the page")
    func explicitProperties() throws {
        let entry = try #require(
            items(
                """
                <article class="h-entry"><h1 class="p-name">Hello</h1>
                <a class="u-url" href="/notes/1">link</a><img class="u-photo" src="a.jpg" alt="A cat">
                <time class="dt-published" datetime="2017-05-01T10:00:00-07:00">May 1</time>
                <div class="e-content"><p>Hi <b>there</b></p></div></article>
                """
            ).first
        )
        #expect(entry.types == ["h-entry"])
        #expect(entry.strings("name") == ["Hello"])
        #expect(entry.strings("url") == ["https://example.com/notes/1"])
        #expect(entry.properties["photo"] == [.image(url: "https://example.com/notes/a.jpg", alt: "A cat")])
        #expect(entry.strings("published") == ["2017-05-01T10:00:00-07:00"])
        #expect(entry.properties["content"] == [.html(html: "<p>Hi <b>there</b></p>", text: "Hi there")])
    }

    @Test("a <base href> decides how relative URLs resolve")
    func baseElement() throws {
        let entry = try #require(
            items(#"<head><base href="https://cdn.example.net/x/"></head><div class="h-entry"><a class="u-url" href="p">x</a></div>"#).first
        )
        #expect(entry.strings("url") == ["https://cdn.example.net/x/p"])
    }

    @Test("implied name, photo and url come from the root and its only child, and only without explicit properties")
    func impliedProperties() throws {
        let card = try #require(items(#"<a class="h-card" href="/me"><img src="me.png" alt="Jane Doe"></a>"#).first)
        #expect(card.strings("name") == ["Jane Doe"])
        #expect(card.properties["photo"] == [.image(url: "https://example.com/notes/me.png", alt: "Jane Doe")])
        #expect(card.strings("url") == ["https://example.com/me"])

        let abbreviated = try #require(items(#"<abbr class="h-card" title="Jane Doe">JD</abbr>"#).first)
        #expect(abbreviated.strings("name") == ["Jane Doe"])

        let emptyAlt = try #require(items(#"<a class="h-card" href="/me"><img src="me.png" alt="">Jane</a>"#).first)
        #expect(emptyAlt.strings("name") == ["Jane"], "an empty alt names nothing; the text does")

        let explicit = try #require(items(#"<div class="h-card"><span class="p-name">Jane</span><img src="x.png"><a href="/y">y</a></div>"#).first)
        #expect(explicit.strings("name") == ["Jane"])
        #expect(explicit.properties["photo"] != nil, "no u-* was given, so photo is still implied")
        #expect(explicit.properties["url"] != nil)

        let withURL = try #require(items(#"<div class="h-card"><a class="u-url" href="/z">Zed</a><img src="x.png"></div>"#).first)
        #expect(withURL.properties["photo"] == nil, "an explicit u-* property stops implied photo")
        #expect(withURL.strings("name") == ["Zed"])
    }

    @Test("the value-class pattern joins parts, and a date and a time written apart become one date-time")
    func valueClass() throws {
        let entry = try #require(
            items(
                """
                <div class="h-entry"><span class="p-name"><span class="value">Hello</span> (ignored) <span class="value">World</span></span>
                <span class="dt-published"><time class="value" datetime="2017-05-01">May 1</time> at <span class="value">10:30pm</span>
                <span class="value">-0700</span></span>
                <span class="dt-updated"><span class="value-title" title="2018-01-02T03:04:05Z"></span>yesterday</span></div>
                """
            ).first
        )
        #expect(entry.strings("name") == ["HelloWorld"])
        #expect(entry.strings("published") == ["2017-05-01 22:30-0700"])
        #expect(entry.strings("updated") == ["2018-01-02T03:04:05Z"])
    }

    @Test("a nested h-card in p-author is a property value with its own value; one without a property is a child")
    func nestedItems() throws {
        let entry = try #require(
            items(
                """
                <div class="h-entry"><a class="p-author h-card" href="https://jane.example/">Jane</a>
                <div class="u-in-reply-to h-cite"><a class="u-url" href="https://other.example/post">a post</a></div>
                <div class="h-card"><span class="p-name">Child</span></div></div>
                """
            ).first
        )
        let author = try #require(entry.properties["author"]?.first?.item)
        #expect(author.types == ["h-card"] && author.value == "Jane" && author.strings("url") == ["https://jane.example/"])
        #expect(entry.strings("in-reply-to") == ["https://other.example/post"])
        #expect(entry.children.map(\.types) == [["h-card"]])
        #expect(entry.properties["name"] == nil, "nested microformats stop the implied name")
    }

    @Test("class names must be valid: h-1, p- and upper case are not microformats")
    func classNames() {
        #expect(items(#"<div class="h-1"><p class="p-name">x</p></div><div class="H-entry">y</div><div class="h-">z</div>"#).isEmpty)
        #expect(items(#"<div class="h-x-app">app</div>"#).map(\.types) == [["h-x-app"]])
    }

    @Test("rel values collect every link's URL, resolved")
    func rels() {
        let document = MF2Parser.parse(
            html: #"<link rel="webmention" href="/wm"><a rel="me author" href="https://jane.example/">me</a>"#,
            url: page
        )
        #expect(document.rels["webmention"] == ["https://example.com/wm"])
        #expect(document.rels["me"] == ["https://jane.example/"])
        #expect(document.rels["author"] == ["https://jane.example/"])
    }

    @Test(
        "our parser and mf2py read the same page the same way",
        arguments: [
            #"<div class="h-entry"><p class="p-name">Hi</p><a class="u-url" href="/a">x</a><a class="p-author h-card" href="https://j.example/">J</a></div>"#,
            #"<a class="h-card" href="/me"><img src="me.png" alt="Jane"></a>"#,
            #"<a class="h-card" href="/me"><img src="me.png" alt="">Jane</a>"#,
            #"<div class="h-entry"><div class="e-content">Some <i>text</i></div><span class="p-category">a</span><span class="p-category">b</span></div>"#,
        ]
    )
    func agreesWithMF2Py(_ html: String) throws {
        let ours = try JSONSerialization.data(
            withJSONObject: ["items": MF2Parser.parse(html: html, url: page).json["items"] ?? []],
            options: [.sortedKeys]
        )
        let theirs = try JSONSerialization.data(withJSONObject: try mf2py(html), options: [.sortedKeys])
        #expect(String(decoding: ours, as: UTF8.self) == String(decoding: theirs, as: UTF8.self))
    }

    /// mf2py's JSON for `html`, items only (rel-urls and its debug keys are left out).
    func mf2py(_ html: String) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import json,sys,mf2py; d=mf2py.parse(doc=sys.stdin.read(), url=sys.argv[1], metaformats=False); print(json.dumps({'items': d['items']}))",
            page.absoluteString,
        ]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(html.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }
}

/// Webmention endpoint discovery on the cases of the specification and webmention.rocks.
@Suite("Webmention endpoint discovery")
struct DiscoveryTests {
    let page = URL(string: "https://target.example/test/1")!

    func endpoint(_ headers: [String] = [], _ html: String? = nil) -> String? {
        WebmentionDiscovery.endpoint(pageURL: page, linkHeaders: headers, html: html)?.absoluteString
    }

    @Test("Link headers: relative, absolute, quoted or not, several rels, several links, odd case")
    func linkHeaders() {
        #expect(endpoint(["</wm>; rel=webmention"]) == "https://target.example/wm")
        #expect(endpoint(["<https://e.example/wm>; rel=\"webmention\""]) == "https://e.example/wm")
        #expect(endpoint(["<https://e.example/wm>; REL=\"webmention\""]) == "https://e.example/wm")
        #expect(endpoint(["<https://e.example/wm>; rel=\"webmention somethingelse\""]) == "https://e.example/wm")
        #expect(endpoint(["<https://e.example/no>; rel=\"other\"", "<https://e.example/wm>; rel=\"webmention\""]) == "https://e.example/wm")
        #expect(endpoint(["<https://e.example/no>; rel=\"other\", <https://e.example/wm>; rel=\"webmention\""]) == "https://e.example/wm")
        #expect(endpoint(["<https://e.example/wm?a=1,2>; rel=\"webmention\""]) == "https://e.example/wm?a=1,2")
        #expect(endpoint(["<https://e.example/no>; rel=\"not-webmention\""]) == nil)
    }

    @Test("HTML: the first <link> or <a> in document order; empty href is the page; query kept; comments and escaped markup never match")
    func html() {
        #expect(endpoint([], #"<link rel="webmention" href="wm">"#) == "https://target.example/test/wm")
        #expect(endpoint([], #"<a rel="webmention" href="/wm">x</a><link rel="webmention" href="/no">"#) == "https://target.example/wm")
        #expect(endpoint([], #"<link rel="webmention somethingelse" href="/wm">"#) == "https://target.example/wm")
        #expect(endpoint([], #"<link rel="webmention" href="">"#) == "https://target.example/test/1")
        #expect(endpoint([], #"<link rel="webmention" href="/wm?query=yes">"#) == "https://target.example/wm?query=yes")
        #expect(endpoint([], #"<link rel="webmention"><a rel="webmention" href="/wm">x</a>"#) == "https://target.example/wm")
        #expect(endpoint([], #"<!-- <link rel="webmention" href="/no"> --><a rel="webmention" href="/wm">x</a>"#) == "https://target.example/wm")
        #expect(
            endpoint([], #"<code>&lt;a rel="webmention" href="/no"&gt;&lt;/a&gt;</code><a rel="webmention" href="/wm">x</a>"#)
                == "https://target.example/wm"
        )
        #expect(endpoint([], #"<link rel="not-webmention" href="/no">"#) == nil)
    }

    @Test("a Link header wins over the body")
    func headerFirst() {
        #expect(endpoint(["</header>; rel=webmention"], #"<link rel="webmention" href="/body">"#) == "https://target.example/header")
    }
}
