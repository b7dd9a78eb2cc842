import Foundation
import HTMLKit
import Testing

@Suite("HTML sanitiser")
struct SanitizerTests {
    let sanitizer = HTMLSanitizer.content

    @Test("the owner's formatting survives: links, emphasis, lists, images, headings, code, quotes, tables")
    func keepsFormatting() {
        let html = """
            <h2>Show notes</h2><p>Hello <em>there</em>, <strong>listen</strong> to <a href="https://example.com/a?b=1&amp;c=2" title="x">this</a>.</p>\
            <ul><li>one</li><li>two</li></ul><ol start="3"><li>three</li></ol><blockquote cite="https://example.com/q"><p>quoted</p></blockquote>\
            <pre><code class="language-swift">let x = 1 &lt; 2</code></pre><img src="/media/r/a.jpg" alt="A cat" width="640" height="480">\
            <table><thead><tr><th>a</th></tr></thead><tbody><tr><td colspan="2">b</td></tr></tbody></table><hr><p>a<br>b</p>
            """
        #expect(sanitizer.sanitize(html) == html)
    }

    @Test(
        "scripts, event handlers, styles, frames, forms and dangerous URLs are removed",
        arguments: [
            (#"<p>hi<script>alert(1)</script></p>"#, "<p>hi</p>"),
            (#"<img src="x.jpg" onerror="alert(1)" alt="x">"#, #"<img src="x.jpg" alt="x">"#),
            (#"<a href="javascript:alert(1)">x</a>"#, "<a>x</a>"),
            (#"<a href=" java&#10;script:alert(1)">x</a>"#, "<a>x</a>"),
            (#"<a href="JaVaScRiPt:alert(1)">x</a>"#, "<a>x</a>"),
            (#"<a href="data:text/html,<script>alert(1)</script>">x</a>"#, "<a>x</a>"),
            (#"<img src="data:image/png;base64,AAAA" alt="x">"#, ""),
            (#"<p style="position:fixed;top:0">x</p>"#, "<p>x</p>"),
            (#"<iframe src="https://evil.example/"></iframe>after"#, "after"),
            (#"<form action="/auth/consent"><input name="decision" value="approve"><button>go</button></form>"#, ""),
            (#"<svg><script>alert(1)</script></svg>ok"#, "ok"),
            (#"<style>body{display:none}</style>ok"#, "ok"),
            (#"<div class="h-card evil-class">x</div>"#, #"<div class="h-card">x</div>"#),
            (#"<marquee>moving</marquee>"#, "moving"),
            (#"<p>1 &lt; 2 &amp; "quoted"</p>"#, #"<p>1 &lt; 2 &amp; "quoted"</p>"#),
            (#"<a href="https://x.example/" target="_blank">x</a>"#, #"<a href="https://x.example/">x</a>"#),
            (#"<img src="a.jpg" width="100%">"#, #"<img src="a.jpg">"#),
            (#"<!-- <script>alert(1)</script> -->ok"#, "ok"),
            (#"<noscript><p title="</noscript><img src=x onerror=alert(1)>"></p></noscript>"#, ""),
            ("<p>unclosed <b>bold", "<p>unclosed <b>bold</b></p>"),
            ("<base href=\"https://evil.example/\"><meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">x", "x"),
        ]
    )
    func removesActiveContent(input: String, expected: String) {
        #expect(sanitizer.sanitize(input) == expected)
    }

    @Test("text from strangers keeps no images, and its links carry rel=nofollow ugc")
    func remotePolicy() {
        let html = #"<p><a href="https://a.example/" rel="me">a</a><img src="https://tracker.example/p.gif" alt="">x</p>"#
        #expect(HTMLSanitizer.remote.sanitize(html) == #"<p><a href="https://a.example/" rel="nofollow ugc">a</a>x</p>"#)
    }

    @Test("200,000 nested elements neither crash the parser nor nest without end")
    func deepNesting() {
        let html = String(repeating: "<div>", count: 200_000) + "deep" + String(repeating: "</div>", count: 200_000)
        let clean = sanitizer.sanitize(html)
        #expect(clean.contains("deep"))
        #expect(clean.components(separatedBy: "<div>").count - 1 < HTMLParser.maxDepth)
    }
}

@Suite("Markdown")
struct MarkdownTests {
    @Test("Markdown becomes HTML with GitHub's extensions, and its inline HTML is sanitised")
    func rendersAndSanitises() {
        let text = """
            # Episode 3

            Hello *world*, see <https://example.com> and ~~old~~.

            | a | b |
            |---|---|
            | 1 | 2 |

            <script>alert(1)</script><abbr title="Portable Network Graphics">PNG</abbr>

            [click](javascript:alert(1))
            """
        let html = Markdown.html(text)
        #expect(html.contains("<h1>Episode 3</h1>"))
        #expect(html.contains("<em>world</em>"))
        #expect(html.contains(#"<a href="https://example.com">https://example.com</a>"#))
        #expect(html.contains("<del>old</del>"))
        #expect(html.contains("<table>") && html.contains("<td>1</td>"))
        #expect(html.contains(#"<abbr title="Portable Network Graphics">PNG</abbr>"#))
        #expect(!html.contains("<script") && !html.contains("javascript:"))
        #expect(html.contains("<a>click</a>"))
    }
}

@Suite("HTML parsing")
struct ParserTests {
    @Test("a document is parsed as browsers do: implied head and body, entities decoded, attributes in order")
    func parsesDocument() {
        let root = HTMLParser.parseDocument(#"<title>T</title><p class="a  b" id=x>1 &amp; 2<P>second"#)
        #expect(root.name == "html")
        #expect(root.elements.map(\.name) == ["head", "body"])
        let body = root.elements[1]
        #expect(body.elements.map(\.name) == ["p", "p"])
        #expect(body.elements[0].classes == ["a", "b"])
        #expect(body.elements[0].attributes.map(\.name) == ["class", "id"])
        #expect(body.elements[0].textContent == "1 & 2")
        #expect(body.elements[1].textContent == "second")
    }
}
