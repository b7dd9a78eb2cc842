import Foundation
import MediaModel
import Testing

@Suite("Temporary names")
struct TemporaryNameTests {
    @Test("a temporary name carries this machine and this process, and keeps its stem and extension")
    func carriesWriter() throws {
        let name = TemporaryName.make(".abc-photo-640", extension: "tmp")
        #expect(name.hasPrefix(".abc-photo-640.") && name.hasSuffix(".tmp"))
        let writer = try #require(TemporaryName.writer(of: name))
        #expect(writer.host == TemporaryName.hostTag && writer.pid == getpid())
        #expect(!TemporaryName.writerHasEnded(name), "this process is alive")
    }

    @Test("names without a writer, or from another machine, are never taken for a dead writer's")
    func othersLeftAlone() {
        #expect(TemporaryName.writer(of: "abc.part") == nil)
        #expect(TemporaryName.writer(of: "x@w-.part") == nil)
        #expect(!TemporaryName.writerHasEnded("upload.123@w-ffffffff-1.part") || TemporaryName.hostTag == "ffffffff")
        #expect(!TemporaryName.writerHasEnded("upload.123@w-\(TemporaryName.hostTag)-1.part"), "pid 1 is alive")
    }
}
