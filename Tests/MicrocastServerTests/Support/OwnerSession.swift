import Foundation
import MicrocastCore
import Testing

/// The owner, signed in to the studio as a browser signs in.
enum OwnerSession {
    static let passphrase = "correct horse battery staple"

    struct Owner {
        var session: String
        var csrf: String
        var cookie: (String, String) { ("Cookie", "mc_session=\(session)") }
        var headers: [(String, String)] { [cookie, ("X-CSRF-Token", csrf)] }
    }

    /// Signs in as the owner, setting the passphrase first unless asked not to (a new passphrase signs every browser out).
    static func signIn(_ site: TestSite, settingPassphrase: Bool = true) async throws -> Owner {
        if settingPassphrase { try await site.store.setPassphraseHash(try PassphraseHasher.hash(passphrase), now: Date()) }
        let page = try await site.get("/studio/sign-in?next=\(site.base)/studio/new")
        let csrfCookie = try #require(WebForms.cookie("mc_csrf", in: page))
        let form = WebForms.hiddenFields(page.text) + [("passphrase", passphrase)]
        let signedIn = try await site.request(
            "/auth/sign-in",
            method: .POST,
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", "mc_csrf=\(csrfCookie)")],
            body: WebForms.encode(form)
        )
        #expect(signedIn.headers.first(name: "Location") == site.base + "/studio/new")
        let session = try #require(WebForms.cookie("mc_session", in: signedIn))
        let composer = try await site.get("/studio/new", headers: [("Cookie", "mc_session=\(session)")])
        let csrf = try #require(
            composer.text.components(separatedBy: "<meta name=\"csrf-token\" content=\"").dropFirst().first?.prefix { $0 != "\"" }
        )
        return Owner(session: session, csrf: String(csrf))
    }

    static func form(_ site: TestSite, _ path: String, _ fields: [(String, String)], owner: Owner) async throws -> TestSite.Reply {
        try await site.request(
            path,
            method: .POST,
            headers: [("Content-Type", "application/x-www-form-urlencoded"), owner.cookie],
            body: WebForms.encode(fields)
        )
    }
}
