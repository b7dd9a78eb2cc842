import Foundation
import MediaKit
import MediaModel

/// The media child's side: one request line in, one answer line out, until
/// its standard input closes. Runs inside the sandbox, so whatever a file
/// makes the decoder do, it does without the network and within the limits.
public enum ChildLoop {
    /// Test-only: with `MICROCAST_TEST_TRIGGERS=1` in the environment, a
    /// file whose first 64 KB hold `MICROCAST-CRASH-THE-DECODER` makes the
    /// child abort, and one holding `MICROCAST-EXHAUST-MEMORY` makes it
    /// allocate until its limit ends it, as a decoder bug would. (Uploads
    /// reach the child under temporary names, so the bytes carry the mark.)
    static let triggers = ProcessInfo.processInfo.environment["MICROCAST_TEST_TRIGGERS"] == "1"

    public static func run(budget: DecodeBudget = DecodeBudget()) {
        let decoder = JSONDecoder()
        let encoder = JSONEncoder()
        while let line = readLine(strippingNewline: true) {
            let answer: ChildAnswer
            if let request = try? decoder.decode(ChildRequest.self, from: Data(line.utf8)) {
                if triggers { pullTrigger(request.path) }
                answer = perform(request, budget: budget)
            } else {
                answer = ChildAnswer(error: .engine("the media child could not read its request"))
            }
            var bytes = (try? encoder.encode(answer)) ?? Data(#"{"error":{"kind":"engine","message":"unencodable answer"}}"#.utf8)
            bytes.append(UInt8(ascii: "\n"))
            FileHandle.standardOutput.write(bytes)
        }
    }

    static func perform(_ request: ChildRequest, budget: DecodeBudget) -> ChildAnswer {
        let control = JobControl(deadline: .now + .milliseconds(Int64(request.seconds * 1000)))
        switch request.work {
        case .inspect:
            do {
                return ChildAnswer(probe: try Inspector.inspect(path: request.path, limits: request.limits, budget: budget, control: control))
            } catch {
                return ChildAnswer(error: error)
            }
        }
    }

    static func pullTrigger(_ path: String) {
        guard let handle = FileHandle(forReadingAtPath: path), let head = try? handle.read(upToCount: 65_536) else { return }
        try? handle.close()
        if head.range(of: Data("MICROCAST-CRASH-THE-DECODER".utf8)) != nil { abort() }
        if head.range(of: Data("MICROCAST-EXHAUST-MEMORY".utf8)) != nil {
            // Address space, not touched pages: the limit ends it in
            // milliseconds, without pressing on the machine's memory.
            var hoard: [UnsafeMutableRawPointer] = []
            while true {
                guard let block = malloc(64 << 20) else { abort() }
                hoard.append(block)
            }
        }
    }
}
