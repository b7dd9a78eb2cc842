import MicrocastCore
import Testing

@Suite("Link policy")
struct LinkPolicyTests {
    @Test(
        "only absolute http and https URLs with a host may be linked, read as a browser reads them",
        arguments: [
            ("https://example.org/a", true), ("http://example.org", true), ("HTTPS://EXAMPLE.ORG/", true), ("  https://example.org/x  ", true),
            ("javascript:alert(1)", false), (" JaVaScRiPt:alert(1)", false), ("java\tscript:alert(1)", false), ("java\nscript:x", false),
            ("\u{01}javascript:x", false), ("data:text/html,<script>", false), ("vbscript:msgbox", false), ("mailto:me@example.org", false),
            ("/posts/relative", false), ("//example.org/protocol-relative", false), ("http:example.org", false), ("https:///nohost", false),
            ("", false), ("ftp://example.org/file", false),
        ]
    )
    func renderable(_ url: String, allowed: Bool) {
        #expect(LinkPolicy.isRenderable(url) == allowed, "\(url)")
    }

    @Test("the URL printed is the one read, without the spaces around it")
    func trimmed() {
        #expect(LinkPolicy.renderable("  https://example.org/x\n") == "https://example.org/x")
    }
}
