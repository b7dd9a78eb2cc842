import Foundation
import MediaEngine
import MediaModel

/// Reads every written file back: its size, duration and bit rate as a
/// podcast app will see them, and whether it holds all the sound the source
/// promised. A file whose header promises more than decodes (cut off
/// mid-upload, damaged) is refused rather than published short.
enum VerifyOutputs {
    static func run(_ outputs: [PodcastAudio.Output], promised: Double?, channels: Int) throws(MediaError) -> [EncodedAudio] {
        var files: [EncodedAudio] = []
        for output in outputs {
            let encoding = output.encoding
            let sniffed = MediaFormat(name: encoding.name, mimeType: encoding.mimeType, fileExtension: encoding.fileExtension, kind: .audio)
            let written = try AVProbe.probe(path: output.temporary.path, sniffed: sniffed)
            try checkComplete(promised: promised, decoded: written.duration)
            let size = (try? FileManager.default.attributesOfItem(atPath: output.temporary.path)[.size] as? NSNumber)?.int64Value ?? 0
            files.append(
                EncodedAudio(
                    encoding: encoding,
                    temporaryFile: output.temporary,
                    byteCount: size,
                    duration: written.duration ?? 0,
                    // The stream's own rate: the container's includes the tags and cover.
                    bitRate: written.audioStream?.bitRate ?? written.bitRate ?? 0,
                    channels: channels
                )
            )
        }
        return files
    }

    static func checkComplete(promised: Double?, decoded: Double?) throws(MediaError) {
        guard let promised, let decoded, promised > 0 else { return }
        if decoded < promised - max(1, promised * 0.02) {
            throw .unreadable(
                "the file ends early: it holds \(Int(decoded.rounded())) s of the \(Int(promised.rounded())) s its header promises"
            )
        }
    }
}
