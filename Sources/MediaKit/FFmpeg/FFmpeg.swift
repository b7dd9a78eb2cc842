import CFFmpeg
import Foundation

/// Process-wide FFmpeg policy, and turning its error codes into text.
enum FFmpeg {
    /// Demuxers an upload may be opened with. No playlists (`hls`, `concat`),
    /// no image sequences (`image2`), nothing that names other files or URLs.
    static let allowedDemuxers = "mov,mp4,m4a,3gp,mp3,aac,wav,flac,ogg,matroska,webm,aiff"

    /// Decoders an upload's streams may be opened with: the codecs phones,
    /// cameras and recorders write, and not the hundreds of rarely used ones
    /// whose bugs nobody would reach otherwise. Cover art is JPEG or PNG.
    static let allowedDecoders = [
        "aac", "aac_fixed", "aac_latm", "alac", "flac", "mp3", "mp3float", "mp2", "mp2float", "vorbis", "libvorbis", "opus",
        "libopus", "ac3", "eac3", "pcm_s16le", "pcm_s16be", "pcm_s24le", "pcm_s24be", "pcm_s32le", "pcm_s32be", "pcm_f32le",
        "pcm_f32be", "pcm_f64le", "pcm_u8", "pcm_alaw", "pcm_mulaw", "h264", "hevc", "vp8", "vp9", "libvpx", "libvpx-vp9",
        "av1", "libdav1d", "libaom-av1", "mpeg4", "mjpeg", "png", "prores",
    ].joined(separator: ",")

    private static let configured: Void = {
        // FFmpeg writes warnings straight to stderr; our errors come from return
        // codes. MICROCAST_FFMPEG_LOG=1 shows FFmpeg's own messages, for diagnosis.
        av_log_set_level(ProcessInfo.processInfo.environment["MICROCAST_FFMPEG_LOG"] == nil ? AV_LOG_QUIET : AV_LOG_VERBOSE)
    }()

    static func configure() { _ = configured }

    static func describe(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        av_strerror(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// An open demuxer on a local file; closes it when released. Never shared between threads.
final class FormatInput {
    let context: UnsafeMutablePointer<AVFormatContext>

    /// Opens `path` with only the `file` protocol and our demuxers allowed,
    /// then reads enough packets to describe every stream.
    init(path: String) throws(MediaError) {
        FFmpeg.configure()
        var options: OpaquePointer?
        defer { av_dict_free(&options) }
        av_dict_set(&options, "protocol_whitelist", "file", 0)
        av_dict_set(&options, "format_whitelist", FFmpeg.allowedDemuxers, 0)
        av_dict_set(&options, "codec_whitelist", FFmpeg.allowedDecoders, 0)

        var context: UnsafeMutablePointer<AVFormatContext>?
        let opened = avformat_open_input(&context, path, nil, &options)
        guard opened == 0, let context else {
            throw .unreadable("not an audio or video file we can read (\(FFmpeg.describe(opened)))")
        }
        self.context = context
        let found = avformat_find_stream_info(context, nil)
        guard found >= 0 else {
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
}
