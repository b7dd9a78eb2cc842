import CFFmpeg
import Foundation
import MediaModel

/// A picture as packed 8-bit RGB rows.
public struct RGBPixels: Sendable {
    public var data: Data
    public var width: Int
    public var height: Int

    /// Converts a decoded video frame with libswscale.
    init(converting frame: UnsafeMutablePointer<AVFrame>) throws(MediaError) {
        let width = frame.pointee.width
        let height = frame.pointee.height
        guard width > 0, height > 0,
            let scaler = sws_getContext(
                width,
                height,
                AVPixelFormat(frame.pointee.format),
                width,
                height,
                AV_PIX_FMT_RGB24,
                Int32(SWS_BICUBIC),
                nil,
                nil,
                nil
            )
        else { throw .engine("cannot convert the frame to RGB") }
        defer { sws_freeContext(scaler) }
        let rowBytes = Int(width) * 3
        var data = Data(count: rowBytes * Int(height))
        let converted = data.withUnsafeMutableBytes { buffer -> Int32 in
            var target: UnsafeMutablePointer<UInt8>? = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self)
            var targetStride = Int32(rowBytes)
            return withUnsafePointer(to: &frame.pointee.data) { planes in
                withUnsafePointer(to: &frame.pointee.linesize) { strides in
                    planes.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: Int(AV_NUM_DATA_POINTERS)) { sourcePlanes in
                        strides.withMemoryRebound(to: Int32.self, capacity: Int(AV_NUM_DATA_POINTERS)) { sourceStrides in
                            sws_scale(scaler, sourcePlanes, sourceStrides, 0, height, &target, &targetStride)
                        }
                    }
                }
            }
        }
        guard converted == height else { throw .engine("cannot convert the frame to RGB") }
        self.data = data
        self.width = Int(width)
        self.height = Int(height)
    }
}
