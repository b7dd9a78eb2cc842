import Foundation
import MicrocastCore
import TestSupport
import Testing

@Suite("The studio's fediverse page")
struct StudioFediverseTests {
    @Test(
        "the owner holds follows for approval, approves a request (its Accept delivered), removes the follower, blocks and unblocks a server, all from the page; a form without the session's CSRF token changes nothing"
    )
    func moderateFromTheStudio() async throws {
        try await FakeNetwork.run(.remoteActor) { remote in
            try await TestSite.run(configure: { $0.services.allowPrivateFetch = true }) { site in
                let ann = remote.base + "/users/ann"
                let owner = try await OwnerSession.signIn(site)
                func submit(_ fields: [(String, String)]) async throws {
                    let answer = try await OwnerSession.form(site, "/studio/fediverse", [("csrf", owner.csrf)] + fields, owner: owner)
                    #expect(answer.status == .seeOther || answer.status == .found, "\(fields): \(answer.status) \(answer.text)")
                }
                func page() async throws -> String { try await site.get("/studio/fediverse", headers: [owner.cookie]).text }

                #expect(try await page().contains("@site@127.0.0.1"))
                let forged = try await site.request(
                    "/studio/fediverse",
                    method: .POST,
                    headers: [("Content-Type", "application/x-www-form-urlencoded"), owner.cookie],
                    body: WebForms.encode([("csrf", "forged"), ("do", "settings"), ("follows", "approval")])
                )
                #expect(forged.status == .forbidden)
                #expect(!FediverseSettings.approvesFollowers(try await site.store.settings()))

                try await submit([("do", "settings"), ("follows", "approval")])
                #expect(FediverseSettings.approvesFollowers(try await site.store.settings()))
                let target: [String: Any] = ["actor": site.base + "/actor", "inbox": site.base + "/actor/inbox"]
                #expect(try await remote.post("follow", target)["status"] as? Int == 202)
                #expect(try await page().contains("aria-label=\"Approve \(ann)\""))

                try await submit([("do", "approve"), ("actor", ann)])
                _ = try await awaitValue("the Accept") {
                    try await FediverseTests.received(remote).first { FediverseTests.type($0) == "Accept" }
                }
                #expect(try await page().contains("Followers (1)"))
                try await submit([("do", "reject"), ("actor", ann)])
                #expect(try await site.store.followers().map(\.state) == [.rejected])
                #expect(try await page().contains("Followers (0)"))

                try await submit([("do", "block"), ("domain", "spam.example")])
                #expect(try await page().contains("aria-label=\"Unblock spam.example\""))
                try await submit([("do", "unblock"), ("domain", "spam.example")])
                #expect(!(try await page().contains("Unblock spam.example")))
            }
        }
    }
}
