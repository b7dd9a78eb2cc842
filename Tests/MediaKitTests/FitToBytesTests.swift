import Foundation
import MediaModel
import TestSupport
import Testing

@testable import MediaKit

@Suite("A photo made to fit a network's byte limit") @MediaThread
struct FitToBytesTests {
    @Test("a noisy photo far over the limit comes out as a JPEG within it, smaller but the same shape")
    func fits() async throws {
        let folder = try Fixtures.folder()
        let noisy = folder.appendingPathComponent("noise.png")
        _ = try await Fixtures.runOffPool(
            "ffmpeg",
            [
                "-v", "error", "-f", "lavfi", "-i", "nullsrc=s=1500x1000,geq=random(1)*255:random(2)*255:random(3)*255", "-frames:v", "1", "-y",
                noisy.path,
            ]
        )
        let data = try await Fixtures.offPool { try FitToBytes.jpeg(path: noisy.path, maxBytes: 150_000) }
        #expect(data.count <= 150_000)
        #expect(Array(data.prefix(3)) == [0xFF, 0xD8, 0xFF])
        let size = try await Fixtures.imageSize(data)
        #expect(size.width < 1500 && abs(Double(size.width) / Double(size.height) - 1.5) < 0.01)
    }
}
