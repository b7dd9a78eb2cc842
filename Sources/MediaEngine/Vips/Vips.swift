import CVips
import CVipsShim
import Foundation
import MediaModel

/// The one place that starts libvips and sets its process-wide policy.
///
/// libvips keeps global state (the operation cache, the error buffer, which
/// loaders may run), so it is configured exactly once, before any image work.
/// Loaders an upload may reach are `DecoderPolicy.imageLoaders`; everything
/// else stays blocked so a crafted file cannot pull in a large or untrusted decoder.
public enum Vips {
    private static let started: Bool = {
        guard vips_init("microcast") == 0 else { return false }
        // A server sees each file once; the cache only holds memory.
        vips_cache_set_max(0)
        vips_cache_set_max_mem(0)
        vips_block_untrusted_set(1)
        vips_operation_block_set("VipsForeignLoad", 1)
        for loader in DecoderPolicy.imageLoaders { vips_operation_block_set(loader, 0) }
        return true
    }()

    /// Starts libvips if it has not started yet. Safe to call from any thread.
    public static func start() throws(MediaError) {
        guard started else { throw .engine("libvips failed to start: \(takeError())") }
    }

    /// Reads and clears libvips's error buffer (process-wide, so the text may
    /// include a neighbour thread's message; it is only ever shown, never parsed).
    static func takeError() -> String {
        let message = String(cString: vips_error_buffer())
        vips_error_clear()
        return message.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// An owned reference to a libvips image; the reference is released when
/// this value is released. Never shared between threads. Every operation
/// returns a new image and leaves this one as it was.
public final class VipsImageRef {
    let pointer: UnsafeMutablePointer<VipsImage>
    /// The control a `stopping(with:)` image answers to; failures of images
    /// made from it are reported as `interrupted` once it says stop.
    var control: JobControl?

    init(taking pointer: UnsafeMutablePointer<VipsImage>) { self.pointer = pointer }
    deinit { g_object_unref(pointer) }

    public var width: Int { Int(vips_image_get_width(pointer)) }
    public var height: Int { Int(vips_image_get_height(pointer)) }

    /// Calls a shim function that produces a new image, taking ownership of it.
    static func make(
        _ what: String,
        _ body: (UnsafeMutablePointer<UnsafeMutablePointer<VipsImage>?>) -> Int32
    )
        throws(MediaError) -> VipsImageRef
    {
        var out: UnsafeMutablePointer<VipsImage>?
        guard body(&out) == 0, let out else { throw .unreadable("\(what): \(Vips.takeError())") }
        return VipsImageRef(taking: out)
    }

    // MARK: Opening

    /// Opens a file lazily: only the header is read until pixels are asked for.
    public static func open(path: String, failOnTruncated: Bool = true) throws(MediaError) -> VipsImageRef {
        try Vips.start()
        return try make("cannot read image") { mc_vips_open(path, failOnTruncated ? 1 : 0, $0) }
    }

    /// A JPEG opened at 1/`shrink` size (libjpeg scales while decoding); a truncated file is an error.
    public static func openJPEG(path: String, shrink: Int) throws(MediaError) -> VipsImageRef {
        try Vips.start()
        return try make("cannot read image") { mc_vips_open_jpeg_shrunk(path, Int32(shrink), $0) }
    }

    /// Loaded already shrunk to fit `width` × `height` (JPEG and WebP decode at
    /// the reduced size), never upscaled, upright per its EXIF orientation, in sRGB.
    public static func thumbnail(path: String, width: Int, height: Int) throws(MediaError) -> VipsImageRef {
        try Vips.start()
        return try make("cannot decode the image") { mc_vips_thumbnail(path, Int32(width), Int32(height), "srgb", $0) }
    }

    /// A `size` × `size` square cut from the middle (upscaling allowed), upright, in sRGB.
    public static func square(path: String, size: Int) throws(MediaError) -> VipsImageRef {
        try Vips.start()
        return try make("cannot read the image") { mc_vips_square(path, Int32(size), $0) }
    }

    /// A `size` × `size` card: `text` in white, centred and fitted, on a solid colour (0–255 channels).
    public static func titleCard(_ text: String, size: Int, red: Double, green: Double, blue: Double) throws(MediaError) -> VipsImageRef {
        try Vips.start()
        // The text is drawn by our shim with a font map of its own, into plain
        // pixels (not vips_text: in 8.14.1 its layout, on Pango's per-thread
        // default map, lives as long as the text image, which libvips's worker
        // threads may be the last to release). The map is not thread-safe: one card at a time.
        textLock.lock()
        defer { textLock.unlock() }
        return try make("cannot draw the card") { mc_vips_title_card(text, Int32(size), red, green, blue, $0) }
    }

    private static let textLock = NSLock()

    /// An sRGB image of packed 8-bit RGB pixels; libvips keeps its own copy.
    public static func fromRGB(_ pixels: RGBPixels) throws(MediaError) -> VipsImageRef {
        try Vips.start()
        let image = pixels.data.withUnsafeBytes { buffer in
            vips_image_new_from_memory_copy(
                buffer.baseAddress,
                buffer.count,
                Int32(pixels.width),
                Int32(pixels.height),
                3,
                VIPS_FORMAT_UCHAR
            )
        }
        guard let image else { throw .engine("cannot make an image from pixels: \(Vips.takeError())") }
        return VipsImageRef(taking: image)
    }

    // MARK: Metadata fields

    /// Names of every metadata field on the image (`exif-ifd3-GPSLatitude`, `icc-profile-data`, ...).
    public var fieldNames: [String] {
        guard let fields = vips_image_get_fields(pointer) else { return [] }
        defer { g_strfreev(fields) }
        var names: [String] = []
        var index = 0
        while let name = fields[index] {
            names.append(String(cString: name))
            index += 1
        }
        return names
    }

    public func hasField(_ name: String) -> Bool { vips_image_get_typeof(pointer, name) != 0 }

    public func int(_ name: String) -> Int? {
        guard hasField(name) else { return nil }
        var value: Int32 = 0
        return vips_image_get_int(pointer, name, &value) == 0 ? Int(value) : nil
    }

    public func string(_ name: String) -> String? {
        guard hasField(name) else { return nil }
        var value: UnsafePointer<CChar>?
        guard vips_image_get_string(pointer, name, &value) == 0, let value else { return nil }
        return String(cString: value)
    }

    public func blob(_ name: String) -> Data? {
        guard hasField(name) else { return nil }
        var bytes: UnsafeRawPointer?
        var length = 0
        guard vips_image_get_blob(pointer, name, &bytes, &length) == 0, let bytes else { return nil }
        return Data(bytes: bytes, count: length)
    }

    /// Removes a field from this image (make a `copy()` first if others share it).
    public func remove(field name: String) { _ = vips_image_remove(pointer, name) }

    /// The image's colour space, as libvips names it ("srgb", "cmyk", "b-w").
    public var interpretation: String {
        let value = vips_image_get_interpretation(pointer)
        guard let nick = vips_enum_nick(vips_interpretation_get_type(), Int32(value.rawValue)) else { return "unknown" }
        return String(cString: nick)
    }

    /// Whether each band counts to 65535 rather than 255.
    public var isSixteenBit: Bool { vips_image_get_format(pointer) == VIPS_FORMAT_USHORT }

    // MARK: Operations

    /// A new image sharing these pixels, with fields of its own to change.
    public func copy() throws(MediaError) -> VipsImageRef {
        try derive("cannot copy image") { mc_vips_copy(pointer, $0) }
    }

    /// This image, with every computation made from it stopped once
    /// `control` says stop (a deadline passed or the job was cancelled):
    /// libvips asks as it renders, so a decode that runs long ends by itself
    /// instead of holding a worker, and the failure is `interrupted`.
    public func stopping(with control: JobControl) throws(MediaError) -> VipsImageRef {
        // libvips holds the control until the copy is finalised (then `release` runs).
        let opaque = Unmanaged.passRetained(control).toOpaque()
        var out: UnsafeMutablePointer<VipsImage>?
        let made = mc_vips_stop_when(
            pointer,
            { opaque in
                guard let opaque else { return 0 }
                return Unmanaged<JobControl>.fromOpaque(opaque).takeUnretainedValue().shouldStop ? 1 : 0
            },
            { opaque in
                guard let opaque else { return }
                Unmanaged<JobControl>.fromOpaque(opaque).release()
            },
            opaque,
            &out
        )
        guard made == 0, let out else {
            Unmanaged<JobControl>.fromOpaque(opaque).release()
            throw .engine("cannot copy image: \(Vips.takeError())")
        }
        let watched = VipsImageRef(taking: out)
        watched.control = control
        return watched
    }

    /// A new image made from this one by a shim call; it answers to the same control.
    private func derive(
        _ what: String,
        _ body: (UnsafeMutablePointer<UnsafeMutablePointer<VipsImage>?>) -> Int32
    )
        throws(MediaError) -> VipsImageRef
    {
        var out: UnsafeMutablePointer<VipsImage>?
        guard body(&out) == 0, let out else { throw failure(what, as: MediaError.unreadable) }
        let image = VipsImageRef(taking: out)
        image.control = control
        return image
    }

    /// The error for a failed operation: `interrupted` if our control stopped it.
    private func failure(_ what: String, as kind: (String) -> MediaError) -> MediaError {
        let reason = Vips.takeError()
        if let control, control.shouldStop { return .interrupted("\(what): ran past its time limit or was stopped") }
        return kind("\(what): \(reason)")
    }

    /// Scaled by `scale` (below 1 to shrink) with libvips's default Lanczos kernel.
    public func resized(by scale: Double) throws(MediaError) -> VipsImageRef {
        try derive("cannot resize the image") { mc_vips_resize(pointer, scale, $0) }
    }

    /// Runs the pipeline behind this image into memory, so later readers get
    /// finished pixels instead of decoding again.
    public func inMemory() throws(MediaError) -> VipsImageRef {
        guard let pixels = vips_image_copy_memory(pointer) else {
            throw failure("cannot decode the image", as: MediaError.unreadable)
        }
        let image = VipsImageRef(taking: pixels)
        image.control = control
        return image
    }

    /// Composited onto white if it has an alpha channel (a copy otherwise): JPEG has no transparency.
    public func flattenedOnWhite() throws(MediaError) -> VipsImageRef {
        try derive("cannot flatten the image") { mc_vips_flatten_white(pointer, $0) }
    }

    /// Decodes every pixel (the average is the cheapest way to ask for all of them).
    public func average() throws(MediaError) -> Double {
        var average = 0.0
        guard mc_vips_avg(pointer, &average) == 0 else { throw failure("cannot decode the image", as: MediaError.unreadable) }
        return average
    }

    /// The mean of each of the first `count` bands (fewer for a grey image), or nil.
    public func bandMeans(_ count: Int = 3) -> [Double]? {
        var means = [Double](repeating: 0, count: count)
        let bands = Int(mc_vips_band_means(pointer, &means, Int32(count)))
        guard bands > 0 else {
            _ = Vips.takeError()
            return nil
        }
        return Array(means.prefix(bands))
    }

    // MARK: Encoding

    /// With `strip` false the saver writes the EXIF fields still on the image (and nothing else).
    public func jpeg(quality: Int, interlace: Bool = true, strip: Bool = true) throws(MediaError) -> Data {
        try encode("cannot encode JPEG") { mc_vips_jpegsave_buffer(pointer, Int32(quality), interlace ? 1 : 0, strip ? 1 : 0, $0, $1) }
    }

    /// libvips 8.14's WebP saver ignores `strip`: remove metadata chunks from the result.
    public func webp(quality: Int) throws(MediaError) -> Data {
        try encode("cannot encode WebP") { mc_vips_webpsave_buffer(pointer, Int32(quality), $0, $1) }
    }

    /// AVIF through libheif's AV1 encoder; `effort` 0 (fast) to 9 (small).
    public func avif(quality: Int, effort: Int) throws(MediaError) -> Data {
        try encode("cannot encode AVIF") { mc_vips_avifsave_buffer(pointer, Int32(quality), Int32(effort), $0, $1) }
    }

    /// HEIC (HEVC) or, with `av1`, AVIF at libheif's default speed, with no metadata.
    public func heif(quality: Int, av1: Bool) throws(MediaError) -> Data {
        try encode(av1 ? "cannot encode AVIF" : "cannot encode HEIC") { mc_vips_heifsave_buffer(pointer, Int32(quality), av1 ? 1 : 0, $0, $1) }
    }

    /// Deflate-compressed (lossless) TIFF with no metadata.
    public func tiff() throws(MediaError) -> Data {
        try encode("cannot encode TIFF") { mc_vips_tiffsave_buffer(pointer, $0, $1) }
    }

    /// Encodes to memory, copying the bytes into Swift-owned storage.
    private func encode(
        _ what: String,
        _ body: (UnsafeMutablePointer<UnsafeMutableRawPointer?>, UnsafeMutablePointer<Int>) -> Int32
    )
        throws(MediaError) -> Data
    {
        var buffer: UnsafeMutableRawPointer?
        var length = 0
        guard body(&buffer, &length) == 0, let buffer else { throw failure(what, as: MediaError.engine) }
        defer { g_free(buffer) }
        return Data(bytes: buffer, count: length)
    }
}
