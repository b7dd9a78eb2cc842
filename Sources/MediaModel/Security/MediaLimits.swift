/// Limits checked from headers (or file sizes) before any expensive work
/// starts, and held again on what actually decodes.
public struct MediaLimits: Sendable, Equatable, Codable {
    /// Pixels in one photo or one video frame.
    public var maxPixels: Int
    public var maxUploadBytes: Int64
    /// The longest recording or video, in seconds.
    public var maxDurationSeconds: Double
    /// A transcript or chapters file is read whole, so it stays small.
    public var maxTextBytes: Int

    public init(
        maxPixels: Int = 100_000_000,
        maxUploadBytes: Int64 = 1 << 30,
        maxDurationSeconds: Double = 4 * 3600,
        maxTextBytes: Int = 5 << 20
    ) {
        self.maxPixels = maxPixels
        self.maxUploadBytes = maxUploadBytes
        self.maxDurationSeconds = maxDurationSeconds
        self.maxTextBytes = maxTextBytes
    }
}
