import CFFmpeg
import MediaModel

/// Audio and video probing through libavformat: the streams, tags and
/// chapters a file declares, and whether the stream to process can be decoded.
public enum AVProbe {
    /// - Parameter sniffed: the format the file's first bytes named; refined by what its streams hold.
    public static func probe(path: String, sniffed: MediaFormat, control: JobControl = .unlimited) throws(MediaError) -> MediaProbe {
        let input = try FormatInput(path: path, control: control)
        let context = input.context.pointee

        var streams: [MediaProbe.Stream] = []
        for stream in input.streams {
            guard let parameters = stream.pointee.codecpar?.pointee else { continue }
            let isCoverArt = stream.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC != 0
            var described = MediaProbe.Stream(
                index: Int(stream.pointee.index),
                type: streamType(parameters.codec_type),
                codec: String(cString: avcodec_get_name(parameters.codec_id)),
                bitRate: parameters.bit_rate > 0 ? Int(parameters.bit_rate) : nil,
                isCoverArt: isCoverArt,
                duration: stream.pointee.duration == mc_av_nopts_value() || stream.pointee.duration <= 0
                    ? nil : Double(stream.pointee.duration) * av_q2d(stream.pointee.time_base)
            )
            switch parameters.codec_type {
            case AVMEDIA_TYPE_AUDIO:
                described.sampleRate = Int(parameters.sample_rate)
                described.channels = Int(parameters.ch_layout.nb_channels)
            case AVMEDIA_TYPE_VIDEO:
                described.width = Int(parameters.width)
                described.height = Int(parameters.height)
                if !isCoverArt {
                    described.rotation = rotation(of: stream)
                    let rate = stream.pointee.avg_frame_rate
                    if rate.num > 0 && rate.den > 0 { described.frameRate = av_q2d(rate) }
                }
            default:
                break
            }
            streams.append(described)
        }

        let hasPicture = streams.contains { $0.type == .video && !$0.isCoverArt }
        let hasSound = streams.contains { $0.type == .audio }
        guard hasPicture || hasSound else {
            throw .unreadable("the file has no audio or video stream")
        }
        let kind: MediaKind = hasPicture ? .video : .audio
        let picture = streams.first { $0.type == .video && !$0.isCoverArt }
        // The stream processing will decode must open with an allowed decoder, refused here rather than in the job.
        _ = try StreamDecoder(input: input, type: hasPicture ? AVMEDIA_TYPE_VIDEO : AVMEDIA_TYPE_AUDIO)

        return MediaProbe(
            kind: kind,
            format: String(cString: context.iformat.pointee.name),
            mimeType: sniffed.refined(for: kind).mimeType,
            duration: input.duration,
            bitRate: context.bit_rate > 0 ? Int(context.bit_rate) : nil,
            width: picture?.width,
            height: picture?.height,
            streams: streams,
            tags: FormatInput.entries(of: context.metadata),
            chapters: input.chapters.map { chapter in
                let base = av_q2d(chapter.pointee.time_base)
                return MediaProbe.Chapter(
                    start: Double(chapter.pointee.start) * base,
                    end: Double(chapter.pointee.end) * base,
                    title: FormatInput.entries(of: chapter.pointee.metadata)["title"]
                )
            },
            hasCoverArt: streams.contains { $0.isCoverArt }
        )
    }

    /// Refuses a file whose sample index points past its end: an MP4 or MOV
    /// cut short in transfer keeps its `moov` (written first by phones) but
    /// loses the media it describes. Other containers have no full index and
    /// are judged when decoded.
    public static func requireComplete(path: String, control: JobControl = .unlimited) throws(MediaError) {
        let input = try FormatInput(path: path, control: control)
        let size = avio_size(input.context.pointee.pb)
        guard size > 0 else { return }
        var end: Int64 = 0
        for stream in input.streams {
            let count = avformat_index_get_entries_count(stream)
            guard count > 0, let last = avformat_index_get_entry(stream, count - 1) else { continue }
            end = max(end, last.pointee.pos + Int64(last.pointee.size))
        }
        if end > size {
            let percent = Int((Double(size) / Double(end) * 100).rounded(.down))
            throw .unreadable("the file is truncated: it holds \(percent) % of the media its index describes")
        }
    }

    static func rotation(of stream: UnsafeMutablePointer<AVStream>) -> Double? {
        var size: Int = 0
        guard let matrix = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size),
            size >= 9 * MemoryLayout<Int32>.size
        else { return nil }
        let degrees = matrix.withMemoryRebound(to: Int32.self, capacity: 9) { av_display_rotation_get($0) }
        return degrees.isNaN ? nil : degrees
    }

    private static func streamType(_ type: AVMediaType) -> MediaProbe.StreamType {
        switch type {
        case AVMEDIA_TYPE_AUDIO: .audio
        case AVMEDIA_TYPE_VIDEO: .video
        case AVMEDIA_TYPE_SUBTITLE: .subtitle
        case AVMEDIA_TYPE_DATA: .data
        case AVMEDIA_TYPE_ATTACHMENT: .attachment
        default: .unknown
        }
    }
}
