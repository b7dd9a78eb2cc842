/// The four kinds of file Microcast takes. `text` is an episode's companion
/// file: a transcript or a chapters list.
public enum MediaKind: String, Sendable, Codable, CaseIterable {
    case photo, audio, video, text
}
