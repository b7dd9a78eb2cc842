import Foundation

/// How the studio writes posts, files and jobs in a line of text.
public enum StudioText {
    /// A post's name, else the start of its text, else its date.
    public static func title(of post: Post) -> String {
        if let name = post.strings("name").first, !name.isEmpty { return name }
        let text = PostBuilder.contentText(post.properties["content"]?.first) ?? ""
        return text.isEmpty ? DateText.long(post.published) : String(text.prefix(60))
    }

    /// The text as the owner wrote it: the Markdown kept beside the HTML
    /// (what the studio sends), else the HTML, else the plain text.
    public static func source(of post: Post) -> String {
        switch post.properties["content"]?.first {
        case .string(let text)?: text
        case .object(let object)?: object["value"]?.stringValue ?? object["html"]?.stringValue ?? ""
        default: ""
        }
    }

    /// A numeric property (`episode`, `season`) as text, empty when absent.
    public static func number(_ post: Post, _ name: String) -> String {
        switch post.properties[name]?.first {
        case .integer(let value)?: String(value)
        case .string(let text)?: text
        default: ""
        }
    }

    /// `3.2 MB`, `240 KB`.
    public static func size(_ bytes: Int64) -> String {
        bytes >= 1_048_576 ? String(format: "%.1f MB", Double(bytes) / 1_048_576) : "\(max(1, bytes / 1024)) KB"
    }

    /// A file's dimensions or length: `4032 × 3024`, `25:36`.
    public static func details(_ item: MediaItem) -> String {
        var parts: [String] = []
        if let width = item.width, let height = item.height { parts.append("\(width) × \(height)") }
        if let duration = item.duration { parts.append(DateText.clock(Int(duration.rounded()))) }
        return parts.joined(separator: " · ")
    }

    /// `jpeg 640w`, `mp3 14.4 MB`, `waveform`.
    public static func describe(_ rendition: Rendition) -> String {
        switch rendition.role {
        case .image(let format): "\(format.rawValue) \(rendition.width)w"
        case .audio(let name), .video(let name): "\(name) \(size(rendition.byteCount))"
        case .waveform, .chapters: rendition.role.stored
        case .transcript(let format, let language): "transcript \(format.rawValue) (\(language))"
        }
    }

    /// A file's jobs, newest first: `photo.renditions done after 1 attempt`.
    public static func history(_ jobs: [Job]) -> String {
        jobs.prefix(5).map { job in
            var text = "\(job.kind.rawValue) \(job.state.rawValue) after \(job.attempts) attempt\(job.attempts == 1 ? "" : "s")"
            if let worker = job.worker { text += " (\(worker))" }
            if let error = job.lastError, job.state != .done { text += ": \(error)" }
            return text
        }.joined(separator: "; ")
    }
}
