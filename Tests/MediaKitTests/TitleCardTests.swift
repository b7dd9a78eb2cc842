import Foundation
import MediaModel
import Testing

@testable import MediaKit

@Suite("Show title cards")
struct TitleCardTests {
    @Test("cards drawn on many threads at once all come out: text drawing is serialised around Pango's shared font map")
    func concurrentCards() async throws {
        // A crash would end the whole test process; libvips #3660 reports one for concurrent vips_text.
        let sizes = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<64 {
                group.addTask {
                    try await withCheckedThrowingContinuation { continuation in
                        Thread {
                            continuation.resume(with: Result { try ShowArtwork.titleCard("Show number \(index)", side: 256).count })
                        }.start()
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(sizes.count == 64 && sizes.allSatisfy { $0 > 1_000 })
    }
}
