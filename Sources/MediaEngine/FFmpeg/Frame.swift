import CFFmpeg
import Foundation
import MediaModel

/// A decoded or filtered frame lent to a callback by a decoder or a filter
/// graph: valid only during that call. Keep one longer with `retained()`.
public struct Frame {
    let pointer: UnsafeMutablePointer<AVFrame>

    init(_ pointer: UnsafeMutablePointer<AVFrame>) { self.pointer = pointer }

    /// Samples per channel in an audio frame.
    public var sampleCount: Int { Int(pointer.pointee.nb_samples) }
    public var width: Int { Int(pointer.pointee.width) }
    public var height: Int { Int(pointer.pointee.height) }

    /// The first plane as 32-bit floats: the samples of a mono `flt` frame.
    public func withFloatSamples<T>(_ body: (UnsafeBufferPointer<Float>) throws -> T) rethrows -> T {
        guard let plane = pointer.pointee.data.0 else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeBufferPointer(start: UnsafeRawPointer(plane).assumingMemoryBound(to: Float.self), count: sampleCount))
    }

    /// A value a filter attached to the frame (`lavfi.r128.I` from `ebur128`).
    public func metadata(_ key: String) -> String? {
        av_dict_get(pointer.pointee.metadata, key, nil, 0).map { String(cString: $0.pointee.value) }
    }

    /// Mean and standard deviation of the luma plane of a YUV frame, sampled
    /// on a `step`-pixel grid: plenty to tell a picture from a black or blank frame.
    public func lumaStatistics(step: Int = 8) -> (mean: Double, deviation: Double) {
        guard let plane = pointer.pointee.data.0 else { return (0, 0) }
        let stride = Int(pointer.pointee.linesize.0)
        var sum = 0.0
        var squares = 0.0
        var count = 0.0
        for y in Swift.stride(from: 0, to: height, by: step) {
            let row = plane + y * stride
            for x in Swift.stride(from: 0, to: width, by: step) {
                let value = Double(row[x])
                sum += value
                squares += value * value
                count += 1
            }
        }
        guard count > 0 else { return (0, 0) }
        let mean = sum / count
        return (mean, max(0, squares / count - mean * mean).squareRoot())
    }

    /// A reference of its own to this frame's buffers, kept until released.
    public func retained() throws(MediaError) -> RetainedFrame {
        guard let clone = av_frame_clone(pointer) else { throw .engine("out of memory") }
        return RetainedFrame(taking: clone)
    }
}

/// A frame kept beyond the callback that lent it (a poster candidate, a frame
/// queued for an encoder thread); its reference is released with it.
public final class RetainedFrame {
    let pointer: UnsafeMutablePointer<AVFrame>

    init(taking pointer: UnsafeMutablePointer<AVFrame>) { self.pointer = pointer }

    deinit {
        var pointer: UnsafeMutablePointer<AVFrame>? = pointer
        av_frame_free(&pointer)
    }

    public var frame: Frame { Frame(pointer) }

    /// The picture as packed 8-bit RGB (through libswscale), for handing a still to libvips.
    public func rgbPixels() throws(MediaError) -> RGBPixels {
        try RGBPixels(converting: pointer)
    }
}
