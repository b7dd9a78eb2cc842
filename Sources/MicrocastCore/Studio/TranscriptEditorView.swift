import Foundation

/// The studio's transcript page: every caption of a recording as a line the
/// owner can correct (a name the recogniser misheard), and the way to have
/// it transcribed again.
public struct TranscriptEditorView: Sendable {
    /// One caption as a line to correct.
    public struct Cue: Sendable {
        public var index: Int
        public var time: String
        public var text: String
    }

    public var name: String
    public var language: String
    public var isEdited: Bool
    public var cues: [Cue]
    public var hasCues: Bool
    public var count: Int
    /// Said when there are no cues yet: being made, or transcription is off.
    public var emptyMessage: String
    public var saveAction: String
    public var regenerateAction: String
    public var mediaURL: String

    public init(
        name: String,
        transcript: StoredTranscript?,
        emptyMessage: String,
        saveAction: String,
        regenerateAction: String,
        mediaURL: String
    ) {
        self.name = name
        language = transcript?.language ?? ""
        isEdited = transcript?.isEdited ?? false
        cues = (transcript?.cues ?? []).enumerated().map { index, cue in
            Cue(index: index, time: DateText.clock(Int(cue.start.rounded(.down))), text: cue.text)
        }
        hasCues = !cues.isEmpty
        count = cues.count
        self.emptyMessage = emptyMessage
        self.saveAction = saveAction
        self.regenerateAction = regenerateAction
        self.mediaURL = mediaURL
    }

    /// The owner's form as one text per cue, in order; nil when the form does
    /// not match the transcript it was made from (it changed meanwhile).
    public static func texts(from fields: [(name: String, value: String)], expecting count: Int) -> [String]? {
        guard fields.first(where: { $0.name == "cues" }).flatMap({ Int($0.value) }) == count else { return nil }
        var texts = Array(repeating: "", count: count)
        var seen = 0
        for (name, value) in fields where name.hasPrefix("cue-") {
            guard let index = Int(name.dropFirst(4)), texts.indices.contains(index) else { return nil }
            texts[index] = value
            seen += 1
        }
        return seen == count ? texts : nil
    }
}
