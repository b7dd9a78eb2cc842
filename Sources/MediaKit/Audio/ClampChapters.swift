import MediaModel

/// Chapters end where the sound ends; one that starts after it is dropped. A
/// chapter editor's text track may outlast the audio it describes.
enum ClampChapters {
    static func run(_ chapters: [MediaProbe.Chapter], to duration: Double?) -> [MediaProbe.Chapter] {
        guard let duration else { return chapters }
        return chapters.compactMap { chapter in
            guard chapter.start < duration else { return nil }
            var chapter = chapter
            chapter.end = min(chapter.end, duration)
            return chapter
        }
    }
}
