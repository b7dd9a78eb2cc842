import CVips
import CVipsShim
import Foundation

/// The one place that starts libvips and sets its process-wide policy.
///
/// libvips keeps global state (the operation cache, the error buffer, which
/// loaders may run), so it is configured exactly once, before any image work.
public enum Vips {
    /// Loaders an upload may reach. Everything else (ImageMagick, PDF, SVG,
    /// FITS, matrix files, ...) stays blocked so a crafted file cannot pull in
    /// a large or untrusted decoder.
    static let allowedLoaders = [
        "VipsForeignLoadJpeg", "VipsForeignLoadPng", "VipsForeignLoadWebp",
        "VipsForeignLoadNsgif", "VipsForeignLoadTiff", "VipsForeignLoadHeif",
    ]

    private static let started: Bool = {
        guard vips_init("microcast") == 0 else { return false }
        // A server sees each file once; the cache only holds memory.
        vips_cache_set_max(0)
        vips_cache_set_max_mem(0)
        vips_block_untrusted_set(1)
        vips_operation_block_set("VipsForeignLoad", 1)
        for loader in allowedLoaders { vips_operation_block_set(loader, 0) }
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

/// An owned reference to a `VipsImage`; the reference is released when this
/// value is released. Never shared between threads.
final class VipsImageRef {
    let pointer: UnsafeMutablePointer<VipsImage>

    init(taking pointer: UnsafeMutablePointer<VipsImage>) { self.pointer = pointer }
    deinit { g_object_unref(pointer) }

    var width: Int { Int(vips_image_get_width(pointer)) }
    var height: Int { Int(vips_image_get_height(pointer)) }

    /// Calls a shim function that produces a new image, taking ownership of it.
    static func make(_ what: String, _ body: (UnsafeMutablePointer<UnsafeMutablePointer<VipsImage>?>) -> Int32)
        throws(MediaError) -> VipsImageRef
    {
        var out: UnsafeMutablePointer<VipsImage>?
        guard body(&out) == 0, let out else { throw .unreadable("\(what): \(Vips.takeError())") }
        return VipsImageRef(taking: out)
    }

    /// Opens a file lazily: only the header is read until pixels are asked for.
    static func open(path: String, failOnTruncated: Bool = true) throws(MediaError) -> VipsImageRef {
        try make("cannot read image") { mc_vips_open(path, failOnTruncated ? 1 : 0, $0) }
    }

    /// An sRGB image made from packed 8-bit RGB pixels; libvips keeps its own copy.
    static func fromRGB(_ pixels: Data, width: Int, height: Int) throws(MediaError) -> VipsImageRef {
        let image = pixels.withUnsafeBytes { buffer in
            vips_image_new_from_memory_copy(buffer.baseAddress, buffer.count, Int32(width), Int32(height), 3, VIPS_FORMAT_UCHAR)
        }
        guard let image else { throw .engine("cannot make an image from pixels: \(Vips.takeError())") }
        return VipsImageRef(taking: image)
    }

    /// Names of every metadata field on the image.
    var fieldNames: [String] {
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

    func hasField(_ name: String) -> Bool { vips_image_get_typeof(pointer, name) != 0 }

    func int(_ name: String) -> Int? {
        guard hasField(name) else { return nil }
        var value: Int32 = 0
        return vips_image_get_int(pointer, name, &value) == 0 ? Int(value) : nil
    }

    func string(_ name: String) -> String? {
        guard hasField(name) else { return nil }
        var value: UnsafePointer<CChar>?
        guard vips_image_get_string(pointer, name, &value) == 0, let value else { return nil }
        return String(cString: value)
    }

    func blob(_ name: String) -> Data? {
        guard hasField(name) else { return nil }
        var bytes: UnsafeRawPointer?
        var length = 0
        guard vips_image_get_blob(pointer, name, &bytes, &length) == 0, let bytes else { return nil }
        return Data(bytes: bytes, count: length)
    }

    func remove(field name: String) { _ = vips_image_remove(pointer, name) }

    /// The image's colour space, as libvips names it ("srgb", "cmyk", "b-w").
    var interpretation: String {
        let value = vips_image_get_interpretation(pointer)
        guard let nick = vips_enum_nick(vips_interpretation_get_type(), Int32(value.rawValue)) else { return "unknown" }
        return String(cString: nick)
    }

    /// Encodes to memory, copying the bytes into Swift-owned storage.
    func encode(_ what: String, _ body: (UnsafeMutablePointer<UnsafeMutableRawPointer?>, UnsafeMutablePointer<Int>) -> Int32)
        throws(MediaError) -> Data
    {
        var buffer: UnsafeMutableRawPointer?
        var length = 0
        guard body(&buffer, &length) == 0, let buffer else { throw .engine("\(what): \(Vips.takeError())") }
        defer { g_free(buffer) }
        return Data(bytes: buffer, count: length)
    }
}
