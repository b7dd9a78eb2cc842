/// The formats stills are published in: photo renditions and video posters.
public enum ImageFormat: String, Codable, Sendable, CaseIterable {
    case jpeg, webp, avif

    public var mimeType: String { "image/" + rawValue }
    public var fileExtension: String { self == .jpeg ? "jpg" : rawValue }
}
