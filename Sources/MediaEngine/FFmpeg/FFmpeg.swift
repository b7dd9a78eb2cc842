import CFFmpeg
import Foundation
import MediaModel
import Synchronization

/// FFmpeg's process-wide settings, and turning its error codes into text.
public enum FFmpeg {
    private static let verbose = Atomic<Bool>(false)

    /// FFmpeg writes warnings straight to stderr; our errors come from return
    /// codes, so it is quiet unless `verbose` (for diagnosis). Set once, by
    /// the composition root, before any media work.
    public static func configure(verbose: Bool) {
        self.verbose.store(verbose, ordering: .relaxed)
        av_log_set_level(verbose ? AV_LOG_VERBOSE : AV_LOG_QUIET)
    }

    static func applyLogLevel() {
        if !verbose.load(ordering: .relaxed) { av_log_set_level(AV_LOG_QUIET) }
    }

    static func describe(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        av_strerror(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static let decoderList = DecoderPolicy.decoders.joined(separator: ",")
}

/// An open demuxer on a local file; closes it when released. Never shared between threads.
///
/// Opened with only the `file` protocol, our demuxers and our decoders
/// allowed (`DecoderPolicy`), and an interrupt callback that ends any read
/// once the job's control says stop.
final class FormatInput {
    let context: UnsafeMutablePointer<AVFormatContext>
    /// Kept alive for the interrupt callback, which holds it unretained.
    private let control: JobControl

    init(path: String, control: JobControl = .unlimited) throws(MediaError) {
        FFmpeg.applyLogLevel()
        self.control = control
        guard let context = avformat_alloc_context() else { throw .engine("out of memory") }
        context.pointee.interrupt_callback.callback = { opaque in
            guard let opaque else { return 0 }
            return Unmanaged<JobControl>.fromOpaque(opaque).takeUnretainedValue().shouldStop ? 1 : 0
        }
        context.pointee.interrupt_callback.opaque = Unmanaged.passUnretained(control).toOpaque()

        var options: OpaquePointer?
        defer { av_dict_free(&options) }
        av_dict_set(&options, "protocol_whitelist", DecoderPolicy.protocols, 0)
        av_dict_set(&options, "format_whitelist", DecoderPolicy.demuxers, 0)
        av_dict_set(&options, "codec_whitelist", FFmpeg.decoderList, 0)

        // On failure avformat_open_input frees the context it was given.
        var opening: UnsafeMutablePointer<AVFormatContext>? = context
        let opened = avformat_open_input(&opening, path, nil, &options)
        guard opened == 0, let opening else {
            if control.shouldStop { throw .interrupted("stopped while opening the file") }
            throw .unreadable("not an audio or video file we can read (\(FFmpeg.describe(opened)))")
        }
        self.context = opening
        let found = avformat_find_stream_info(opening, nil)
        guard found >= 0 else {
            if control.shouldStop { throw .interrupted("stopped while reading the streams") }
            throw .unreadable("cannot read the streams (\(FFmpeg.describe(found)))")
        }
    }

    deinit {
        var context: UnsafeMutablePointer<AVFormatContext>? = context
        avformat_close_input(&context)
    }

    var streams: [UnsafeMutablePointer<AVStream>] {
        (0..<Int(context.pointee.nb_streams)).compactMap { context.pointee.streams[$0] }
    }

    var chapters: [UnsafeMutablePointer<AVChapter>] {
        (0..<Int(context.pointee.nb_chapters)).compactMap { context.pointee.chapters[$0] }
    }

    /// The container's duration in seconds, when it declares one.
    var duration: Double? {
        context.pointee.duration > 0 ? Double(context.pointee.duration) / Double(AV_TIME_BASE) : nil
    }

    /// Every entry of an FFmpeg metadata dictionary, keys lower-cased.
    static func entries(of dictionary: OpaquePointer?) -> [String: String] {
        var result: [String: String] = [:]
        var entry: UnsafeMutablePointer<AVDictionaryEntry>?
        while let next = av_dict_get(dictionary, "", entry, AV_DICT_IGNORE_SUFFIX) {
            result[String(cString: next.pointee.key).lowercased()] = String(cString: next.pointee.value)
            entry = next
        }
        return result
    }

    /// Reads every packet in file order, handing each to `body`. The packet is
    /// only valid during the call.
    func readPackets(_ body: (UnsafeMutablePointer<AVPacket>) throws(MediaError) -> Void) throws(MediaError) {
        guard let packet = av_packet_alloc() else { throw .engine("out of memory") }
        var packetRef: UnsafeMutablePointer<AVPacket>? = packet
        defer { av_packet_free(&packetRef) }
        while true {
            let read = av_read_frame(context, packet)
            if read == mc_averror_eof() { return }
            guard read >= 0 else {
                if control.shouldStop { throw .interrupted("stopped while reading the file") }
                throw .unreadable("the file ends early or is damaged (\(FFmpeg.describe(read)))")
            }
            defer { av_packet_unref(packet) }
            try body(packet)
        }
    }
}
