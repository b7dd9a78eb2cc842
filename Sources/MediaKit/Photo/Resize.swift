import MediaEngine
import MediaModel

/// A smaller width of the decoded master. Lazy, as libvips operations are:
/// the pixels are made when the encode step asks for them, one width at a
/// time, so only one extra size is ever held in memory.
enum Resize {
    static func run(_ master: VipsImageRef, toWidth width: Int) throws(MediaError) -> VipsImageRef {
        guard width < master.width else { return master }
        return try master.resized(by: Double(width) / Double(master.width))
    }
}
