import CFFmpeg
import Foundation
import MediaModel

/// Copies a recording's sound and picture into a new file of the same
/// container without decoding them, leaving behind everything that is not
/// the recording itself: the container's tags (a phone's `location`, its
/// make, the creation time), every stream's tags but its language, chapters,
/// cover pictures, and data tracks (Apple's `mebx` metadata, timecodes).
/// A video's display matrix is kept, so it still plays upright.
public enum StreamCopy {
    /// Writes the copy of `path` to `destination` (a temporary name the caller
    /// renames into place) with the muxer named `container`. Blocking.
    public static func withoutMetadata(
        from path: String,
        to destination: URL,
        container: String,
        control: JobControl = .unlimited
    ) throws(MediaError) {
        let input = try FormatInput(path: path, control: control)
        let output = try OutputFile(temporaryPath: destination.path, container: container)
        // No `encoder` tag naming our FFmpeg, no time of writing.
        output.context.pointee.flags |= AVFMT_FLAG_BITEXACT

        var mapping = [Int32](repeating: -1, count: input.streams.count)
        for (index, stream) in input.streams.enumerated() where isRecording(stream) {
            guard let copy = avformat_new_stream(output.context, nil) else { throw .engine("out of memory") }
            guard avcodec_parameters_copy(copy.pointee.codecpar, stream.pointee.codecpar) >= 0 else {
                throw .engine("cannot describe a copied stream")
            }
            copy.pointee.time_base = stream.pointee.time_base
            copy.pointee.disposition = stream.pointee.disposition & AV_DISPOSITION_DEFAULT
            if let language = FormatInput.entries(of: stream.pointee.metadata)["language"] {
                av_dict_set(&copy.pointee.metadata, "language", language, 0)
            }
            try keepDisplayMatrix(from: stream, to: copy)
            mapping[index] = copy.pointee.index
        }
        guard mapping.contains(where: { $0 >= 0 }) else { throw .unreadable("the file has no audio or video stream") }

        try output.start()
        try input.readPackets { packet throws(MediaError) in
            let from = Int(packet.pointee.stream_index)
            guard from < mapping.count, mapping[from] >= 0, let to = output.context.pointee.streams[Int(mapping[from])] else { return }
            av_packet_rescale_ts(packet, input.streams[from].pointee.time_base, to.pointee.time_base)
            packet.pointee.stream_index = mapping[from]
            packet.pointee.pos = -1
            try output.write(packet)
        }
        try output.finish()
    }

    /// Sound and picture; a cover picture is an image file in disguise, with metadata of its own.
    private static func isRecording(_ stream: UnsafeMutablePointer<AVStream>) -> Bool {
        guard let parameters = stream.pointee.codecpar?.pointee else { return false }
        switch parameters.codec_type {
        case AVMEDIA_TYPE_AUDIO: return true
        case AVMEDIA_TYPE_VIDEO: return stream.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC == 0
        default: return false
        }
    }

    private static func keepDisplayMatrix(
        from stream: UnsafeMutablePointer<AVStream>,
        to copy: UnsafeMutablePointer<AVStream>
    ) throws(MediaError) {
        var size: Int = 0
        guard let matrix = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size), size > 0 else { return }
        guard let kept = av_stream_new_side_data(copy, AV_PKT_DATA_DISPLAYMATRIX, size) else { throw .engine("out of memory") }
        kept.update(from: matrix, count: size)
    }
}
