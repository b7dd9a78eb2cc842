import Foundation
import FuzzHarnesses
import Testing

/// Every committed fuzz input, replayed through its harness on each test run:
/// the seeds, and every input that once crashed a parser (kept in
/// `Fuzz/Regressions/NAME/` when the bug was fixed). A crash here ends the
/// test process, which fails the run.
@Suite("Fuzz corpus replay")
struct ReplayTests {
    static let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz")

    static func inputs(_ folder: String, _ harness: String) -> [URL] {
        let directory = fuzz.appendingPathComponent(folder).appendingPathComponent(harness)
        return ((try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? [])
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    @Test("every harness has seeds, and every seed and regression input runs through it", arguments: Harnesses.all.map(\.name))
    func replay(_ name: String) throws {
        let harness = try #require(Harnesses.named(name))
        let seeds = Self.inputs("Corpus", name)
        #expect(!seeds.isEmpty, "Fuzz/Corpus/\(name)/ needs at least one seed")
        for input in seeds + Self.inputs("Regressions", name) {
            harness.run(try Data(contentsOf: input))
        }
    }

    @Test("the corpus folders name only harnesses that exist")
    func noOrphanFolders() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: Self.fuzz.appendingPathComponent("Corpus").path)
        #expect(Set(folders).subtracting(Harnesses.all.map(\.name)).isEmpty)
    }
}
