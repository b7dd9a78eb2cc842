import MediaModel

/// The files a video becomes, worked out from its header before any decoding:
/// which preset sizes apply, their exact dimensions, the rotation to apply and
/// whether the frame rate is capped. Pure arithmetic, tested on its own.
public struct VideoPlan: Equatable, Sendable {
    /// One planned file: its name, exact size, quality, frame-rate cap and filter chain.
    public struct Output: Equatable, Sendable {
        public var name: String
        public var width: Int
        public var height: Int
        public var crf: Int
        /// Frames per second to reduce to, or nil to keep the source's rate.
        public var frameRate: Int?
        /// The libavfilter chain from decoded frames to encoder input.
        public var filters: String
    }

    /// Display size after the pixel aspect ratio and rotation are applied.
    public var displayWidth: Int
    public var displayHeight: Int
    public var outputs: [Output]

    /// - Parameters:
    ///   - rotation: degrees counter-clockwise, as FFmpeg's display matrix
    ///     (and `ffprobe`) report it; phones write -90 for a portrait video.
    ///   - pixelAspect: the sample aspect ratio (1 for square pixels).
    public init(codedWidth: Int, codedHeight: Int, pixelAspect: Double = 1, rotation: Double?, frameRate: Double?, sizes: [VideoPreset.Size]) {
        let turn = Self.clockwiseQuarterTurns(rotation)
        let width = max(2, Int((Double(codedWidth) * (pixelAspect > 0 ? pixelAspect : 1)).rounded()))
        let sideways = turn % 2 == 1
        displayWidth = sideways ? codedHeight : width
        displayHeight = sideways ? width : codedHeight

        let rotate = ["", "transpose=clock,", "hflip,vflip,", "transpose=cclock,"][turn]
        var outputs: [Output] = []
        for size in sizes.sorted(by: { $0.longSide > $1.longSide }) {
            let (outWidth, outHeight) = Self.fit(displayWidth, displayHeight, long: size.longSide, short: size.shortSide)
            guard !outputs.contains(where: { $0.width == outWidth && $0.height == outHeight }) else { continue }
            let capped = (frameRate ?? 0) > Double(size.maxFrameRate) + 0.01 ? size.maxFrameRate : nil
            // Frames are dropped before scaling, so dropped frames cost nothing;
            // rotation comes before scaling so the box is the displayed one.
            let fps = capped.map { "fps=\($0)," } ?? ""
            let scale =
                sideways
                ? "scale=\(outHeight):\(outWidth):flags=bicubic"  // scaled as stored, then turned
                : "scale=\(outWidth):\(outHeight):flags=bicubic"
            let filters =
                sideways
                ? "\(fps)\(scale),\(rotate)setsar=1,format=yuv420p"
                : "\(fps)\(rotate)\(scale),setsar=1,format=yuv420p"
            // Named by what it is ("720p" for a 720p source under the 1080p preset), not by the preset.
            outputs.append(
                Output(
                    name: "\(min(outWidth, outHeight))p",
                    width: outWidth,
                    height: outHeight,
                    crf: size.crf,
                    frameRate: capped,
                    filters: filters
                )
            )
        }
        self.outputs = outputs
    }

    /// 0–3 quarter turns clockwise that make the picture upright.
    static func clockwiseQuarterTurns(_ rotation: Double?) -> Int {
        guard let rotation, rotation.isFinite else { return 0 }
        let clockwise = (-rotation).truncatingRemainder(dividingBy: 360)
        let normalised = clockwise < 0 ? clockwise + 360 : clockwise
        return Int((normalised / 90).rounded()) % 4
    }

    /// The largest even size with the same shape that fits the box (by long
    /// and short side) and is no larger than the source.
    static func fit(_ width: Int, _ height: Int, long: Int, short: Int) -> (Int, Int) {
        let longSide = Double(max(width, height))
        let shortSide = Double(min(width, height))
        let scale = min(1, Double(long) / longSide, Double(short) / shortSide)
        func even(_ value: Double) -> Int { max(2, Int((value / 2).rounded()) * 2) }
        return (even(Double(width) * scale), even(Double(height) * scale))
    }
}
