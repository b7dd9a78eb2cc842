import Foundation
import MediaModel
import MicrocastCore

/// A transcript's four files (WebVTT, SubRip, the Podcasting 2.0 JSON and
/// plain text) written into the library under new names, as renditions of
/// the recording: what a transcription makes, and what an owner's edit
/// makes again from the corrected cues.
struct TranscriptFiles {
    let library: MediaLibrary

    func write(_ cues: [CaptionCue], plainText: String, language: String, mediaId: String) throws -> [Rendition] {
        try TranscriptFormat.allCases.map { format in
            let data = Data((format == .txt ? plainText : format.render(cues)).utf8)
            let fileName = try library.writeRendition(data, stem: "\(mediaId)-transcript", fileExtension: format.rawValue)
            return Rendition(
                mediaId: mediaId,
                role: .transcript(format, language: language),
                mimeType: format.mimeType,
                byteCount: Int64(data.count),
                fileName: fileName
            )
        }
    }

    /// Running text from cues: a new paragraph where the speech paused.
    static func plainText(_ cues: [CaptionCue]) -> String {
        var paragraphs: [[String]] = []
        var previousEnd: Double?
        for cue in cues where !cue.text.isEmpty {
            if paragraphs.isEmpty || (previousEnd.map { cue.start - $0 > 1.5 } ?? false) { paragraphs.append([]) }
            paragraphs[paragraphs.count - 1].append(cue.text)
            previousEnd = cue.end
        }
        return paragraphs.map { $0.joined(separator: " ") }.joined(separator: "\n\n") + "\n"
    }
}
