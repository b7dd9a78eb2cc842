import CFFmpeg
import Foundation

/// Converts a decoded video frame to packed 8-bit RGB with libswscale, for
/// handing a still (the poster) to libvips.
enum RGBFrame {
    static func pixels(of frame: UnsafeMutablePointer<AVFrame>) throws(MediaError) -> (data: Data, width: Int, height: Int) {
        let width = frame.pointee.width, height = frame.pointee.height
        guard width > 0, height > 0,
            let scaler = sws_getContext(
                width, height, AVPixelFormat(frame.pointee.format), width, height, AV_PIX_FMT_RGB24,
                Int32(SWS_BICUBIC), nil, nil, nil)
        else { throw .engine("cannot convert the poster frame to RGB") }
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
        guard converted == height else { throw .engine("cannot convert the poster frame to RGB") }
        return (data, Int(width), Int(height))
    }
}
