import Foundation
import Testing

@testable import MicrocastCore

@Suite("Old addresses")
struct RedirectPathTests {
    @Test("an old URL is keyed by its path, without a trailing slash; WordPress's ?p= and ?page_id= keep their query; the home page is never one")
    func keys() {
        #expect(RedirectPath.key("https://old.example.com/2019/05/bread/") == "/2019/05/bread")
        #expect(RedirectPath.key("/episodes/bread?utm_source=x") == "/episodes/bread")
        #expect(RedirectPath.key("https://old.example.com/?p=123") == "/?p=123")
        #expect(RedirectPath.key("/?page_id=7&foo=1") == "/?page_id=7")
        #expect(RedirectPath.key("/caf%C3%A9/") == "/caf%C3%A9")
        #expect(RedirectPath.key("https://old.example.com/") == nil)
        #expect(RedirectPath.key("/?p=abc") == nil)
        #expect(RedirectPath.key("relative/path") == nil)
        #expect(RedirectPath.candidates(path: "/", query: "p=123") == ["/?p=123"])
        #expect(RedirectPath.candidates(path: "/2019/05/bread/", query: "fbclid=1") == ["/2019/05/bread"])
        #expect(RedirectPath.candidates(path: "/archives", query: "p=9") == ["/archives?p=9", "/archives"])
    }

    @Test("a target is a path here, or one of our URLs made a path; nothing that leaves the site")
    func targets() {
        let base = "https://radio.example"
        #expect(RedirectPath.target("/posts/bread", base: base) == "/posts/bread")
        #expect(RedirectPath.target("https://radio.example/posts/bread", base: base) == "/posts/bread")
        #expect(RedirectPath.target("https://evil.example/x", base: base) == nil)
        #expect(RedirectPath.target("//evil.example/x", base: base) == nil)
        #expect(RedirectPath.target("javascript:alert(1)", base: base) == nil)
    }

    @Test("static hosts get FROM TO 301 lines; query-keyed addresses are left out")
    func staticHostFile() {
        let file = RedirectPath.staticHostFile([
            Redirect(path: "/2019/05/bread", target: "/posts/bread"), Redirect(path: "/?p=12", target: "/posts/jam"),
        ])
        #expect(file == "/2019/05/bread /posts/bread 301\n")
    }
}

extension RedirectPathTests {
    @Test("only WordPress's page-naming queries are looked up before the site's own routes")
    func pageQueries() {
        #expect(RedirectPath.namesPage(query: "p=123"))
        #expect(RedirectPath.namesPage(query: "utm=1&page_id=7"))
        #expect(!RedirectPath.namesPage(query: "page=2"))
        #expect(!RedirectPath.namesPage(query: "p=abc"))
    }
}
